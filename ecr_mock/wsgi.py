"""Host the registry server under any WSGI server, for example:

    gunicorn --workers 1 --threads 16 --bind 127.0.0.1:5000 \\
        'ecr_mock.wsgi:create_app(data_dir="/var/lib/ecr-mock", address="127.0.0.1:5000")'

(``ecr-mock serve`` does the same on werkzeug's threaded server.)
"""

from ecr_mock._server.hosting import create_app

__all__ = ["create_app"]

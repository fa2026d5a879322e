"""The registry server for a WSGI server of your choice (gunicorn, granian, uWSGI, waitress...).

``ecr-mock serve`` runs the app on werkzeug's threaded server; ``create_app`` builds the same app, over the same
kinds of state, for any other. One process per state: the ``--data-dir`` state file is held by one process (use
threads, not worker processes), and a PostgreSQL database may be shared by as many processes as you like.
"""

from __future__ import annotations

import atexit
import os
from contextlib import ExitStack
from pathlib import Path

from ecr_mock import _config
from ecr_mock._domain.endpoint import Endpoint
from ecr_mock._server import cli
from ecr_mock._server.app import App, ServerSettings

_cleanup = ExitStack()  # temporary directories and open state files: closed when the process exits
atexit.register(_cleanup.close)


def create_app(
    *,
    data_dir: str | Path | None = None,
    database: str | None = None,
    account_id: str | None = None,
    region: str | None = None,
    strict: bool | None = None,
    address: str | None = None,
    localhost_names: bool = False,
) -> App:
    """A WSGI application serving ECR's API at ``POST /`` and the registry at ``/v2/``.

    ``data_dir`` keeps the registry in a directory as ``ecr-mock serve --data-dir`` does (else a temporary one);
    ``database`` shares it through PostgreSQL instead. ``account_id``, ``region`` and ``strict`` are the flags of
    ``ecr-mock serve`` (and default the same way). ``address`` is where clients reach the server (``host:port``):
    with it, repository URIs, proxy endpoints and layer download URLs point there, as they do under
    ``ecr-mock serve``.
    """
    if data_dir is not None and database is not None:
        raise ValueError("give data_dir or database, not both")
    behaviour = _config.behaviour_for(strict)
    try:
        if database is not None:
            world, store, _ = cli._database(_cleanup, database, behaviour)
        else:
            world, store, _ = cli._world(_cleanup, Path(data_dir) if data_dir is not None else None, behaviour)
    except cli._CannotStart as error:
        raise RuntimeError(str(error)) from None
    settings = ServerSettings(
        _config.account_for(account_id),
        region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or _config.DEFAULT_REGION,
    )
    if address is not None:
        world.endpoint = Endpoint(address, localhost_names)
    return App(world, settings, store)

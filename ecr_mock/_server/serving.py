"""Run the app on werkzeug's threaded server, in a background thread: for ``mock.serve()`` and ``ecr-mock serve``.

werkzeug parses requests and reads chunked request bodies correctly (docker and podman PATCH with chunked
encoding; the stdlib's ``wsgiref`` reads them as empty); ``connection.Handler`` writes the answers and keeps each
connection open for the client's next request. Request threads are not daemons, so ``stop()`` lets requests in
flight finish, and wakes the connections waiting idle so that they close at once.
"""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, make_server

from ecr_mock._server.app import App
from ecr_mock._server.connection import Wakeup, handler_for

POLL_SECONDS = 0.05


class Server:
    """A running server: ``address`` is ``host:port`` as clients reach it."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._wakeup = Wakeup()
        handler = handler_for(self._wakeup)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=handler)
        self._server.daemon_threads = False  # type: ignore[attr-defined]  # stop() waits for requests in flight
        # the accept loop looks for shutdown() every POLL_SECONDS: stop() takes at most that long (the stdlib's 0.5 s
        # made every test server's teardown half a second)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="ecr-mock-server", daemon=True
        )
        self.host = host
        self.port: int = self._server.server_port

    @property
    def address(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> Server:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, let the requests in flight finish, close idle connections and the socket."""
        self._wakeup.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=30)
        self._server.server_close()  # joins the request threads
        self._wakeup.close()

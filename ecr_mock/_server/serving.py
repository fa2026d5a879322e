"""Run the app on werkzeug's threaded server, in a background thread: for ``mock.serve()`` and ``ecr-mock serve``.

werkzeug reads chunked request bodies correctly (docker and podman PATCH with chunked encoding; the stdlib's
``wsgiref`` reads them as empty). Request threads are not daemons, so ``stop()`` lets requests in flight finish.
"""

from __future__ import annotations

import functools
import logging
import mmap
import os
import socket
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ecr_mock._server.app import App

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("ecr_mock.server")


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, logging one line per request to the ``ecr_mock.server`` logger."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error" and r"\x16\x03" in " ".join(map(str, args)):  # a request line that is a TLS record header
            # docker and skopeo try TLS first on a registry port: a handshake the plain-HTTP server cannot read
            log.info("a TLS handshake on the plain-HTTP port (clients try HTTPS first, then HTTP)")
            return
        getattr(log, type if type in ("info", "warning", "error") else "info")(message, *args)

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ["wsgi.file_wrapper"] = functools.partial(_Transmission, self.connection)
        return environ


class _Transmission:
    """``wsgi.file_wrapper`` (PEP 3333) on werkzeug's server, for a body with a Content-Length: iterating it yields
    one empty piece, on which werkzeug sends the status line and headers, then sends the file from its position to
    its end from a memory map of it, straight from the page cache (no copy into Python objects, no allocation).
    (werkzeug frames a body without a Content-Length in chunks, which this would bypass.)"""

    def __init__(self, connection: socket.socket, file: IO[bytes], block_size: int = 1 << 20) -> None:
        self._connection = connection
        self._file = file
        self._block_size = block_size

    def __iter__(self) -> Iterator[bytes]:
        yield b""
        first, size = self._file.tell(), os.fstat(self._file.fileno()).st_size
        if first >= size:
            return
        with mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as view:
            for offset in range(first, size, self._block_size):
                self._connection.sendall(view[offset : offset + self._block_size])

    def close(self) -> None:
        self._file.close()


class Server:
    """A running server: ``address`` is ``host:port`` as clients reach it."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_Handler)
        self._server.daemon_threads = False  # type: ignore[attr-defined]  # stop() waits for requests in flight
        self._thread = threading.Thread(target=self._server.serve_forever, name="ecr-mock-server", daemon=True)
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
        """Stop accepting, let the requests in flight finish, close the socket."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=30)
        self._server.server_close()

"""One client connection on werkzeug's threaded server, kept open between requests (HTTP/1.1 keep-alive).

werkzeug's own handler closes every connection after one answer, so a client pays a TCP connect, a new server
thread and a GIL hand-over per request: ~2-3 ms here, which a chunked push pays once per PATCH. This handler
answers request after request on one connection, and knows where each request's body ends, so it never reads the
next request line as the last request's body:

- a request body is read only within its framing (``Content-Length``, or ``Transfer-Encoding: chunked`` decoded by
  werkzeug's ``DechunkedInput``); what the app left unread is read and dropped before the answer goes out, up to
  ``DRAIN_LIMIT``; beyond that the answer says ``Connection: close``;
- an answer is framed by its ``Content-Length``, or chunked when it has none (HTTP/1.1), or by closing (HTTP/1.0);
- a connection is closed when the client asks (``Connection: close``, HTTP/1.0), after an error, when it has been
  idle for ``IDLE_SECONDS``, and, at once when idle, when the server stops (``Wakeup``).
"""

from __future__ import annotations

import contextlib
import io
import logging
import mmap
import os
import selectors
import socket
import threading
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any, cast

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import DechunkedInput, WSGIRequestHandler

from ecr_mock._server.heads import plain_head

if TYPE_CHECKING:
    from http.client import HTTPMessage

    from _typeshed.wsgi import WSGIEnvironment

log = logging.getLogger("ecr_mock.server")

IDLE_SECONDS = 75.0  # an idle connection's life (Go's default transport keeps idle ones 90 s; it retries a close)
DRAIN_LIMIT = 1 << 20  # unread request body this handler reads and drops to keep the connection; more: close it
DISCARD_LIMIT = 256 << 20  # after an answer with Connection: close, unread body read and dropped (no RST for it)
DISCARD_SECONDS = 1.0  # how long a client sending that body may pause before the connection is closed anyway
_NO_BODY_CODES = frozenset({204, 304})


class Wakeup:
    """Set once when the server stops: wakes every connection waiting idle for its next request."""

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self.stopping = threading.Event()

    def fileno(self) -> int:
        return self._reader.fileno()

    def set(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._writer.send(b"x")  # never read: the reader stays readable for every waiting selector

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


class Body(io.RawIOBase):
    """A request body read within its framing: ``Content-Length`` bytes of the connection, or its chunks."""

    def __init__(self, rfile: IO[bytes], length: int | None, chunked: bool) -> None:
        super().__init__()
        self._chunks = DechunkedInput(rfile) if chunked else None
        self._rfile = rfile
        self._left = 0 if chunked else length or 0
        self._broken = False  # cut short or malformed: where the next request starts is unknown

    def readable(self) -> bool:
        return True

    @property
    def finished(self) -> bool:
        """Whether the body was read to its end (so the connection's next bytes are the next request's)."""
        if self._broken:
            return False
        return self._chunks._done if self._chunks is not None else self._left == 0

    def read(self, size: int | None = -1) -> bytes:
        if self._chunks is None:  # at most what is left: no buffer of the caller's limit's size
            size = self._left if size is None or size < 0 else min(size, self._left)
        data = super().read(-1 if size is None else size)
        return b"" if data is None else data

    def readinto(self, buffer: Any) -> int:
        try:
            if self._chunks is not None:
                return self._chunks.readinto(buffer)
            if self._left == 0:
                return 0
            with memoryview(buffer) as view:
                got = self._rfile.readinto(view[: min(len(view), self._left)])  # type: ignore[attr-defined]
        except (OSError, ValueError):
            self._broken = True
            raise
        if not got:  # as werkzeug's own stream says it
            self._broken = True
            raise ClientDisconnected("the client closed the connection inside a request body")
        self._left -= got
        return int(got)

    def drain(self, limit: int) -> bool:
        """Read and drop the rest of the body, up to ``limit`` bytes: whether the body's end was reached."""
        piece = bytearray(min(limit, 1 << 16) or 1)
        taken = 0
        try:
            while not self.finished and taken < limit:
                got = self.readinto(piece)
                if not got:
                    break
                taken += got
        except Exception:  # a reset, a malformed chunk, a client gone: the connection is closed after this answer
            self._broken = True
        return self.finished


class Handler(WSGIRequestHandler):
    """werkzeug's request parsing and environ, with answers written here so that a connection can outlive one."""

    protocol_version = "HTTP/1.1"  # status lines; a connection is kept unless the request or its answer says not
    wakeup: Wakeup | None = None  # set per server (a subclass per server: see ``handler_for``)

    def setup(self) -> None:
        super().setup()
        self._answered = 0
        # answers go out as several writes (head, body, chunk framing): without this, Nagle's algorithm holds
        # each small write back until the client's delayed ACK of the one before, on a connection that is kept
        with contextlib.suppress(OSError):  # not TCP (a Unix socket)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error" and r"\x16\x03" in " ".join(map(str, args)):  # a request line that is a TLS record header
            # docker and skopeo try TLS first on a registry port: a handshake the plain-HTTP server cannot read
            log.info("a TLS handshake on the plain-HTTP port (clients try HTTPS first, then HTTP)")
            return
        getattr(log, type if type in ("info", "warning", "error") else "info")(message, *args)

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request``, with a plainly shaped head already buffered read by
        ``heads.plain_head`` (not the email package's parser); any other head goes the stdlib's way."""
        head = plain_head(self.raw_requestline, self.rfile, self.MessageClass)
        if head is None:
            return super().parse_request()
        self.command, self.path, self.request_version = head.command, head.path, head.version
        self.requestline, self.headers = head.requestline, cast("HTTPMessage", head.headers)
        connection = self.headers.get("Connection", "").lower()
        self.close_connection = connection == "close" or (head.version == "HTTP/1.0" and connection != "keep-alive")
        if self.headers.get("Expect", "").lower() == "100-continue" and head.version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def handle_one_request(self) -> None:
        if self._answered and not self._next_request_arrives():
            self.close_connection = True
            return
        self._answered += 1
        super().handle_one_request()

    def _next_request_arrives(self) -> bool:
        """Wait, idle, for the next request's first bytes: False when the connection should close instead."""
        wakeup = self.wakeup
        if wakeup is not None and wakeup.stopping.is_set():
            return False
        if self._buffered():
            return True
        with selectors.DefaultSelector() as selector:
            selector.register(self.connection, selectors.EVENT_READ)
            if wakeup is not None:
                selector.register(wakeup, selectors.EVENT_READ)
            ready = selector.select(IDLE_SECONDS)
        if wakeup is not None and wakeup.stopping.is_set():
            return False
        return any(key.fileobj is self.connection for key, _ in ready)

    def _buffered(self) -> bool:
        """Whether bytes of a next request are already here (pipelined), without waiting for any."""
        timeout = self.connection.gettimeout()
        self.connection.setblocking(False)
        try:
            return bool(cast(io.BufferedReader, self.rfile).peek(1))
        except OSError:
            return False
        finally:
            self.connection.settimeout(timeout)

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        chunked = isinstance(environ["wsgi.input"], DechunkedInput)
        length = None if chunked else _length(environ.get("CONTENT_LENGTH"))
        if length is None and not chunked:
            self.close_connection = True  # a Content-Length that is no length: where this body ends is unknown
        if environ.get("HTTP_TRANSFER_ENCODING") and not chunked:
            self.close_connection = True  # a coding this server does not frame (RFC 9112: close after answering)
        environ["wsgi.input"] = Body(cast(IO[bytes], self.rfile), length, chunked)
        environ["wsgi.input_terminated"] = True  # the body ends where its framing says: no wrapper needed
        environ["wsgi.file_wrapper"] = lambda file, block_size=1 << 20: Transmission(self.connection, file)
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        answer = _Answer(self, environ["wsgi.input"])
        try:
            iterable = self.server.app(environ, answer.start_response)
            try:
                answer.send(iterable)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        except (TimeoutError, ConnectionError) as error:
            self.close_connection = True
            self.connection_dropped(error, environ)
        except Exception:
            self.close_connection = True
            log.exception("the server failed on %s %s", self.command, self.path)
            if not answer.started:
                answer.fail()
        if self.close_connection and not environ["wsgi.input"].finished:
            self._discard(environ["wsgi.input"])

    def _discard(self, body: Body) -> None:
        """Read what is left of a body the answer did not need, bounded, so the client is not reset mid-send."""
        try:
            self.connection.settimeout(DISCARD_SECONDS)
        except OSError:
            return
        body.drain(DISCARD_LIMIT)


class _Answer:
    """``start_response`` and the writing of one answer: status line and headers at the first piece of body."""

    def __init__(self, handler: Handler, body: Body) -> None:
        self._handler = handler
        self._body = body
        self._status: str | None = None
        self._headers: list[tuple[str, str]] = []
        self.started = False
        self._chunked = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self._status, self._headers = status, headers
        return self.write

    def send(self, iterable: Iterable[bytes]) -> None:
        for piece in iterable:
            self.write(piece)
        if not self.started:
            self.write(b"")
        if self._chunked:
            self._handler.wfile.write(b"0\r\n\r\n")

    def write(self, data: bytes) -> None:
        if not self.started:
            self._start()
        if data:
            out = self._handler.wfile
            if self._chunked:
                out.write(b"%x\r\n" % len(data))
                out.write(data)
                out.write(b"\r\n")
            else:
                out.write(data)

    def _start(self) -> None:
        handler = self._handler
        assert self._status is not None, "write() before start_response"
        code_text, _, reason = self._status.partition(" ")
        code = int(code_text)
        handler.send_response(code, reason)
        names = set()
        for name, value in self._headers:
            handler.send_header(name, value)
            names.add(name.lower())
        framed = "content-length" in names or handler.command == "HEAD" or code < 200 or code in _NO_BODY_CODES
        keep = not handler.close_connection and handler.request_version == "HTTP/1.1"
        if not framed and keep:
            self._chunked = True
            handler.send_header("Transfer-Encoding", "chunked")
            # HTTP/1.0 and no length: the body ends where the connection does
        wakeup = handler.wakeup
        if not (keep and (framed or self._chunked) and self._drained() and not (wakeup and wakeup.stopping.is_set())):
            handler.send_header("Connection", "close")  # also sets handler.close_connection
        self.started = True
        handler.end_headers()

    def _drained(self) -> bool:
        return self._body.finished or self._body.drain(DRAIN_LIMIT)

    def fail(self) -> None:
        """An answer for an app that raised before answering: a plain 500 that closes the connection."""
        text = b"Internal Server Error\n"
        self._status = "500 Internal Server Error"
        self._headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))]
        self._handler.close_connection = True
        with contextlib.suppress(OSError):
            self.write(text)


class Transmission:
    """``wsgi.file_wrapper`` (PEP 3333) for a body with a Content-Length: iterating it yields one empty piece, on
    which the status line and headers go out, then sends the file from its position to its end: from a memory map
    of it, a piece of ``block_size`` bytes at a time (no copy through Python: ``sendall`` reads the mapped page
    cache), or with ``os.sendfile`` where the file cannot be mapped.

    Which is faster depends on the kernel. Over loopback, 256 MiB from the page cache: on an AMD EPYC machine
    (2026-12-06) sendfile was 1.2-1.5x faster than the map; on an Intel Xeon with Linux 6.18 (2026-12-07) the map
    took 0.064 s and sendfile 0.142 s (median of 7; sending the same bytes from memory, 0.061 s). The map is
    within 1.5x of sendfile on the first and 2.2x ahead on the second, so it goes first."""

    def __init__(self, connection: socket.socket, file: IO[bytes], block_size: int = 1 << 20) -> None:
        self._connection = connection
        self._file = file
        self._block_size = block_size

    def __iter__(self) -> Iterator[bytes]:
        yield b""
        first, size = self._file.tell(), os.fstat(self._file.fileno()).st_size
        if first < size:
            self._send(first, size)

    def _send(self, offset: int, size: int) -> None:
        try:
            mapped = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file that cannot be mapped (a pipe, some filesystems)
            self._send_file(offset, size)
            return
        with mapped, memoryview(mapped) as view:
            for first in range(offset, min(size, len(view)), self._block_size):
                self._connection.sendall(view[first : first + self._block_size])

    def _send_file(self, offset: int, size: int) -> None:
        descriptor = self._file.fileno()
        while offset < size:
            sent = os.sendfile(self._connection.fileno(), descriptor, offset, size - offset)
            if sent == 0:
                raise ConnectionError("the client closed the connection during a download")
            offset += sent

    def close(self) -> None:
        self._file.close()


def _length(header: str | None) -> int | None:
    """A ``Content-Length`` (none: 0); None when it is not a length (werkzeug would read 0 and lose the body)."""
    if header is None or not header.strip():
        return 0
    text = header.strip()
    return int(text) if text.isdigit() and text.isascii() else None


def handler_for(wakeup: Wakeup) -> type[Handler]:
    """A handler class bound to one server's ``wakeup``."""
    return type("BoundHandler", (Handler,), {"wakeup": wakeup})

"""What ``requests`` reaches while a mock is active: layer download URLs and ECR registry hosts, in-process.

ECR answers GetDownloadUrlForLayer with a pre-signed S3 URL; the mock hands out a URL of the same shape and
answers ``requests`` calls to it with the blob's exact bytes. Calls to a registry host,
``https://<registry>.dkr.ecr.<region>.amazonaws.com/v2/...`` (oras-py with ``auth_backend="ecr"``, a hand-written
registry client), are answered by the same WSGI application ``ecr-mock serve`` runs, over the mock's state.
Every other URL goes on as before.

The hook sits on ``requests.Session.send``, above the transport adapters that ``responses`` (and similar
libraries) patch, so a test's own ``responses`` mocks keep working in either nesting order. It is installed when
the mock starts if ``requests`` is already imported, else from the first GetAuthorizationToken,
GetDownloadUrlForLayer or ``mock.serve()`` on (importing ``requests`` costs more than a whole ``mock_ecr()``
start), and removed when the outermost mock stops.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from ecr_mock._domain.endpoint import REGISTRY_HOST

if TYPE_CHECKING:
    from requests import PreparedRequest, Response

    from ecr_mock._backend import Backends

_URL = re.compile(
    r"^https://prod-(?P<region>[a-z0-9-]+)-starport-layer-bucket\.s3\.(?P=region)\.amazonaws\.com"
    r"/(?P<registry>[^/?]+)/(?P<name>[^?]+)/(?P<digest>[^/?]+)(?:\?.*)?$"
)

# the WSGI app that answers registry hosts, built on first use (the server package loads only then)
AppFactory = Callable[[], Callable[..., Iterable[bytes]]]


class RequestsHook:
    """Answers our layer URLs and registry hosts once started; stopped with the mock."""

    def __init__(self, backends: Backends, app_factory: AppFactory) -> None:
        self._backends = backends
        self._app_factory = app_factory
        self._app: Callable[..., Iterable[bytes]] | None = None
        self._lock = threading.Lock()
        self._active = False
        self._original: Any = None
        self._hook: Any = None

    @property
    def started(self) -> bool:
        return self._active

    def start(self) -> None:
        with self._lock:
            if self._active:
                return
            import requests  # imported here: only code that may use requests should pay for it

            original = requests.Session.send
            hook = self

            def send(session: requests.Session, request: PreparedRequest, **kwargs: Any) -> Response:
                answer = hook.answer(request) if hook._active else None
                return answer if answer is not None else original(session, request, **kwargs)

            requests.Session.send = send  # type: ignore[method-assign,assignment]
            self._original, self._hook, self._active = original, send, True

    def stop(self) -> None:
        with self._lock:
            if not self._active:
                return
            import requests

            self._active = False  # if someone patched over the hook, it now only passes requests on
            if requests.Session.send is self._hook:
                requests.Session.send = self._original  # type: ignore[method-assign]

    def answer(self, request: PreparedRequest) -> Response | None:
        """The response for one of our URLs, None for any other URL."""
        url = request.url or ""
        match = _URL.match(url)
        if match is not None:
            return self._layer(request, match)
        split = urlsplit(url)
        if split.scheme == "https" and REGISTRY_HOST.fullmatch(split.netloc) and split.path.startswith("/v2"):
            return self._registry(request, split.netloc, split.path, split.query)
        return None

    def _layer(self, request: PreparedRequest, match: re.Match[str]) -> Response:
        data = self._backends.download_bytes(
            match["registry"], match["region"], match["name"], unquote(match["digest"])
        )
        if data is None:
            body = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>"
            return _response(request, 404, {"Content-Type": "application/xml"}, io.BytesIO(body), len(body))
        headers = {"Content-Type": "application/octet-stream"}
        return _response(request, 200, headers, io.BytesIO(b"" if request.method == "HEAD" else data), len(data))

    def _registry(self, request: PreparedRequest, host: str, path: str, query: str) -> Response:
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        if self._app is None:
            self._app = self._app_factory()
        headers = [
            (key, value.decode("latin-1") if isinstance(value, bytes) else value)
            for key, value in request.headers.items()
            if key.lower() != "content-length"
        ]
        builder = EnvironBuilder(
            path=unquote(path),
            query_string=query,
            method=request.method or "GET",
            headers=headers,
            input_stream=_body_stream(request.body),
            base_url=f"https://{host}",
        )
        if request.headers.get("Content-Length") is not None:
            builder.content_length = int(request.headers["Content-Length"])
        try:
            app_iter, status, answer_headers = run_wsgi_app(self._app, builder.get_environ())
        finally:
            builder.close()
        return _response(request, int(status.split()[0]), dict(answer_headers), _IterReader(app_iter), None)


def _body_stream(body: Any) -> IO[bytes]:
    """A request body, whatever requests was given (bytes, text, a file, a generator), as a stream."""
    if body is None:
        return io.BytesIO(b"")
    if isinstance(body, str):
        return io.BytesIO(body.encode())
    if isinstance(body, bytes | bytearray):
        return io.BytesIO(bytes(body))
    if hasattr(body, "read"):
        return body  # type: ignore[no-any-return]
    return io.BufferedReader(_IterReader(iter(body)))


class _IterReader(io.RawIOBase):
    """A readable stream over an iterable of byte strings (a WSGI answer, a generator body)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces: Iterator[bytes] = iter(pieces)
        self._source = pieces
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._left = piece.encode() if isinstance(piece, str) else piece
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size

    def close(self) -> None:
        closer = getattr(self._source, "close", None)
        if closer is not None:
            closer()
        super().close()


def _response(
    request: PreparedRequest, status: int, headers: dict[str, str], body: io.RawIOBase | io.BytesIO, length: int | None
) -> Response:
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPResponse

    if length is not None:
        headers["Content-Length"] = str(length)
    raw = HTTPResponse(
        body=body,
        headers=headers,
        status=status,
        preload_content=False,
        request_method=request.method,  # a HEAD answer announces the length but carries no body
    )
    return HTTPAdapter().build_response(request, raw)

"""Download URLs for layers, answered in-process while a mock is active.

ECR answers GetDownloadUrlForLayer with a pre-signed S3 URL. The mock hands out a URL of the same shape and, from
the first one on, answers ``requests`` calls to it with the blob's exact bytes and Content-Length; every other
URL goes on as before. The hook sits on ``requests.Session.send``, above the transport adapters that
``responses`` (and similar libraries) patch, so a test's own ``responses`` mocks keep working in either nesting
order: started before the mock or inside it.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from requests import PreparedRequest, Response

_URL = re.compile(
    r"^https://prod-(?P<region>[a-z0-9-]+)-starport-layer-bucket\.s3\.(?P=region)\.amazonaws\.com"
    r"/(?P<registry>[^/?]+)/(?P<name>[^?]+)/(?P<digest>[^/?]+)(?:\?.*)?$"
)

# (registry id, region, repository name, digest) -> the bytes, or None when there is no such layer
Lookup = Callable[[str, str, str, str], bytes | None]


class LayerServer:
    """Answers ``url_for`` URLs from ``lookup`` once started; started lazily, stopped with the mock."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
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
            import requests  # imported here: only layer downloads should pay for it

            original = requests.Session.send
            server = self

            def send(session: requests.Session, request: PreparedRequest, **kwargs: Any) -> Response:
                answer = server.answer(request) if server._active else None
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
        """The response for one of our URLs (404 for a layer that is gone), None for any other URL."""
        match = _URL.match(request.url or "")
        if match is None:
            return None
        data = self._lookup(match["registry"], match["region"], match["name"], unquote(match["digest"]))
        if data is None:
            body = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>"
            return _response(request, 404, "application/xml", body)
        return _response(request, 200, "application/octet-stream", b"" if request.method == "HEAD" else data, len(data))


def _response(
    request: PreparedRequest, status: int, content_type: str, body: bytes, length: int | None = None
) -> Response:
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPResponse

    headers = {"Content-Type": content_type, "Content-Length": str(len(body) if length is None else length)}
    raw = HTTPResponse(
        body=io.BytesIO(body),
        headers=headers,
        status=status,
        preload_content=False,
        request_method=request.method,  # a HEAD answer announces the length but carries no body
    )
    return HTTPAdapter().build_response(request, raw)

"""Download URLs for layers, answered in-process through ``responses`` while a mock is active.

ECR answers GetDownloadUrlForLayer with a pre-signed S3 URL. The mock hands out a URL of the same shape and, from
the first one on, intercepts ``requests`` calls to it (every other URL passes through untouched), serving the
blob's exact bytes with its Content-Length.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from requests import PreparedRequest

_HOST = "prod-{region}-starport-layer-bucket.s3.{region}.amazonaws.com"
_URL = re.compile(
    r"^https://prod-(?P<region>[a-z0-9-]+)-starport-layer-bucket\.s3\.(?P=region)\.amazonaws\.com"
    r"/(?P<registry>[^/?]+)/(?P<name>[^?]+)/(?P<digest>[^/?]+)(?:\?.*)?$"
)
_OTHERS = re.compile(r"^(?!https://prod-[a-z0-9-]+-starport-layer-bucket\.s3\.)")
EXPIRES_SECONDS = 3600

# (registry id, region, repository name, digest) -> the bytes, or None when there is no such layer
Lookup = Callable[[str, str, str, str], bytes | None]


def url_for(registry_id: str, region: str, name: str, digest: str) -> str:
    host = _HOST.format(region=region)
    path = f"{registry_id}/{name}/{quote(digest, safe='')}"
    return f"https://{host}/{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires={EXPIRES_SECONDS}"


class LayerServer:
    """Serves ``url_for`` URLs from ``lookup`` once started; started lazily, stopped with the mock."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._lock = threading.Lock()
        self._mock: Any = None

    @property
    def started(self) -> bool:
        return self._mock is not None

    def start(self) -> None:
        with self._lock:
            if self._mock is not None:
                return
            import responses  # imported here: ~150 ms that only layer downloads should pay

            mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            for method in ("GET", "HEAD"):
                mock.add_callback(method, _URL, callback=self._answer, content_type=None)
            mock.add_passthru(_OTHERS)
            mock.start()
            self._mock = mock

    def stop(self) -> None:
        with self._lock:
            if self._mock is not None:
                self._mock.stop()
                self._mock.reset()
                self._mock = None

    def _answer(self, request: PreparedRequest) -> tuple[int, Mapping[str, str], bytes]:
        match = _URL.match(request.url or "")
        assert match is not None  # responses only calls back for matching URLs
        data = self._lookup(match["registry"], match["region"], match["name"], unquote(match["digest"]))
        if data is None:
            body = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code></Error>"
            return 404, {"Content-Type": "application/xml", "Content-Length": str(len(body))}, body
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}
        return 200, headers, b"" if request.method == "HEAD" else data

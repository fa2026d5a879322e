"""The seam into botocore: one handler on ``before-send.ecr`` that answers while a mock is active.

botocore builds, validates, serialises and signs every request as usual; this handler turns the prepared request
into a ``_protocol.Request``, lets the active mock answer it, and hands botocore an ``AWSResponse`` to parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from ecr_mock import _state

_protocol: ModuleType | None = None  # ecr_mock._protocol once loaded

EVENT = "before-send.ecr"
UNIQUE_ID = "ecr_mock.intercept"

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
_HOST = re.compile(r"(?:^|\.)ecr\.([a-z0-9-]+)\.amazonaws\.com")


class _Raw:
    """The little of urllib3's response that ``AWSResponse`` reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def before_send(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    active = _state.current()
    if active is None:
        return None
    headers = request.headers
    target = _text(headers.get("X-Amz-Target"))
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    scope = _SCOPE.search(_text(headers.get("Authorization")) or "")
    protocol = _protocol or _load_protocol()
    call = protocol.Request(target, body or b"", scope.group(1) if scope else None)
    region = scope.group(2) if scope else region_of(request)
    answer = protocol.handle(call, active.backends, active.account_id, region)
    return AWSResponse(request.url, answer.status, answer.headers, _Raw(answer.body))


def _load_protocol() -> ModuleType:
    """The protocol layer, imported on the first call a mock answers: importing ecr_mock stays cheap."""
    global _protocol
    from ecr_mock import _protocol as protocol

    _protocol = protocol
    return protocol


def region_of(request: AWSPreparedRequest) -> str:
    """SigV4 credential scope first (it survives ``endpoint_url``), then the host, then the default."""
    scope = _SCOPE.search(_text(request.headers.get("Authorization")) or "")
    if scope is not None:
        return scope.group(2)
    match = _HOST.search(request.url.split("/")[2] if "//" in request.url else request.url)
    return match.group(1) if match else _state.default_region()


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def install() -> None:
    """Register ``before_send`` once: for every botocore session created from now on, and boto3's default one.

    Clients copy their session's handlers when they are created, so a client made before ``mock_ecr`` starts
    is answered too. The handler does nothing while no mock is active.
    """
    import boto3
    from botocore import handlers

    entry = (EVENT, before_send)
    if entry not in handlers.BUILTIN_HANDLERS:
        handlers.BUILTIN_HANDLERS.append(entry)
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION.events.register(EVENT, before_send, unique_id=UNIQUE_ID)

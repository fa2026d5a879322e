"""The seam into botocore: one handler on ``before-send.ecr`` that answers while a mock is active.

botocore builds, validates, serialises and signs every request as usual; this handler turns the prepared request
into a ``_protocol.Request``, lets the active mock answer it, and hands botocore an ``AWSResponse`` to parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HeadersDict

from ecr_mock._activation import state as _state
from ecr_mock._wire.sigv4 import scope as _scope

_protocol: ModuleType | None = None  # ecr_mock._wire.protocol once loaded

EVENT = "before-send.ecr"
UNIQUE_ID = "ecr_mock.intercept"

# Every ECR API host form: ecr.<region>.amazonaws.com, ecr-fips.<region>..., api.ecr.<region>.amazonaws.com.cn,
# api.ecr-fips.<region>..., and the dual-stack ecr.<region>.api.aws.
_HOST = re.compile(r"(?:^|\.)ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com|api\.aws)(?:\.cn)?(?::[0-9]+)?$")
SIGN_EVENT = "before-sign.ecr"
SIGN_UNIQUE_ID = "ecr_mock.lend_credentials"
_EVENT_PREFIX = EVENT + "."
try:  # the key botocore's HeadersDict files "Authorization" under (see _authorization)
    from botocore.awsrequest import _HeaderKey

    _AUTHORIZATION_KEY: Any = _HeaderKey("Authorization")
except ImportError:  # pragma: no cover - a botocore without it: HeadersDict.get is used
    _AUTHORIZATION_KEY = None


class _Raw:
    """The little of urllib3's response that ``AWSResponse`` reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def before_send(request: AWSPreparedRequest, event_name: str | None = None, **_: Any) -> AWSResponse | None:
    active = _state.current()
    if active is None:
        return None
    headers = request.headers
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    # botocore names the operation in the event (before-send.ecr.<Operation>), which spares reading the target
    operation = _OPERATION_OF_EVENT.get(event_name) if event_name else None
    if operation is None and event_name:
        operation = _operation_of(event_name)
    target = None if operation else _text(headers.get("X-Amz-Target"))
    access_key_id, region = _scope(_authorization(headers))
    protocol = _protocol or _load_protocol()
    call = protocol.new_request((target, body or b"", access_key_id, operation))
    answer = protocol.handle(call, active.backends, active.account_id, region or region_of(request))
    return _response(request.url, answer.status, answer.headers, _Raw(answer.body))


def _public_response(url: str, status: int, headers: dict[str, str], raw: _Raw) -> AWSResponse:
    return AWSResponse(url, status, headers, raw)


def _direct_response(url: str, status: int, headers: dict[str, str], raw: _Raw) -> AWSResponse:
    """``AWSResponse(url, status, headers, raw)``, built without its ``HeadersDict.update``, which files each
    header through four Python calls (an ABC check, ``__setitem__``, a new ``_HeaderKey``): the headers' inner
    dict is filled directly, under ``_HeaderKey``s made once per header name. botocore-private: used only when
    ``_probe_direct`` found botocore's classes shaped so; ``_public_response`` otherwise."""
    keys = _HEADER_KEYS
    inner = {}
    for name, value in headers.items():
        key = keys.get(name)
        if key is None:
            key = _HeaderKey(name)
            if len(keys) < _CACHE_LIMIT:
                keys[name] = key
        inner[key] = value
    filed = _new(HeadersDict)
    filed._dict = inner
    response = _new(AWSResponse)
    response.url, response.status_code, response.headers, response.raw = url, status, filed, raw
    response._content = None
    return response


def _probe_direct() -> bool:
    """Whether ``_direct_response`` builds what botocore's own constructor builds, attribute for attribute."""
    if _AUTHORIZATION_KEY is None:
        return False
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "probe"}
    raw = _Raw(b"{}")
    try:
        public, direct = AWSResponse("u", 200, headers, raw), _direct_response("u", 200, headers, raw)
        same_headers = vars(public.headers) == vars(direct.headers) and dict(public.headers) == headers
        return same_headers and vars(public).keys() == vars(direct).keys() and direct.content == public.content
    except Exception:  # any surprise in botocore's shapes: the public constructor it is
        return False


def _authorization(headers: Any) -> str | bytes | None:
    """The Authorization header. botocore's HeadersDict answers ``get`` through five Python calls; its inner dict,
    keyed by case-insensitive keys, answers the same lookup in two, so that is tried first (botocore-private: any
    other shape, or no answer, falls back to ``get``)."""
    inner = getattr(headers, "_dict", None)
    if type(inner) is dict and _AUTHORIZATION_KEY is not None:
        found = inner.get(_AUTHORIZATION_KEY)
        if found is not None:
            return found  # type: ignore[no-any-return]
    value: str | bytes | None = headers.get("Authorization")
    return value


def _operation_of(event_name: str) -> str | None:
    if not event_name.startswith(_EVENT_PREFIX):
        return None
    operation = event_name[len(_EVENT_PREFIX) :]
    if len(_OPERATION_OF_EVENT) < _CACHE_LIMIT:
        _OPERATION_OF_EVENT[event_name] = operation
    return operation


# A small cache of what botocore sends over and over: operation names by event.
_CACHE_LIMIT = 256
_OPERATION_OF_EVENT: dict[str, str] = {}
_HEADER_KEYS: dict[str, Any] = {}  # response header name -> its _HeaderKey
_new = object.__new__
_response = _direct_response if _probe_direct() else _public_response


def _load_protocol() -> ModuleType:
    """The protocol layer, imported on the first call a mock answers: importing ecr_mock stays cheap."""
    global _protocol
    from ecr_mock._wire import protocol

    _protocol = protocol
    return protocol


def region_of(request: AWSPreparedRequest) -> str:
    """SigV4 credential scope first (it survives ``endpoint_url``), then the host, then the default."""
    region = _scope(request.headers.get("Authorization"))[1]
    if region is not None:
        return region
    match = _HOST.search(request.url.split("/")[2] if "//" in request.url else request.url)
    return match.group(1) if match else _state.default_region()


def lend_credentials(request: Any, request_signer: Any = None, **_: Any) -> None:
    """A client created with no credentials (before the mock, on a machine without any) would fail to sign, with
    NoCredentialsError, before the request reaches ``before_send``. While a mock is active, such a request is
    signed with the mock's fake key, so the mock answers it as its default caller. (The signer's credentials are
    botocore-private: a signer without that attribute is left alone.)"""
    if _state.current() is None or getattr(request_signer, "_credentials", True) is not None:
        return
    from botocore.credentials import Credentials

    from ecr_mock._activation.environ import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

    signing = request.context.setdefault("signing", {})
    signing.setdefault("request_credentials", Credentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY))


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def install() -> None:
    """Register ``before_send`` once: for every botocore session created from now on, and boto3's default one.

    Clients copy their session's handlers when they are created, so a client made before ``mock_ecr`` starts
    is answered too. The handler does nothing while no mock is active.
    """
    import boto3
    from botocore import handlers

    for entry in ((EVENT, before_send), (SIGN_EVENT, lend_credentials)):
        if entry not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(entry)
    if boto3.DEFAULT_SESSION is not None:
        boto3.DEFAULT_SESSION.events.register(EVENT, before_send, unique_id=UNIQUE_ID)
        boto3.DEFAULT_SESSION.events.register(SIGN_EVENT, lend_credentials, unique_id=SIGN_UNIQUE_ID)

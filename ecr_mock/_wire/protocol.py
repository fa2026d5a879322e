"""AWS JSON 1.1 as ECR speaks it, driven by botocore's ECR model: the one place that knows the wire format.

``handle(request, backends, account_id, region)`` takes the bytes of a POST (its ``X-Amz-Target`` and body)
and answers with status, headers and body, for the botocore interceptor and, later, the WSGI server alike.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import uuid
from collections.abc import Callable
from typing import NamedTuple

from ecr_mock._actions import DISPATCH
from ecr_mock._actions._base import new_context
from ecr_mock._backend import Backends
from ecr_mock._errors import EcrError, InternalFailure, UnknownOperationException
from ecr_mock._wire import model as _model
from ecr_mock._wire.codec import OperationCodec, codec_for

log = logging.getLogger("ecr_mock")


class Request(NamedTuple):
    target: str | None  # the X-Amz-Target header
    body: bytes
    access_key_id: str | None = None  # from the SigV4 credential scope: who is calling
    operation: str | None = None  # the operation's name when the caller knows it already (botocore's event name)


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


# Each built from one tuple, in C: a NamedTuple's own __new__ (as a dataclass's __init__) is a Python call, and
# every call through the interceptor makes one of each.
new_request: Callable[[tuple[str | None, bytes, str | None, str | None]], Request] = functools.partial(
    tuple.__new__, Request
)
_new_response: Callable[[tuple[int, dict[str, str], bytes]], Response] = functools.partial(tuple.__new__, Response)


def handle(request: Request, backends: Backends, account_id: str, region: str) -> Response:
    """Answer one ECR call. ECR errors become error bodies; an operation with no handler raises loudly."""
    try:
        codec = _resolve(request)
        operation = codec.operation
        params = codec.parse(request.body, backends.behaviour.validate_registry_ids)
        handler = DISPATCH.get(operation.name)
        if handler is None:
            raise NotImplementedError(
                f"ecr_mock does not implement the ECR operation {operation.name} yet "
                f"(it answers {len(DISPATCH)} of {len(_model.operation_names())}: {', '.join(sorted(DISPATCH))})"
            )
        with backends.lock:
            result = handler(new_context((backends, account_id, region, request.access_key_id)), params)
            body = codec.serialize(result)
    except EcrError as error:
        return error_response(error)
    except NotImplementedError:
        raise
    except Exception as error:  # a bug in the mock: say so in ECR's shape instead of a traceback in the test
        log.exception("ecr_mock failed while answering %s", request.target)
        return error_response(InternalFailure(f"ecr_mock internal error: {type(error).__name__}: {error}"))
    return _response(200, body)


def error_response(error: EcrError) -> Response:
    body = {"__type": error.code, "message": error.message, **error.fields}
    return _response(error.status, json.dumps(body).encode())


def _response(status: int, body: bytes) -> Response:
    headers = {
        "Content-Type": _model.CONTENT_TYPE,
        "Content-Length": str(len(body)),
        "x-amzn-RequestId": "%s%012x" % (_REQUEST_ID_PREFIX, next(_request_numbers)),  # noqa: UP031  # cheaper than an f-string spec
    }
    return _new_response((status, headers, body))


# Request ids shaped like ECR's UUIDs: a random prefix per process, then a counter (cheaper than uuid4 per call).
_REQUEST_ID_PREFIX = str(uuid.uuid4())[:24]
_request_numbers = itertools.count(1)


def _resolve(request: Request) -> OperationCodec:
    """The operation a request names (its name when given, else its target), with its codec."""
    name = request.operation
    if name is None:
        target = request.target
        if not target or not target.startswith(_model.TARGET_PREFIX):
            raise UnknownOperationException(f"Unknown operation: target '{target}' is not an ECR operation")
        name = target[len(_model.TARGET_PREFIX) :]
    codec = _RESOLVED.get(name)
    if codec is None:
        operation = _model.operation(name)
        if operation is None:  # not remembered: made-up names must not grow the table
            raise UnknownOperationException(f"Unknown operation {request.target or _model.TARGET_PREFIX + name}")
        codec = _RESOLVED[name] = codec_for(operation)
    return codec


_RESOLVED: dict[str, OperationCodec] = {}

"""AWS JSON 1.1 as ECR speaks it, driven by botocore's ECR model: the one place that knows the wire format.

``handle(request, backends, account_id, region)`` takes the bytes of a POST (its ``X-Amz-Target`` and body)
and answers with status, headers and body, for the botocore interceptor and, later, the WSGI server alike.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import itertools
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecr_mock import _model
from ecr_mock._actions import DISPATCH, Context
from ecr_mock._backend import Backends
from ecr_mock._errors import EcrError, InternalFailure, SerializationException, UnknownOperationException
from ecr_mock._validate import validate

log = logging.getLogger("ecr_mock")


@dataclass(frozen=True, slots=True)
class Request:
    target: str | None  # the X-Amz-Target header
    body: bytes
    access_key_id: str | None = None  # from the SigV4 credential scope: who is calling


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def handle(request: Request, backends: Backends, account_id: str, region: str) -> Response:
    """Answer one ECR call. ECR errors become error bodies; an operation with no handler raises loudly."""
    try:
        operation = _operation(request.target)
        params = parse(operation, request.body)
        validate(operation, params, registry_ids=backends.behaviour.validate_registry_ids)
        handler = DISPATCH.get(operation.name)
        if handler is None:
            raise NotImplementedError(
                f"ecr_mock does not implement the ECR operation {operation.name} yet "
                f"(it answers {len(DISPATCH)} of {len(_model.operation_names())}: {', '.join(sorted(DISPATCH))})"
            )
        with backends.lock:
            result = handler(Context(backends, account_id, region, request.access_key_id), params)
            body = serialize(operation.output_shape, result)
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
        "x-amzn-RequestId": f"{_REQUEST_ID_PREFIX}{next(_request_numbers):012x}",
    }
    return Response(status, headers, body)


# Request ids shaped like ECR's UUIDs: a random prefix per process, then a counter (cheaper than uuid4 per call).
_REQUEST_ID_PREFIX = str(uuid.uuid4())[:24]
_request_numbers = itertools.count(1)


def _operation(target: str | None) -> OperationModel:
    if not target or not target.startswith(_model.TARGET_PREFIX):
        raise UnknownOperationException(f"Unknown operation: target '{target}' is not an ECR operation")
    operation = _model.operation(target[len(_model.TARGET_PREFIX) :])
    if operation is None:
        raise UnknownOperationException(f"Unknown operation {target}")
    return operation


# --- request: JSON -> Python, type-checked against the input shape -----------------------------------------


def parse(operation: OperationModel, body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SerializationException("Request body is not valid JSON") from None
    shape = operation.input_shape
    if shape is None:
        return {}
    return _parse_structure(shape, document, "")


def _parse(shape: Shape, value: Any, path: str) -> Any:
    return _PARSERS[shape.type_name](shape, value, path)


def _parse_structure(shape: Shape, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type("structure", value, path)
    assert isinstance(shape, StructureShape)
    members = shape.members
    return {
        name: _parse(members[name], item, f"{path}.{name}" if path else name)
        for name, item in value.items()
        if name in members and item is not None
    }


def _parse_list(shape: Shape, value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise _wrong_type("list", value, path)
    assert isinstance(shape, ListShape)
    return [_parse(shape.member, item, f"{path}[{i}]") for i, item in enumerate(value)]


def _parse_map(shape: Shape, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type("map", value, path)
    assert isinstance(shape, MapShape)
    return {key: _parse(shape.value, item, f"{path}.{key}") for key, item in value.items()}


def _scalar(kind: type | tuple[type, ...], label: str) -> Callable[[Shape, Any, str], Any]:
    def parse_scalar(shape: Shape, value: Any, path: str) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and label != "boolean"):
            raise _wrong_type(label, value, path)
        return value

    return parse_scalar


def _parse_blob(shape: Shape, value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise _wrong_type("blob", value, path)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException(f"Value at '{path}' is not valid base64") from None


def _parse_timestamp(shape: Shape, value: Any, path: str) -> _dt.datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type("timestamp", value, path)
    return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)


def _wrong_type(expected: str, value: Any, path: str) -> SerializationException:
    return SerializationException(f"Value at '{path}' has type {_json_type(value)} where {expected} was expected")


def _json_type(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "list", dict: "object"}
    return names.get(type(value), "null")


_PARSERS: Mapping[str, Callable[[Shape, Any, str], Any]] = {
    "structure": _parse_structure,
    "list": _parse_list,
    "map": _parse_map,
    "string": _scalar(str, "string"),
    "boolean": _scalar(bool, "boolean"),
    "integer": _scalar(int, "integer"),
    "long": _scalar(int, "long"),
    "float": _scalar((int, float), "float"),
    "double": _scalar((int, float), "double"),
    "blob": _parse_blob,
    "timestamp": _parse_timestamp,
}


# --- response: Python -> JSON by the output shape ----------------------------------------------------------


def serialize(shape: StructureShape | None, result: dict[str, Any]) -> bytes:
    if shape is None:
        return b"{}"
    encode = _encoder(shape)
    return json.dumps(encode(result) if encode else result, separators=(",", ":")).encode()


Encoder = Callable[[Any], Any]
_ENCODERS: dict[int, tuple[Shape, Encoder | None]] = {}


def _encoder(shape: Shape) -> Encoder | None:
    """The function that turns a value of ``shape`` into JSON-ready data, compiled once per shape.
    None where the value is already JSON-ready (strings, numbers, booleans and lists of them)."""
    cached = _ENCODERS.get(id(shape))
    if cached is None:
        cached = _ENCODERS[id(shape)] = (shape, _compile_encoder(shape))  # the shape is kept alive with its id
    return cached[1]


def _compile_encoder(shape: Shape) -> Encoder | None:
    type_name = shape.type_name
    if type_name == "structure":
        assert isinstance(shape, StructureShape)
        return _structure_encoder({name: _encoder(member) for name, member in shape.members.items()})
    if type_name == "list":
        assert isinstance(shape, ListShape)
        item = _encoder(shape.member)
        return None if item is None else (lambda value: [item(entry) for entry in value])
    if type_name == "map":
        assert isinstance(shape, MapShape)
        entry = _encoder(shape.value)
        return None if entry is None else (lambda value: {key: entry(item) for key, item in value.items()})
    if type_name == "timestamp":
        return _encode_timestamp
    if type_name == "blob":
        return lambda value: base64.b64encode(value).decode()
    return None


def _structure_encoder(plan: dict[str, Encoder | None]) -> Encoder:
    """Members the installed model lacks are not on its wire; None members are left out."""

    def encode(value: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, item in value.items():
            if item is None or name not in plan:
                continue
            member = plan[name]
            out[name] = item if member is None else member(item)
        return out

    return encode


def _encode_timestamp(value: _dt.datetime) -> float | str:
    """Epoch seconds as ECR sends them; a naive datetime (seed mode) as an ISO string botocore keeps naive."""
    if value.tzinfo is None:
        return value.isoformat()
    return value.timestamp()

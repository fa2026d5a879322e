"""JSON <-> Python by botocore's ECR shapes: the request and response codec of the JSON-1.1 protocol.

Both directions are compiled once per shape into small closures. A request is decoded and type-checked in one
pass; only when a value has the wrong JSON type does a slower walk run, to name where (SerializationException).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecr_mock._errors import SerializationException

Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]


# Built once: json.dumps/json.loads build a new coder on every call that passes any option.
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"))
_JSON_DECODER = json.JSONDecoder()


class _Mismatch(Exception):
    """A value of the wrong JSON type: the slow walk then says where."""


# --- request: JSON -> Python, type-checked against the input shape -----------------------------------------


def parse(operation: OperationModel, body: bytes) -> dict[str, Any]:
    try:
        document = _JSON_DECODER.decode(body.decode() if body else "{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SerializationException("Request body is not valid JSON") from None
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        result: dict[str, Any] = _decoder(shape)(document)
    except _Mismatch:
        _parse_structure(shape, document, "")  # raises SerializationException naming the member
        raise AssertionError("the slow walk found no mismatch the fast one did") from None
    return result


_DECODERS: dict[int, tuple[Shape, Decoder]] = {}


def _decoder(shape: Shape) -> Decoder:
    cached = _DECODERS.get(id(shape))
    if cached is None:
        cached = _DECODERS[id(shape)] = (shape, _compile_decoder(shape))  # the shape is kept alive with its id
    return cached[1]


def _compile_decoder(shape: Shape) -> Decoder:
    type_name = shape.type_name
    if type_name == "structure":
        assert isinstance(shape, StructureShape)
        return _structure_decoder({name: _decoder(member) for name, member in shape.members.items()})
    if type_name == "list":
        assert isinstance(shape, ListShape)
        return _list_decoder(_decoder(shape.member))
    if type_name == "map":
        assert isinstance(shape, MapShape)
        return _map_decoder(_decoder(shape.value))
    if type_name == "blob":
        return _decode_blob
    if type_name == "timestamp":
        return _decode_timestamp
    return _scalar_decoder(_SCALAR_TYPES[type_name])


def _structure_decoder(members: dict[str, Decoder]) -> Decoder:
    def decode(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Mismatch
        out = {}
        for name, item in value.items():
            member = members.get(name)
            if member is not None and item is not None:  # unknown members are ignored, as AWS does
                out[name] = member(item)
        return out

    return decode


def _list_decoder(item: Decoder) -> Decoder:
    def decode(value: Any) -> list[Any]:
        if type(value) is not list:
            raise _Mismatch
        return [item(entry) for entry in value]

    return decode


def _map_decoder(item: Decoder) -> Decoder:
    def decode(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Mismatch
        return {key: item(entry) for key, entry in value.items()}

    return decode


def _scalar_decoder(kinds: tuple[type, ...]) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) not in kinds:
            raise _Mismatch
        return value

    return decode


def _decode_blob(value: Any) -> bytes:
    if type(value) is not str:
        raise _Mismatch
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _Mismatch from None


def _decode_timestamp(value: Any) -> _dt.datetime:
    if type(value) not in (int, float):
        raise _Mismatch
    return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)


_SCALAR_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
}


# --- the slow walk that says where a value has the wrong type ----------------------------------------------


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


# --- response: Python -> JSON by the output shape ----------------------------------------------------------


def serialize(shape: StructureShape | None, result: dict[str, Any]) -> bytes:
    if shape is None:
        return b"{}"
    encode = _encoder(shape)
    return _JSON_ENCODER.encode(encode(result) if encode else result).encode()


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

"""JSON <-> Python by botocore's ECR shapes: the request and response codec of the JSON-1.1 protocol.

Both directions are compiled once per shape into small closures. A request is decoded, type-checked and checked
against the model's constraints in one pass; only when that pass rejects it do the slower walks run, to say where
and why (SerializationException for a wrong type, else ECR's validation error).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring_ascii
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecr_mock import _validate
from ecr_mock._errors import SerializationException
from ecr_mock._validate import Check

Decoder = Callable[[Any], Any]


# Built once: json.loads builds a new decoder on every call that passes any option.
_JSON_DECODER = json.JSONDecoder()
_quote: Callable[[str], str] = encode_basestring_ascii  # a JSON string literal, ASCII only, as json.dumps writes it


class _Rejected(Exception):
    """The fast decoder met a value of the wrong JSON type or one that breaks a rule: the slow walks say which."""


# --- request: JSON -> Python, type- and constraint-checked against the input shape ---------------------------


def parse(operation: OperationModel, body: bytes, *, registry_ids: bool = True) -> dict[str, Any]:
    """The request's parameters, decoded by the input shape and checked as ECR checks them.

    One compiled pass decodes and checks types, required members and constraints; only when it rejects the input
    do the slow walks run, to raise what ECR says: SerializationException for a wrong JSON type, else the
    validation error ``_validate`` words. ``registry_ids=False`` leaves registry id patterns unchecked (default
    mode)."""
    try:
        document = _JSON_DECODER.decode(body.decode() if body else "{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SerializationException("Request body is not valid JSON") from None
    shape = operation.input_shape
    if shape is None:
        return {}
    try:
        result: dict[str, Any] = _decoder(shape, registry_ids)(document)
        return result
    except _Rejected:
        pass
    params = _parse_structure(shape, document, "")  # raises SerializationException naming the member
    _validate.validate(operation, params, registry_ids=registry_ids)  # raises the violation
    raise AssertionError(f"the slow walks found nothing the fast decoder of {operation.name} rejected")


_DECODERS: dict[tuple[int, bool], tuple[Shape, Decoder]] = {}


def _decoder(shape: Shape, registry_ids: bool) -> Decoder:
    key = (id(shape), registry_ids)
    cached = _DECODERS.get(key)
    if cached is None:
        # the shape is kept alive with its id
        cached = _DECODERS[key] = (shape, _compile_decoder(shape, registry_ids))
    return cached[1]


def _compile_decoder(shape: Shape, registry_ids: bool) -> Decoder:
    type_name = shape.type_name
    check = None if not registry_ids and shape.name in _validate.REGISTRY_ID_SHAPES else _validate.constraint(shape)
    if type_name == "structure":
        assert isinstance(shape, StructureShape)
        members = {name: _decoder(member, registry_ids) for name, member in shape.members.items()}
        return _structure_decoder(members, tuple(shape.required_members))
    if type_name == "list":
        assert isinstance(shape, ListShape)
        return _list_decoder(_decoder(shape.member, registry_ids), check)
    if type_name == "map":
        assert isinstance(shape, MapShape)
        return _map_decoder(_decoder(shape.key, registry_ids), _decoder(shape.value, registry_ids), check)
    if type_name == "blob":
        return _blob_decoder(check)
    if type_name == "timestamp":
        return _decode_timestamp
    if type_name == "string":
        return _string_decoder(check)
    return _scalar_decoder(_SCALAR_TYPES[type_name], check)


def _structure_decoder(members: dict[str, Decoder], required: tuple[str, ...]) -> Decoder:
    def decode(value: Any) -> dict[str, Any]:
        if type(value) is not dict:
            raise _Rejected
        out = {}
        for name, item in value.items():
            member = members.get(name)
            if member is not None and item is not None:  # unknown members are ignored, as AWS does
                out[name] = member(item)
        for name in required:
            if name not in out:
                raise _Rejected
        return out

    return decode


def _list_decoder(item: Decoder, check: Check | None) -> Decoder:
    def decode(value: Any) -> list[Any]:
        if type(value) is not list or (check is not None and not check(value)):
            raise _Rejected
        return [item(entry) for entry in value]

    return decode


def _map_decoder(key: Decoder, item: Decoder, check: Check | None) -> Decoder:
    def decode(value: Any) -> dict[str, Any]:
        if type(value) is not dict or (check is not None and not check(value)):
            raise _Rejected
        return {key(name): item(entry) for name, entry in value.items()}

    return decode


def _string_decoder(check: Check | None) -> Decoder:
    if check is None:

        def decode(value: Any) -> Any:
            if type(value) is not str:
                raise _Rejected
            return value

        return decode

    def decode_checked(value: Any) -> Any:
        if type(value) is not str or not check(value):
            raise _Rejected
        return value

    return decode_checked


def _scalar_decoder(kinds: tuple[type, ...], check: Check | None) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) not in kinds or (check is not None and not check(value)):
            raise _Rejected
        return value

    return decode


def _blob_decoder(check: Check | None) -> Decoder:
    def decode(value: Any) -> bytes:
        if type(value) is not str:
            raise _Rejected
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _Rejected from None
        if check is not None and not check(data):
            raise _Rejected
        return data

    return decode


def _decode_timestamp(value: Any) -> _dt.datetime:
    if type(value) not in (int, float):
        raise _Rejected
    return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)


_SCALAR_TYPES: Mapping[str, tuple[type, ...]] = {
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


# --- response: Python -> JSON text by the output shape ------------------------------------------------------


def serialize(shape: StructureShape | None, result: dict[str, Any]) -> bytes:
    """The response body: ``result`` written as JSON by the output shape, in one pass.

    Members the installed model lacks are not on the wire, and None members are left out (ECR omits what it
    does not have). Timestamps go out as epoch seconds, or, when naive (the seed's imagePushedAt), as an ISO
    string botocore parses back into a naive datetime; blobs as base64. Compact and ASCII-only, as
    ``json.dumps(..., separators=(",", ":"))`` would write it.
    """
    if shape is None:
        return b"{}"
    out: list[str] = []
    _writer(shape)(result, out)
    return "".join(out).encode()


Writer = Callable[[Any, list[str]], None]
_WRITERS: dict[int, tuple[Shape, Writer]] = {}


def _writer(shape: Shape) -> Writer:
    """The function that appends the JSON text of a value of ``shape`` to a list, compiled once per shape."""
    cached = _WRITERS.get(id(shape))
    if cached is None:
        cached = _WRITERS[id(shape)] = (shape, _compile_writer(shape))  # the shape is kept alive with its id
    return cached[1]


def _compile_writer(shape: Shape) -> Writer:
    type_name = shape.type_name
    if type_name == "structure":
        assert isinstance(shape, StructureShape)
        return _structure_writer(shape)
    if type_name == "list":
        assert isinstance(shape, ListShape)
        return _list_writer(_writer(shape.member))
    if type_name == "map":
        assert isinstance(shape, MapShape)
        return _map_writer(_writer(shape.value))
    return _SCALAR_WRITERS[type_name]


def _structure_writer(shape: StructureShape) -> Writer:
    # per member: its key opening the object, its key after another member, and its value's writer
    plan = {
        name: ("{" + _quote(name) + ":", "," + _quote(name) + ":", _writer(member))
        for name, member in shape.members.items()
    }

    def write(value: dict[str, Any], out: list[str]) -> None:
        first = True
        for name, item in value.items():
            if item is None:
                continue
            member = plan.get(name)
            if member is None:
                continue
            out.append(member[0] if first else member[1])
            first = False
            member[2](item, out)
        out.append("{}" if first else "}")

    return write


def _list_writer(item: Writer) -> Writer:
    def write(value: list[Any], out: list[str]) -> None:
        separator = "["
        for entry in value:
            out.append(separator)
            separator = ","
            item(entry, out)
        out.append("]" if separator == "," else "[]")

    return write


def _map_writer(item: Writer) -> Writer:
    def write(value: dict[str, Any], out: list[str]) -> None:
        separator = "{"
        for key, entry in value.items():
            out.append(separator + _quote(key) + ":")
            separator = ","
            item(entry, out)
        out.append("}" if separator == "," else "{}")

    return write


def _write_string(value: str, out: list[str]) -> None:
    out.append(_quote(value))


def _write_boolean(value: bool, out: list[str]) -> None:
    out.append("true" if value else "false")


def _write_integer(value: int, out: list[str]) -> None:
    out.append(int.__repr__(value))


def _write_number(value: float, out: list[str]) -> None:
    out.append(float.__repr__(float(value)))


def _write_timestamp(value: _dt.datetime, out: list[str]) -> None:
    """Epoch seconds as ECR sends them; a naive datetime (seed mode) as an ISO string botocore keeps naive."""
    out.append('"' + value.isoformat() + '"' if value.tzinfo is None else float.__repr__(value.timestamp()))


def _write_blob(value: bytes, out: list[str]) -> None:
    out.append('"' + base64.b64encode(value).decode() + '"')


_SCALAR_WRITERS: Mapping[str, Writer] = {
    "string": _write_string,
    "boolean": _write_boolean,
    "integer": _write_integer,
    "long": _write_integer,
    "float": _write_number,
    "double": _write_number,
    "timestamp": _write_timestamp,
    "blob": _write_blob,
}

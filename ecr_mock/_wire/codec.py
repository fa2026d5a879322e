"""JSON <-> Python by botocore's ECR shapes: the request and response codec of the JSON-1.1 protocol.

Both directions are compiled once per shape into Python functions (``_codegen``). A request is decoded,
type-checked and checked against the model's constraints in one pass; only when that pass rejects it do the slower
walks here run, to say where and why (SerializationException for a wrong type, else ECR's validation error).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecr_mock._errors import SerializationException
from ecr_mock._wire import jsonio as _jsonio
from ecr_mock._wire import validate as _validate
from ecr_mock._wire.codegen import Rejected, decoder, quote, strict_base64, write, writer

# --- request: JSON -> Python, type- and constraint-checked against the input shape ---------------------------


class OperationCodec:
    """One operation's wire work, with its compiled decoders and writer looked up once."""

    __slots__ = ("_blob", "_decoders", "_writer", "operation", "parse")

    parse: Callable[[bytes, bool], dict[str, Any]]
    """``parse(body, registry_ids)``: the request's parameters, decoded by the input shape and checked as ECR
    checks them.

    One compiled pass decodes and checks types, required members and constraints; only when it rejects the input
    do the slow walks run, to raise what ECR says: SerializationException for a wrong JSON type, else the
    validation error ``_validate`` words. ``registry_ids=False`` leaves registry id patterns unchecked (default
    mode). A big body's blob member (an UploadLayerPart's part) is decoded straight from the body's bytes. (An
    attribute, not a method: an operation without a blob member parses every body one way, a call less.)"""

    def __init__(self, operation: OperationModel) -> None:
        self.operation = operation
        shape, output = operation.input_shape, operation.output_shape
        # indexed by registry_ids: False (default mode) and True
        self._decoders = (None, None) if shape is None else (decoder(shape, False), decoder(shape, True))
        self._writer = None if output is None else writer(output)
        self._blob = _top_blob(shape)
        self.parse = self._parse if self._blob is None else self._parse_with_blob

    def _parse_with_blob(self, body: bytes, registry_ids: bool) -> dict[str, Any]:
        if self._blob is not None and len(body) >= _BIG_BODY:
            lifted = _lift_blob(body, self._blob)
            if lifted is not None:
                rest, data = lifted
                params = self._parse(rest, registry_ids)
                if params.get(self._blob.name) == b"":  # the member was where it was found, and only there
                    params[self._blob.name] = data
                    return params
        return self._parse(body, registry_ids)

    def _parse(self, body: bytes, registry_ids: bool) -> dict[str, Any]:
        try:
            document = _jsonio.loads(body.decode()) if body else {}
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise SerializationException("Request body is not valid JSON") from None
        decode = self._decoders[registry_ids]
        if decode is None:
            return {}
        try:
            result: dict[str, Any] = decode(document)
            return result
        except Rejected:
            pass
        shape = self.operation.input_shape
        assert shape is not None
        params = _parse_structure(shape, document, "")  # raises SerializationException naming the member
        _validate.validate(self.operation, params, registry_ids=registry_ids)  # raises the violation
        raise AssertionError(f"the slow walks found nothing the fast decoder of {self.operation.name} rejected")

    def serialize(self, result: dict[str, Any]) -> bytes:
        """The response body: ``serialize`` by this operation's output shape."""
        if self._writer is None:
            return b"{}"
        out: list[str] = []
        self._writer(result, out)
        return "".join(out).encode()


_CODECS: dict[str, OperationCodec] = {}  # by operation name: only the model's operations get here

# --- a big blob member, decoded from the body's bytes -------------------------------------------------------

_BIG_BODY = 1 << 16  # smaller bodies go the usual way: decoding them to text and scanning it costs little
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class _Blob:
    name: str
    key: bytes  # the member's name as a JSON string, as it appears in the body
    low: float | None  # the model's length bounds
    high: float | None


def _top_blob(shape: StructureShape | None) -> _Blob | None:
    """The input's one top-level blob member, if it has exactly one."""
    if shape is None:
        return None
    blobs = [name for name, member in shape.members.items() if member.type_name == "blob"]
    if len(blobs) != 1:
        return None
    rules = _validate.rules(shape.members[blobs[0]])
    low, high = (None, None) if rules is None else (rules.low, rules.high)
    return _Blob(blobs[0], quote(blobs[0]).encode(), low, high)


def _lift_blob(body: bytes, blob: _Blob) -> tuple[bytes, bytes] | None:
    """The body with the blob member's string emptied, and the member's bytes (its base64 decoded in one strict
    pass, straight from the body: no copy of it as text, no scan of it as JSON); None whenever the body is not
    plainly shaped so (the member's name found in a key's place, once, its value a string of base64 alone), for
    the usual way to read, or refuse, it. The caller checks that the emptied body decodes the member as empty."""
    key = body.find(blob.key)
    if key < 0:
        return None
    before = body[:key].rstrip(_WHITESPACE)
    if not before.endswith((b"{", b",")):  # not in a key's place
        return None
    colon = _skip(body, key + len(blob.key))
    if colon >= len(body) or body[colon] != 0x3A:  # ':'
        return None
    opening = _skip(body, colon + 1)
    if opening >= len(body) or body[opening] != 0x22:  # '"'
        return None
    closing = body.find(b'"', opening + 1)
    if closing < 0 or body.find(blob.key, closing) >= 0:  # once: the string between holds no quote, so no key
        return None
    try:
        data = strict_base64(memoryview(body)[opening + 1 : closing])
    except (binascii.Error, ValueError):  # not base64 alone (a JSON escape, say): the usual way words it
        return None
    if (blob.low is not None and len(data) < blob.low) or (blob.high is not None and len(data) > blob.high):
        return None
    return body[: opening + 1] + body[closing:], data


def _skip(body: bytes, index: int) -> int:
    """The index of the first byte at or after ``index`` that is not JSON whitespace."""
    while index < len(body) and body[index] in _WHITESPACE:
        index += 1
    return index


def codec_for(operation: OperationModel) -> OperationCodec:
    codec = _CODECS.get(operation.name)
    if codec is None or codec.operation is not operation:
        codec = _CODECS[operation.name] = OperationCodec(operation)
    return codec


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
    return write(shape, result).encode()

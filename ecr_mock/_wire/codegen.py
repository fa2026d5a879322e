"""Request decoders and response writers compiled to Python source: one straight-line function per shape.

A call's wire work is a walk over its input and output shapes. Done with a closure per member, each value costs a
chain of small calls, and in a boto3 flow (botocore's own work in between) calls are what costs. So each shape is
compiled once into one function whose scalar members are checked or written inline, calling out only for nested
structures, lists and maps:

- ``decoder(shape, registry_ids)``: JSON-decoded value -> parameters. Checks JSON types, required members and the
  model's constraints (``_validate.rules``), drops null and unknown members, decodes blobs and timestamps; raises
  ``Rejected`` on the first problem, for the slow walks to word.
- ``writer(shape)``: Python value -> JSON text, appended to a list (``write`` joins it). Leaves out None and members
  the model lacks; timestamps as epoch seconds (a number is epoch seconds already; a naive datetime goes out as an
  ISO string), blobs as base64; compact and ASCII-only, as ``json.dumps`` writes. A list of structures may come as
  ``Rows`` (tuples in a given member order), written by one compiled function per shape and members.

Nothing here is ECR's: shapes come from botocore's model, and every literal in the generated source is ``repr`` of
a model name or constant.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as _dt
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from ecr_mock._wire import validate as _validate

try:  # SIMD base64 decoding (see strict_base64); without it, the stdlib's
    import pybase64 as _simd
except ImportError:  # pragma: no cover - a runtime dependency, but the stdlib still decodes
    _simd = None  # type: ignore[assignment]

Decoder = Callable[[Any], Any]
Writer = Callable[[Any, list[str]], None]

quote: Callable[[str], str] = encode_basestring_ascii  # a JSON string literal, ASCII only, as json.dumps writes it


class Rejected(Exception):
    """A value of the wrong JSON type, a missing required member, or a broken constraint."""


class Rows:
    """A list of structures given as rows: one tuple per structure, a value (or None: left out) per member that
    ``names`` names, in that order; the first member is always present. What a long listing hands a writer,
    which writes each row with one compiled function (no per-row dict, no per-member lookup), and a list of
    rows of one or two string members with two C-level joins when no value needs escaping (checked in C on the
    joined text). ``plain``: the caller vouches that no string holds a control character (identifiers the
    model's patterns checked on the way in), which spares that join path a scan of the text; quotes,
    backslashes and non-ASCII are checked either way. Iterating yields the rows as dicts.

    ``Rows.of_columns`` takes the values column by column instead (one sequence per member, of equal lengths),
    as a listing reads them off its objects: the rows are then zipped only as they are written (no tuple kept
    per row). ``quoted`` names string members whose values are given as their JSON text already (``quote``): what
    is the same on every row, or one of a few values, is then quoted once, not once per row."""

    __slots__ = ("_rows", "columns", "names", "plain", "quoted")

    def __init__(
        self,
        names: tuple[str, ...],
        rows: Sequence[tuple[Any, ...]],
        plain: bool = False,
        quoted: tuple[str, ...] = (),
    ) -> None:
        self.names = names
        self._rows: Sequence[tuple[Any, ...]] | None = rows
        self.columns: tuple[Sequence[Any], ...] | None = None
        self.plain = plain
        self.quoted = quoted

    @classmethod
    def of_columns(cls, names: tuple[str, ...], columns: tuple[Sequence[Any], ...], plain: bool = False) -> Rows:
        if len(columns) != len(names) or len(set(map(len, columns))) > 1:
            raise ValueError(f"{len(names)} columns of one length are needed, not {list(map(len, columns))}")
        made = cls(names, (), plain)
        made._rows, made.columns = None, columns
        return made

    @property
    def rows(self) -> Sequence[tuple[Any, ...]]:
        if self._rows is None:
            assert self.columns is not None
            self._rows = list(zip(*self.columns, strict=True))
        return self._rows

    def __len__(self) -> int:
        return len(self.rows) if self.columns is None else len(self.columns[0])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names, quoted = self.names, self.quoted
        for row in self.rows:
            yield {
                name: json.loads(value) if name in quoted else value
                for name, value in zip(names, row, strict=True)
                if value is not None
            }


class Written(str):
    """The JSON text of a structure, already written (a view that keeps the text of what seldom changes): a
    list writer appends it as it is."""


RowsWriter = Callable[[Sequence[tuple[Any, ...]], list[str]], None]
_ROWS_WRITERS: dict[
    tuple[int, tuple[str, ...], tuple[str, ...]], tuple[Shape, RowsWriter, tuple[str, str, str, str] | None]
] = {}


def _write_rows(value: Rows, out: list[str], shape: StructureShape) -> None:
    """Append the JSON list of ``value``'s rows, structures of ``shape``."""
    if not len(value):
        out.append("[]")
        return
    names, quoted = value.names, value.quoted
    key = (id(shape), names, quoted)
    compiled = _ROWS_WRITERS.get(key)
    if compiled is None:
        joins = None if quoted else _row_joins(shape, names)
        compiled = _ROWS_WRITERS[key] = (shape, _compile_rows(shape, names, quoted), joins)
    _, write, joins = compiled
    if joins is not None and _joined(value, joins, out):
        return
    write(value.rows, out)


def _joined(value: Rows, joins: tuple[str, str, str, str], out: list[str]) -> bool:
    """Rows of one or two strings, written by joining them, when no value needs escaping; False otherwise."""
    start, member, row, end = joins
    columns = value.columns
    if columns is not None:
        # each column's values joined end to end: a quote or backslash found in C (memchr), where counting the
        # quotes of the written text (a character at a time) cost more than writing it
        try:
            texts = ["".join(column) for column in columns]
        except TypeError:  # a None: some row lacks a member
            return False
        for text in texts:
            if not text.isascii() or '"' in text or "\\" in text or not (value.plain or text.isprintable()):
                return False
        if len(columns) == 1:
            out.append(start + row.join(columns[0]) + end)
            return True
        # the values and the text between them interleaved in one list, joined once: no string made per row (a
        # page of 100 pairs 8.8 -> 4.4 us, of 1,000 93 -> 72 us, against joining each row, then the rows)
        parts: list[str | None] = [None, member, None, row] * len(value)
        parts[0::4], parts[2::4] = columns  # every row has one value per member (of_columns checked the lengths)
        parts[-1] = end
        out.append(start + "".join(parts))  # type: ignore[arg-type]  # every None replaced by a value
        return True
    rows = value.rows
    try:
        body = row.join(map(member.join, rows))
    except TypeError:  # a None: some row lacks a member
        return False
    if not body.isascii() or "\\" in body or not (value.plain or body.isprintable()):
        return False
    count, width = len(value), len(value.names)
    expected = member.count('"') * (width - 1) * count + row.count('"') * (count - 1)
    if body.count('"') != expected:  # a quote inside a value
        return False
    if set(map(len, rows)) != {width}:  # a row of too few or too many values
        return False
    out.append(start + body + end)
    return True


def _row_joins(shape: StructureShape, names: tuple[str, ...]) -> tuple[str, str, str, str] | None:
    """The text before the first value, between two members' values, between rows, and after the last value;
    None unless ``names`` are one or two string members."""
    if not 1 <= len(names) <= 2 or any(shape.members[name].type_name != "string" for name in names):
        return None
    keys = [quote(name) for name in names]
    member = f'",{keys[1]}:"' if len(keys) == 2 else ""
    return "[{" + keys[0] + ':"', member, '"},{' + keys[0] + ':"', '"}]'


def _compile_rows(shape: StructureShape, names: tuple[str, ...], quoted: tuple[str, ...] = ()) -> RowsWriter:
    """One function writing a whole list of rows of ``names`` (members of ``shape``), each member inline; those
    ``quoted`` names (string members) come as their JSON text."""
    unknown = [name for name in names if name not in shape.members]
    if unknown or not names:
        raise ValueError(f"{shape.name} has no members {unknown}" if unknown else "rows need a member")
    not_strings = [name for name in quoted if name not in names or shape.members[name].type_name != "string"]
    if not_strings:
        raise ValueError(f"only string members of the rows come quoted, not {not_strings}")
    source = _Source(_WRITER_ENV)
    values = [f"v{number}" for number in range(len(names))]
    source.add("def generated(rows, out):")
    source.add("    append = out.append")
    source.add("    separator = '['")
    source.add(f"    for {', '.join(values)}, in rows:")
    inlines = ["{v}" if name in quoted else _inline_write(shape.members[name]) for name in names]
    if all(inline is not None for inline in inlines):
        # every member a scalar or a list of strings: a row is one join of its pieces (one string built, not one
        # per member), a member's key and value each left out ('') when the value is None
        pieces = ["separator", repr("{" + quote(names[0]) + ":"), str(inlines[0]).format(v=values[0])]
        for name, var, inline in zip(names[1:], values[1:], inlines[1:], strict=True):
            pieces.append(f"'' if {var} is None else {',' + quote(name) + ':'!r}")
            pieces.append(f"'' if {var} is None else {str(inline).format(v=var)}")
        source.add(f"        append(''.join(({', '.join(pieces)}, '}}')))")
        source.add("        separator = ','")
        source.add("    append(']')")
        joined: RowsWriter = source.build(f"rows writer {shape.name}")
        return joined
    for number, (name, var) in enumerate(zip(names, values, strict=True)):
        member = shape.members[name]
        key = quote(name) + ":"
        lead = ("separator + '{' + " if number == 0 else "") + repr(("" if number == 0 else ",") + key)
        indent = "        " if number == 0 else "            "
        if number:
            source.add(f"        if {var} is not None:")
        inline = inlines[number]
        if inline is not None:
            source.add(f"{indent}append({lead} + {inline.format(v=var)})")
        else:
            source.add(f"{indent}append({lead})")
            source.add(f"{indent}{source.name(writer(member))}({var}, out)")
        if number == 0:
            source.add("        separator = ','")
    source.add("        append('}')")
    source.add("    append(']')")
    written: RowsWriter = source.build(f"rows writer {shape.name}")
    return written


class _Source:
    """One generated function: its lines and the objects its source names."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.env = dict(env)

    def name(self, value: Any) -> str:
        """A name the source can use for ``value``."""
        name = f"_k{len(self.env)}"
        self.env[name] = value
        return name

    def add(self, line: str) -> None:
        self.lines.append(line)

    def build(self, label: str) -> Any:
        source = "\n".join(self.lines)
        code = compile(source, f"<ecr_mock {label}>", "exec")
        namespace: dict[str, Any] = {}
        exec(code, self.env, namespace)  # source built here from the model's names, repr-quoted
        return namespace["generated"]


# --- decoders -----------------------------------------------------------------------------------------------

_INLINE_TYPES = {
    "string": "type({v}) is not str",
    "boolean": "type({v}) is not bool",
    "integer": "type({v}) is not int",
    "long": "type({v}) is not int",
    "float": "type({v}) not in _NUMBERS",
    "double": "type({v}) not in _NUMBERS",
}
_DECODER_ENV: dict[str, Any] = {"Rejected": Rejected, "_NUMBERS": (int, float)}
_DECODERS: dict[tuple[int, bool], tuple[Shape, Decoder]] = {}


def decoder(shape: Shape, registry_ids: bool) -> Decoder:
    """The compiled decoder of ``shape`` (``registry_ids=False``: registry id patterns unchecked)."""
    key = (id(shape), registry_ids)
    cached = _DECODERS.get(key)
    if cached is None:
        cached = _DECODERS[key] = (shape, _compile_decoder(shape, registry_ids))  # the shape lives with its id
    return cached[1]


def _bad(source: _Source, shape: Shape, var: str, registry_ids: bool) -> str:
    """A condition, true when ``var`` is not a valid value of the scalar ``shape``."""
    conditions = [_INLINE_TYPES[shape.type_name].format(v=var)]
    rules = None if not registry_ids and shape.name in _validate.REGISTRY_ID_SHAPES else _validate.rules(shape)
    if rules is not None:
        conditions.extend(_rule_conditions(source, rules, var))
    return " or ".join(conditions)


def _rule_conditions(source: _Source, rules: _validate.Rules, var: str) -> list[str]:
    measured = f"len({var})" if rules.sized else var
    conditions = []
    if rules.low is not None and rules.high is not None:  # one len() for both bounds
        conditions.append(f"not ({rules.low!r} <= {measured} <= {rules.high!r})")
    elif rules.low is not None:
        conditions.append(f"{measured} < {rules.low!r}")
    elif rules.high is not None:
        conditions.append(f"{measured} > {rules.high!r}")
    if rules.enum is not None:
        conditions.append(f"{var} not in {source.name(rules.enum)}")
    if rules.pattern is not None:
        seen = _Matched(rules.pattern)
        conditions.append(f"({var} not in {source.name(seen)} and not {source.name(seen.check)}({var}))")
    return conditions


class _Matched(set[str]):
    """Values already seen to match a pattern: a test suite names the same few repositories over and over, and a
    set lookup costs less than the regular expression. Bounded: cleared when it grows past a few thousand."""

    LIMIT = 4096

    def __init__(self, pattern: re.Pattern[str]) -> None:
        super().__init__()
        self._fullmatch = pattern.fullmatch

    def check(self, value: str) -> bool:
        if self._fullmatch(value) is None:
            return False
        if len(self) >= self.LIMIT:
            self.clear()
        self.add(value)
        return True


def _compile_decoder(shape: Shape, registry_ids: bool) -> Decoder:
    source = _Source(_DECODER_ENV)
    type_name = shape.type_name
    if type_name in _INLINE_TYPES:
        source.add("def generated(value):")
        source.add(f"    if {_bad(source, shape, 'value', registry_ids)}:")
        source.add("        raise Rejected")
        source.add("    return value")
    elif isinstance(shape, StructureShape):
        _structure_decoder(source, shape, registry_ids)
    elif isinstance(shape, ListShape):
        _list_decoder(source, shape, registry_ids)
    elif isinstance(shape, MapShape):
        _map_decoder(source, shape, registry_ids)
    elif type_name == "blob":
        return _blob_decoder(_validate.rules(shape))
    elif type_name == "timestamp":
        return _decode_timestamp
    else:
        raise ValueError(f"no decoder for the shape type {type_name!r} ({shape.name})")
    decoded: Decoder = source.build(f"decoder {shape.name}")
    return decoded


def _structure_decoder(source: _Source, shape: StructureShape, registry_ids: bool) -> None:
    required = set(shape.required_members)
    source.add("def generated(value):")
    source.add("    if type(value) is not dict:")
    source.add("        raise Rejected")
    source.add("    get = value.get")
    source.add("    out = {}")
    for name, member in shape.members.items():
        source.add(f"    v = get({name!r})")
        source.add("    if v is not None:")
        if member.type_name in _INLINE_TYPES:
            source.add(f"        if {_bad(source, member, 'v', registry_ids)}:")
            source.add("            raise Rejected")
            source.add(f"        out[{name!r}] = v")
        else:
            source.add(f"        out[{name!r}] = {source.name(decoder(member, registry_ids))}(v)")
        if name in required:
            source.add("    else:")
            source.add("        raise Rejected")
    source.add("    return out")


def _list_decoder(source: _Source, shape: ListShape, registry_ids: bool) -> None:
    rules = _validate.rules(shape)
    own = " or ".join(["type(value) is not list", *(_rule_conditions(source, rules, "value") if rules else [])])
    source.add("def generated(value):")
    source.add(f"    if {own}:")
    source.add("        raise Rejected")
    item = shape.member
    if item.type_name in _INLINE_TYPES:  # scalars come through unchanged: check them and keep the list
        source.add("    for v in value:")
        source.add(f"        if {_bad(source, item, 'v', registry_ids)}:")
        source.add("            raise Rejected")
        source.add("    return value")
    else:
        source.add(f"    return [{source.name(decoder(item, registry_ids))}(v) for v in value]")


def _map_decoder(source: _Source, shape: MapShape, registry_ids: bool) -> None:
    rules = _validate.rules(shape)
    own = " or ".join(["type(value) is not dict", *(_rule_conditions(source, rules, "value") if rules else [])])
    source.add("def generated(value):")
    source.add(f"    if {own}:")
    source.add("        raise Rejected")
    source.add("    for k in value:")
    source.add(f"        if {_bad(source, shape.key, 'k', registry_ids)}:")
    source.add("            raise Rejected")
    item = shape.value
    if item.type_name in _INLINE_TYPES:
        source.add("    for v in value.values():")
        source.add(f"        if {_bad(source, item, 'v', registry_ids)}:")
        source.add("            raise Rejected")
        source.add("    return value")
    else:
        source.add(f"    return {{k: {source.name(decoder(item, registry_ids))}(v) for k, v in value.items()}}")


def _blob_decoder(rules: _validate.Rules | None) -> Decoder:
    low = None if rules is None else rules.low
    high = None if rules is None else rules.high

    def decode(value: Any) -> bytes:
        if type(value) is not str:
            raise Rejected
        try:
            data = strict_base64(value)
        except (binascii.Error, ValueError):
            raise Rejected from None
        if (low is not None and len(data) < low) or (high is not None and len(data) > high):
            raise Rejected
        return data

    return decode


def strict_base64(value: str | memoryview) -> bytes:
    """Base64 decoded, refusing anything else (binascii.Error). pybase64's SIMD decoder first (a 10 MiB layer part:
    about 4 ms, against binascii's 30-130 ms here); it refuses a few texts the stdlib takes (padding past a whole
    quantum, ``abcd=``), which ``stdlib_base64`` then decides, so what is accepted, and as what, is the stdlib's."""
    if _simd is not None:
        with contextlib.suppress(binascii.Error, ValueError):
            return _simd.b64decode(value, validate=True)
    return stdlib_base64(value)


def stdlib_base64(value: str | memoryview) -> bytes:
    """Base64 decoded by the stdlib, refusing anything else (binascii.Error): from Python 3.11 one pass that
    decodes and validates at once, straight from a memoryview; before, a validating pass and a copy first."""
    if sys.version_info >= (3, 11):
        return binascii.a2b_base64(value, strict_mode=True)
    return base64.b64decode(value if isinstance(value, str) else bytes(value), validate=True)


def _decode_timestamp(value: Any) -> _dt.datetime:
    if type(value) not in (int, float):
        raise Rejected
    return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)


# --- writers ------------------------------------------------------------------------------------------------
#
# A writer appends its value's JSON text to a list, joined once at the end: a response holding a manifest copies
# those kilobytes once, not once per enclosing structure.


def _write_blob(value: bytes) -> str:
    return '"' + base64.b64encode(value).decode() + '"'


_INLINE_WRITES = {  # scalar shapes: an expression of {v} that is its JSON text
    "string": "_quote({v})",
    "boolean": "('true' if {v} else 'false')",
    "integer": "_int({v})",
    "long": "_int({v})",
    "float": "_float(float({v}))",
    "double": "_float(float({v}))",
    # epoch seconds as ECR sends them (a number: already epoch seconds); a naive datetime (seed mode) as an ISO
    # string botocore keeps naive
    "timestamp": "(_float(float({v})) if type({v}) in _EPOCH else '\"' + {v}.isoformat() + '\"' if {v}.tzinfo is None "
    "else _float({v}.timestamp()))",
    "blob": "_blob({v})",
}
_WRITER_ENV: dict[str, Any] = {
    "_quote": quote,
    "_int": int.__repr__,
    "_float": float.__repr__,
    "_blob": _write_blob,
    "_EPOCH": (float, int),
    "_Rows": Rows,
    "_Written": Written,
    "_rows": _write_rows,
}
_WRITERS: dict[int, tuple[Shape, Writer]] = {}


def write(shape: Shape, value: Any) -> str:
    """The JSON text of ``value``, a value of ``shape``."""
    out: list[str] = []
    writer(shape)(value, out)
    return "".join(out)


def writer(shape: Shape) -> Writer:
    """The compiled writer of ``shape``: appends the JSON text of its value to a list."""
    cached = _WRITERS.get(id(shape))
    if cached is None:
        cached = _WRITERS[id(shape)] = (shape, _compile_writer(shape))  # the shape lives with its id
    return cached[1]


def _inline_write(shape: Shape) -> str | None:
    """An expression of ``{v}`` that is the JSON text of a value of ``shape``, when it needs no function of its
    own: a scalar, or a list of strings (an image's tags)."""
    if isinstance(shape, ListShape) and shape.member.type_name == "string":
        # one string (an image's one tag, the usual case) without a map and a join
        return "(('[' + _quote({v}[0]) + ']') if len({v}) == 1 else ('[' + ','.join(map(_quote, {v})) + ']'))"
    return _INLINE_WRITES.get(shape.type_name)


_NESTED_DEPTH = 2  # structures within a structure written inline, this deep: a call less each, on every answer


def _append(source: _Source, shape: Shape, var: str, indent: str, depth: int = _NESTED_DEPTH) -> None:
    """Source lines that append the JSON text of ``var``, a value of ``shape``, to ``out``. A structure member
    is written inline (to ``depth`` levels), a call saved on every answer that holds one."""
    inline = _inline_write(shape)
    if inline is not None:
        source.add(f"{indent}out.append({inline.format(v=var)})")
    elif depth and isinstance(shape, StructureShape) and shape.members:
        _structure_body(source, shape, var, indent, depth - 1)
    else:
        source.add(f"{indent}{source.name(writer(shape))}({var}, out)")


def _structure_body(source: _Source, shape: StructureShape, var: str, indent: str, depth: int) -> None:
    """Source lines that append the JSON text of ``var``, a dict of ``shape``'s members, to ``out``; members
    read into ``var`` + ``_``, each nesting level under names of its own."""
    get, member_var, first = f"get{var}", f"{var}_", f"first{var}"
    source.add(f"{indent}{get} = {var}.get")
    source.add(f"{indent}{first} = True")
    for name, member in shape.members.items():
        key = quote(name) + ":"
        source.add(f"{indent}{member_var} = {get}({name!r})")
        source.add(f"{indent}if {member_var} is not None:")
        source.add(f"{indent}    out.append({'{' + key!r} if {first} else {',' + key!r})")
        source.add(f"{indent}    {first} = False")
        _append(source, member, member_var, indent + "    ", depth)
    source.add(f"{indent}out.append('{{}}' if {first} else '}}')")


def _compile_writer(shape: Shape) -> Writer:
    source = _Source(_WRITER_ENV)
    source.add("def generated(value, out):")
    if shape.type_name in _INLINE_WRITES:
        source.add(f"    out.append({_INLINE_WRITES[shape.type_name].format(v='value')})")
    elif isinstance(shape, StructureShape):
        _structure_body(source, shape, "value", "    ", _NESTED_DEPTH)
    elif isinstance(shape, ListShape):
        if isinstance(shape.member, StructureShape):  # a listing may hand its rows over as Rows
            source.add("    if type(value) is _Rows:")
            source.add(f"        _rows(value, out, {source.name(shape.member)})")
            source.add("        return")
        source.add("    if not value:")
        source.add("        out.append('[]')")
        source.add("        return")
        source.add("    separator = '['")
        source.add("    for v in value:")
        source.add("        out.append(separator)")
        source.add("        separator = ','")
        if isinstance(shape.member, StructureShape):  # or its text, already written
            source.add("        if type(v) is _Written:")
            source.add("            out.append(v)")
            source.add("            continue")
        _append(source, shape.member, "v", "        ")
        source.add("    out.append(']')")
    elif isinstance(shape, MapShape):
        source.add("    if not value:")
        source.add("        out.append('{}')")
        source.add("        return")
        source.add("    separator = '{'")
        source.add("    for k, v in value.items():")
        source.add("        out.append(separator + _quote(k) + ':')")
        source.add("        separator = ','")
        _append(source, shape.value, "v", "        ")
        source.add("    out.append('}')")
    else:
        raise ValueError(f"no writer for the shape type {shape.type_name!r} ({shape.name})")
    written: Writer = source.build(f"writer {shape.name}")
    return written

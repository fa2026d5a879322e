"""Wire-level fuzzing of the JSON-1.1 dispatcher, without botocore: ``_protocol.handle`` on raw targets and bodies.

Whatever arrives (malformed JSON, wrong JSON types at every member path, unknown or missing targets, 10 MB bodies,
deeply nested JSON, bytes that are not UTF-8, numbers too large to parse), the answer is an HTTP response: 200, or a
4xx whose ``__type`` is a protocol error (SerializationException, UnknownOperationException) or an error the
operation declares. Never a Python exception, never a 500. Where the kind of input fixes the error (a body that is
not a JSON object, a member of the wrong JSON type, an unknown target), the exact code is checked too.

The deterministic sweeps run in both profiles (so ``-m slow`` is a superset); the random ones and the 10 MB
bodies grow with the profile. ``test_protocol.py`` already pins single cases (a few malformed bodies and wrong
member types for two operations, arbitrary JSON objects per operation); this file sweeps every operation and every
member path.
"""

from __future__ import annotations

import base64
import binascii
import gc
import json
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import botocore.session
import pytest
from _reliability import PROFILES, REPORT, Finding, Profile, mock_tracebacks, settle, shorten
from botocore.model import ListShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecr_mock._backend import Backends
from ecr_mock._config import DEFAULT, STRICT, Behaviour
from ecr_mock._wire.protocol import Request, Response, handle

MODEL = botocore.session.get_session().get_service_model("ecr")
OPERATIONS = sorted(MODEL.operation_names)
PREFIX = MODEL.metadata["targetPrefix"] + "."
ACCOUNT = "012345678910"
REGION = "us-east-1"
PROTOCOL_CODES = frozenset({"SerializationException", "UnknownOperationException"})
TEN_MB = 10 * 1024 * 1024
DEEP = 100_000
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})
BEHAVIOURS = [pytest.param(DEFAULT, id="default"), pytest.param(STRICT, id="strict")]


# --- the harness ------------------------------------------------------------------------------------------


def seeded(behaviour: Behaviour) -> Backends:
    """A registry with a repository, an image and a lifecycle policy, so valid bodies reach the handlers."""
    backends = Backends(behaviour)
    for operation, body in (
        ("CreateRepository", {"repositoryName": "app"}),
        ("PutImage", {"repositoryName": "app", "imageManifest": MANIFEST, "imageTag": "v1"}),
        ("InitiateLayerUpload", {"repositoryName": "app"}),
    ):
        response = handle(Request(PREFIX + operation, json.dumps(body).encode()), backends, ACCOUNT, REGION)
        assert response.status == 200, response.body
    return backends


def declared(operation: str | None) -> frozenset[str]:
    if operation is None or operation not in MODEL.operation_names:
        return frozenset()
    return frozenset(shape.name for shape in MODEL.operation_model(operation).error_shapes)


def operation_of(target: str | None) -> str | None:
    if target is None or not target.startswith(PREFIX):
        return None
    name = target[len(PREFIX) :]
    return name if name in MODEL.operation_names else None


def send(backends: Backends, target: str | None, body: bytes, expect: str | None = None, key: str | None = None) -> str:
    """One request through the dispatcher, judged; the answer's ``__type`` ("ok" for a 200)."""
    operation = operation_of(target)
    label = operation or "<unknown target>"
    REPORT.wire_calls[label] += 1
    request = f"target={shorten(target, 120)!s} body={shorten(body, 300)}"
    with mock_tracebacks() as tracebacks:
        try:
            response = handle(Request(target, body, key), backends, ACCOUNT, REGION)
        except Exception as error:
            detail = f"{type(error).__name__}: {shorten(str(error), 300)}"
            _finding(Finding("wire-fuzz", label, "crash", detail, request, traceback.format_exc()))
            return "exception"
        trace = tracebacks.take()
    code = _code(response)
    REPORT.wire_outcomes[code] += 1
    if response.status >= 500:
        detail = f"{code} ({response.status}): {shorten(response.body, 300)}"
        _finding(Finding("wire-fuzz", label, "status-500", detail, request, trace))
    elif code != "ok" and code not in PROTOCOL_CODES | declared(operation):
        _finding(
            Finding("wire-fuzz", label, "undeclared-code", f"{code}: {shorten(response.body, 300)}", request, trace)
        )
    elif expect is not None and code != expect:
        detail = f"expected {expect}, got {code}: {shorten(response.body, 300)}"
        _finding(Finding("wire-fuzz", label, "wrong-code", detail, request, trace))
    return code


def _code(response: Response) -> str:
    headers = response.headers
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["Content-Length"] == str(len(response.body))
    document = json.loads(response.body)
    assert isinstance(document, dict)
    if response.status == 200:
        return "ok"
    assert isinstance(document.get("__type"), str) and isinstance(document.get("message"), str), document
    return str(document["__type"])


_found: list[Finding] = []


def _finding(finding: Finding) -> None:
    _found.append(REPORT.add_finding(finding))


@pytest.fixture(autouse=True)
def _fresh_findings() -> None:
    _found.clear()


# --- well-typed skeletons and every member path -------------------------------------------------------------


def minimal(shape: StructureShape | None) -> dict[str, Any]:
    """The required members only, naming the seeded repository: a body that gets past validation and lookups."""
    if shape is None:
        return {}
    document = {name: skeleton(shape.members[name]) for name in shape.required_members}
    if "repositoryName" in document:
        document["repositoryName"] = "app"
    return document


def skeleton(shape: Shape) -> Any:
    """A well-typed JSON value of ``shape`` with every member present (not necessarily valid)."""
    if isinstance(shape, StructureShape):
        return {name: skeleton(member) for name, member in shape.members.items()}
    if isinstance(shape, ListShape):
        return [skeleton(shape.member)]
    enum = shape.metadata.get("enum")
    scalars = {"string": enum[0] if enum else "ab", "integer": 1, "long": 1, "boolean": True}
    if shape.type_name == "blob":
        return base64.b64encode(b"x").decode()
    if shape.type_name == "timestamp":
        return 1_700_000_000
    return scalars.get(shape.type_name, "ab")


# JSON values of the wrong type for each shape type (null is not wrong: it means "absent").
WRONG: dict[str, list[Any]] = {
    "string": [1, 1.5, True, [], {}],
    "integer": ["1", 1.5, True, [], {}, 1e400],
    "long": ["1", 1.5, False, [], {}],
    "boolean": ["true", 1, 0, [], {}],
    "blob": [1, True, [], {}, "!!! not base64 !!!"],
    "list": ["x", 1, True, {}],
    "structure": ["x", 1, True, []],
    "timestamp": ["yesterday", True, [], {}],
}


def member_paths(shape: Shape, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Shape]]:
    """(path, shape) of every member at every depth, list entries as index 0."""
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            yield (*path, name), member
            yield from member_paths(member, (*path, name))
    elif isinstance(shape, ListShape):
        yield (*path, 0), shape.member
        yield from member_paths(shape.member, (*path, 0))


def replaced(document: Any, path: tuple[str | int, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, str(head): replaced(document[head], rest, value)}
    copy = list(document)
    copy[int(head)] = replaced(copy[int(head)], rest, value)
    return copy


def input_shape(operation: str) -> StructureShape | None:
    shape: StructureShape | None = MODEL.operation_model(operation).input_shape
    return shape


def wrong_type_cases() -> list[tuple[str, str, bytes]]:
    cases = []
    for operation in OPERATIONS:
        shape = input_shape(operation)
        if shape is None:
            continue
        base = skeleton(shape)
        for path, member in member_paths(shape):
            for value in WRONG[member.type_name]:
                body = json.dumps(replaced(base, path, value)).encode()
                cases.append((operation, ".".join(map(str, path)), body))
    return cases


WRONG_TYPE_CASES = wrong_type_cases()


# --- tests: exact codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_member_of_the_wrong_json_type_is_a_serialization_exception(behaviour: Behaviour, profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(behaviour)
    for operation, _path, body in WRONG_TYPE_CASES:
        send(backends, PREFIX + operation, body, expect="SerializationException")
    assert len(WRONG_TYPE_CASES) > 1000
    settle(_found)


NOT_AN_OBJECT = [
    b"{",
    b"}",
    b"not json",
    b'{"a": 1,}',
    b"{'single': 'quotes'}",
    b"[]",
    b"[{}]",
    b'"a string"',
    b"42",
    b"null",
    b"true",
    b"NaN",
    b"\x00",
    b"\xff\xfe\xfd",
    b'{"repositoryName": "\xff"}',
    b'{"repositoryName": "\xc3\x28"}',
    b'{"a": "\\x41"}',
    b'{"a": "\\ud800\\"}',
    b"{}garbage",
    b"{} {}",
    b"{" * DEEP + b"}" * DEEP,
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"maxResults": 1' + b"0" * 5000 + b"}",  # more digits than Python converts
    json.dumps({"a": "x"}).encode("utf-32")[:-1],  # truncated UTF-32
]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_a_body_that_is_not_a_json_object_is_a_serialization_exception(behaviour: Behaviour, profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(behaviour)
    for operation in OPERATIONS:
        for body in NOT_AN_OBJECT:
            send(backends, PREFIX + operation, body, expect="SerializationException")
    settle(_found)


@pytest.mark.parametrize("profile", PROFILES)
def test_deep_nesting_in_every_member_is_a_serialization_exception(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(DEFAULT)
    nested = "[" * DEEP + "]" * DEEP
    for operation in OPERATIONS:
        shape = input_shape(operation)
        for name in [] if shape is None else list(shape.members):
            body = '{"%s": %s}' % (name, nested)  # noqa: UP031 (the body is text, not a dumped document)
            send(backends, PREFIX + operation, body.encode(), expect="SerializationException")
    settle(_found)


UNKNOWN_TARGETS = [
    None,
    "",
    " ",
    PREFIX,
    PREFIX.rstrip("."),
    PREFIX + "createRepository",
    PREFIX + "CreateRepository ",
    " " + PREFIX + "CreateRepository",
    PREFIX + "CreateRepository\x00",
    PREFIX.lower() + "CreateRepository",
    "CreateRepository",
    "AmazonEC2ContainerRegistry_V20150921..CreateRepository",
    "AmazonEC2ContainerRegistry_V20150921.CreateRepository.CreateRepository",
    "DynamoDB_20120810.ListTables",
    "AmazonEC2ContainerRegistry_V20150922.CreateRepository",
    PREFIX + "__init__",
    PREFIX + "operation_names",
    PREFIX + "Créate",
    PREFIX + "\ud800",
    PREFIX + "A" * 1_000_000,
]


@pytest.mark.parametrize("profile", PROFILES)
def test_an_unknown_or_missing_target_is_an_unknown_operation_exception(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(DEFAULT)
    for target in UNKNOWN_TARGETS:
        for body in (b"{}", b'{"repositoryName": "app"}', b"{", b"\xff"):
            send(backends, target, body, expect="UnknownOperationException")
    settle(_found)


# Was a leak: _model.operation cached every unknown name it was asked for; in server mode anyone who can send
# requests could have grown it without bound.
def test_unknown_targets_are_not_remembered() -> None:
    backends = seeded(DEFAULT)
    send(backends, PREFIX + "Warm" + "x" * 10_000, b"{}")
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(300):
            send(backends, f"{PREFIX}Unknown{number:04d}{'x' * 10_000}", b"{}", expect="UnknownOperationException")
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    settle(_found)
    assert kept < 1_000_000, f"{kept} bytes kept after 300 unknown targets of 10 kB"


# --- tests: any protocol or declared answer -------------------------------------------------------------


# Values any member may meet: a lone surrogate (alone, and raw inside a JSON document such as a manifest or a
# policy), NUL, bidi override, astral characters, numbers beyond 64 bits.
ODD_VALUES: tuple[Any, ...] = (
    "\ud800",
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "note": "\ud800"}',
    '{"Version": "2012-10-17", "Statement": [{"Sid": "\udfff"}]}',
    "a\x00b",
    "\u202e",
    "🚀" * 1000,
    10**300,
    -(10**300),
    2**63,
    -1,
    0,
)


def odd_encodings(body: bytes) -> list[bytes]:
    """The same document in encodings and framings a JSON-1.1 endpoint may meet."""
    text = body.decode()
    return [
        text.encode("utf-16"),
        text.encode("utf-16-le"),
        text.encode("utf-32"),
        b"\xef\xbb\xbf" + body,  # UTF-8 byte order mark
        b"  \n\t" + body + b"\n\n",
        text.replace('"', '"\\u0000', 1).encode(),
    ]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_odd_encodings_and_odd_values_get_an_answer(behaviour: Behaviour, profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(behaviour)
    for operation in OPERATIONS:
        shape = input_shape(operation)
        base = minimal(shape)
        body = json.dumps(base).encode()
        for variant in odd_encodings(body):
            send(backends, PREFIX + operation, variant)
        for name in base:
            for value in ODD_VALUES:
                send(backends, PREFIX + operation, json.dumps({**base, name: value}).encode())
            raw = json.dumps({**base, name: "@@"}).replace('"@@"', '"\xed\xa0\x80"').encode("utf-8", "surrogatepass")
            send(backends, PREFIX + operation, raw)  # a UTF-8-encoded surrogate: not valid UTF-8
            for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-0", b"1E400"):
                dumped = json.dumps({**base, name: "@@"}).encode()
                send(backends, PREFIX + operation, dumped.replace(b'"@@"', literal))
    settle(_found)


def oversized_bodies(operation: str) -> Iterator[bytes]:
    """About 10 MB each: one huge string member, a huge list, whitespace, junk, many unknown members."""
    shape = input_shape(operation)
    base = {} if shape is None else skeleton(shape)
    for name, member in [] if shape is None else shape.members.items():
        if member.type_name == "string":
            yield json.dumps({**base, name: "a" * TEN_MB}).encode()
            break
    for name, member in [] if shape is None else shape.members.items():
        if isinstance(member, ListShape):
            yield json.dumps({**base, name: [skeleton(member.member)] * (TEN_MB // 64)}).encode()
            break
    yield b" " * TEN_MB + json.dumps(base).encode()
    yield json.dumps({f"unknown{i}": i for i in range(TEN_MB // 24)}).encode()
    yield b"\x8f" * TEN_MB


SAMPLE_OPERATIONS = ["PutImage", "UploadLayerPart"]  # the quick profile's; the full one sends to all


@pytest.mark.parametrize("profile", PROFILES)
def test_ten_megabyte_bodies_get_an_answer(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(DEFAULT)
    operations = SAMPLE_OPERATIONS if profile.name == "quick" else OPERATIONS
    for operation in operations:
        for body in oversized_bodies(operation):
            started = time.perf_counter()
            send(backends, PREFIX + operation, body)
            assert time.perf_counter() - started < 10, f"{operation}: {len(body)} bytes took too long"
    settle(_found)


# --- hypothesis: random bytes, mutated valid bodies, random JSON ----------------------------------------------

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=10),
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


JSON_VALUES = st.recursive(JSON_LEAVES, _containers)


@st.composite
def mutated(draw: st.DrawFn, operation: str) -> bytes:
    """A well-typed body of ``operation``, then a few byte-level or JSON-level changes."""
    shape = input_shape(operation)
    document = {} if shape is None else skeleton(shape)
    if shape is not None and shape.members and draw(st.booleans()):
        name = draw(st.sampled_from(sorted(shape.members)))
        document[name] = draw(JSON_VALUES)
    body = bytearray(json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass"))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        if kind == "flip" and body:
            body[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del body[at:]
        elif kind == "insert":
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif body:
            del body[at]
    return bytes(body)


def bodies(operation: str) -> st.SearchStrategy[bytes]:
    shape = input_shape(operation)
    members = sorted(shape.members) if shape is not None else []
    random_object = st.dictionaries(
        st.sampled_from(members) if members else st.text(max_size=5), JSON_VALUES, max_size=len(members) or 2
    ).map(lambda document: json.dumps(document).encode())
    return st.one_of(mutated(operation), st.binary(max_size=200), random_object)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_random_and_mutated_bodies_get_an_answer(behaviour: Behaviour, profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(behaviour)

    @settings(
        max_examples=profile.wire_examples * len(OPERATIONS),
        derandomize=profile.derandomize,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data(), operation=st.sampled_from(OPERATIONS), key=st.one_of(st.none(), st.text(max_size=20)))
    def fuzz(data: st.DataObject, operation: str, key: str | None) -> None:
        body = data.draw(bodies(operation))
        send(backends, PREFIX + operation, body, key=key)

    fuzz()
    settle(_found)


@pytest.mark.parametrize("profile", PROFILES)
def test_random_targets_get_an_answer(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    backends = seeded(DEFAULT)
    targets = st.one_of(
        st.none(),
        st.text(max_size=40),
        st.text(max_size=30).map(lambda name: PREFIX + name),
        st.sampled_from(OPERATIONS).map(lambda name: PREFIX + name),
    )

    @settings(
        max_examples=profile.wire_examples * 20,
        derandomize=profile.derandomize,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(target=targets, body=st.one_of(st.binary(max_size=50), st.just(b"{}")))
    def fuzz(target: str | None, body: bytes) -> None:
        known = operation_of(target) is not None
        send(backends, target, body, expect=None if known else "UnknownOperationException")

    fuzz()
    settle(_found)


_BASE64_TEXT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n.é", max_size=24)


@settings(max_examples=1500, deadline=None)
@given(_BASE64_TEXT)
def test_blobs_decode_as_the_stdlib_decides_whichever_decoder_runs(text: str) -> None:
    """The SIMD decoder runs first, and refuses some texts binascii's strict mode takes (padding past a whole
    quantum): what a blob member accepts, and its bytes, are the stdlib's either way, from text or from a body."""
    from ecr_mock._wire.codegen import stdlib_base64, strict_base64

    for given_as in (text, memoryview(text.encode("utf-8"))):
        expected, got = _decoded(stdlib_base64, given_as), _decoded(strict_base64, given_as)
        assert got == expected, given_as


def _decoded(decode: Callable[[str | memoryview], bytes], value: str | memoryview) -> bytes | None:
    try:
        return decode(value)
    except (binascii.Error, ValueError):
        return None

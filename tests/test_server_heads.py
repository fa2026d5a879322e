"""The server reads a plainly shaped request head itself, not through the email package (a small request's largest
fixed cost): whatever arrives, what it makes of a head (method, target, version, headers, whether the connection is
kept, what is left to read, any answer already written) is exactly what the stdlib's parse_request makes of it."""

from __future__ import annotations

import io
from http.server import BaseHTTPRequestHandler
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecr_mock._server.connection import Handler


def handler(raw_requestline: bytes, rest: bytes) -> Handler:
    """A request handler in the state handle_one_request leaves it in, before parsing (no socket, no server)."""
    made: Handler = Handler.__new__(Handler)
    made.raw_requestline = raw_requestline  # type: ignore[attr-defined]
    made.rfile = io.BufferedReader(io.BytesIO(rest), buffer_size=512)
    made.wfile = io.BytesIO()
    made.client_address = ("127.0.0.1", 40000)
    made.request_version = made.default_request_version
    made.date_time_string = lambda timestamp=None: "Mon, 07 Dec 2026 10:00:00 GMT"  # type: ignore[method-assign]
    return made


def parsed(made: Handler, parse: Any) -> dict[str, Any]:
    ok = parse(made)
    headers = getattr(made, "headers", None)
    return {
        "ok": ok,
        "command": getattr(made, "command", None),
        "path": getattr(made, "path", None),
        "version": made.request_version,
        "requestline": getattr(made, "requestline", None),
        "close": made.close_connection,
        "headers": None if headers is None else list(headers.items()),
        "left": made.rfile.read(),
        "written": made.wfile.getvalue(),  # type: ignore[attr-defined]
    }


def same_as_the_stdlib(raw_requestline: bytes, rest: bytes) -> dict[str, Any]:
    ours = parsed(handler(raw_requestline, rest), Handler.parse_request)
    stdlib = parsed(handler(raw_requestline, rest), BaseHTTPRequestHandler.parse_request)
    assert ours == stdlib
    return ours


def test_a_plain_head_is_read_as_the_stdlib_reads_it() -> None:
    head = (
        b"Host: 127.0.0.1:5000\r\nAuthorization: Basic QVdTOnRva2Vu\r\nContent-Range: 0-3\r\n"
        b"Content-Length: 4\r\nX-Two: one\r\nx-two:\t two \r\nEmpty:\r\nLatin: caf\xe9\r\n\r\nbody"
    )
    result = same_as_the_stdlib(b"PATCH //v2/app/blobs/uploads/u1?x=1 HTTP/1.1\r\n", head)
    assert result["path"] == "/v2/app/blobs/uploads/u1?x=1"
    assert result["headers"][4:] == [("X-Two", "one"), ("x-two", "two "), ("Empty", ""), ("Latin", "café")]
    assert result["left"] == b"body"
    assert result["close"] is False
    assert same_as_the_stdlib(b"GET /v2/ HTTP/1.0\r\n", b"Connection: keep-alive\r\n\r\n")["close"] is False
    assert same_as_the_stdlib(b"GET /v2/ HTTP/1.1\r\n", b"\r\nnext")["headers"] == []
    assert same_as_the_stdlib(b"PUT /x HTTP/1.1\n", b"Expect: 100-Continue\r\n\r\n")["written"].startswith(
        b"HTTP/1.1 100 Continue"
    )


def test_heads_the_fast_reader_leaves_to_the_stdlib() -> None:
    for raw, rest in [
        (b"GET /v2/ HTTP/1.1\r\n", b"Folded: a\r\n  b\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"No colon\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b": no name\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"Bare: a\rb\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"Lf: only\nOther: x\n\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"From me: x\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"".join(b"H%d: v\r\n" % n for n in range(99)) + b"\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"".join(b"H%d: v\r\n" % n for n in range(100)) + b"\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"Big: " + b"a" * 2000 + b"\r\n\r\n"),
        (b"GET /v2/ HTTP/1.1\r\n", b"Cut: short\r\n"),
        (b"GET /v2/ HTTP/2.0\r\n", b"\r\n"),
        (b"GET /v2/ HTTP/1.10\r\n", b"\r\n"),
        (b"GET  /v2/  HTTP/1.1\r\n", b"\r\n"),
        (b"GET /v2/\r\n", b"\r\n"),
        (b"POST /v2/\r\n", b"\r\n"),
        (b"\r\n", b""),
        (b"G\xe9T /v2/ HTTP/1.1\r\n", b"\r\n"),
    ]:
        same_as_the_stdlib(raw, rest)


# mostly plain heads (the fast reader's), with every kind of oddity mixed in (the stdlib's)
_METHODS = st.sampled_from(["GET", "PATCH", "HEAD", "PUT", "GET", "PATCH", "G T", "", "HTTP/1.1", "g\u00e9t"])
_TARGETS = st.sampled_from(["/v2/", "/v2/app/blobs/uploads/u?x=1", "//a//b", "/", "/v2/", "", "a b", "/\u00e9"])
_VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1", "http/1.1", ""])
_LINE_ENDS = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r", b""])
_HEADER_LINES = st.sampled_from(
    [
        b"Host: 127.0.0.1:5000",
        b"Content-Length: 4",
        b"Connection: close",
        b"Connection: Keep-Alive",
        b"Expect: 100-continue",
        b"X-Value:\t  spaced  ",
        b"Latin: caf\xe9",
        b"Empty:",
        b" folded",
        b"\tfolded",
        b"A:b",
        b": nameless",
        b"No colon",
        b"From here: x",
        b"Ctl: a\x7fb",
        b"Ctl: a\x00b",
    ]
) | st.binary(max_size=10)


@settings(max_examples=600, deadline=None)
@given(
    method=_METHODS,
    target=_TARGETS,
    version=_VERSIONS,
    ending=_LINE_ENDS,
    headers=st.lists(st.tuples(_HEADER_LINES, _LINE_ENDS), max_size=6),
    close=st.sampled_from([b"\r\n", b"\r\n", b"\n", b""]),
)
def test_any_head_is_read_as_the_stdlib_reads_it(
    method: str, target: str, version: str, ending: bytes, headers: list[tuple[bytes, bytes]], close: bytes
) -> None:
    raw = " ".join(part for part in (method, target, version) if part).encode("utf-8") + ending
    rest = b"".join(line + end for line, end in headers) + close + b"body"
    same_as_the_stdlib(raw, rest)


_NAMES = st.text(alphabet="!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1)
_VALUES = st.binary(max_size=20).filter(lambda value: b"\r" not in value and b"\n" not in value)


@settings(max_examples=300, deadline=None)
@given(headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=12), version=st.sampled_from(["1.0", "1.1"]))
def test_plain_heads_with_any_names_and_values_are_read_as_the_stdlib_reads_them(
    headers: list[tuple[str, bytes]], version: str
) -> None:
    rest = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers) + b"\r\nbody"
    same_as_the_stdlib(f"GET /v2/ HTTP/{version}\r\n".encode(), rest)

"""The server keeps a client's connection open between requests (HTTP/1.1 keep-alive), as docker, podman and Go
clients expect, and never mistakes a body's bytes for the next request: tested over real loopback sockets."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, cast

import pytest
from _registry import Registry, connection, logged_in, served

from ecr_mock._server import connection as handling
from ecr_mock._server.app import App
from ecr_mock._server.serving import Server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

REPO = "kept"
UNAUTHORIZED = b'"code": "UNAUTHORIZED"'


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Registry, Server]]:
    registry = logged_in(REPO)
    with served(registry) as server:
        yield registry, server


def _auth(registry: Registry) -> dict[str, str]:
    assert registry.authorization is not None
    return {"Authorization": registry.authorization}


class Wire:
    """A raw connection that reads answers one by one, from one buffered reader (so pipelined answers are not
    lost between readers)."""

    def __init__(self, server: Server) -> None:
        self.socket = socket.create_connection((server.host, server.port), timeout=10)
        self.reader: IO[bytes] = self.socket.makefile("rb")

    def send(self, data: bytes) -> None:
        self.socket.sendall(data)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        status_line = self.reader.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        headers: dict[str, str] = {}
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = self.reader.read(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            body = self._chunks()
        else:
            body = self.reader.read()
        return int(status_line.split()[1]), headers, body

    def _chunks(self) -> bytes:
        pieces = []
        while size := int(self.reader.readline().strip(), 16):
            pieces.append(self.reader.read(size))
            assert self.reader.read(2) == b"\r\n"
        assert self.reader.readline() == b"\r\n"
        return b"".join(pieces)

    def closed_by_server(self) -> bool:
        return self.reader.read(1) == b""

    def close(self) -> None:
        self.reader.close()
        self.socket.close()


@pytest.fixture
def wire(running: tuple[Registry, Server]) -> Iterator[Wire]:
    opened = Wire(running[1])
    yield opened
    opened.close()


def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_one_connection_carries_many_requests(running: tuple[Registry, Server]) -> None:
    registry, server = running
    client = connection(server)
    try:
        client.request("GET", "/v2/", headers=_auth(registry))
        first = client.getresponse()
        assert (first.status, first.read(), first.getheader("Connection")) == (200, b"{}", None)
        kept = client.sock
        for _ in range(50):
            client.request("GET", "/v2/", headers=_auth(registry))
            response = client.getresponse()
            assert (response.status, response.read()) == (200, b"{}")
        assert client.sock is kept  # http.client reconnects (a new socket) after a close: it never had to
    finally:
        client.close()


def test_a_chunked_push_on_one_connection(running: tuple[Registry, Server], wire: Wire) -> None:
    """POST, chunked PATCHes, PUT, then GET of the blob: all on one connection, the bytes exact."""
    registry, _ = running
    data = bytes(range(256)) * 4096 + b"tail"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    wire.send(request("POST", f"/v2/{REPO}/blobs/uploads/", _auth(registry)))
    status, headers, _ = wire.answer()
    assert status == 202 and "connection" not in headers
    location = headers["location"]
    for first in range(0, len(data), 300_000):
        piece = data[first : first + 300_000]
        head = request("PATCH", location, {**_auth(registry), "Transfer-Encoding": "chunked"})
        head = head.replace(b"Content-Length: 0\r\n", b"")
        framed = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (piece[:1000], piece[1000:]) if part)
        wire.send(head + framed + b"0\r\n\r\n")
        status, headers, _ = wire.answer()
        assert status == 202, headers
        location = headers["location"]
    wire.send(request("PUT", f"{location}?digest={digest}", _auth(registry)))
    assert wire.answer()[0] == 201
    wire.send(request("GET", f"/v2/{REPO}/blobs/{digest}", _auth(registry)))
    status, headers, body = wire.answer()
    assert (status, len(body), body == data) == (200, len(data), True)
    assert "connection" not in headers


def test_pipelined_requests_are_answered_in_order(running: tuple[Registry, Server], wire: Wire) -> None:
    registry, _ = running
    wire.send(
        request("GET", "/v2/", _auth(registry)) + request("GET", "/v2/") + request("GET", "/v2/", _auth(registry))
    )
    assert wire.answer()[::2] == (200, b"{}")
    status, _, body = wire.answer()
    assert status == 401 and UNAUTHORIZED in body
    assert wire.answer()[::2] == (200, b"{}")


def test_an_unread_small_body_is_dropped_and_the_connection_kept(wire: Wire, running: tuple[Registry, Server]) -> None:
    """A 401 answered before its body is read: the body's bytes are drained, not read as the next request."""
    registry, _ = running
    body = b"GET /v2/ HTTP/1.1\r\n\r\n" * 1000  # looks like requests: must not be answered as such
    wire.send(request("POST", f"/v2/{REPO}/blobs/uploads/", body=body))
    status, headers, answer = wire.answer()
    assert status == 401 and UNAUTHORIZED in answer and "connection" not in headers
    wire.send(request("GET", "/v2/", _auth(registry)))
    assert wire.answer()[::2] == (200, b"{}")


def test_an_unread_large_body_closes_the_connection_after_a_whole_answer(wire: Wire) -> None:
    body = b"x" * (handling.DRAIN_LIMIT * 3)
    wire.send(request("POST", f"/v2/{REPO}/blobs/uploads/", body=body))
    status, headers, answer = wire.answer()
    assert (status, headers["connection"]) == (401, "close") and UNAUTHORIZED in answer
    assert wire.closed_by_server()


@pytest.mark.parametrize(
    ("request_bytes", "why"),
    [
        (b"GET /v2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "the client asked"),
        (b"GET /v2/ HTTP/1.0\r\n\r\n", "HTTP/1.0"),
        (b"GET /v2/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "HTTP/1.0 keep-alive is not offered"),
        (b"POST /v2/kept/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n", "no length"),
        (b"POST /v2/kept/blobs/uploads/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "unknown coding"),
    ],
)
def test_the_connection_closes_when_it_must(wire: Wire, request_bytes: bytes, why: str) -> None:
    wire.send(request_bytes)
    status, headers, _ = wire.answer()
    assert (status, headers.get("connection")) == (401, "close"), why
    assert wire.closed_by_server(), why


def test_an_answer_without_a_length_is_chunked_and_the_connection_kept() -> None:
    def streaming(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return iter([b"one ", b"", b"two"])

    server = Server(cast(App, streaming)).start()
    wire = Wire(server)
    try:
        for _ in range(3):
            wire.send(request("GET", "/anything"))
            status, headers, body = wire.answer()
            assert (status, headers["transfer-encoding"], body) == (200, "chunked", b"one two")
            assert "connection" not in headers
        wire.send(b"HEAD /anything HTTP/1.1\r\nHost: x\r\n\r\n")  # a HEAD answer has no body, chunked or not
        assert wire.reader.readline().startswith(b"HTTP/1.1 200")
    finally:
        wire.close()
        server.stop()


def test_an_app_that_raises_gets_a_500_and_a_closed_connection(caplog: pytest.LogCaptureFixture) -> None:
    def broken(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise RuntimeError("boom")

    server = Server(cast(App, broken)).start()
    wire = Wire(server)
    try:
        wire.send(request("GET", "/"))
        status, headers, _ = wire.answer()
        assert (status, headers["connection"]) == (500, "close")
        assert wire.closed_by_server()
    finally:
        wire.close()
        server.stop()
    assert "the server failed on GET /" in caplog.text


def test_stop_closes_idle_connections_at_once() -> None:
    registry = logged_in(REPO)
    server = Server(registry.app).start()
    wires = [Wire(server) for _ in range(4)]
    for wire in wires:
        wire.send(request("GET", "/v2/", _auth(registry)))
        assert wire.answer()[0] == 200
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2.0
    for wire in wires:
        assert wire.closed_by_server()
        wire.close()


def test_stop_lets_a_request_in_flight_finish_and_closes_after_it() -> None:
    registry = logged_in(REPO)
    server = Server(registry.app).start()
    wire = Wire(server)
    data = b"z" * 100_000
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        head = request("POST", f"/v2/{REPO}/blobs/uploads/?digest={digest}", _auth(registry), data)
        wire.send(head[: -len(data) // 2])  # half the body: the request is in flight
        time.sleep(0.2)
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        time.sleep(0.2)
        wire.send(head[-len(data) // 2 :])
        status, headers, _ = wire.answer()
        assert (status, headers["connection"]) == (201, "close")
        stopping.join(timeout=10)
        assert not stopping.is_alive()
    finally:
        wire.close()
    assert registry.backends.blob_store.get(digest) is not None

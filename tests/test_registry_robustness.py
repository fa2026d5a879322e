"""Malformed requests against the registry server: bad JSON, bad digests, bad ranges, huge headers, bodies cut
short, wrong methods, unknown paths. Each gets a 4xx in its door's shape (the distribution spec's
``{"errors": [...]}`` under ``/v2/``, ECR's ``{"__type", "message"}`` at ``POST /``), never a 500, and the server
keeps serving: one real loopback server answers every socket test of this module and is asked ``GET /v2/`` after
each. A bounded hypothesis fuzz of paths, methods, headers and bodies runs through werkzeug's test client.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from _manifests import DOCKER_V2, OCI_MANIFEST, blob_content, docker_image, sha256_of
from _registry import (
    TARGET,
    Registry,
    api_error,
    http_request,
    logged_in,
    registry_error,
    served,
    signed,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ecr_mock import _config
from ecr_mock._server.serving import Server

REPO = "app"
HEX = "0123456789abcdef" * 4
FAILED = "ecr_mock server failed"  # what the app logs (with the traceback) when it answers a 500


@pytest.fixture
def registry() -> Registry:
    return logged_in(REPO)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Registry, Server]]:
    """One real loopback server for the module's socket tests."""
    registry = Registry()
    registry.login()
    registry.create_repository(REPO)
    with served(registry) as running:
        yield registry, running


@pytest.fixture
def live(server: tuple[Registry, Server], caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Registry, Server]]:
    """The module's server; after the test it still answers ``GET /v2/`` and never logged a 500."""
    caplog.set_level(logging.INFO, logger="ecr_mock.server")
    yield server
    registry, running = server
    assert registry.authorization is not None
    status, _, body = http_request(running, "GET", "/v2/", headers={"Authorization": registry.authorization})
    assert (status, body) == (200, b"{}")
    failures = [record.getMessage() for record in caplog.records if record.getMessage().startswith(FAILED)]
    assert not failures


@pytest.fixture(autouse=True)
def _no_internal_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    yield
    assert not [record for record in caplog.records if record.getMessage().startswith(FAILED)]


def exchange(running: Server, data: bytes, *, read: bool = True) -> bytes:
    """Send raw bytes on a fresh loopback connection, close our side, and read the answer (bounded by a timeout)."""
    with socket.create_connection((running.host, running.port), timeout=10) as sock:
        sock.sendall(data)
        if not read:
            return b""
        with contextlib.suppress(OSError):  # the server may have answered and closed already
            sock.shutdown(socket.SHUT_WR)
        pieces = []
        for _ in range(10_000):
            piece = sock.recv(65536)
            if not piece:
                break
            pieces.append(piece)
    return b"".join(pieces)


def parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    if not answer.startswith(b"HTTP/"):  # http.server answers what it cannot parse as HTTP/0.9: a page, no head
        match = re.search(rb"Error code: (\d{3})", answer)
        assert match is not None, answer
        return int(match[1]), {}, answer
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return status, headers, body


def spec_error(body: bytes) -> tuple[str, str]:
    document = json.loads(body)
    assert set(document) == {"errors"} and len(document["errors"]) == 1, document
    entry = document["errors"][0]
    return entry["code"], entry["message"]


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --- bad JSON and other broken ECR API calls at POST / --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "Request body is not valid JSON"),
        (b"\xff\xfe\x00", "Request body is not valid JSON"),
        (b"[" * 100_000, "Request body is not valid JSON"),
        (b'{"a": ' * 100_000, "Request body is not valid JSON"),
        (b"[]", "Value at '' has type list where structure was expected"),
        (b"null", "Value at '' has type null where structure was expected"),
        (b'"text"', "Value at '' has type string where structure was expected"),
    ],
)
def test_bad_json_on_the_api(registry: Registry, body: bytes, message: str) -> None:
    headers = {"X-Amz-Target": TARGET + "CreateRepository", "Authorization": signed()}
    response = registry.client.post("/", data=body, headers=headers)
    assert api_error(response) == (400, "SerializationException", message)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "Unknown operation: target 'None' is not an ECR operation"),
        ("", "Unknown operation: target '' is not an ECR operation"),
        ("CreateRepository", "Unknown operation: target 'CreateRepository' is not an ECR operation"),
        (TARGET + "NoSuchOperation", f"Unknown operation {TARGET}NoSuchOperation"),
    ],
)
def test_api_call_without_a_known_target(registry: Registry, target: str | None, message: str) -> None:
    headers = {"Authorization": signed()} if target is None else {"X-Amz-Target": target, "Authorization": signed()}
    response = registry.client.post("/", data=b"{}", headers=headers)
    assert api_error(response) == (400, "UnknownOperationException", message)


def test_api_call_with_a_member_of_the_wrong_type(registry: Registry) -> None:
    response = registry.api_response("CreateRepository", {"repositoryName": 5})
    status, code, _ = api_error(response)
    assert (status, code) == (400, "SerializationException")


def test_unsigned_api_call_to_a_strict_server() -> None:
    registry = Registry(_config.STRICT)
    response = registry.client.post("/", data=b"{}", headers={"X-Amz-Target": TARGET + "DescribeRepositories"})
    assert api_error(response) == (403, "MissingAuthenticationTokenException", "Missing Authentication Token")


def test_api_body_cut_short_in_the_test_client(registry: Registry) -> None:
    response = registry.client.post(
        "/",
        input_stream=io.BytesIO(b'{"repositoryName": "cut"}'),
        headers={"X-Amz-Target": TARGET + "CreateRepository", "Authorization": signed()},
        environ_overrides={"CONTENT_LENGTH": "1000"},
    )
    assert api_error(response) == (400, "SerializationException", "Request body is shorter than its Content-Length")
    assert registry.get("/v2/_catalog").get_json() == {"repositories": [REPO]}


# --- bodies cut short, on a real socket ------------------------------------------------------------------------


def _upload_location(registry: Registry, running: Server) -> str:
    assert registry.authorization is not None
    status, headers, _ = http_request(
        running, "POST", f"/v2/{REPO}/blobs/uploads/", b"", {"Authorization": registry.authorization}
    )
    assert status == 202
    return headers["Location"]


@pytest.mark.parametrize("kind", ["patch", "put-upload", "monolithic", "manifest"])
def test_registry_body_cut_short(live: tuple[Registry, Server], kind: str) -> None:
    registry, running = live
    assert registry.authorization is not None
    auth = {"Authorization": registry.authorization, "Content-Length": "100000"}
    sent = b'{"schemaVersion": 2, "mediaType": "' + DOCKER_V2.encode() + b'"'
    if kind == "manifest":
        method, path = "PUT", f"/v2/{REPO}/manifests/cut"
    elif kind == "monolithic":
        method, path = "POST", f"/v2/{REPO}/blobs/uploads/?digest=sha256:{HEX}"
    else:
        location = _upload_location(registry, running)
        method, path = ("PATCH", location) if kind == "patch" else ("PUT", f"{location}?digest=sha256:{HEX}")
    status, _, body = parse(exchange(running, request_bytes(method, path, auth, sent)))
    assert status == 400
    assert spec_error(body) == (
        "SIZE_INVALID",
        f"the request body ended after {len(sent)} bytes, before its Content-Length",
    )
    if kind == "patch":  # what arrived is kept, as for an interrupted PATCH; the upload goes on from there
        _, headers, _ = http_request(running, "GET", path, headers={"Authorization": registry.authorization})
        assert headers["Range"] == f"0-{len(sent) - 1}"
    if kind == "manifest":  # a manifest cut short is never stored
        assert http_request(running, "GET", path, headers={"Authorization": registry.authorization})[0] == 404


def test_api_body_cut_short(live: tuple[Registry, Server]) -> None:
    registry, running = live
    headers = {"X-Amz-Target": TARGET + "CreateRepository", "Content-Length": "5000", "Authorization": signed()}
    status, _, body = parse(exchange(running, request_bytes("POST", "/", headers, b'{"repositoryName": "half"}')))
    assert status == 400
    assert json.loads(body) == {
        "__type": "SerializationException",
        "message": "Request body is shorter than its Content-Length",
    }
    assert "half" not in registry.get("/v2/_catalog").get_json()["repositories"]


def test_api_body_never_sent(live: tuple[Registry, Server]) -> None:
    _, running = live
    headers = {"X-Amz-Target": TARGET + "DescribeRepositories", "Content-Length": "64", "Authorization": signed()}
    status, _, body = parse(exchange(running, request_bytes("POST", "/", headers)))
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"


@pytest.mark.parametrize("kind", ["patch", "manifest", "api"])
def test_client_closes_mid_body(live: tuple[Registry, Server], kind: str) -> None:
    """The client goes away with the body half sent: nothing to answer, and the server serves on."""
    registry, running = live
    assert registry.authorization is not None
    headers = {"Authorization": registry.authorization, "Content-Length": "1000000"}
    if kind == "patch":
        data = request_bytes("PATCH", _upload_location(registry, running), headers, b"x" * 5000)
    elif kind == "manifest":
        data = request_bytes("PUT", f"/v2/{REPO}/manifests/gone", headers, b"{")
    else:
        data = request_bytes("POST", "/", {"X-Amz-Target": TARGET + "CreateRepository", **headers}, b"{")
    exchange(running, data, read=False)


@pytest.mark.parametrize("body", [b"zz\r\nabc", b"5\r\nab", b"3\r\nabcXY", b"-1\r\n"])
def test_malformed_chunked_body(live: tuple[Registry, Server], body: bytes) -> None:
    registry, running = live
    assert registry.authorization is not None
    headers = {"Authorization": registry.authorization, "Transfer-Encoding": "chunked"}
    status, _, answer = parse(
        exchange(running, request_bytes("PATCH", _upload_location(registry, running), headers, body))
    )
    assert status == 400
    code, message = spec_error(answer)
    assert code == "SIZE_INVALID" and message.startswith("the request body could not be read after 0 bytes")


def test_malformed_chunked_api_body(live: tuple[Registry, Server]) -> None:
    _, running = live
    headers = {
        "X-Amz-Target": TARGET + "DescribeRepositories",
        "Transfer-Encoding": "chunked",
        "Authorization": signed(),
    }
    status, _, body = parse(exchange(running, request_bytes("POST", "/", headers, b"nothex\r\n{}")))
    assert status == 400
    assert json.loads(body) == {
        "__type": "SerializationException",
        "message": "Request body could not be read: Invalid chunk header",
    }


# --- huge headers and broken request lines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100 * 1024 + b"\r\n\r\n", 431),
        (b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(200)) + b"\r\n", 431),
        (b"GET /v2/" + b"a" * 100 * 1024 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /v2/ HTTP/7.0\r\nHost: x\r\n\r\n", 505),
        (b"GARBAGE IN\r\n\r\n", 400),
    ],
)
def test_what_http_itself_refuses(live: tuple[Registry, Server], data: bytes, status: int) -> None:
    assert parse(exchange(live[1], data))[0] == status


def test_huge_header_values_reach_the_app_without_harm(registry: Registry) -> None:
    digest = registry.push_blob(REPO, b"0123456789")
    big = "x" * 100 * 1024
    assert registry_error(registry.get("/v2/", headers={"Authorization": "Basic " + big}))[:2] == (400, "UNAUTHORIZED")
    assert registry_error(registry.get("/v2/", headers={"Authorization": "Bearer " + big}))[:2] == (401, "UNAUTHORIZED")
    assert registry_error(registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": big}))[:2] == (
        416,
        "BLOB_UNKNOWN",
    )
    assert (
        registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": "bytes=0-" + "9" * 100_000}).get_data()
        == b"0123456789"
    )
    assert registry_error(registry.get(f"/v2/{REPO}/manifests/v1", headers={"Accept": big}))[:2] == (
        404,
        "MANIFEST_UNKNOWN",
    )


# --- bad digests, in every position ---------------------------------------------------------------------------


# digests by the spec's grammar (algorithm ":" encoded) that the registry does not take
BAD_DIGESTS = [
    "sha256:abc",
    "sha256:" + HEX.upper(),
    "sha256:" + "g" * 64,
    "sha256:" + HEX + "0",
    "md5:" + HEX[:32],
    "sha256:" + "9" * 5000,
]
# not digests at all: a blob route says DIGEST_INVALID, a manifest route reads them as (invalid) tags
NOT_DIGESTS = ["SHA256:" + HEX, "sha256:", ":" + HEX, "sha256:" + HEX + "!"]
_DIGEST_ROUTES = [
    ("GET", "/v2/{name}/blobs/{digest}"),
    ("DELETE", "/v2/{name}/blobs/{digest}"),
    ("POST", "/v2/{name}/blobs/uploads/?digest={digest}"),
    ("POST", "/v2/{name}/blobs/uploads/?mount={digest}&from=other"),
    ("PUT", "{location}?digest={digest}"),
    ("GET", "/v2/{name}/referrers/{digest}"),
]
_MANIFEST_ROUTES = [
    ("GET", "/v2/{name}/manifests/{digest}"),
    ("PUT", "/v2/{name}/manifests/{digest}"),
    ("DELETE", "/v2/{name}/manifests/{digest}"),
]


def _send(registry: Registry, method: str, template: str, digest: str) -> TestResponse:
    location = registry.start_upload(REPO) if "{location}" in template else ""
    path = template.format(name=REPO, digest=quote(digest, safe=":"), location=location)
    return registry.open(method, path, docker_image(1).manifest.encode(), {"Content-Type": DOCKER_V2})


@pytest.mark.parametrize("digest", BAD_DIGESTS)
@pytest.mark.parametrize(("method", "template"), _DIGEST_ROUTES + _MANIFEST_ROUTES)
def test_bad_digest(registry: Registry, method: str, template: str, digest: str) -> None:
    message = f"invalid digest '{digest}': expected sha256, sha384 or sha512 in lowercase hex"
    assert registry_error(_send(registry, method, template, digest)) == (400, "DIGEST_INVALID", message)


@pytest.mark.parametrize("digest", NOT_DIGESTS)
@pytest.mark.parametrize(("method", "template"), _DIGEST_ROUTES + _MANIFEST_ROUTES)
def test_not_a_digest(registry: Registry, method: str, template: str, digest: str) -> None:
    status, code, _ = registry_error(_send(registry, method, template, digest))
    assert (status, code) == (400, "TAG_INVALID" if "manifests" in template else "DIGEST_INVALID")


def test_bad_digest_on_head_is_400_without_a_body(registry: Registry) -> None:
    for path in (f"/v2/{REPO}/blobs/sha256:abc", f"/v2/{REPO}/manifests/sha256:abc"):
        response = registry.open("HEAD", path)
        assert (response.status_code, response.get_data()) == (400, b"")


def test_blob_path_that_is_no_digest(registry: Registry) -> None:
    response = registry.get(f"/v2/{REPO}/blobs/latest")
    assert registry_error(response) == (
        400,
        "DIGEST_INVALID",
        "invalid digest 'latest': expected sha256, sha384 or sha512 in lowercase hex",
    )


def test_bad_digest_in_a_layer_url(registry: Registry) -> None:
    response = registry.client.get(f"/layers/012345678910/us-east-1/{REPO}/not-a-digest")
    assert response.status_code == 404
    assert b"<Code>NoSuchKey</Code>" in response.get_data()


# --- bad ranges -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["bytes=" + "9" * 5000 + "-", "bytes=-0", "bytes=--1", "bytes=1-2-3", "bytes 0-1", "bytes=0x10-"]
)
def test_bad_range_on_a_blob(registry: Registry, header: str) -> None:
    digest = registry.push_blob(REPO, b"0123456789")
    response = registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": header})
    assert registry_error(response) == (416, "BLOB_UNKNOWN", f"unsatisfiable range '{header}'")
    assert response.headers["Content-Range"] == "bytes */10"


@pytest.mark.parametrize("header", ["abc", "0-", "-5", "0-1,2-3", "0-" + "9" * 5000, "9" * 5000 + "-9" * 5000, ""])
def test_bad_content_range_on_a_patch(registry: Registry, header: str) -> None:
    location = registry.start_upload(REPO)
    response = registry.open("PATCH", location, b"abc", {"Content-Range": header})
    status, code, _ = registry_error(response)
    assert (status, code) == (416, "BLOB_UPLOAD_INVALID")
    assert response.headers["Range"] == "0-0"
    assert response.headers["Location"] == location


def test_bad_content_range_on_the_final_put(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    registry.open("PATCH", location, b"abc", {"Content-Range": "0-2"})
    response = registry.open("PUT", f"{location}?digest={sha256_of(b'abcdef')}", b"def", {"Content-Range": "4-6"})
    assert registry_error(response)[:2] == (416, "BLOB_UPLOAD_INVALID")
    assert response.headers["Range"] == "0-2"
    final = registry.open("PUT", f"{location}?digest={sha256_of(b'abcdef')}", b"def", {"Content-Range": "3-5"})
    assert final.status_code == 201


# --- wrong methods and unknown paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/v2/", "GET, HEAD"),
        ("DELETE", "/v2/", "GET, HEAD"),
        ("PUT", "/v2/_catalog", "GET, HEAD"),
        ("POST", f"/v2/{REPO}/manifests/v1", "GET, HEAD, PUT, DELETE"),
        ("PATCH", f"/v2/{REPO}/manifests/v1", "GET, HEAD, PUT, DELETE"),
        ("PUT", f"/v2/{REPO}/blobs/sha256:{HEX}", "GET, HEAD, DELETE"),
        ("POST", f"/v2/{REPO}/blobs/sha256:{HEX}", "GET, HEAD, DELETE"),
        ("DELETE", f"/v2/{REPO}/tags/list", "GET"),
        ("POST", f"/v2/{REPO}/tags/list", "GET"),
        ("DELETE", f"/v2/{REPO}/referrers/sha256:{HEX}", "GET"),
        ("GET", f"/v2/{REPO}/blobs/uploads/", "POST"),
        ("PUT", f"/v2/{REPO}/blobs/uploads/", "POST"),
        ("POST", f"/v2/{REPO}/blobs/uploads/some-id", "PATCH, PUT, GET, DELETE"),
        ("OPTIONS", f"/v2/{REPO}/manifests/v1", "GET, HEAD, PUT, DELETE"),
        ("BREW", f"/v2/{REPO}/tags/list", "GET"),
    ],
)
def test_wrong_method_is_405_unsupported(registry: Registry, method: str, path: str, allow: str) -> None:
    response = registry.open(method, path)
    status, code, _ = registry_error(response)
    assert (status, code) == (405, "UNSUPPORTED")
    assert response.headers["Allow"] == allow


def test_wrong_method_over_a_socket(live: tuple[Registry, Server]) -> None:
    registry, running = live
    assert registry.authorization is not None
    status, headers, body = http_request(
        running, "DELETE", "/v2/_catalog", headers={"Authorization": registry.authorization}
    )
    assert (status, headers["Allow"]) == (405, "GET, HEAD")
    assert spec_error(body) == ("UNSUPPORTED", "DELETE is not supported on /v2/_catalog")


@pytest.mark.parametrize(
    "path",
    [f"/v2/{REPO}/nothing", f"/v2/{REPO}/blobs/", f"/v2/{REPO}/manifests/", f"/v2/{REPO}", "/v2/_catalog/x", "/v2//"],
)
def test_unknown_registry_path_is_404(registry: Registry, path: str) -> None:
    assert registry_error(registry.get(path)) == (404, "UNSUPPORTED", f"no registry route for {path}")


@pytest.mark.parametrize("name", ["UPPER", "a..b", "-lead", "trail-", "a//b", "x" * 257, "caf%C3%A9", "a%2F..%2Fb"])
def test_invalid_repository_name(registry: Registry, name: str) -> None:
    status, code, _ = registry_error(registry.get(f"/v2/{name}/tags/list"))
    assert (status, code) == (400, "NAME_INVALID")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("PUT", "/"), ("GET", "/nothing"), ("POST", "/layers/a/b/c/d"), ("GET", "/layers/short")],
)
def test_unknown_path_outside_the_registry_is_404(registry: Registry, method: str, path: str) -> None:
    response = registry.open(method, path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert set(json.loads(response.get_data())) == {"errors"}


# --- manifests the registry cannot take -----------------------------------------------------------------------


def test_non_utf8_manifest(registry: Registry) -> None:
    response = registry.put_manifest(REPO, "v1", b'{"schemaVersion": 2, "x": "\xff\xfe"}', OCI_MANIFEST)
    assert registry_error(response) == (400, "MANIFEST_INVALID", "manifest is not UTF-8 JSON")


def test_manifest_over_4_mib(registry: Registry) -> None:
    body = b'{"schemaVersion": 2, "pad": "' + b"x" * (4 * 1024 * 1024) + b'"}'
    response = registry.put_manifest(REPO, "v1", body, OCI_MANIFEST)
    assert registry_error(response) == (413, "SIZE_INVALID", "a manifest is at most 4194304 bytes")


def test_manifest_of_exactly_4_mib_is_taken(registry: Registry) -> None:
    head = b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "layers": [], "pad": "'
    body = head + b"x" * (4 * 1024 * 1024 - len(head) - 2) + b'"}'
    assert len(body) == 4 * 1024 * 1024
    assert registry.put_manifest(REPO, "v1", body, OCI_MANIFEST).status_code == 201
    assert registry.get(f"/v2/{REPO}/manifests/v1").get_data() == body


def test_manifest_cut_short_in_the_test_client(registry: Registry) -> None:
    built = docker_image(2)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    response = registry.client.put(
        f"/v2/{REPO}/manifests/v1",
        input_stream=io.BytesIO(built.manifest.encode()),
        headers={"Authorization": registry.authorization or "", "Content-Type": DOCKER_V2},
        environ_overrides={"CONTENT_LENGTH": str(len(built.manifest) + 10)},
    )
    assert registry_error(response) == (
        400,
        "SIZE_INVALID",
        f"the request body ended after {len(built.manifest)} bytes, before its Content-Length",
    )
    assert registry.get(f"/v2/{REPO}/manifests/v1").status_code == 404


# --- a bounded fuzz of the app --------------------------------------------------------------------------------


@functools.cache
def _fuzzed() -> tuple[Registry, str, str]:
    """One registry for every fuzz example: a repository with an image, a blob, and an open upload."""
    registry = Registry()
    registry.login()
    registry.create_repository(REPO)
    built = docker_image(7)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    return registry, sha256_of(built.blobs[1]), registry.start_upload(REPO)


_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
_VALUES = st.one_of(
    _TEXT,
    st.sampled_from(["0", "1", "-1", "9" * 30, "v1", f"sha256:{HEX}", "bytes=0-3", "0-3", "bytes=-2", "*/*"]),
    st.sampled_from([DOCKER_V2, OCI_MANIFEST, f"{OCI_MANIFEST}, {DOCKER_V2};q=0.5", "application/octet-stream"]),
)
_METHODS = st.sampled_from(["GET", "GET", "HEAD", "POST", "PUT", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"])
_HEADER_NAMES = st.sampled_from(["Range", "Content-Range", "Accept", "Content-Type", "Host", "X-Amz-Target"])
_AUTH = st.sampled_from(["logged in"] * 20 + ["none", "Basic !!", "Basic QVdTOg==", "Bearer x", "other registry"])


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, str]:
    """(method, path): mostly the real routes of the fuzzed repository with a method they take, its real blobs,
    tags and uploads; sometimes any method, any name, anything."""
    _, blob, location = _fuzzed()
    upload = location.rpartition("/")[2]
    names = st.sampled_from([REPO] * 20 + ["missing", "UPPER", "a/b/c", "", "x" * 300])
    name = draw(_TEXT if draw(st.integers(0, 9)) == 0 else names)
    args = st.sampled_from(["v1", blob, f"sha256:{HEX}", upload, "sha256:zz", ""])
    arg = draw(_TEXT if draw(st.integers(0, 4)) == 0 else args)
    routes = [
        (f"/v2/{name}/blobs/{draw(st.sampled_from([blob, blob, arg]))}", ["GET", "HEAD", "DELETE"]),
        (f"/v2/{name}/blobs/uploads/", ["POST"]),
        (f"/v2/{name}/blobs/uploads/{draw(st.sampled_from([upload, upload, arg]))}", ["GET", "PATCH", "PUT", "DELETE"]),
        (f"/v2/{name}/manifests/{draw(st.sampled_from(['v1', 'v1', arg]))}", ["GET", "HEAD", "PUT", "DELETE"]),
        (f"/v2/{name}/tags/list", ["GET"]),
        (f"/v2/{name}/referrers/{draw(st.sampled_from([blob, arg]))}", ["GET"]),
        ("/v2/_catalog", ["GET", "HEAD"]),
        ("/v2/", ["GET"]),
        (f"/v2/{name}/{arg}", ["GET"]),
        ("/", ["POST"]),
        (f"/layers/012345678910/us-east-1/{name}/{arg}", ["GET", "HEAD"]),
        (f"/{arg}", ["GET"]),
    ]
    path, methods = draw(st.sampled_from(routes))
    method = draw(_METHODS if draw(st.integers(0, 4)) == 0 else st.sampled_from(methods))
    keys = st.sampled_from(["n", "last", "digest", "mount", "from", "tag", "artifactType"])
    query = draw(st.dictionaries(keys, _VALUES, max_size=3))
    path = quote(path, safe="/:%")
    return method, f"{path}?{urlencode(query)}" if query else path


_BODIES = st.one_of(
    st.binary(max_size=64),
    st.just(docker_image(7).manifest.encode()),
    st.just(b'{"schemaVersion": 2}'),
    st.just(blob_content("fuzz", 100)),
)


def _authorization(registry: Registry, kind: str) -> dict[str, str]:
    if kind == "none":
        return {}
    if kind == "logged in":
        return {"Authorization": registry.authorization or ""}
    if kind == "other registry":
        return {"Authorization": "Basic " + base64.b64encode(b"AWS:111122223333-auth-token").decode()}
    return {"Authorization": kind}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    request=_requests(),
    headers=st.dictionaries(_HEADER_NAMES, _VALUES, max_size=3),
    body=_BODIES,
    auth=_AUTH,
)
def test_fuzz_registry_requests(request: tuple[str, str], headers: dict[str, str], body: bytes, auth: str) -> None:
    registry, _, _ = _fuzzed()
    method, path = request
    sent = {**headers, **_authorization(registry, auth)}
    response = registry.client.open(path, method=method, data=body, headers=sent)
    assert response.status_code < 500, response.get_data()
    _check_shape(response, method, path)


def _check_shape(response: TestResponse, method: str, path: str) -> None:
    if response.status_code < 400 or method == "HEAD":
        return
    if path.startswith("/v2"):
        registry_error(response)
    elif path == "/" and method == "POST":
        api_error(response)


_OPERATIONS = st.sampled_from(
    [
        "CreateRepository",
        "DescribeImages",
        "PutImage",
        "BatchDeleteImage",
        "GetAuthorizationToken",
        "UploadLayerPart",
        "NoSuch",
    ]
)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _TEXT),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(_TEXT, children, max_size=3)),
    max_leaves=8,
)
_MEMBERS = st.sampled_from(
    ["repositoryName", "imageIds", "imageManifest", "imageTag", "registryId", "uploadId", "layerPartBlob", "maxResults"]
)


@settings(max_examples=100, deadline=None)
@given(
    operation=_OPERATIONS,
    params=st.dictionaries(_MEMBERS, _JSON, max_size=4),
    raw=st.one_of(st.none(), st.binary(max_size=40)),
)
def test_fuzz_api_calls(operation: str, params: dict[str, object], raw: bytes | None) -> None:
    registry, _, _ = _fuzzed()
    body = raw if raw is not None else json.dumps(params).encode()
    headers = {
        "X-Amz-Target": TARGET + operation,
        "Authorization": signed(),
        "Content-Type": "application/x-amz-json-1.1",
    }
    response = registry.client.post("/", data=body, headers=headers)
    assert response.status_code < 500, response.get_data()
    if response.status_code >= 400:
        api_error(response)

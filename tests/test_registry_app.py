"""The registry server's app through werkzeug's test client (no sockets): every route of ``/v2/``, the auth
handshake, the layer download URLs, and the ECR API seeing what the registry API did (ecr-behaviour.md section 5,
distribution-spec v1.1). A few tests that need a socket (chunked bodies as the server reads them) run a real
``Server`` on a loopback port.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Any

import pytest
from _manifests import (
    DOCKER_LIST,
    DOCKER_V2,
    OCI_INDEX,
    OCI_MANIFEST,
    Built,
    blob_content,
    blob_digest,
    digest_of,
    docker_image,
    manifest_list,
    oci_image,
    oci_index,
    sha256_of,
)
from _registry import (
    ACCOUNT,
    EXPIRED,
    REGION,
    ApiError,
    Registry,
    challenge,
    connection,
    logged_in,
    registry_error,
    rnf,
    served,
)
from freezegun import freeze_time

from ecr_mock import _config
from ecr_mock._domain.endpoint import Endpoint

REPO = "app"
OTHER_ACCOUNT = "111122223333"
WEST = "us-west-2"
NOT_FOUND = "Requested image not found"
SBOM = "application/vnd.example.sbom.v1"
SIGNATURE = "application/vnd.example.signature.v1"


@pytest.fixture
def registry() -> Registry:
    """The default mode's app, logged in, with the repository ``app``."""
    return logged_in(REPO)


@pytest.fixture
def strict() -> Registry:
    registry = Registry(_config.STRICT)
    registry.create_repository(REPO)
    return registry


def basic(password: str, user: str = "AWS") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def describe_image(registry: Registry, digest: str, name: str = REPO, **kwargs: Any) -> dict[str, Any]:
    answer = registry.api("DescribeImages", {"repositoryName": name, "imageIds": [{"imageDigest": digest}]}, **kwargs)
    details: dict[str, Any] = answer["imageDetails"][0]
    return details


def upload_id(location: str) -> str:
    return location.rpartition("/")[2]


# --- GET /v2/ and the auth handshake --------------------------------------------------------------------------


def test_ping_without_credentials_gets_ecrs_challenge() -> None:
    response = Registry().get("/v2/")
    assert registry_error(response) == (401, "UNAUTHORIZED", "authentication required")
    assert response.headers["WWW-Authenticate"] == challenge()
    assert response.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


def test_ping_with_a_token_from_get_authorization_token(registry: Registry) -> None:
    response = registry.get("/v2/")
    assert response.status_code == 200
    assert response.get_json() == {}
    assert response.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


def test_ping_without_the_trailing_slash(registry: Registry) -> None:
    response = registry.get("/v2")
    assert (response.status_code, response.get_json()) == (200, {})
    assert registry.open("HEAD", "/v2/").status_code == 200


def test_default_mode_token_is_the_seeds(registry: Registry) -> None:
    assert registry.token() == f"{ACCOUNT}-auth-token"
    assert Registry().get("/v2/", headers=basic(f"{ACCOUNT}-auth-token")).status_code == 200


@pytest.mark.parametrize(
    "password",
    ["not-a-token", f"{ACCOUNT}-auth-tokens", "12345-auth-token", "-auth-token"],
)
def test_unknown_password_is_denied_with_ecrs_text(password: str) -> None:
    response = Registry().get("/v2/", headers=basic(password))
    assert registry_error(response) == (401, "DENIED", EXPIRED)
    assert response.headers["WWW-Authenticate"] == challenge()


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer abc",
        "Basic " + base64.b64encode(b"root:012345678910-auth-token").decode(),
        "Basic " + base64.b64encode(b"AWS:").decode(),
    ],
)
def test_credentials_that_are_not_aws_basic_are_challenged(authorization: str) -> None:
    response = Registry().get("/v2/", headers={"Authorization": authorization})
    assert registry_error(response) == (401, "UNAUTHORIZED", "authentication required")
    assert response.headers["WWW-Authenticate"] == challenge()


def test_strict_token_works_until_it_expires(strict: Registry) -> None:
    with freeze_time("2026-03-01 10:00:00"):
        password = strict.token()
        assert len(password) > 100 and not password.endswith("-auth-token")
        assert strict.get("/v2/", headers=basic(password)).status_code == 200
    with freeze_time("2026-03-01 21:59:59"):
        assert strict.get("/v2/", headers=basic(password)).status_code == 200
    with freeze_time("2026-03-01 22:00:01"):
        response = strict.get("/v2/", headers=basic(password))
        assert registry_error(response) == (401, "DENIED", EXPIRED)
        assert response.headers["WWW-Authenticate"] == challenge()


def test_strict_mode_refuses_the_seed_token(strict: Registry) -> None:
    response = strict.get("/v2/", headers=basic(f"{ACCOUNT}-auth-token"))
    assert registry_error(response) == (401, "DENIED", EXPIRED)


@pytest.mark.parametrize(
    "host", [f"{OTHER_ACCOUNT}.dkr.ecr.{WEST}.localhost:5000", f"{OTHER_ACCOUNT}.dkr.ecr.{WEST}.amazonaws.com"]
)
def test_host_named_registry(host: str) -> None:
    registry = Registry()
    registry.create_repository("theirs", access_key=OTHER_ACCOUNT, region=WEST)
    registry.create_repository("ours")
    base = f"http://{host}"
    unauthenticated = registry.client.get("/v2/", base_url=base)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"] == challenge(OTHER_ACCOUNT, WEST)
    headers = basic(registry.token(access_key=OTHER_ACCOUNT, region=WEST))
    assert registry.client.get("/v2/", base_url=base, headers=headers).status_code == 200
    catalog = registry.client.get("/v2/_catalog", base_url=base, headers=headers)
    assert catalog.get_json() == {"repositories": ["theirs"]}


def test_token_for_another_registry_is_refused_on_a_host_named_registry() -> None:
    registry = Registry()
    base = f"http://{OTHER_ACCOUNT}.dkr.ecr.{REGION}.localhost:5000"
    response = registry.client.get("/v2/", base_url=base, headers=basic(registry.token()))
    assert registry_error(response) == (401, "DENIED", EXPIRED)
    assert response.headers["WWW-Authenticate"] == challenge(OTHER_ACCOUNT, REGION)


def test_strict_token_for_another_registry_is_refused_on_a_host_named_registry(strict: Registry) -> None:
    base = f"http://{OTHER_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    response = strict.client.get("/v2/", base_url=base, headers=basic(strict.token()))
    assert registry_error(response) == (401, "DENIED", EXPIRED)


def test_plain_address_talks_to_the_registry_the_token_was_issued_for() -> None:
    registry = Registry()
    registry.create_repository("theirs", access_key=OTHER_ACCOUNT, region=WEST)
    registry.create_repository("ours")
    strict_like = Registry(_config.STRICT)
    strict_like.create_repository("theirs-strict", access_key=OTHER_ACCOUNT, region=WEST)
    password = strict_like.token(access_key=OTHER_ACCOUNT, region=WEST)
    assert strict_like.get("/v2/_catalog", headers=basic(password)).get_json() == {"repositories": ["theirs-strict"]}
    # the seed token names its registry but not its region: the server's own region is used
    theirs = registry.get("/v2/_catalog", headers=basic(f"{OTHER_ACCOUNT}-auth-token"))
    assert theirs.get_json() == {"repositories": []}
    ours = registry.get("/v2/_catalog", headers=basic(f"{ACCOUNT}-auth-token"))
    assert ours.get_json() == {"repositories": ["ours"]}


def test_every_registry_route_needs_credentials() -> None:
    registry = Registry()
    registry.create_repository(REPO)
    digest = blob_digest("x")
    for method, path in [
        ("GET", "/v2/_catalog"),
        ("GET", f"/v2/{REPO}/tags/list"),
        ("GET", f"/v2/{REPO}/manifests/latest"),
        ("PUT", f"/v2/{REPO}/manifests/latest"),
        ("HEAD", f"/v2/{REPO}/blobs/{digest}"),
        ("POST", f"/v2/{REPO}/blobs/uploads/"),
        ("GET", f"/v2/{REPO}/referrers/{digest}"),
    ]:
        response = registry.open(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == challenge()


# --- blob uploads ---------------------------------------------------------------------------------------------


def test_monolithic_upload_in_one_post(registry: Registry) -> None:
    data = blob_content("mono", 70_000)
    digest = sha256_of(data)
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/?digest={digest}", data)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v2/{REPO}/blobs/{digest}"
    assert response.headers["Docker-Content-Digest"] == digest
    assert registry.get(f"/v2/{REPO}/blobs/{digest}").get_data() == data


def test_post_then_put(registry: Registry) -> None:
    data = blob_content("post-put", 1234)
    digest = sha256_of(data)
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/")
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"/v2/{REPO}/blobs/uploads/")
    assert response.headers["Docker-Upload-UUID"] == upload_id(location)
    assert response.headers["Range"] == "0-0"
    put = registry.open("PUT", f"{location}?digest={digest}", data, {"Content-Type": "application/octet-stream"})
    assert put.status_code == 201
    assert put.headers["Location"] == f"/v2/{REPO}/blobs/{digest}"
    assert put.headers["Docker-Content-Digest"] == digest
    assert registry.get(f"/v2/{REPO}/blobs/{digest}").get_data() == data


def test_chunked_upload_with_content_range(registry: Registry) -> None:
    data = blob_content("chunks", 25_000)
    location = registry.start_upload(REPO)
    for first in range(0, 20_000, 10_000):
        piece = data[first : first + 10_000]
        headers = {"Content-Range": f"{first}-{first + len(piece) - 1}", "Content-Type": "application/octet-stream"}
        response = registry.open("PATCH", location, piece, headers)
        assert response.status_code == 202
        assert response.headers["Range"] == f"0-{first + len(piece) - 1}"
        assert response.headers["Location"] == location
    status = registry.get(location)
    assert status.status_code == 204
    assert status.headers["Range"] == "0-19999"
    assert status.headers["Location"] == location
    final = registry.open(
        "PUT", f"{location}?digest={sha256_of(data)}", data[20_000:], {"Content-Range": "20000-24999"}
    )
    assert final.status_code == 201
    assert registry.get(f"/v2/{REPO}/blobs/{sha256_of(data)}").get_data() == data


def test_patch_without_content_range_appends(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    assert registry.open("PATCH", location, b"abc").headers["Range"] == "0-2"
    assert registry.open("PATCH", location, b"def").headers["Range"] == "0-5"
    response = registry.open("PUT", f"{location}?digest={sha256_of(b'abcdef')}")
    assert response.status_code == 201


@pytest.mark.parametrize("content_range", ["5-9", "1-4", "0-2", "bytes=7-8", "9-3"])
def test_out_of_order_chunk_is_416_with_the_range_held(registry: Registry, content_range: str) -> None:
    location = registry.start_upload(REPO)
    registry.open("PATCH", location, b"01234", {"Content-Range": "0-4"})
    response = registry.open("PATCH", location, b"5678", {"Content-Range": content_range})
    status, code, _ = registry_error(response)
    assert (status, code) == (416, "BLOB_UPLOAD_INVALID")
    assert response.headers["Range"] == "0-4"
    assert response.headers["Location"] == location
    # the upload goes on from where it was
    assert registry.get(location).headers["Range"] == "0-4"
    registry.open("PATCH", location, b"56789", {"Content-Range": "5-9"})
    assert registry.open("PUT", f"{location}?digest={sha256_of(b'0123456789')}").status_code == 201


def test_content_range_that_disagrees_with_the_body_is_416(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    response = registry.open("PATCH", location, b"0123456789", {"Content-Range": "0-4"})
    assert registry_error(response) == (
        416,
        "BLOB_UPLOAD_INVALID",
        "Content-Range 0-4 does not match the body's length 10",
    )
    assert registry.get(location).headers["Range"] == "0-0"


def test_chunked_transfer_encoding_through_the_test_client(registry: Registry) -> None:
    """What werkzeug's server hands the app for a chunked body: no Content-Length, input terminated."""
    import io

    data = blob_content("chunked", 3 * 1024 * 1024 + 17)
    location = registry.start_upload(REPO)
    response = registry.open(
        "PATCH",
        location,
        headers={"Transfer-Encoding": "chunked"},
        input_stream=io.BytesIO(data),
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 202
    assert response.headers["Range"] == f"0-{len(data) - 1}"
    assert registry.open("PUT", f"{location}?digest={sha256_of(data)}").status_code == 201


def test_chunked_patch_over_a_loopback_socket(registry: Registry) -> None:
    """docker and podman PATCH with chunked transfer encoding: the real server reads every chunk."""
    pieces = [blob_content(f"socket-{n}", 300_000 + n) for n in range(4)]
    data = b"".join(pieces)
    assert registry.authorization is not None
    auth = {"Authorization": registry.authorization}
    with served(registry) as server:
        conn = connection(server)
        try:
            conn.request("POST", f"/v2/{REPO}/blobs/uploads/", headers=auth)
            started = conn.getresponse()
            started.read()
            location = started.getheader("Location")
            assert started.status == 202 and location
            conn.request("PATCH", location, body=iter(pieces), headers=auth, encode_chunked=True)
            patched = conn.getresponse()
            patched.read()
            assert (patched.status, patched.getheader("Range")) == (202, f"0-{len(data) - 1}")
            conn.request("PUT", f"{location}?digest={sha256_of(data)}", body=b"", headers=auth)
            finished = conn.getresponse()
            finished.read()
            assert finished.status == 201
            conn.request("GET", f"/v2/{REPO}/blobs/{sha256_of(data)}", headers=auth)
            pulled = conn.getresponse()
            assert pulled.read() == data
        finally:
            conn.close()


def test_upload_status_of_a_new_upload(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    response = registry.get(location)
    assert response.status_code == 204
    assert response.headers["Range"] == "0-0"
    assert response.headers["Docker-Upload-UUID"] == upload_id(location)
    assert response.get_data() == b""


def test_cancel_upload(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    registry.open("PATCH", location, b"some bytes")
    assert registry.open("DELETE", location).status_code == 204
    message = (
        f"The upload with id '{upload_id(location)}' does not exist in the repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}'"
    )
    for method in ("GET", "PATCH", "DELETE"):
        assert registry_error(registry.open(method, location)) == (404, "BLOB_UPLOAD_UNKNOWN", message)
    put = registry.open("PUT", f"{location}?digest={sha256_of(b'some bytes')}")
    assert registry_error(put) == (404, "BLOB_UPLOAD_UNKNOWN", message)


def test_upload_id_of_another_repository_is_unknown(registry: Registry) -> None:
    registry.create_repository("other")
    location = registry.start_upload(REPO)
    response = registry.get(f"/v2/other/blobs/uploads/{upload_id(location)}")
    assert registry_error(response)[:2] == (404, "BLOB_UPLOAD_UNKNOWN")


def test_digest_mismatch_at_the_final_put(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    wrong = sha256_of(b"something else")
    response = registry.open("PUT", f"{location}?digest={wrong}", b"the bytes")
    message = f"Layer digest '{wrong}' does not match computed digest '{sha256_of(b'the bytes')}'"
    assert registry_error(response) == (400, "DIGEST_INVALID", message)
    assert registry_error(registry.get(f"/v2/{REPO}/blobs/{wrong}"))[:2] == (404, "BLOB_UNKNOWN")


def test_monolithic_post_with_a_wrong_digest(registry: Registry) -> None:
    wrong = sha256_of(b"not these bytes")
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/?digest={wrong}", b"these bytes")
    assert registry_error(response)[:2] == (400, "DIGEST_INVALID")


def test_upload_goes_on_after_a_digest_mismatch(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    registry.open("PATCH", location, b"the bytes")
    assert registry.open("PUT", f"{location}?digest={blob_digest('wrong')}").status_code == 400
    assert registry.get(location).headers["Range"] == "0-8"
    assert registry.open("PUT", f"{location}?digest={sha256_of(b'the bytes')}").status_code == 201


def test_upload_into_a_repository_deleted_meanwhile(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    registry.api("DeleteRepository", {"repositoryName": REPO, "force": True})
    assert registry_error(registry.open("PATCH", location, b"abc")) == (404, "NAME_UNKNOWN", rnf(REPO))


def test_final_put_needs_a_digest(registry: Registry) -> None:
    location = registry.start_upload(REPO)
    response = registry.open("PUT", location, b"abc")
    assert registry_error(response) == (400, "DIGEST_INVALID", "the final PUT of an upload needs ?digest=")


def test_upload_to_a_missing_repository(registry: Registry) -> None:
    response = registry.open("POST", "/v2/missing/blobs/uploads/")
    assert registry_error(response) == (404, "NAME_UNKNOWN", rnf("missing"))


def test_an_identical_blob_uploaded_twice_is_kept_once(registry: Registry) -> None:
    data = blob_content("twice", 500)
    assert registry.push_blob(REPO, data) == registry.push_blob(REPO, data)
    assert registry.get(f"/v2/{REPO}/blobs/{sha256_of(data)}").get_data() == data


# --- cross-repository mount -----------------------------------------------------------------------------------


def _source_with_image(registry: Registry) -> Built:
    registry.create_repository("source")
    built = docker_image(1)
    registry.push_image("source", "v1", built, DOCKER_V2)
    return built


def test_mount_with_blob_mounting_enabled(registry: Registry) -> None:
    built = _source_with_image(registry)
    registry.api("PutAccountSetting", {"name": "BLOB_MOUNTING", "value": "ENABLED"})
    layer = sha256_of(built.blobs[1])
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/?mount={layer}&from=source")
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v2/{REPO}/blobs/{layer}"
    assert response.headers["Docker-Content-Digest"] == layer
    assert registry.get(f"/v2/{REPO}/blobs/{layer}").get_data() == built.blobs[1]


def test_mount_with_blob_mounting_disabled_starts_an_upload(registry: Registry) -> None:
    built = _source_with_image(registry)
    registry.api("PutAccountSetting", {"name": "BLOB_MOUNTING", "value": "DISABLED"})
    layer = sha256_of(built.blobs[1])
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/?mount={layer}&from=source")
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"/v2/{REPO}/blobs/uploads/")
    assert registry_error(registry.get(f"/v2/{REPO}/blobs/{layer}"))[:2] == (404, "BLOB_UNKNOWN")
    assert registry.open("PUT", f"{location}?digest={layer}", built.blobs[1]).status_code == 201


@pytest.mark.parametrize("source", ["missing", "source", None])
def test_mount_of_a_blob_the_source_does_not_name_starts_an_upload(registry: Registry, source: str | None) -> None:
    _source_with_image(registry)
    registry.api("PutAccountSetting", {"name": "BLOB_MOUNTING", "value": "ENABLED"})
    query = f"mount={blob_digest('never pushed')}" + (f"&from={source}" if source else "")
    response = registry.open("POST", f"/v2/{REPO}/blobs/uploads/?{query}")
    assert response.status_code == 202
    assert response.headers["Location"].startswith(f"/v2/{REPO}/blobs/uploads/")


# --- blob GET / HEAD / DELETE ---------------------------------------------------------------------------------


def test_get_and_head_blob(registry: Registry) -> None:
    data = blob_content("get", 3 * 1024 * 1024 + 5)
    digest = registry.push_blob(REPO, data)
    for method in ("GET", "HEAD"):
        response = registry.open(method, f"/v2/{REPO}/blobs/{digest}")
        assert response.status_code == 200
        assert response.headers["Docker-Content-Digest"] == digest
        assert response.headers["Content-Length"] == str(len(data))
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.get_data() == (data if method == "GET" else b"")


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=10-19", 10, 20),
        ("bytes=90-", 90, 100),
        ("bytes=-7", 93, 100),
        ("bytes=95-500", 95, 100),
        ("bytes=1-99", 1, 100),
    ],
)
def test_blob_range(registry: Registry, header: str, start: int, end: int) -> None:
    data = bytes(range(100))
    digest = registry.push_blob(REPO, data)
    response = registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end - 1}/100"
    assert response.headers["Content-Length"] == str(end - start)
    assert response.get_data() == data[start:end]


@pytest.mark.parametrize("header", ["bytes=0-", "bytes=0-99", "bytes=0-1000", "bytes=-100", "bytes=-5000"])
def test_range_covering_the_whole_blob_is_answered_whole(registry: Registry, header: str) -> None:
    """RFC 9110 lets a server answer a range with the whole representation; the mock does when the range is it."""
    data = bytes(range(100))
    digest = registry.push_blob(REPO, data)
    response = registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": header})
    assert response.status_code == 200
    assert "Content-Range" not in response.headers
    assert response.get_data() == data


@pytest.mark.parametrize(
    "header", ["bytes=100-", "bytes=200-300", "bytes=5-2", "bytes=-", "items=0-1", "bytes=a-b", "bytes=0-1,3-4"]
)
def test_unsatisfiable_range_is_416(registry: Registry, header: str) -> None:
    digest = registry.push_blob(REPO, bytes(range(100)))
    response = registry.get(f"/v2/{REPO}/blobs/{digest}", headers={"Range": header})
    assert registry_error(response) == (416, "BLOB_UNKNOWN", f"unsatisfiable range '{header}'")
    assert response.headers["Content-Range"] == "bytes */100"


def test_unknown_blob(registry: Registry) -> None:
    digest = blob_digest("unknown")
    response = registry.get(f"/v2/{REPO}/blobs/{digest}")
    assert registry_error(response) == (404, "BLOB_UNKNOWN", "blob unknown to registry")
    head = registry.open("HEAD", f"/v2/{REPO}/blobs/{digest}")
    assert head.status_code == 404 and head.get_data() == b""


def test_blob_of_another_repository_is_unknown_here(registry: Registry) -> None:
    registry.create_repository("other")
    digest = registry.push_blob("other", b"elsewhere")
    assert registry_error(registry.get(f"/v2/{REPO}/blobs/{digest}"))[:2] == (404, "BLOB_UNKNOWN")


def test_blob_in_a_missing_repository(registry: Registry) -> None:
    response = registry.get(f"/v2/missing/blobs/{blob_digest('x')}")
    assert registry_error(response) == (404, "NAME_UNKNOWN", rnf("missing"))


def test_delete_blob(registry: Registry) -> None:
    digest = registry.push_blob(REPO, b"to delete")
    response = registry.open("DELETE", f"/v2/{REPO}/blobs/{digest}")
    assert response.status_code == 202
    assert response.headers["Docker-Content-Digest"] == digest
    assert registry_error(registry.get(f"/v2/{REPO}/blobs/{digest}"))[:2] == (404, "BLOB_UNKNOWN")
    assert registry_error(registry.open("DELETE", f"/v2/{REPO}/blobs/{digest}"))[:2] == (404, "BLOB_UNKNOWN")


def test_delete_of_a_blob_an_image_names_is_refused(registry: Registry) -> None:
    built = docker_image(3)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    layer = sha256_of(built.blobs[1])
    response = registry.open("DELETE", f"/v2/{REPO}/blobs/{layer}")
    message = f"blob {layer} is referenced by an image in the repository '{REPO}'"
    assert registry_error(response) == (405, "UNSUPPORTED", message)
    assert registry.get(f"/v2/{REPO}/blobs/{layer}").get_data() == built.blobs[1]


# --- manifests ------------------------------------------------------------------------------------------------


def _children(registry: Registry) -> list[str]:
    children = [docker_image(20), oci_image(21)]
    for child, media_type in zip(children, (DOCKER_V2, OCI_MANIFEST), strict=True):
        registry.push_image(REPO, child.digest, child, media_type)
    return [child.manifest for child in children]


def _docker_v2(registry: Registry) -> tuple[str, str]:
    built = docker_image(10)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    return built.manifest, DOCKER_V2


def _oci_manifest(registry: Registry) -> tuple[str, str]:
    built = oci_image(11, annotations={"org.opencontainers.image.title": "x"})
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    return built.manifest, OCI_MANIFEST


def _oci_artifact(registry: Registry) -> tuple[str, str]:
    built = oci_image(12, artifact_type=SBOM, config_media_type="application/vnd.oci.empty.v1+json")
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    return built.manifest, OCI_MANIFEST


def _docker_list(registry: Registry) -> tuple[str, str]:
    return manifest_list(_children(registry)), DOCKER_LIST


def _oci_index(registry: Registry) -> tuple[str, str]:
    return oci_index(_children(registry)), OCI_INDEX


MANIFEST_KINDS = {
    "docker-v2": _docker_v2,
    "docker-list": _docker_list,
    "oci-manifest": _oci_manifest,
    "oci-artifact": _oci_artifact,
    "oci-index": _oci_index,
}


@pytest.mark.parametrize("kind", sorted(MANIFEST_KINDS))
def test_manifest_round_trip_by_tag_and_digest(registry: Registry, kind: str) -> None:
    text, media_type = MANIFEST_KINDS[kind](registry)
    digest = digest_of(text)
    put = registry.put_manifest(REPO, "v1", text, media_type)
    assert put.status_code == 201
    assert put.headers["Location"] == f"/v2/{REPO}/manifests/{digest}"
    assert put.headers["Docker-Content-Digest"] == digest
    assert "OCI-Subject" not in put.headers
    for reference in ("v1", digest):
        for method in ("GET", "HEAD"):
            response = registry.open(method, f"/v2/{REPO}/manifests/{reference}", headers={"Accept": media_type})
            assert response.status_code == 200
            assert response.headers["Content-Type"] == media_type
            assert response.headers["Docker-Content-Digest"] == digest
            assert response.headers["Content-Length"] == str(len(text.encode()))
            assert response.get_data() == (text.encode() if method == "GET" else b"")


@pytest.mark.parametrize("kind", sorted(MANIFEST_KINDS))
def test_manifest_without_content_type_takes_its_media_type_field(registry: Registry, kind: str) -> None:
    text, media_type = MANIFEST_KINDS[kind](registry)
    assert registry.put_manifest(REPO, "v1", text, None).status_code == 201
    assert registry.get(f"/v2/{REPO}/manifests/v1").headers["Content-Type"] == media_type


def test_content_type_that_is_not_the_manifests_media_type(registry: Registry) -> None:
    text, _ = _docker_v2(registry)
    response = registry.put_manifest(REPO, "v1", text, OCI_MANIFEST)
    message = (
        "Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: "
        f"'Media type '{OCI_MANIFEST}' does not match the manifest's media type '{DOCKER_V2}''"
    )
    assert registry_error(response) == (400, "MANIFEST_INVALID", message)


def test_manifest_with_subject_answers_oci_subject(registry: Registry) -> None:
    subject = docker_image(30)
    registry.push_image(REPO, "v1", subject, DOCKER_V2)
    sbom = oci_image(31, artifact_type=SBOM, subject=subject.digest)
    response = registry.push_image(REPO, sbom.digest, sbom, OCI_MANIFEST)
    assert response.headers["OCI-Subject"] == subject.digest
    assert response.headers["Docker-Content-Digest"] == sbom.digest


def test_manifest_with_a_subject_never_pushed_is_accepted(registry: Registry) -> None:
    subject = blob_digest("never pushed image")
    sbom = oci_image(32, artifact_type=SBOM, subject=subject)
    assert registry.push_image(REPO, sbom.digest, sbom, OCI_MANIFEST).headers["OCI-Subject"] == subject


@pytest.mark.parametrize(
    ("accept", "served"),
    [
        ([DOCKER_V2], True),
        ([f"{OCI_MANIFEST}, {DOCKER_V2};q=0.5"], True),
        ([OCI_MANIFEST, DOCKER_V2], True),
        (["*/*"], True),
        ([], True),
        ([OCI_MANIFEST], False),
        ([f"{OCI_INDEX},{DOCKER_LIST}"], False),
    ],
)
def test_accept_negotiation(registry: Registry, accept: list[str], served: bool) -> None:
    built = docker_image(40)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    headers = [("Accept", value) for value in accept]
    for reference in ("v1", built.digest):
        for method in ("GET", "HEAD"):
            response = registry.client.open(
                f"/v2/{REPO}/manifests/{reference}",
                method=method,
                headers=[("Authorization", registry.authorization or ""), *headers],
            )
            if served:
                assert response.status_code == 200
                assert response.headers["Content-Type"] == DOCKER_V2
            elif method == "GET":
                assert registry_error(response) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)
            else:
                assert response.status_code == 404


def test_unknown_manifest(registry: Registry) -> None:
    for reference in ("nope", blob_digest("nope")):
        response = registry.get(f"/v2/{REPO}/manifests/{reference}")
        assert registry_error(response) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)
        assert registry.open("HEAD", f"/v2/{REPO}/manifests/{reference}").status_code == 404


def test_manifest_of_a_missing_repository(registry: Registry) -> None:
    built = docker_image(41)
    for method, data in (("GET", b""), ("HEAD", b""), ("PUT", built.manifest.encode()), ("DELETE", b"")):
        response = registry.open(method, "/v2/missing/manifests/v1", data, {"Content-Type": DOCKER_V2})
        if method == "HEAD":
            assert response.status_code == 404
        else:
            assert registry_error(response) == (404, "NAME_UNKNOWN", rnf("missing")), method


def test_push_by_digest_leaves_the_image_untagged(registry: Registry) -> None:
    built = docker_image(42)
    response = registry.push_image(REPO, built.digest, built, DOCKER_V2)
    assert response.headers["Docker-Content-Digest"] == built.digest
    assert describe_image(registry, built.digest).get("imageTags") is None
    assert registry.get(f"/v2/{REPO}/tags/list").get_json() == {"name": REPO, "tags": []}


def test_push_by_digest_with_tag_parameters(registry: Registry) -> None:
    built = docker_image(43)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    response = registry.put_manifest(REPO, f"{built.digest}?tag=one&tag=two", built.manifest, DOCKER_V2)
    assert response.status_code == 201
    assert sorted(describe_image(registry, built.digest)["imageTags"]) == ["one", "two"]
    assert registry.get(f"/v2/{REPO}/manifests/two").get_data() == built.manifest.encode()


def test_push_by_a_digest_the_manifest_does_not_have(registry: Registry) -> None:
    built = docker_image(44)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    wrong = blob_digest("other")
    response = registry.put_manifest(REPO, wrong, built.manifest, DOCKER_V2)
    message = f"Provided digest '{wrong}' does not match the calculated digest '{built.digest}'"
    assert registry_error(response) == (400, "DIGEST_INVALID", message)


def test_pushing_the_same_manifest_again_succeeds(registry: Registry) -> None:
    built = docker_image(45)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    again = registry.put_manifest(REPO, "v1", built.manifest, DOCKER_V2)
    assert again.status_code == 201
    assert again.headers["Docker-Content-Digest"] == built.digest


def test_mutable_tag_moves(registry: Registry) -> None:
    first, second = docker_image(46), docker_image(47)
    registry.push_image(REPO, "latest", first, DOCKER_V2)
    registry.push_image(REPO, "latest", second, DOCKER_V2)
    assert registry.get(f"/v2/{REPO}/manifests/latest").headers["Docker-Content-Digest"] == second.digest
    assert describe_image(registry, first.digest).get("imageTags") is None


def test_immutable_tag_is_tag_invalid_with_ecrs_sentence(registry: Registry) -> None:
    registry.create_repository("locked", imageTagMutability="IMMUTABLE")
    first, second = docker_image(48), docker_image(49)
    registry.push_image("locked", "v1", first, DOCKER_V2)
    for blob in second.blobs:
        registry.push_blob("locked", blob)
    response = registry.put_manifest("locked", "v1", second.manifest, DOCKER_V2)
    message = (
        "The image tag 'v1' already exists in the 'locked' repository and cannot be overwritten "
        "because the repository is immutable."
    )
    assert registry_error(response) == (400, "TAG_INVALID", message)
    assert registry.get("/v2/locked/manifests/v1").headers["Docker-Content-Digest"] == first.digest
    # a new tag, and the same manifest again under its own tag, are fine
    assert registry.put_manifest("locked", "v2", second.manifest, DOCKER_V2).status_code == 201
    assert registry.put_manifest("locked", "v1", first.manifest, DOCKER_V2).status_code == 201


def test_immutable_with_exclusion_lets_excluded_tags_move(registry: Registry) -> None:
    registry.create_repository(
        "mostly-locked",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
    )
    first, second = docker_image(50), docker_image(51)
    registry.push_image("mostly-locked", "latest", first, DOCKER_V2)
    registry.push_image("mostly-locked", "v1", first, DOCKER_V2)
    assert registry.push_image("mostly-locked", "latest", second, DOCKER_V2).status_code == 201
    refused = registry.put_manifest("mostly-locked", "v1", second.manifest, DOCKER_V2)
    assert registry_error(refused)[:2] == (400, "TAG_INVALID")


def test_manifest_naming_missing_blobs(registry: Registry) -> None:
    built = docker_image(52)
    registry.push_blob(REPO, built.blobs[0])  # the config only
    response = registry.put_manifest(REPO, "v1", built.manifest, DOCKER_V2)
    missing = ", ".join(sha256_of(blob) for blob in built.blobs[1:])
    message = (
        f"Layers with digests '[{missing}]' required for pushing image into repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}' do not exist"
    )
    assert registry_error(response) == (400, "MANIFEST_BLOB_UNKNOWN", message)
    assert registry_error(registry.get(f"/v2/{REPO}/manifests/v1"))[:2] == (404, "MANIFEST_UNKNOWN")


def test_index_naming_missing_manifests(registry: Registry) -> None:
    child = docker_image(53)
    response = registry.put_manifest(REPO, "v1", oci_index([child.manifest]), OCI_INDEX)
    status, code, message = registry_error(response)
    assert (status, code) == (400, "MANIFEST_BLOB_UNKNOWN")
    assert child.digest in message


@pytest.mark.parametrize("body", [b"{not json", b"[]", b"", b'"text"'])
def test_invalid_manifest_json(registry: Registry, body: bytes) -> None:
    response = registry.put_manifest(REPO, "v1", body, DOCKER_V2)
    message = "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'"
    assert registry_error(response) == (400, "MANIFEST_INVALID", message)


@pytest.mark.parametrize("tag", ["-lead", ".lead", "a" * 129, "bad!tag", "tag%20space"])
def test_invalid_tag(registry: Registry, tag: str) -> None:
    built = docker_image(54)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    message = (
        "Invalid parameter at 'imageTag' failed to satisfy constraint: "
        "'must satisfy regular expression '[a-zA-Z0-9-_.]+''"
    )
    for method in ("PUT", "GET", "DELETE"):
        response = registry.open(
            method, f"/v2/{REPO}/manifests/{tag}", built.manifest.encode(), {"Content-Type": DOCKER_V2}
        )
        assert registry_error(response) == (400, "TAG_INVALID", message), method


def test_invalid_tag_parameter_on_a_push_by_digest(registry: Registry) -> None:
    built = docker_image(55)
    for blob in built.blobs:
        registry.push_blob(REPO, blob)
    response = registry.put_manifest(REPO, f"{built.digest}?tag=ok&tag=-bad", built.manifest, DOCKER_V2)
    assert registry_error(response)[:2] == (400, "TAG_INVALID")


def test_delete_manifest_by_digest(registry: Registry) -> None:
    built = docker_image(56)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    assert registry.open("DELETE", f"/v2/{REPO}/manifests/{built.digest}").status_code == 202
    for reference in ("v1", built.digest):
        assert registry_error(registry.get(f"/v2/{REPO}/manifests/{reference}")) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)
    again = registry.open("DELETE", f"/v2/{REPO}/manifests/{built.digest}")
    assert registry_error(again) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)


def test_delete_manifest_by_tag_keeps_the_image(registry: Registry) -> None:
    built = docker_image(57)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    registry.put_manifest(REPO, "v2", built.manifest, DOCKER_V2)
    assert registry.open("DELETE", f"/v2/{REPO}/manifests/v1").status_code == 202
    assert registry_error(registry.get(f"/v2/{REPO}/manifests/v1")) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)
    assert registry.get(f"/v2/{REPO}/manifests/{built.digest}").status_code == 200
    assert registry.get(f"/v2/{REPO}/tags/list").get_json() == {"name": REPO, "tags": ["v2"]}
    assert registry_error(registry.open("DELETE", f"/v2/{REPO}/manifests/v1")) == (404, "MANIFEST_UNKNOWN", NOT_FOUND)


def test_delete_of_a_manifest_an_index_names_is_refused(registry: Registry) -> None:
    children = _children(registry)
    registry.put_manifest(REPO, "multi", oci_index(children), OCI_INDEX)
    response = registry.open("DELETE", f"/v2/{REPO}/manifests/{digest_of(children[0])}")
    status, code, message = registry_error(response)
    assert (status, code) == (409, "DENIED")
    assert message
    assert registry.get(f"/v2/{REPO}/manifests/{digest_of(children[0])}").status_code == 200


# --- tags/list and _catalog -----------------------------------------------------------------------------------


@pytest.fixture
def tagged(registry: Registry) -> Registry:
    built = docker_image(60)
    registry.push_image(REPO, "a", built, DOCKER_V2)
    for tag in ("B", "c", "d1", "d10", "d2", "e"):
        registry.put_manifest(REPO, tag, built.manifest, DOCKER_V2)
    return registry


ALL_TAGS = ["B", "a", "c", "d1", "d10", "d2", "e"]  # ASCIIbetical


def test_tags_list(tagged: Registry) -> None:
    response = tagged.get(f"/v2/{REPO}/tags/list")
    assert response.status_code == 200
    assert response.get_json() == {"name": REPO, "tags": ALL_TAGS}
    assert "Link" not in response.headers
    assert response.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


def test_tags_list_pages_with_n_and_link(tagged: Registry) -> None:
    seen: list[str] = []
    path = f"/v2/{REPO}/tags/list?n=3"
    links = []
    for _ in range(10):
        response = tagged.get(path)
        page = response.get_json()["tags"]
        seen.extend(page)
        link = response.headers.get("Link")
        if link is None:
            break
        links.append(link)
        path = link.removeprefix("<").partition(">")[0]
    assert seen == ALL_TAGS
    assert links == [
        f'</v2/{REPO}/tags/list?n=3&last=c>; rel="next"',
        f'</v2/{REPO}/tags/list?n=3&last=d2>; rel="next"',
    ]


@pytest.mark.parametrize(
    ("query", "tags", "link"),
    [
        ("n=0", [], False),
        ("n=7", ALL_TAGS, False),
        ("n=100", ALL_TAGS, False),
        ("last=c", ["d1", "d10", "d2", "e"], False),
        ("last=c&n=2", ["d1", "d10"], True),
        ("last=e", [], False),
        ("last=zzz&n=2", [], False),
        ("last=A", ALL_TAGS, False),
        ("n=", ALL_TAGS, False),
    ],
)
def test_tags_list_n_and_last(tagged: Registry, query: str, tags: list[str], link: bool) -> None:
    response = tagged.get(f"/v2/{REPO}/tags/list?{query}")
    assert response.get_json() == {"name": REPO, "tags": tags}
    assert ("Link" in response.headers) is link


@pytest.mark.parametrize("n", ["abc", "-1", "1.5", "1e3"])
def test_tags_list_with_a_bad_n(tagged: Registry, n: str) -> None:
    response = tagged.get(f"/v2/{REPO}/tags/list?n={n}")
    assert registry_error(response) == (400, "UNSUPPORTED", f"invalid number of results requested: {n}")


def test_tags_list_of_a_missing_repository(registry: Registry) -> None:
    assert registry_error(registry.get("/v2/missing/tags/list")) == (404, "NAME_UNKNOWN", rnf("missing"))


def test_tags_list_of_a_nested_repository_name(registry: Registry) -> None:
    registry.create_repository("team/web/api")
    built = docker_image(61)
    registry.push_image("team/web/api", "v1", built, DOCKER_V2)
    assert registry.get("/v2/team/web/api/tags/list").get_json() == {"name": "team/web/api", "tags": ["v1"]}
    assert registry.get("/v2/team/web/api/manifests/v1").get_data() == built.manifest.encode()


def test_catalog_with_n_and_last(registry: Registry) -> None:
    for name in ("bb", "team/x1", "aa/bb", "cc"):
        registry.create_repository(name)
    names = ["aa/bb", REPO, "bb", "cc", "team/x1"]
    assert registry.get("/v2/_catalog").get_json() == {"repositories": names}
    first = registry.get("/v2/_catalog?n=2")
    assert first.get_json() == {"repositories": names[:2]}
    assert first.headers["Link"] == f'</v2/_catalog?n=2&last={REPO}>; rel="next"'
    second = registry.get(f"/v2/_catalog?n=2&last={REPO}")
    assert second.get_json() == {"repositories": ["bb", "cc"]}
    last = registry.get("/v2/_catalog?n=2&last=cc")
    assert last.get_json() == {"repositories": ["team/x1"]}
    assert "Link" not in last.headers
    assert registry.get("/v2/_catalog?n=0").get_json() == {"repositories": []}


def test_catalog_of_an_empty_registry() -> None:
    registry = Registry()
    registry.login()
    assert registry.get("/v2/_catalog").get_json() == {"repositories": []}


# --- referrers ------------------------------------------------------------------------------------------------


def test_referrers_with_and_without_an_artifact_type_filter(registry: Registry) -> None:
    subject = docker_image(70)
    registry.push_image(REPO, "v1", subject, DOCKER_V2)
    sbom = oci_image(71, artifact_type=SBOM, subject=subject.digest, annotations={"org.example": "sbom"})
    signature = oci_image(72, config_media_type=SIGNATURE, subject=subject.digest)
    unrelated = oci_image(73, artifact_type=SBOM)
    for built in (sbom, signature, unrelated):
        registry.push_image(REPO, built.digest, built, OCI_MANIFEST)
    response = registry.get(f"/v2/{REPO}/referrers/{subject.digest}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == OCI_INDEX
    assert "OCI-Filters-Applied" not in response.headers
    document = response.get_json()
    assert document["schemaVersion"] == 2 and document["mediaType"] == OCI_INDEX
    by_digest = {entry["digest"]: entry for entry in document["manifests"]}
    assert by_digest == {
        sbom.digest: {
            "mediaType": OCI_MANIFEST,
            "digest": sbom.digest,
            "size": len(sbom.manifest.encode()),
            "artifactType": SBOM,
            "annotations": {"org.example": "sbom"},
        },
        signature.digest: {
            "mediaType": OCI_MANIFEST,
            "digest": signature.digest,
            "size": len(signature.manifest.encode()),
            "artifactType": SIGNATURE,
        },
    }
    filtered = registry.get(f"/v2/{REPO}/referrers/{subject.digest}?artifactType={SBOM}")
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert [entry["digest"] for entry in filtered.get_json()["manifests"]] == [sbom.digest]
    none = registry.get(f"/v2/{REPO}/referrers/{subject.digest}?artifactType=application/none")
    assert none.get_json()["manifests"] == []
    assert none.headers["OCI-Filters-Applied"] == "artifactType"


def test_referrers_of_a_subject_never_pushed(registry: Registry) -> None:
    response = registry.get(f"/v2/{REPO}/referrers/{blob_digest('nothing')}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == OCI_INDEX
    assert response.get_json() == {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}


def test_referrer_whose_subject_is_an_index(registry: Registry) -> None:
    index = oci_index(_children(registry))
    registry.put_manifest(REPO, "multi", index, OCI_INDEX)
    attestation = oci_image(74, artifact_type=SBOM, subject=digest_of(index))
    registry.push_image(REPO, attestation.digest, attestation, OCI_MANIFEST)
    found = registry.get(f"/v2/{REPO}/referrers/{digest_of(index)}").get_json()["manifests"]
    assert [entry["digest"] for entry in found] == [attestation.digest]


def test_deleted_referrer_is_gone(registry: Registry) -> None:
    subject = docker_image(75)
    registry.push_image(REPO, "v1", subject, DOCKER_V2)
    sbom = oci_image(76, artifact_type=SBOM, subject=subject.digest)
    registry.push_image(REPO, sbom.digest, sbom, OCI_MANIFEST)
    registry.open("DELETE", f"/v2/{REPO}/manifests/{sbom.digest}")
    assert registry.get(f"/v2/{REPO}/referrers/{subject.digest}").get_json()["manifests"] == []


def test_referrers_errors(registry: Registry) -> None:
    assert registry_error(registry.get(f"/v2/missing/referrers/{blob_digest('x')}")) == (
        404,
        "NAME_UNKNOWN",
        rnf("missing"),
    )
    status, code, _ = registry_error(registry.get(f"/v2/{REPO}/referrers/latest"))
    assert (status, code) == (400, "DIGEST_INVALID")


# --- layer download URLs --------------------------------------------------------------------------------------


def test_layer_download_url_is_served_at_layers(registry: Registry) -> None:
    registry.backends.endpoint = Endpoint("127.0.0.1:5000")
    built = docker_image(80)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    layer = sha256_of(built.blobs[1])
    answer = registry.api("GetDownloadUrlForLayer", {"repositoryName": REPO, "layerDigest": layer})
    url = answer["downloadUrl"]
    assert answer["layerDigest"] == layer
    prefix = "http://127.0.0.1:5000"
    assert url.startswith(f"{prefix}/layers/{ACCOUNT}/{REGION}/{REPO}/")
    response = registry.client.get(url.removeprefix(prefix))
    assert response.status_code == 200
    assert response.get_data() == built.blobs[1]
    assert response.headers["Content-Length"] == str(len(built.blobs[1]))
    head = registry.client.head(url.removeprefix(prefix))
    assert head.status_code == 200 and head.get_data() == b""


def test_layer_download_url_of_nothing_is_s3s_no_such_key(registry: Registry) -> None:
    response = registry.client.get(f"/layers/{ACCOUNT}/{REGION}/{REPO}/{blob_digest('gone')}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/xml"
    assert b"<Code>NoSuchKey</Code>" in response.get_data()


# --- the ECR API sees what the registry API did, and the other way round --------------------------------------


def test_registry_push_shows_in_describe_images(registry: Registry) -> None:
    built = docker_image(90, layer_sizes=(1000, 2345, 3))
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    registry.put_manifest(REPO, "stable", built.manifest, DOCKER_V2)
    details = describe_image(registry, built.digest)
    assert details["imageDigest"] == built.digest
    assert sorted(details["imageTags"]) == ["stable", "v1"]
    assert details["imageSizeInBytes"] == 1000 + 2345 + 3 == built.layer_size
    assert details["imageManifestMediaType"] == DOCKER_V2
    assert details["registryId"] == ACCOUNT and details["repositoryName"] == REPO
    images = registry.api("BatchGetImage", {"repositoryName": REPO, "imageIds": [{"imageTag": "v1"}]})["images"]
    assert images[0]["imageManifest"] == built.manifest


def test_registry_pull_records_the_pull_time_and_head_does_not(registry: Registry) -> None:
    built = docker_image(91)
    with freeze_time("2026-04-01 12:00:00"):
        registry.push_image(REPO, "v1", built, DOCKER_V2)
    with freeze_time("2026-04-02 12:00:00"):
        registry.open("HEAD", f"/v2/{REPO}/manifests/v1")
    assert "lastRecordedPullTime" not in describe_image(registry, built.digest)
    with freeze_time("2026-04-03 12:00:00"):
        registry.get(f"/v2/{REPO}/manifests/v1")
    pulled = describe_image(registry, built.digest)["lastRecordedPullTime"]
    expected = datetime.datetime(2026, 4, 3, 12, tzinfo=datetime.timezone.utc).timestamp()
    assert abs(pulled - expected) < 1


def test_image_put_through_the_ecr_api_pulls_byte_exact(registry: Registry) -> None:
    built = oci_image(92, layer_sizes=(6 * 1024 * 1024, 777))
    for blob in built.blobs:
        started = registry.api("InitiateLayerUpload", {"repositoryName": REPO})
        upload = started["uploadId"]
        part = started["partSize"]
        for first in range(0, len(blob), part):
            piece = blob[first : first + part]
            registry.api(
                "UploadLayerPart",
                {
                    "repositoryName": REPO,
                    "uploadId": upload,
                    "partFirstByte": first,
                    "partLastByte": first + len(piece) - 1,
                    "layerPartBlob": base64.b64encode(piece).decode(),
                },
            )
        registry.api(
            "CompleteLayerUpload", {"repositoryName": REPO, "uploadId": upload, "layerDigests": [sha256_of(blob)]}
        )
    registry.api("PutImage", {"repositoryName": REPO, "imageManifest": built.manifest, "imageTag": "api"})
    manifest = registry.get(f"/v2/{REPO}/manifests/api")
    assert manifest.get_data() == built.manifest.encode()
    assert manifest.headers["Docker-Content-Digest"] == built.digest
    assert manifest.headers["Content-Type"] == OCI_MANIFEST
    for blob in built.blobs:
        pulled = registry.get(f"/v2/{REPO}/blobs/{sha256_of(blob)}")
        assert pulled.status_code == 200
        assert hashlib.sha256(pulled.get_data()).hexdigest() == hashlib.sha256(blob).hexdigest()
    assert registry.get(f"/v2/{REPO}/tags/list").get_json() == {"name": REPO, "tags": ["api"]}


def test_scan_on_push_reacts_to_a_registry_push(registry: Registry) -> None:
    registry.create_repository("scanned", imageScanningConfiguration={"scanOnPush": True})
    built = docker_image(93)
    registry.push_image("scanned", "v1", built, DOCKER_V2)
    details = describe_image(registry, built.digest, "scanned")
    assert details["imageScanStatus"]["status"] in ("IN_PROGRESS", "COMPLETE")
    unscanned = docker_image(94)
    registry.push_image(REPO, "v1", unscanned, DOCKER_V2)
    assert "imageScanStatus" not in describe_image(registry, unscanned.digest)


def test_replication_reacts_to_a_registry_push(registry: Registry) -> None:
    rule = {"destinations": [{"region": WEST, "registryId": ACCOUNT}]}
    registry.api("PutReplicationConfiguration", {"replicationConfiguration": {"rules": [rule]}})
    built = docker_image(95)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    replica = describe_image(registry, built.digest, region=WEST)
    assert replica["imageTags"] == ["v1"]
    base = f"http://{ACCOUNT}.dkr.ecr.{WEST}.amazonaws.com"
    headers = basic(registry.token(region=WEST))
    pulled = registry.client.get(f"/v2/{REPO}/manifests/v1", base_url=base, headers=headers)
    assert pulled.get_data() == built.manifest.encode()


def test_repository_created_on_push_by_a_template(registry: Registry) -> None:
    registry.api(
        "CreateRepositoryCreationTemplate",
        {"prefix": "auto", "appliedFor": ["CREATE_ON_PUSH"], "imageTagMutability": "IMMUTABLE"},
    )
    built = docker_image(96)
    registry.push_image("auto/new", "v1", built, DOCKER_V2)
    repositories = registry.api("DescribeRepositories", {"repositoryNames": ["auto/new"]})["repositories"]
    assert repositories[0]["imageTagMutability"] == "IMMUTABLE"
    assert registry.get("/v2/auto/new/tags/list").get_json() == {"name": "auto/new", "tags": ["v1"]}
    # outside the template's prefix a push still finds no repository
    assert registry_error(registry.open("POST", "/v2/manual/new/blobs/uploads/")) == (
        404,
        "NAME_UNKNOWN",
        rnf("manual/new"),
    )


def test_registry_delete_shows_in_the_ecr_api(registry: Registry) -> None:
    built = docker_image(97)
    registry.push_image(REPO, "v1", built, DOCKER_V2)
    registry.open("DELETE", f"/v2/{REPO}/manifests/{built.digest}")
    with pytest.raises(ApiError) as raised:
        describe_image(registry, built.digest)
    assert raised.value.code == "ImageNotFoundException"

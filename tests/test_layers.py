"""The layer API through boto3, end to end: InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload,
BatchCheckLayerAvailability and GetDownloadUrlForLayer, the download URLs (fetched with ``requests``) and the image
sizes that uploaded layers give (shared/ecr-behaviour.md 3.3, 4.2, 4.6).

Expected texts: LayerPartTooSmallException is observed AWS text; every other layer message is marked "unconfirmed"
in the reference, so these tests pin the wording the mock chose (ecr_mock/_errors.py). Extra members of an error
body (InvalidLayerPartException's ``lastValidByteReceived`` ...) are modelled fields: botocore puts them at the top
level of ``ClientError.response``, next to ``Error`` (which holds only Code and Message).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
import requests
import responses
from _manifests import DOCKER_CONFIG, DOCKER_LAYER, DOCKER_LIST, DOCKER_V2, OCI_INDEX, docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from requests.adapters import HTTPAdapter

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
REPO = "app/web"
OTHER_REPO = "app/worker"
MIB = 1024 * 1024
PART = 5 * MIB  # the smallest part allowed before the last one
ROOT = Path(__file__).resolve().parents[1]
UNKNOWN_UPLOAD = "0123abcd-0000-4000-8000-00000000beef"
UNKNOWN_DIGEST = "sha256:" + "0" * 64
SEED_SIZE = 52428800
# Nothing listens on the discard port: once the mock no longer answers a download URL, requests fails at once
# with a ConnectionError (ProxyError) instead of reaching the internet, whatever the network offers.
DEAD_PROXY = {"http": "http://127.0.0.1:9", "https": "http://127.0.0.1:9"}


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


@pytest.fixture
def ecr_strict() -> Iterator[Any]:
    with mock_ecr(strict=True):
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


def blob(seed: int, size: int) -> bytes:
    """Deterministic bytes: the same (seed, size) always gives the same blob."""
    return random.Random(seed).randbytes(size)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    details = exc.value.response["Error"]
    return details["Code"], details["Message"]


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def send_parts(ecr: Any, parts: Sequence[bytes], repo: str = REPO) -> str:
    """Initiate an upload and send ``parts`` contiguously; returns the upload id (not completed)."""
    upload_id = str(ecr.initiate_layer_upload(repositoryName=repo)["uploadId"])
    first = 0
    for part in parts:
        ecr.upload_layer_part(
            repositoryName=repo,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(part) - 1,
            layerPartBlob=part,
        )
        first += len(part)
    return upload_id


def push_blob(ecr: Any, data: bytes, repo: str = REPO) -> str:
    upload_id = send_parts(ecr, [data], repo)
    return str(
        ecr.complete_layer_upload(repositoryName=repo, uploadId=upload_id, layerDigests=[sha(data)])["layerDigest"]
    )


def image_manifest(config: bytes, layers: Sequence[bytes], *, declared: Sequence[int] | None = None) -> str:
    """A Docker schema 2 manifest naming these exact blobs (``declared`` overrides the layer sizes it states)."""
    sizes = declared if declared is not None else [len(layer) for layer in layers]
    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": sha(config)},
        "layers": [
            {"mediaType": DOCKER_LAYER, "size": size, "digest": sha(layer)}
            for layer, size in zip(layers, sizes, strict=True)
        ],
    }
    return json.dumps(document, indent=3)


def list_of(*children: str, media_type: str = DOCKER_LIST) -> str:
    manifests = [
        {"mediaType": DOCKER_V2, "size": len(child), "digest": sha(child.encode()), "platform": {"os": "linux"}}
        for child in children
    ]
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests})


def image_size(ecr: Any, digest: str, repo: str = REPO) -> int:
    details = ecr.describe_images(repositoryName=repo, imageIds=[{"imageDigest": digest}])["imageDetails"]
    return int(details[0]["imageSizeInBytes"])


def check(ecr: Any, *digests: str, repo: str = REPO) -> dict[str, Any]:
    return body(ecr.batch_check_layer_availability(repositoryName=repo, layerDigests=list(digests)))


# --- a full push and pull, multi-part ---------------------------------------------------------------------


def test_strict_push_of_a_multipart_layered_image_round_trips_every_blob(ecr_strict: Any) -> None:
    ecr = ecr_strict
    config = blob(1, 1500)
    big = blob(2, 11 * MIB)  # three parts: 5 MiB, 5 MiB, 1 MiB
    small = blob(3, 40_000)
    parts = [big[:PART], big[PART : 2 * PART], big[2 * PART :]]
    assert [len(p) for p in parts] == [PART, PART, MIB]

    started = ecr.initiate_layer_upload(repositoryName=REPO)
    upload_id = started["uploadId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", upload_id)
    assert body(started) == {"uploadId": upload_id, "partSize": 10485760}
    first = 0
    for part in parts:
        answer = ecr.upload_layer_part(
            repositoryName=REPO,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(part) - 1,
            layerPartBlob=part,
        )
        assert body(answer) == {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "uploadId": upload_id,
            "lastByteReceived": first + len(part) - 1,
        }
        first += len(part)
    done = ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(big)])
    assert body(done) == {"registryId": ACCOUNT, "repositoryName": REPO, "uploadId": upload_id, "layerDigest": sha(big)}
    push_blob(ecr, config)
    push_blob(ecr, small)

    manifest = image_manifest(config, [big, small])
    pushed = ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1")["image"]
    assert pushed["imageId"] == {"imageDigest": sha(manifest.encode()), "imageTag": "v1"}
    assert image_size(ecr, sha(manifest.encode())) == len(big) + len(small)  # layers' stored bytes, config excluded
    got = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])["images"]
    assert got[0]["imageManifest"] == manifest

    assert check(ecr, sha(config), sha(big), sha(small)) == {
        "layers": [
            {
                "layerDigest": sha(config),
                "layerAvailability": "AVAILABLE",
                "layerSize": 1500,
                "mediaType": DOCKER_CONFIG,
            },
            {
                "layerDigest": sha(big),
                "layerAvailability": "AVAILABLE",
                "layerSize": 11 * MIB,
                "mediaType": DOCKER_LAYER,
            },
            {
                "layerDigest": sha(small),
                "layerAvailability": "AVAILABLE",
                "layerSize": 40_000,
                "mediaType": DOCKER_LAYER,
            },
        ],
        "failures": [],
    }
    for data in (config, big, small):
        answer = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))
        assert answer["layerDigest"] == sha(data)
        assert answer["downloadUrl"].startswith("https://")
        fetched = requests.get(answer["downloadUrl"], timeout=5)
        assert fetched.status_code == 200
        assert fetched.headers["Content-Length"] == str(len(data))
        assert sha(fetched.content) == sha(data)
        assert fetched.content == data
        head = requests.head(answer["downloadUrl"], timeout=5)
        assert (head.status_code, head.headers["Content-Length"], head.content) == (200, str(len(data)), b"")


def test_two_uploads_get_distinct_ids(ecr: Any) -> None:
    first = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    second = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    assert first != second


@pytest.mark.parametrize(("first_part", "accepted"), [(PART, True), (PART - 1, False)], ids=["5MiB", "5MiB-1"])
def test_every_part_but_the_last_must_be_at_least_5_mib(ecr: Any, first_part: int, accepted: bool) -> None:
    data = blob(4, first_part + 1)
    upload_id = send_parts(ecr, [data[:first_part], data[first_part:]])
    if accepted:
        done = ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(data)])
        assert done["layerDigest"] == sha(data)
        return
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(data)])
    assert error(exc) == ("LayerPartTooSmallException", "All layer parts except the last part should be at least 5MB")
    assert check(ecr, sha(data))["failures"] == [
        {"layerDigest": sha(data), "failureCode": "MissingLayerDigest", "failureReason": "Could not find layer"}
    ]


def test_a_single_small_part_is_a_whole_layer(ecr: Any) -> None:
    data = b"x"
    upload_id = send_parts(ecr, [data])
    assert ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(data)])[
        "layerDigest"
    ] == sha(data)
    assert check(ecr, sha(data))["layers"] == [
        {"layerDigest": sha(data), "layerAvailability": "AVAILABLE", "layerSize": 1}
    ]


# --- UploadLayerPart: contiguous byte ranges ------------------------------------------------------------------


def test_the_first_part_must_start_at_byte_zero(ecr: Any) -> None:
    upload_id = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO, uploadId=upload_id, partFirstByte=1, partLastByte=3, layerPartBlob=b"abc"
        )
    assert error(exc) == (
        "InvalidLayerPartException",
        "Invalid layer part: first byte 1 is not consecutive to last byte received -1",
    )
    response = exc.value.response
    assert (response["registryId"], response["repositoryName"], response["uploadId"]) == (ACCOUNT, REPO, upload_id)
    # nothing valid received yet: the member (a long, min 0 in the model) is left out rather than sent as -1
    assert "lastValidByteReceived" not in response
    assert "lastValidByteReceived" not in response["Error"]


@pytest.mark.parametrize(("offset", "kind"), [(1, "gap"), (-1, "overlap"), (-PART, "restart")])
def test_a_part_not_following_the_last_byte_is_refused_and_the_upload_carries_on(
    ecr: Any, offset: int, kind: str
) -> None:
    head, tail = blob(5, PART), blob(6, 1000)
    upload_id = send_parts(ecr, [head])
    first = PART + offset
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(tail) - 1,
            layerPartBlob=tail,
        )
    assert error(exc) == (
        "InvalidLayerPartException",
        f"Invalid layer part: first byte {first} is not consecutive to last byte received {PART - 1}",
    )
    response = exc.value.response
    assert response["lastValidByteReceived"] == PART - 1  # top level of the parsed error, not under "Error"
    assert "lastValidByteReceived" not in response["Error"]
    assert (response["registryId"], response["repositoryName"], response["uploadId"]) == (ACCOUNT, REPO, upload_id)

    # the refused part changed nothing: the right part is accepted and the layer is head + tail
    ecr.upload_layer_part(
        repositoryName=REPO, uploadId=upload_id, partFirstByte=PART, partLastByte=PART + 999, layerPartBlob=tail
    )
    done = ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(head + tail)])
    assert done["layerDigest"] == sha(head + tail)


def test_a_part_whose_byte_range_does_not_match_its_length_is_refused(ecr: Any) -> None:
    upload_id = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=9, layerPartBlob=b"12345"
        )
    assert error(exc) == (
        "InvalidLayerPartException",
        "Invalid layer part: bytes 0-9 do not match the part's length of 5 bytes",
    )
    assert "lastValidByteReceived" not in exc.value.response

    ecr.upload_layer_part(
        repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=4, layerPartBlob=b"12345"
    )
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO, uploadId=upload_id, partFirstByte=5, partLastByte=5, layerPartBlob=b"67"
        )
    assert error(exc) == (
        "InvalidLayerPartException",
        "Invalid layer part: bytes 5-5 do not match the part's length of 2 bytes",
    )
    assert exc.value.response["lastValidByteReceived"] == 4
    done = ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"12345")])
    assert done["layerDigest"] == sha(b"12345")


def test_a_part_may_carry_at_most_20_mib(ecr: Any) -> None:
    limit = 20 * MIB
    upload_id = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=limit, layerPartBlob=bytes(limit + 1)
        )
    assert error(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'layerPartBlob' failed to satisfy constraint: "
        "'Member must have length less than or equal to 20971520'",
    )
    answer = ecr.upload_layer_part(
        repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=limit - 1, layerPartBlob=bytes(limit)
    )
    assert answer["lastByteReceived"] == limit - 1


def test_an_upload_holds_at_most_4200_parts(ecr: Any) -> None:
    upload_id = send_parts(ecr, [b"p"] * 4200)
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=REPO, uploadId=upload_id, partFirstByte=4200, partLastByte=4200, layerPartBlob=b"p"
        )
    assert error(exc) == (
        "LimitExceededException",
        f"The upload with id '{upload_id}' has reached the maximum number of layer parts (4200)",
    )
    with pytest.raises(ClientError) as exc:  # the 4,200 parts are still there (and too small to complete)
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"p" * 4200)])
    assert error(exc) == ("LayerPartTooSmallException", "All layer parts except the last part should be at least 5MB")


# --- CompleteLayerUpload ------------------------------------------------------------------------------------


def test_completing_an_upload_without_parts_is_an_empty_upload(ecr: Any) -> None:
    upload_id = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"")])
    assert error(exc) == ("EmptyUploadException", f"Upload with id '{upload_id}' has no layer parts")

    # the upload is still open
    ecr.upload_layer_part(repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=1, layerPartBlob=b"ok")
    assert ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"ok")])[
        "layerDigest"
    ] == sha(b"ok")


def test_a_wrong_digest_is_refused_and_the_same_upload_completes_with_the_right_one(ecr: Any) -> None:
    data = blob(7, 3000)
    upload_id = send_parts(ecr, [data])
    wrong, other_wrong = "sha256:" + "1" * 64, "sha256:" + "2" * 64

    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[wrong])
    assert error(exc) == (
        "InvalidLayerException",
        f"Layer digest '{wrong}' does not match computed digest '{sha(data)}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[wrong, other_wrong])
    assert error(exc) == (
        "InvalidLayerException",
        f"Layer digest '[{wrong}, {other_wrong}]' does not match computed digest '{sha(data)}'",
    )
    assert check(ecr, sha(data))["failures"][0]["failureCode"] == "MissingLayerDigest"

    # any of the digests given may match
    done = ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[wrong, sha(data)])
    assert body(done) == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "uploadId": upload_id,
        "layerDigest": sha(data),
    }


def test_a_blob_the_repository_already_has_is_refused(ecr: Any) -> None:
    data = blob(8, 2048)
    push_blob(ecr, data)
    upload_id = send_parts(ecr, [data])
    expected = (
        "LayerAlreadyExistsException",
        f"The layer with digest '{sha(data)}' already exists in the repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(data)])
    assert error(exc) == expected
    # the digest is verified before the repository is searched
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[UNKNOWN_DIGEST])
    assert error(exc) == (
        "InvalidLayerException",
        f"Layer digest '{UNKNOWN_DIGEST}' does not match computed digest '{sha(data)}'",
    )
    # a refused completion does not consume the upload
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(data)])
    assert error(exc) == expected


# --- UploadNotFoundException ------------------------------------------------------------------------------


def _upload_not_found(upload_id: str, repo: str) -> tuple[str, str]:
    return (
        "UploadNotFoundException",
        f"The upload with id '{upload_id}' does not exist in the repository with name '{repo}' "
        f"in the registry with id '{ACCOUNT}'",
    )


def _part_and_complete_fail(ecr: Any, upload_id: str, repo: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(
            repositoryName=repo, uploadId=upload_id, partFirstByte=0, partLastByte=0, layerPartBlob=b"z"
        )
    assert error(exc) == _upload_not_found(upload_id, repo)
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName=repo, uploadId=upload_id, layerDigests=[sha(b"z")])
    assert error(exc) == _upload_not_found(upload_id, repo)


def test_an_unknown_upload_id_is_not_found(ecr: Any) -> None:
    _part_and_complete_fail(ecr, UNKNOWN_UPLOAD, REPO)


def test_an_upload_id_belongs_to_its_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName=OTHER_REPO)
    upload_id = send_parts(ecr, [b"abc"])
    _part_and_complete_fail(ecr, upload_id, OTHER_REPO)
    # still open where it was started
    assert ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"abc")])[
        "layerDigest"
    ] == sha(b"abc")


def test_a_completed_upload_id_is_consumed(ecr: Any) -> None:
    upload_id = send_parts(ecr, [b"abc"])
    ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha(b"abc")])
    _part_and_complete_fail(ecr, upload_id, REPO)


def test_uploads_end_with_their_repository(ecr: Any) -> None:
    upload_id = send_parts(ecr, [b"abc"])
    ecr.delete_repository(repositoryName=REPO)
    ecr.create_repository(repositoryName=REPO)
    _part_and_complete_fail(ecr, upload_id, REPO)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda ecr: ecr.initiate_layer_upload(repositoryName="missing"), id="InitiateLayerUpload"),
        pytest.param(
            lambda ecr: ecr.upload_layer_part(
                repositoryName="missing", uploadId=UNKNOWN_UPLOAD, partFirstByte=0, partLastByte=0, layerPartBlob=b"a"
            ),
            id="UploadLayerPart",
        ),
        pytest.param(
            lambda ecr: ecr.complete_layer_upload(
                repositoryName="missing", uploadId=UNKNOWN_UPLOAD, layerDigests=[UNKNOWN_DIGEST]
            ),
            id="CompleteLayerUpload",
        ),
        pytest.param(
            lambda ecr: ecr.batch_check_layer_availability(repositoryName="missing", layerDigests=[UNKNOWN_DIGEST]),
            id="BatchCheckLayerAvailability",
        ),
        pytest.param(
            lambda ecr: ecr.get_download_url_for_layer(repositoryName="missing", layerDigest=UNKNOWN_DIGEST),
            id="GetDownloadUrlForLayer",
        ),
    ],
)
def test_layer_calls_on_a_missing_repository(ecr: Any, call: Any) -> None:
    with pytest.raises(ClientError) as exc:
        call(ecr)
    assert error(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )


# --- what uploads leave behind ------------------------------------------------------------------------------


def test_uploads_never_completed_leave_no_trace(ecr_strict: Any) -> None:
    ecr = ecr_strict
    data = blob(9, 500)
    send_parts(ecr, [data])  # never completed
    failed = send_parts(ecr, [data])
    with pytest.raises(ClientError):
        ecr.complete_layer_upload(repositoryName=REPO, uploadId=failed, layerDigests=[UNKNOWN_DIGEST])

    assert check(ecr, sha(data)) == {
        "layers": [],
        "failures": [
            {"layerDigest": sha(data), "failureCode": "MissingLayerDigest", "failureReason": "Could not find layer"}
        ],
    }
    assert ecr.list_images(repositoryName=REPO)["imageIds"] == []
    assert ecr.describe_images(repositoryName=REPO)["imageDetails"] == []
    with pytest.raises(ClientError) as exc:
        ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))
    assert error(exc) == (
        "LayersNotFoundException",
        f"The layer with digest '{sha(data)}' does not exist in the repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}'",
    )
    manifest = image_manifest(data, [data])
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName=REPO, imageManifest=manifest)
    assert error(exc) == (
        "LayersNotFoundException",
        f"Layers with digests '[{sha(data)}]' required for pushing image into repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}' do not exist",
    )


def test_blobs_belong_to_a_repository_and_their_bytes_are_held_once() -> None:
    data = blob(10, 4096)
    with mock_ecr() as mock:
        ecr = boto3.client("ecr", region_name=REGION)
        for name in (REPO, OTHER_REPO, "app/empty"):
            ecr.create_repository(repositoryName=name)
        assert push_blob(ecr, data, REPO) == sha(data)
        assert push_blob(ecr, data, OTHER_REPO) == sha(data)  # no LayerAlreadyExists: another repository
        assert check(ecr, sha(data), repo="app/empty")["failures"][0]["failureCode"] == "MissingLayerDigest"

        registry = mock.backend(REGION)
        held = [registry.repositories.get(name).blobs[sha(data)] for name in (REPO, OTHER_REPO)]  # type: ignore[union-attr]
        assert held[0] is held[1]
        assert len(mock.backends.blob_store) == 1


def test_a_deleted_repository_takes_its_blobs_with_it(ecr: Any) -> None:
    data = blob(36, 256)
    push_blob(ecr, data)
    ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(data, []), imageTag="t")
    url = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))["downloadUrl"]
    ecr.delete_repository(repositoryName=REPO, force=True)
    ecr.create_repository(repositoryName=REPO)

    assert check(ecr, sha(data))["failures"][0]["failureCode"] == "MissingLayerDigest"
    gone = requests.get(url, timeout=1, proxies=DEAD_PROXY)  # still the mock's URL, but no layer behind it
    assert gone.status_code == 404
    assert push_blob(ecr, data) == sha(data)  # no LayerAlreadyExists: the new repository starts empty


# --- BatchCheckLayerAvailability ----------------------------------------------------------------------------


def test_batch_check_reports_each_digest_in_order(ecr: Any) -> None:
    config, layer, loose, never = blob(11, 300), blob(12, 7000), blob(13, 900), blob(14, 10)
    for data in (config, layer, loose):
        push_blob(ecr, data)
    ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(config, [layer, never]))  # default: bare is fine

    assert check(ecr, sha(layer), "sha256-not-a-digest", sha(loose), sha(never), UNKNOWN_DIGEST, sha(config)) == {
        "layers": [
            {"layerDigest": sha(layer), "layerAvailability": "AVAILABLE", "layerSize": 7000, "mediaType": DOCKER_LAYER},
            # uploaded, named by no manifest: no media type to report
            {"layerDigest": sha(loose), "layerAvailability": "AVAILABLE", "layerSize": 900},
            # named by a pushed manifest, its bytes never uploaded
            {"layerDigest": sha(never), "layerAvailability": "UNAVAILABLE", "mediaType": DOCKER_LAYER},
            {
                "layerDigest": sha(config),
                "layerAvailability": "AVAILABLE",
                "layerSize": 300,
                "mediaType": DOCKER_CONFIG,
            },
        ],
        "failures": [
            {
                "layerDigest": "sha256-not-a-digest",
                "failureCode": "InvalidLayerDigest",
                "failureReason": "Invalid request parameters: layer digest should satisfy the regex "
                "'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
            },
            {
                "layerDigest": UNKNOWN_DIGEST,
                "failureCode": "MissingLayerDigest",
                "failureReason": "Could not find layer",
            },
        ],
    }


def test_deleting_the_last_image_naming_a_blob_keeps_uploaded_bytes_only(ecr: Any) -> None:
    config, layer, never = blob(15, 100), blob(16, 200), blob(17, 10)
    push_blob(ecr, config)
    push_blob(ecr, layer)
    manifest = image_manifest(config, [layer, never])
    ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="t")
    ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "t"}])

    assert check(ecr, sha(layer), sha(never)) == {
        "layers": [{"layerDigest": sha(layer), "layerAvailability": "AVAILABLE", "layerSize": 200}],
        "failures": [
            {"layerDigest": sha(never), "failureCode": "MissingLayerDigest", "failureReason": "Could not find layer"}
        ],
    }


def test_a_blob_only_archived_images_use_is_archived(ecr: Any) -> None:
    config, shared, own = blob(18, 100), blob(19, 200), blob(20, 300)
    for data in (config, shared, own):
        push_blob(ecr, data)
    archived = image_manifest(config, [shared, own])
    ecr.put_image(repositoryName=REPO, imageManifest=archived, imageTag="old")
    ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(blob(21, 50), [shared]), imageTag="new")
    digest = sha(archived.encode())
    ecr.update_image_storage_class(repositoryName=REPO, imageId={"imageDigest": digest}, targetStorageClass="ARCHIVE")

    states = {
        layer["layerDigest"]: layer["layerAvailability"]
        for layer in check(ecr, sha(config), sha(shared), sha(own))["layers"]
    }
    assert states == {sha(config): "ARCHIVED", sha(shared): "AVAILABLE", sha(own): "ARCHIVED"}

    ecr.update_image_storage_class(repositoryName=REPO, imageId={"imageDigest": digest}, targetStorageClass="STANDARD")
    states = {
        layer["layerDigest"]: layer["layerAvailability"]
        for layer in check(ecr, sha(config), sha(shared), sha(own))["layers"]
    }
    assert states == {sha(config): "AVAILABLE", sha(shared): "AVAILABLE", sha(own): "AVAILABLE"}


# --- GetDownloadUrlForLayer ---------------------------------------------------------------------------------


def test_only_blobs_some_image_names_can_be_downloaded(ecr: Any) -> None:
    config, layer, never = blob(22, 100), blob(23, 200), blob(24, 10)
    push_blob(ecr, config)
    push_blob(ecr, layer)
    inaccessible = (
        "LayerInaccessibleException",
        f"The layer with digest '{sha(layer)}' is not referenced by any image in the repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(layer))
    assert error(exc) == inaccessible

    ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(config, [layer, never]), imageTag="t")
    url = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(layer))["downloadUrl"]
    assert requests.get(url, timeout=5).content == layer
    for digest in (sha(never), UNKNOWN_DIGEST):  # named but never uploaded, or unknown: nothing to serve
        with pytest.raises(ClientError) as exc:
            ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=digest)
        assert error(exc) == (
            "LayersNotFoundException",
            f"The layer with digest '{digest}' does not exist in the repository with name '{REPO}' "
            f"in the registry with id '{ACCOUNT}'",
        )

    ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "t"}])
    with pytest.raises(ClientError) as exc:
        ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(layer))
    assert error(exc) == inaccessible


def test_download_urls_are_answered_only_while_the_mock_is_active() -> None:
    data = blob(25, 3333)
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        push_blob(ecr, data)
        ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(data, []))
        url = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))["downloadUrl"]
        inside = requests.get(url, timeout=1, proxies=DEAD_PROXY)  # the mock answers before any proxy is tried
        assert (inside.status_code, inside.headers["Content-Length"], inside.content) == (200, "3333", data)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=1, proxies=DEAD_PROXY)


def _published_layer(ecr: Any, data: bytes) -> None:
    ecr.create_repository(repositoryName=REPO)
    push_blob(ecr, data)
    ecr.put_image(repositoryName=REPO, imageManifest=image_manifest(data, []))


PING = "https://api.example.test/ping"


def _ping() -> str:
    return requests.get(PING, timeout=1, proxies=DEAD_PROXY).text


@pytest.mark.parametrize("order", ["responses-inside", "responses-outside", "responses-after-first-url"])
def test_download_urls_and_a_tests_own_responses_mock_coexist(order: str) -> None:
    """A test that mocks its own HTTP calls with ``responses`` keeps them mocked while layer URLs are served, in
    any nesting order, and once both mocks stop ``requests`` is exactly as it was (no stale patch left behind:
    one stopped out of order used to refuse every later request in the process)."""
    data = blob(26, 64)
    adapter_send, session_send = HTTPAdapter.send, requests.Session.send
    try:
        with contextlib.ExitStack() as stack:
            users_mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            users_mock.get(PING, body="pong")
            if order == "responses-outside":
                stack.enter_context(users_mock)
            stack.enter_context(mock_ecr())
            ecr = boto3.client("ecr", region_name=REGION)
            _published_layer(ecr, data)
            if order == "responses-after-first-url":  # the URL server starts before the user's mock
                ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))
            if order != "responses-outside":  # entered last, so it stops before the ECR mock does
                stack.enter_context(users_mock)
            assert _ping() == "pong"
            url = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha(data))["downloadUrl"]
            assert requests.get(url, timeout=1, proxies=DEAD_PROXY).content == data
            assert _ping() == "pong"
        restored = (HTTPAdapter.send is adapter_send, requests.Session.send is session_send)
    finally:  # never let a leaked patch break later tests
        HTTPAdapter.send = adapter_send  # type: ignore[method-assign]
        requests.Session.send = session_send  # type: ignore[method-assign]
    assert restored == (True, True), "requests is still patched after both mocks stopped"


# --- imageSizeInBytes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_image_size_is_the_stored_size_of_its_layers(strict: bool) -> None:
    config, first, second = blob(27, 700), blob(28, 3000), blob(29, 5000)
    with mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        for data in (config, first, second):
            push_blob(ecr, data)
        manifest = image_manifest(config, [first, second], declared=[1, 2])  # what the manifest says is ignored
        ecr.put_image(repositoryName=REPO, imageManifest=manifest)
        assert image_size(ecr, sha(manifest.encode())) == 8000


def test_default_mode_keeps_the_nominal_size_until_every_layer_is_uploaded(ecr: Any) -> None:
    config, uploaded, missing = blob(30, 700), blob(31, 3000), blob(32, 5000)
    push_blob(ecr, uploaded)
    manifest = image_manifest(config, [uploaded, missing])
    ecr.put_image(repositoryName=REPO, imageManifest=manifest)
    assert image_size(ecr, sha(manifest.encode())) == SEED_SIZE
    bare = docker_manifest(1)
    ecr.put_image(repositoryName=REPO, imageManifest=bare)
    assert image_size(ecr, sha(bare.encode())) == SEED_SIZE


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("list_type", [DOCKER_LIST, OCI_INDEX], ids=["docker-list", "oci-index"])
def test_a_manifest_list_is_as_large_as_its_largest_child(strict: bool, list_type: str) -> None:
    config, small, large = blob(33, 100), blob(34, 3000), blob(35, 8000)
    with mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        for data in (config, small, large):
            push_blob(ecr, data)
        children = [image_manifest(config, [small]), image_manifest(config, [large])]
        for child in children:
            ecr.put_image(repositoryName=REPO, imageManifest=child)
        index = list_of(*children, media_type=list_type)
        ecr.put_image(repositoryName=REPO, imageManifest=index, imageTag="multi")
        assert image_size(ecr, sha(index.encode())) == 8000


# --- the benchmark script -----------------------------------------------------------------------------------


def test_layers_benchmark_quick_mode_round_trips() -> None:
    """The quick run reports every figure (a missed timing or memory target is exit status 1 on a busy machine)
    and the layer comes back byte-exact."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "layers.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["benchmark"], result["quick"]) == ("layers", True)
    figures = {figure["name"]: figure for figure in result["figures"]}
    assert figures["layer round trip byte-exact (1 = yes)"]["status"] == "PASS"
    assert all(figure["value"] > 0 for figure in figures.values() if figure["unit"] == "MiB/s")

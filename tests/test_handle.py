"""What the handle gives a test on top of boto3: complete images in one call (``push_image``) and background work
under the test's control (``durations``), plus the tag rules a pushed image must follow."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from datetime import timedelta
from typing import Any

import boto3
import pytest
from _manifests import digest_of, docker_manifest
from botocore.exceptions import ClientError
from freezegun import freeze_time

from ecr_mock import EcrError, EcrMock, mock_ecr

REGION = "us-east-1"
REPO = "shop/web"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"


def client() -> Any:
    return boto3.client("ecr", region_name=REGION)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def pulled(ecr: Any, tag: str) -> dict[str, Any]:
    image = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": tag}])["images"][0]
    manifest: dict[str, Any] = json.loads(image["imageManifest"])
    return manifest


# --- push_image ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_push_image_uploads_every_blob_the_manifest_names(strict: bool) -> None:
    with mock_ecr(strict=strict) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        digest = mock.push_image(REPO, tag="1.0", layers=2)
        manifest = pulled(ecr, "1.0")
        assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
        blobs = [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]
        checked = ecr.batch_check_layer_availability(repositoryName=REPO, layerDigests=blobs)
        assert [layer["layerAvailability"] for layer in checked["layers"]] == ["AVAILABLE"] * 3
        assert checked["failures"] == []
        detail = ecr.describe_images(repositoryName=REPO)["imageDetails"][0]
        assert detail["imageDigest"] == digest
        assert detail["imageSizeInBytes"] == sum(layer["size"] for layer in manifest["layers"])
        assert mock.leniencies == []


def test_push_image_layers_are_gzipped_tars_whose_diff_ids_the_config_names() -> None:
    """Clients unpack what they pull: docker refuses a layer labelled tar+gzip that is neither."""
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        mock.push_image(REPO, tag="1.0", layers=2)
        manifest = pulled(ecr, "1.0")
        layers = [layer_bytes(ecr, layer["digest"]) for layer in manifest["layers"]]
        config = json.loads(layer_bytes(ecr, manifest["config"]["digest"]))
        tars = [gzip.decompress(layer) for layer in layers]
        assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(tar).hexdigest() for tar in tars]
        assert [names_in(tar) for tar in tars] == [["ecr-mock/layer-0"], ["ecr-mock/layer-1"]]


def names_in(tar: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return archive.getnames()


def layer_bytes(ecr: Any, digest: str) -> bytes:
    import requests

    url = ecr.get_download_url_for_layer(repositoryName=REPO, layerDigest=digest)["downloadUrl"]
    return requests.get(url, timeout=10).content


def test_push_image_is_deterministic_from_its_seed() -> None:
    with mock_ecr() as mock:
        client().create_repository(repositoryName=REPO)
        first = mock.push_image(REPO, tag="a", seed=7)
        assert mock.push_image(REPO, tag="b", seed=7) == first
        assert mock.push_image(REPO, tag="c", seed=8) != first
    with mock_ecr() as again:
        client().create_repository(repositoryName=REPO)
        assert again.push_image(REPO, tag="a", seed=7) == first


@pytest.mark.parametrize(("media_type", "list_type"), [("oci", OCI_INDEX), ("docker", DOCKER_LIST)])
def test_push_image_with_platforms_tags_an_index_of_one_image_each(media_type: str, list_type: str) -> None:
    with mock_ecr(strict=True) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        digest = mock.push_image(REPO, tag="multi", platforms=["linux/amd64", "linux/arm64/v8"], media_type=media_type)
        index = pulled(ecr, "multi")
        assert index["mediaType"] == list_type
        assert [entry["platform"] for entry in index["manifests"]] == [
            {"architecture": "amd64", "os": "linux"},
            {"architecture": "arm64", "os": "linux", "variant": "v8"},
        ]
        details = {d["imageDigest"]: d for d in ecr.describe_images(repositoryName=REPO)["imageDetails"]}
        assert set(details) == {digest, *(entry["digest"] for entry in index["manifests"])}
        assert details[digest]["imageTags"] == ["multi"]
        again = mock.push_image(REPO, tag="again", platforms=["linux/amd64", "linux/arm64/v8"], media_type=media_type)
        assert again == digest  # the platform images are there already: strict mode's untagged re-push is avoided


def test_push_image_into_a_missing_repository_is_ecrs_error() -> None:
    with mock_ecr() as mock:
        with pytest.raises(EcrError) as exc:
            mock.push_image("nowhere", tag="1")
        assert (exc.value.code, exc.value.message) == (
            "RepositoryNotFoundException",
            "The repository with name 'nowhere' does not exist in the registry with id '012345678910'",
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"media_type": "zip"}, "unknown manifest format 'zip': use one of ['docker', 'oci']"),
        ({"platforms": ["linux"]}, "a platform is 'os/architecture' or 'os/architecture/variant', got 'linux'"),
        ({"layers": -1}, "layers must be 0 or more, got -1"),
    ],
)
def test_push_image_says_what_it_cannot_build(kwargs: dict[str, Any], message: str) -> None:
    with mock_ecr() as mock:
        client().create_repository(repositoryName=REPO)
        with pytest.raises(ValueError) as exc:
            mock.push_image(REPO, tag="x", **kwargs)
        assert str(exc.value) == message


# --- durations ------------------------------------------------------------------------------------------------


def test_durations_are_zero_by_default_and_settable_per_kind() -> None:
    assert mock_ecr().durations.scan == timedelta(0)
    mock = mock_ecr(durations={"scan": 30, "backfill": timedelta(minutes=2)})
    assert (mock.durations.scan, mock.durations.backfill) == (timedelta(seconds=30), timedelta(minutes=2))
    mock.set_durations(signing=5)
    assert (mock.durations.scan, mock.durations.signing) == (timedelta(seconds=30), timedelta(seconds=5))


@pytest.mark.parametrize(
    ("durations", "message"),
    [
        ({"scans": 1}, "unknown background-work kind(s) ['scans']: the kinds are "),
        ({"scan": -1}, "the scan duration must not be negative, got -1"),
    ],
)
def test_bad_durations_are_refused(durations: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError) as exc:
        EcrMock(durations=durations)
    assert str(exc.value).startswith(message)


def test_the_scan_waiter_polls_until_the_scan_duration_has_passed() -> None:
    with mock_ecr(durations={"scan": 0.3}) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        mock.push_image(REPO, tag="v1")
        polls: list[str] = []
        ecr.meta.events.register("before-call.ecr.DescribeImageScanFindings", lambda **_: polls.append("poll"))
        ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        ecr.get_waiter("image_scan_complete").wait(
            repositoryName=REPO, imageId={"imageTag": "v1"}, WaiterConfig={"Delay": 0.2, "MaxAttempts": 10}
        )
        assert len(polls) > 1


def test_a_backfill_given_a_duration_can_be_stopped_and_freezegun_moves_its_clock() -> None:
    with mock_ecr() as mock, freeze_time("2026-01-01T00:00:00Z") as clock:
        mock.set_durations(backfill=timedelta(minutes=10))
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        mock.push_image(REPO, tag="v1")
        destination = {"region": "eu-west-1", "registryId": mock.account_id}
        ecr.put_replication_configuration(replicationConfiguration={"rules": [{"destinations": [destination]}]})
        running = ecr.start_replication_backfill(destination=destination)["replicationBackfillId"]
        clock.tick(timedelta(minutes=9))
        assert ecr.stop_replication_backfill(replicationBackfillId=running)["status"] == "STOPPED"
        finished = ecr.start_replication_backfill(destination=destination)["replicationBackfillId"]
        clock.tick(timedelta(minutes=10))
        with pytest.raises(ClientError) as exc:
            ecr.stop_replication_backfill(replicationBackfillId=finished)
        assert error_of(exc)[0] == "ReplicationBackfillInvalidStatusException"


def test_a_backfill_without_a_duration_has_run_by_the_next_look() -> None:
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        destination = {"region": "eu-west-1", "registryId": mock.account_id}
        ecr.put_replication_configuration(replicationConfiguration={"rules": [{"destinations": [destination]}]})
        backfill = ecr.start_replication_backfill(destination=destination)["replicationBackfillId"]
        with pytest.raises(ClientError) as exc:
            ecr.stop_replication_backfill(replicationBackfillId=backfill)
        assert error_of(exc)[0] == "ReplicationBackfillInvalidStatusException"


def test_a_restore_from_archive_takes_the_restore_duration() -> None:
    with mock_ecr(durations={"restore": timedelta(hours=1)}) as mock, freeze_time("2026-01-01") as clock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        mock.push_image(REPO, tag="v1")
        image = {"imageTag": "v1"}
        ecr.update_image_storage_class(repositoryName=REPO, imageId=image, targetStorageClass="ARCHIVE")
        restoring = ecr.update_image_storage_class(repositoryName=REPO, imageId=image, targetStorageClass="STANDARD")
        assert restoring["imageStatus"] == "ACTIVATING"
        clock.tick(timedelta(minutes=59))
        status = ecr.describe_images(repositoryName=REPO, filter={"imageStatus": "ANY"})["imageDetails"][0]
        assert status["imageStatus"] == "ACTIVATING"
        clock.tick(timedelta(minutes=1))
        assert ecr.describe_images(repositoryName=REPO)["imageDetails"][0]["imageStatus"] == "ACTIVE"


# --- image tags -----------------------------------------------------------------------------------------------

CHARACTERS = "must satisfy regular expression '[a-zA-Z0-9-_.]+'"
FIRST = "must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9-_.]*'"


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    ("tag", "constraint"),
    [
        ("20230616+42", CHARACTERS),
        ("a b:c", CHARACTERS),
        ("caf\u00e9", CHARACTERS),
        ("v1/2", CHARACTERS),
        ("-rc1", FIRST),
        (".hidden", FIRST),
    ],
)
def test_put_image_refuses_tags_ecr_refuses(strict: bool, tag: str, constraint: str) -> None:
    with mock_ecr(strict=strict) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        with pytest.raises(ClientError) as exc:
            ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageTag=tag)
        assert error_of(exc) == (
            "InvalidParameterException",
            f"Invalid parameter at 'imageTag' failed to satisfy constraint: '{constraint}'",
        )
        assert ecr.list_images(repositoryName=REPO)["imageIds"] == []
        with pytest.raises(EcrError) as raised:  # the handle raises the mock's own errors, not ClientError
            mock.push_image(REPO, tag=tag)
        assert (raised.value.code, raised.value.message) == error_of(exc)


@pytest.mark.parametrize("tag", ["v1.0.0", "_build", "latest", "1.2-rc.3_x", "A" * 300])
def test_put_image_accepts_the_tags_ecr_accepts(tag: str) -> None:
    with mock_ecr():
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        image = ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageTag=tag)["image"]
        assert image["imageId"] == {"imageDigest": digest_of(docker_manifest(1)), "imageTag": tag}

"""The archive storage class through boto3: UpdateImageStorageClass to ARCHIVE and back to STANDARD (ACTIVATING,
then ACTIVE by the next call), what archived images look like to DescribeImages / ListImages / BatchGetImage /
BatchDeleteImage, and restoring by re-pushing (shared/ecr-behaviour.md 3.2, 4.15).

ImageStorageClassUpdateNotSupportedException's text is unconfirmed in the reference: the tests pin the mock's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import DOCKER_CONFIG, DOCKER_V2, digest_of, docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
REPO = "app/web"
PUSHED = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)
ARCHIVED_AT = datetime(2024, 5, 1, 10, 1, tzinfo=timezone.utc)
RESTORED_AT = datetime(2024, 5, 1, 10, 2, tzinfo=timezone.utc)

IMAGE = docker_manifest(1)
DIGEST = digest_of(IMAGE)
KEPT = docker_manifest(2)


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        client.put_image(repositoryName=REPO, imageManifest=KEPT, imageTag="keep")
        yield client


def error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    details = exc.value.response["Error"]
    return details["Code"], details["Message"]


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def move(ecr: Any, target: str, image_id: dict[str, str] | None = None, digest: str = DIGEST) -> dict[str, Any]:
    answer = ecr.update_image_storage_class(
        repositoryName=REPO, imageId=image_id or {"imageDigest": digest}, targetStorageClass=target
    )
    return body(answer)


def described(ecr: Any, status: str | None = None) -> dict[str, dict[str, Any]]:
    kwargs = {} if status is None else {"filter": {"imageStatus": status}}
    details = ecr.describe_images(repositoryName=REPO, **kwargs)["imageDetails"]
    return {detail["imageDigest"]: detail for detail in details}


def listed(ecr: Any, **image_filter: str) -> list[dict[str, str]]:
    kwargs = {"filter": image_filter} if image_filter else {}
    return list(ecr.list_images(repositoryName=REPO, **kwargs)["imageIds"])


# --- archive and restore -------------------------------------------------------------------------------------


def test_archive_then_restore_through_activating() -> None:
    with freeze_time(PUSHED) as clock, mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")

        clock.tick(60)
        assert move(ecr, "ARCHIVE", {"imageTag": "v1"}) == {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageId": {"imageDigest": DIGEST, "imageTag": "v1"},
            "imageStatus": "ARCHIVED",
        }
        archived = described(ecr, "ARCHIVED")[DIGEST]
        assert (archived["imageStatus"], archived["lastArchivedAt"]) == ("ARCHIVED", ARCHIVED_AT)
        assert "lastActivatedAt" not in archived

        clock.tick(60)
        assert move(ecr, "STANDARD") == {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageId": {"imageDigest": DIGEST},
            "imageStatus": "ACTIVATING",
        }
        clock.tick(60)
        restored = described(ecr)[DIGEST]  # the next call finds the restore complete
        assert restored["imageStatus"] == "ACTIVE"
        assert restored["lastArchivedAt"] == ARCHIVED_AT
        assert restored["lastActivatedAt"] == RESTORED_AT
        assert restored["imagePushedAt"].replace(tzinfo=timezone.utc) == PUSHED  # default mode: naive UTC
        assert restored["imageTags"] == ["v1"]


def test_archived_images_are_listed_only_when_the_filter_asks(ecr: Any) -> None:
    move(ecr, "ARCHIVE")
    kept = digest_of(KEPT)

    assert list(described(ecr)) == [kept]
    assert list(described(ecr, "ACTIVE")) == [kept]
    assert list(described(ecr, "ARCHIVED")) == [DIGEST]
    assert {digest: d["imageStatus"] for digest, d in described(ecr, "ANY").items()} == {
        DIGEST: "ARCHIVED",
        kept: "ACTIVE",
    }
    assert described(ecr, "ACTIVATING") == {}

    assert listed(ecr) == [{"imageDigest": kept, "imageTag": "keep"}]
    assert listed(ecr, imageStatus="ARCHIVED") == [{"imageDigest": DIGEST, "imageTag": "v1"}]
    assert listed(ecr, imageStatus="ANY") == [
        {"imageDigest": DIGEST, "imageTag": "v1"},
        {"imageDigest": kept, "imageTag": "keep"},
    ]
    assert listed(ecr, imageStatus="ARCHIVED", tagStatus="UNTAGGED") == []
    assert listed(ecr, imageStatus="ARCHIVED", tagStatus="TAGGED") == [{"imageDigest": DIGEST, "imageTag": "v1"}]


def test_archived_images_cannot_be_pulled(ecr: Any) -> None:
    move(ecr, "ARCHIVE")
    pulled = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}, {"imageDigest": DIGEST}])
    assert pulled["images"] == []
    assert pulled["failures"] == [
        {"imageId": {"imageTag": "v1"}, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"},
        {
            "imageId": {"imageDigest": DIGEST},
            "failureCode": "ImageNotFound",
            "failureReason": "Requested image not found",
        },
    ]
    move(ecr, "STANDARD")
    pulled = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
    assert [image["imageManifest"] for image in pulled["images"]] == [IMAGE]
    assert pulled["failures"] == []


def test_archived_images_can_be_deleted(ecr: Any) -> None:
    move(ecr, "ARCHIVE")
    deleted = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
    assert body(deleted) == {"imageIds": [{"imageDigest": DIGEST, "imageTag": "v1"}], "failures": []}
    assert described(ecr, "ANY").keys() == {digest_of(KEPT)}


# --- refused transitions ------------------------------------------------------------------------------------


def test_an_image_already_in_the_target_class_is_refused(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        move(ecr, "STANDARD")
    assert error(exc) == (
        "ImageStorageClassUpdateNotSupportedException",
        f"The image with digest '{DIGEST}' is already in the STANDARD storage class",
    )
    move(ecr, "ARCHIVE")
    with pytest.raises(ClientError) as exc:
        move(ecr, "ARCHIVE", {"imageTag": "v1"})
    assert error(exc) == (
        "ImageStorageClassUpdateNotSupportedException",
        f"The image with digest '{DIGEST}' is already in the ARCHIVE storage class",
    )
    assert described(ecr, "ARCHIVED")[DIGEST]["imageStatus"] == "ARCHIVED"  # nothing changed


@pytest.mark.parametrize(
    ("image_id", "shown"),
    [
        ({"imageTag": "nope"}, "{imageDigest:'null', imageTag:'nope'}"),
        ({"imageDigest": "sha256:" + "9" * 64}, "{imageDigest:'sha256:" + "9" * 64 + "', imageTag:'null'}"),
        ({"imageDigest": DIGEST, "imageTag": "keep"}, "{imageDigest:'" + DIGEST + "', imageTag:'keep'}"),
    ],
    ids=["unknown-tag", "unknown-digest", "tag-on-another-image"],
)
def test_an_unknown_image_is_not_found(ecr: Any, image_id: dict[str, str], shown: str) -> None:
    with pytest.raises(ClientError) as exc:
        move(ecr, "ARCHIVE", image_id)
    assert error(exc) == (
        "ImageNotFoundException",
        f"The image with imageId {shown} does not exist within the repository with name '{REPO}' "
        f"in the registry with id '{ACCOUNT}'",
    )


def test_bad_requests(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        move(ecr, "GLACIER")
    assert error(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'targetStorageClass' failed to satisfy constraint: "
        "'Member must satisfy enum value set: [STANDARD, ARCHIVE]'",
    )
    with pytest.raises(ClientError) as exc:
        move(ecr, "ARCHIVE", {"imageDigest": "sha256:xyz"})
    assert error(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'imageDigest' failed to satisfy constraint: "
        "'must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+''",
    )
    with pytest.raises(ClientError) as exc:
        ecr.update_image_storage_class(
            repositoryName="missing", imageId={"imageDigest": DIGEST}, targetStorageClass="ARCHIVE"
        )
    assert error(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )


# --- restoring by pushing again ------------------------------------------------------------------------------


CONFIG = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
CONFIG_ONLY = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(CONFIG), "digest": sha256_of(CONFIG)},
        "layers": [],
    }
)


def _upload(ecr: Any, data: bytes) -> None:
    upload_id = ecr.initiate_layer_upload(repositoryName=REPO)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=REPO, uploadId=upload_id, partFirstByte=0, partLastByte=len(data) - 1, layerPartBlob=data
    )
    ecr.complete_layer_upload(repositoryName=REPO, uploadId=upload_id, layerDigests=[sha256_of(data)])


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
@pytest.mark.parametrize("tag", [None, "v1", "v2"], ids=["untagged", "same-tag", "new-tag"])
def test_pushing_an_archived_manifest_again_restores_it(strict: bool, tag: str | None) -> None:
    """Strict mode refuses an untagged re-push of an existing image, but not of an archived one: that restores."""
    with freeze_time(PUSHED) as clock, mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        _upload(ecr, CONFIG)  # all strict mode needs for an image without layers
        ecr.put_image(repositoryName=REPO, imageManifest=CONFIG_ONLY, imageTag="v1")
        clock.tick(60)
        move(ecr, "ARCHIVE", {"imageTag": "v1"}, digest=digest_of(CONFIG_ONLY))
        clock.tick(60)

        pushed = ecr.put_image(repositoryName=REPO, imageManifest=CONFIG_ONLY, **({"imageTag": tag} if tag else {}))
        expected_id = {"imageDigest": digest_of(CONFIG_ONLY)} | ({"imageTag": tag} if tag else {})
        assert pushed["image"]["imageId"] == expected_id
        detail = described(ecr)[digest_of(CONFIG_ONLY)]
        assert detail["imageStatus"] == "ACTIVE"
        assert detail["lastArchivedAt"] == ARCHIVED_AT
        assert detail["lastActivatedAt"] == RESTORED_AT
        assert detail["imageTags"] == (["v1", "v2"] if tag == "v2" else ["v1"])
        assert detail["imagePushedAt"].replace(tzinfo=timezone.utc) == PUSHED  # first push time is kept


def test_pushing_an_active_manifest_again_does_not_touch_its_archive_dates(ecr: Any) -> None:
    ecr.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v2")
    detail = described(ecr)[DIGEST]
    assert detail["imageStatus"] == "ACTIVE"
    assert "lastActivatedAt" not in detail
    assert "lastArchivedAt" not in detail

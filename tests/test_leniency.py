"""The default mode is the moto-compatible mode: what tests written for moto rely on is accepted, recorded on the
handle and logged; strict mode refuses it as ECR does. Recording never raises a warning."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import boto3
import pytest
from _manifests import digest_of, docker_manifest
from botocore.exceptions import ClientError

from ecr_mock import mock_ecr
from ecr_mock._backend.leniency import IMAGE_DIGEST_MISMATCH, REGISTRY_FALLBACK, TALLY, Leniency

REGION = "us-east-1"
ACCOUNT = "012345678910"
OTHER = "111122223333"
REPO = "app"
MADE_UP = "sha256:" + "ab" * 32  # what a moto-era helper passes as imageDigest


def client() -> Any:
    return boto3.client("ecr", region_name=REGION)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def mismatch(given: str, manifest: str) -> str:
    return f"Provided digest '{given}' does not match the calculated digest '{digest_of(manifest)}'"


# --- PutImage with a made-up imageDigest ------------------------------------------------------------------------


def test_default_mode_stores_the_image_under_the_given_digest_and_records_it() -> None:
    manifest = docker_manifest(1)
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        image = ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1", imageDigest=MADE_UP)
        assert image["image"]["imageId"] == {"imageDigest": MADE_UP, "imageTag": "v1"}
        found = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageDigest": MADE_UP}])
        assert [i["imageManifest"] for i in found["images"]] == [manifest]
        detail = ecr.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": MADE_UP}])["imageDetails"][0]
        assert (detail["imageDigest"], detail["imageTags"]) == (MADE_UP, ["v1"])
        deleted = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": MADE_UP}])
        assert deleted["imageIds"] == [{"imageDigest": MADE_UP, "imageTag": "v1"}]
    assert mock.leniencies == [
        Leniency(
            IMAGE_DIGEST_MISMATCH,
            "PutImage",
            f"imageDigest '{MADE_UP}' for a manifest whose SHA-256 is '{digest_of(manifest)}'",
            f"ImageDigestDoesNotMatchException: {mismatch(MADE_UP, manifest)}",
        )
    ]


def test_strict_mode_refuses_a_made_up_digest_and_records_nothing() -> None:
    manifest = docker_manifest(1)
    with mock_ecr(strict=True) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        with pytest.raises(ClientError) as exc:
            ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1", imageDigest=MADE_UP)
        assert error_of(exc) == ("ImageDigestDoesNotMatchException", mismatch(MADE_UP, manifest))
    assert mock.leniencies == []


def test_a_given_digest_that_is_no_digest_is_refused_in_default_mode_too() -> None:
    manifest = docker_manifest(1)
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        with pytest.raises(ClientError) as exc:
            ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageDigest="not-a-digest")
        assert error_of(exc) == ("ImageDigestDoesNotMatchException", mismatch("not-a-digest", manifest))
        assert mock.leniencies == []


def test_calls_that_rely_on_no_leniency_record_nothing() -> None:
    manifest = docker_manifest(1)
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1", imageDigest=digest_of(manifest))
        ecr.describe_images(repositoryName=REPO, registryId=ACCOUNT)
    assert mock.leniencies == []


# --- registryId naming a registry that lacks the repository -----------------------------------------------------

CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("BatchGetImage", "batch_get_image", {"imageIds": [{"imageTag": "v1"}]}),
    ("BatchDeleteImage", "batch_delete_image", {"imageIds": [{"imageTag": "v1"}]}),
    ("PutImage", "put_image", {"imageManifest": docker_manifest(2), "imageTag": "v2"}),
    ("DescribeImages", "describe_images", {}),
    ("GetRepositoryPolicy", "get_repository_policy", {}),
    ("PutImageTagMutability", "put_image_tag_mutability", {"imageTagMutability": "MUTABLE"}),
    ("BatchCheckLayerAvailability", "batch_check_layer_availability", {"layerDigests": [MADE_UP]}),
    ("InitiateLayerUpload", "initiate_layer_upload", {}),
    ("StartImageScan", "start_image_scan", {"imageId": {"imageTag": "v1"}}),
    ("DescribeImageSigningStatus", "describe_image_signing_status", {"imageId": {"imageTag": "v1"}}),
    ("DeleteRepository", "delete_repository", {"force": True}),
]


@pytest.mark.parametrize(("operation", "method", "kwargs"), CALLS, ids=[call[0] for call in CALLS])
def test_default_mode_answers_from_the_callers_repository(operation: str, method: str, kwargs: dict[str, Any]) -> None:
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageTag="v1")
        try:
            getattr(ecr, method)(repositoryName=REPO, registryId=OTHER, **kwargs)
        except ClientError as error:  # answered from the caller's repository, e.g. "no policy"
            assert error.response["Error"]["Code"] != "RepositoryNotFoundException"
    assert [(entry.kind, entry.operation) for entry in mock.leniencies] == [(REGISTRY_FALLBACK, operation)]
    assert (
        mock.leniencies[0].asked
        == f"repository '{REPO}' in registry '{OTHER}', found only in the caller's ('{ACCOUNT}')"
    )
    assert mock.leniencies[0].real_ecr == (
        "RepositoryNotFoundException: "
        f"The repository with name '{REPO}' does not exist in the registry with id '{OTHER}'"
    )


@pytest.mark.parametrize(("operation", "method", "kwargs"), CALLS, ids=[call[0] for call in CALLS])
def test_strict_mode_looks_only_in_the_named_registry(operation: str, method: str, kwargs: dict[str, Any]) -> None:
    with mock_ecr(strict=True) as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        with pytest.raises(ClientError) as exc:
            getattr(ecr, method)(repositoryName=REPO, registryId=OTHER, **kwargs)
        assert error_of(exc) == (
            "RepositoryNotFoundException",
            f"The repository with name '{REPO}' does not exist in the registry with id '{OTHER}'",
        )
    assert mock.leniencies == []


def test_a_repository_missing_everywhere_is_not_found_in_the_named_registry() -> None:
    with mock_ecr() as mock:
        with pytest.raises(ClientError) as exc:
            client().batch_get_image(repositoryName="nowhere", registryId=OTHER, imageIds=[{"imageTag": "v1"}])
        assert error_of(exc) == (
            "RepositoryNotFoundException",
            f"The repository with name 'nowhere' does not exist in the registry with id '{OTHER}'",
        )
    assert mock.leniencies == []


def test_a_registry_that_has_the_repository_answers_for_itself() -> None:
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO, registryId=OTHER)
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, registryId=OTHER, imageManifest=docker_manifest(1), imageTag="v1")
        assert mock.backend(REGION, OTHER).repositories.get(REPO) is not None
        assert len(ecr.list_images(repositoryName=REPO, registryId=OTHER)["imageIds"]) == 1
        assert ecr.list_images(repositoryName=REPO)["imageIds"] == []
    assert mock.leniencies == []


# --- where the records go ----------------------------------------------------------------------------------------


def test_leniencies_are_logged_on_the_ecr_mock_logger(caplog: pytest.LogCaptureFixture) -> None:
    with mock_ecr(), caplog.at_level(logging.INFO, logger="ecr_mock"):
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageDigest=MADE_UP)
    [record] = [r for r in caplog.records if r.name == "ecr_mock"]
    assert record.getMessage().startswith(f"default-mode leniency ({IMAGE_DIGEST_MISMATCH}) PutImage: imageDigest")


def test_a_leniency_never_raises_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as a project running with -W error
        with mock_ecr() as mock:
            ecr = client()
            ecr.create_repository(repositoryName=REPO)
            ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageDigest=MADE_UP)
    assert len(mock.leniencies) == 1


def test_records_reset_with_the_mock_and_with_reset() -> None:
    with mock_ecr() as mock:
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageDigest=MADE_UP)
        assert len(mock.leniencies) == 1
        mock.reset()
        assert mock.leniencies == []
    with mock_ecr() as again:
        assert again.leniencies == []
    with mock.__class__() as other:
        assert other.leniencies == []


def test_the_process_tally_counts_every_use_with_the_first_as_example() -> None:
    before = TALLY[IMAGE_DIGEST_MISMATCH].count if IMAGE_DIGEST_MISMATCH in TALLY else 0
    with mock_ecr():
        ecr = client()
        ecr.create_repository(repositoryName=REPO)
        ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageDigest=MADE_UP)
        ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(2), imageDigest="sha256:" + "cd" * 32)
    tally = TALLY[IMAGE_DIGEST_MISMATCH]
    assert tally.count == before + 2
    assert tally.example.kind == IMAGE_DIGEST_MISMATCH

"""PutImage, ListImages, DescribeImages, BatchGetImage and BatchDeleteImage through boto3, end to end.

Expected behaviour and texts: shared/ecr-behaviour.md sections 1.5, 2.1-2.4, 3.2 and 4.1-4.5. Where the reference
marks a wording "unconfirmed" the test pins the wording the mock chose (and says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import (
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_V2,
    HELM_CONFIG,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    Built,
    blob_digest,
    digest_of,
    docker_image,
    docker_manifest,
    helm_chart,
    manifest_list,
    oci_index,
    oci_manifest,
    sha256_of,
)
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
OTHER_ACCOUNT = "111122223333"
REGION = "us-east-1"
REPO = "app"
SEED_SIZE = 52428800

DIGEST_REGEX = "[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+"
INVALID_JSON = (
    "InvalidParameterException",
    "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
)
REGISTRY_ID_MESSAGE = (
    "Invalid parameter at 'registryId' failed to satisfy constraint: "
    "'Member must satisfy regular expression pattern: [0-9]{12}'"
)
NOT_FOUND_REASON = "Requested image not found"
INVALID_DIGEST_REASON = f"Invalid request parameters: image digest should satisfy the regex '{DIGEST_REGEX}'"
MISSING_BOTH_REASON = "Invalid request parameters: both tag and digest cannot be null"
UNKNOWN_DIGEST = blob_digest("never-pushed")

FROZEN = "2024-05-06 07:08:09"
FROZEN_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
FROZEN_NAIVE = datetime(2024, 5, 6, 7, 8, 9)


# --- fixtures and helpers ------------------------------------------------------------------------------------


def _client_with_repository(**config: Any) -> Any:
    client: Any = boto3.client("ecr", region_name=REGION, **config)
    client.create_repository(repositoryName=REPO)
    return client


@pytest.fixture
def ecr() -> Iterator[Any]:
    """A default-mode client and an empty MUTABLE repository named ``app``."""
    with mock_ecr():
        yield _client_with_repository()


@pytest.fixture
def ecr_strict() -> Iterator[Any]:
    with mock_ecr(strict=True):
        yield _client_with_repository()


@pytest.fixture
def ecr_unvalidated() -> Iterator[Any]:
    with mock_ecr():
        yield _client_with_repository(config=Config(parameter_validation=False))


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def invalid(member: str, constraint: str) -> tuple[str, str]:
    return (
        "InvalidParameterException",
        f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'",
    )


def rnf(name: str, registry_id: str = ACCOUNT) -> tuple[str, str]:
    return (
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'",
    )


def image_not_found(digest: str | None, tag: str | None, name: str = REPO) -> tuple[str, str]:
    shown_digest = "null" if digest is None else digest
    shown_tag = "null" if tag is None else tag
    return (
        "ImageNotFoundException",
        f"The image with imageId {{imageDigest:'{shown_digest}', imageTag:'{shown_tag}'}} does not exist within "
        f"the repository with name '{name}' in the registry with id '{ACCOUNT}'",
    )


def already_exists(digest: str, tag: str | None, name: str = REPO) -> tuple[str, str]:
    return (
        "ImageAlreadyExistsException",
        f"Image with digest '{digest}' and tag '{'null' if tag is None else tag}' already exists in the repository "
        f"with name '{name}' in registry with id '{ACCOUNT}'",
    )


def tag_already_exists(tag: str, name: str = REPO) -> tuple[str, str]:
    return (
        "ImageTagAlreadyExistsException",
        f"The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten because the "
        "repository is immutable.",
    )


def push(client: Any, manifest: str, tag: str | None = None, repository: str = REPO, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"repositoryName": repository, "imageManifest": manifest, **kwargs}
    if tag is not None:
        params["imageTag"] = tag
    image: dict[str, Any] = client.put_image(**params)["image"]
    return image


def upload_blobs(client: Any, blobs: tuple[bytes, ...], repository: str = REPO) -> None:
    """Upload each blob through the layer API (one part each); a blob the repository already has is skipped."""
    for data in blobs:
        upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
        client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=len(data) - 1,
            layerPartBlob=data,
        )
        try:
            client.complete_layer_upload(repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_of(data)])
        except ClientError as error:
            if error.response["Error"]["Code"] != "LayerAlreadyExistsException":
                raise


def push_built(
    client: Any, built: Built, tag: str | None = None, repository: str = REPO, **kwargs: Any
) -> dict[str, Any]:
    """Push as a real client does: the blobs first (strict mode requires them), then the manifest."""
    upload_blobs(client, built.blobs, repository)
    return push(client, built.manifest, tag, repository, **kwargs)


def details(client: Any, repository: str = REPO, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """Every image detail of the repository (all pages), by digest."""
    pages = client.get_paginator("describe_images").paginate(repositoryName=repository, **kwargs)
    return {d["imageDigest"]: d for page in pages for d in page["imageDetails"]}


def tags_by_digest(client: Any, repository: str = REPO) -> dict[str, list[str]]:
    return {digest: detail.get("imageTags", []) for digest, detail in details(client, repository).items()}


def pairs(image_ids: list[dict[str, str]]) -> list[tuple[str, str | None]]:
    return [(i["imageDigest"], i.get("imageTag")) for i in image_ids]


def listed(client: Any, repository: str = REPO, **kwargs: Any) -> list[tuple[str, str | None]]:
    pages = client.get_paginator("list_images").paginate(repositoryName=repository, **kwargs)
    return [pair for page in pages for pair in pairs(page["imageIds"])]


def collect_pages(call: Callable[..., dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
    """Every page of a listing, following nextToken by hand."""
    pages: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        arguments = dict(kwargs)
        if token is not None:
            arguments["nextToken"] = token
        page = call(**arguments)
        pages.append(page)
        token = page.get("nextToken")
        if token is None:
            return pages
        assert len(pages) < 500, "pagination does not terminate"


def make_repository(client: Any, mutability: str, filters: list[str] | None = None, name: str = "locked") -> str:
    kwargs: dict[str, Any] = {"repositoryName": name, "imageTagMutability": mutability}
    if filters is not None:
        kwargs["imageTagMutabilityExclusionFilters"] = [{"filterType": "WILDCARD", "filter": f} for f in filters]
    client.create_repository(**kwargs)
    return name


# --- PutImage: basics ---------------------------------------------------------------------------------------


def test_put_image_response_with_tag(ecr: Any) -> None:
    manifest = docker_manifest(1)
    response = ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="v1")
    assert response["image"] == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageId": {"imageDigest": digest_of(manifest), "imageTag": "v1"},
        "imageManifest": manifest,
        "imageManifestMediaType": DOCKER_V2,
    }
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_put_image_response_without_tag(ecr: Any) -> None:
    manifest = docker_manifest(1)
    image = push(ecr, manifest)
    assert image["imageId"] == {"imageDigest": digest_of(manifest)}
    assert image["imageManifest"] == manifest


@pytest.mark.parametrize(
    "manifest",
    [
        docker_manifest(1),
        docker_manifest(1, indent=None),
        docker_manifest(1, indent=8) + "\n",
        oci_manifest(2),
        oci_manifest(3, annotations={"org.opencontainers.image.title": "ünïcødé ☃ 日本"}),
        '{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","schemaVersion":2,"x":"\\u00e9"}',
        '  {"mediaType": "application/vnd.oci.image.manifest.v1+json"}  ',
    ],
)
def test_put_image_digest_is_sha256_of_exact_bytes(ecr: Any, manifest: str) -> None:
    image = push(ecr, manifest, "t")
    assert image["imageId"]["imageDigest"] == digest_of(manifest)
    got = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "t"}])["images"][0]
    assert got["imageManifest"] == manifest  # byte-identical, never re-serialised
    assert got["imageId"]["imageDigest"] == digest_of(manifest)
    assert list(details(ecr)) == [digest_of(manifest)]


def test_whitespace_change_is_a_new_image(ecr: Any) -> None:
    compact = docker_manifest(1, indent=None)
    pretty = docker_manifest(1, indent=4)
    assert json.loads(compact) == json.loads(pretty)
    first = push(ecr, compact, "compact")["imageId"]["imageDigest"]
    second = push(ecr, pretty, "pretty")["imageId"]["imageDigest"]
    assert first != second
    assert tags_by_digest(ecr) == {first: ["compact"], second: ["pretty"]}


def test_same_bytes_twice_is_the_same_image(ecr: Any) -> None:
    manifest = docker_manifest(1)
    first = push(ecr, manifest, "a")
    second = push(ecr, manifest, "b")
    assert first["imageId"]["imageDigest"] == second["imageId"]["imageDigest"]
    assert tags_by_digest(ecr) == {digest_of(manifest): ["a", "b"]}


def test_put_image_with_matching_digest(ecr: Any) -> None:
    manifest = docker_manifest(1)
    image = push(ecr, manifest, "v1", imageDigest=digest_of(manifest))
    assert image["imageId"] == {"imageDigest": digest_of(manifest), "imageTag": "v1"}


@pytest.mark.parametrize("given", [UNKNOWN_DIGEST, "sha256:" + "0" * 64, "sha256:abc", "not-a-digest"])
def test_put_image_digest_does_not_match(ecr_strict: Any, given: str) -> None:
    # default mode stores the image under a well-formed given digest (moto's leniency): tests/test_leniency.py
    ecr = ecr_strict
    manifest = docker_manifest(1)
    with pytest.raises(ClientError) as exc:
        push(ecr, manifest, "v1", imageDigest=given)
    # unconfirmed wording (reference 2.4 suggestion), the mock's
    assert error_of(exc) == (
        "ImageDigestDoesNotMatchException",
        f"Provided digest '{given}' does not match the calculated digest '{digest_of(manifest)}'",
    )
    assert details(ecr) == {}


@pytest.mark.parametrize(
    "manifest",
    [
        "not json",
        "{",
        '{"mediaType": "application/vnd.docker.distribution.manifest.v2+json",}',
        "[]",
        '["application/vnd.docker.distribution.manifest.v2+json"]',
        '"application/vnd.docker.distribution.manifest.v2+json"',
        "123",
        "null",
        "{}",
        '{"schemaVersion": 2}',
        '{"schemaVersion": 2, "mediaType": ""}',
        '{"schemaVersion": 2, "mediaType": 5}',
        '{"schemaVersion": 2, "mediaType": null}',
        docker_manifest(1, with_media_type=False),
        helm_chart(1),
    ],
)
def test_put_image_invalid_json_syntax(ecr: Any, manifest: str) -> None:
    with pytest.raises(ClientError) as exc:
        push(ecr, manifest, "v1")
    assert error_of(exc) == INVALID_JSON
    assert details(ecr) == {}


@pytest.mark.parametrize("media_type", [OCI_MANIFEST, DOCKER_V2])
def test_put_image_media_type_parameter_used_when_manifest_has_none(ecr: Any, media_type: str) -> None:
    manifest = helm_chart(1)
    image = push(ecr, manifest, "0.1.0", imageManifestMediaType=media_type)
    assert image == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageId": {"imageDigest": digest_of(manifest), "imageTag": "0.1.0"},
        "imageManifest": manifest,
        "imageManifestMediaType": media_type,
    }
    detail = details(ecr)[digest_of(manifest)]
    assert detail["imageManifestMediaType"] == media_type
    assert detail["artifactMediaType"] == HELM_CONFIG
    got = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "0.1.0"}])["images"][0]
    assert got["imageManifestMediaType"] == media_type


def test_put_image_media_type_parameter_agreeing_with_manifest(ecr: Any) -> None:
    manifest = oci_manifest(1)
    image = push(ecr, manifest, "v1", imageManifestMediaType=OCI_MANIFEST)
    assert image["imageManifestMediaType"] == OCI_MANIFEST


def test_put_image_media_type_parameter_disagreeing_with_manifest(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        push(ecr, oci_manifest(1), "v1", imageManifestMediaType=DOCKER_V2)
    # both present and different: unconfirmed in the reference; the mock's wording
    assert error_of(exc) == invalid(
        "imageManifestMediaType",
        f"Media type '{DOCKER_V2}' does not match the manifest's media type '{OCI_MANIFEST}'",
    )
    assert details(ecr) == {}


def test_put_image_missing_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        push(ecr, docker_manifest(1), "v1", repository="missing")
    assert error_of(exc) == rnf("missing")


def test_put_image_into_another_registry_reaches_its_empty_registry(ecr_strict: Any) -> None:
    # default mode falls back to the caller's repository (moto's leniency): tests/test_leniency.py
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, docker_manifest(1), "v1", registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf(REPO, OTHER_ACCOUNT)
    assert details(ecr_strict) == {}


def test_put_image_tag_length_limit(ecr: Any) -> None:
    push(ecr, docker_manifest(1), "t" * 300)
    with pytest.raises(ClientError) as exc:
        push(ecr, docker_manifest(2), "t" * 301)
    assert error_of(exc) == invalid("imageTag", "Member must have length less than or equal to 300")


@pytest.mark.parametrize(
    ("kwargs", "member"),
    [({"imageTag": ""}, "imageTag"), ({"imageManifest": ""}, "imageManifest")],
)
def test_put_image_empty_members_without_client_validation(
    ecr_unvalidated: Any, kwargs: dict[str, Any], member: str
) -> None:
    params: dict[str, Any] = {"repositoryName": REPO, "imageManifest": docker_manifest(1), **kwargs}
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.put_image(**params)
    assert error_of(exc) == invalid(member, "Member must have length greater than or equal to 1")


def test_put_image_in_nested_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="team/svc")
    image = push(ecr, docker_manifest(1), "v1", repository="team/svc")
    assert image["repositoryName"] == "team/svc"
    assert listed(ecr, "team/svc") == [(digest_of(docker_manifest(1)), "v1")]
    assert listed(ecr) == []


# --- PutImage: the outcome table (reference 4.3), MUTABLE repository --------------------------------------


def test_new_digest_without_tag_creates_untagged_image(ecr: Any) -> None:
    manifest = docker_manifest(1)
    push(ecr, manifest)
    detail = details(ecr)[digest_of(manifest)]
    assert "imageTags" not in detail
    assert listed(ecr) == [(digest_of(manifest), None)]


def test_new_digest_with_unused_tag(ecr: Any) -> None:
    manifest = docker_manifest(1)
    image = push(ecr, manifest, "v1")
    assert image["imageId"] == {"imageDigest": digest_of(manifest), "imageTag": "v1"}
    assert tags_by_digest(ecr) == {digest_of(manifest): ["v1"]}


def test_moving_last_tag_leaves_old_image_untagged(ecr: Any) -> None:
    old, new = docker_manifest(1), docker_manifest(2)
    push(ecr, old, "latest")
    image = push(ecr, new, "latest")
    assert image["imageId"] == {"imageDigest": digest_of(new), "imageTag": "latest"}
    assert tags_by_digest(ecr) == {digest_of(old): [], digest_of(new): ["latest"]}
    assert "imageTags" not in details(ecr)[digest_of(old)]
    assert sorted(listed(ecr), key=str) == sorted([(digest_of(old), None), (digest_of(new), "latest")], key=str)
    assert listed(ecr, filter={"tagStatus": "UNTAGGED"}) == [(digest_of(old), None)]
    # the old image is still there: it can be fetched by digest
    got = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(old)}])
    assert got["images"][0]["imageManifest"] == old


def test_moving_one_of_several_tags_keeps_the_others(ecr: Any) -> None:
    old, new = docker_manifest(1), docker_manifest(2)
    push(ecr, old, "v1")
    push(ecr, old, "latest")
    push(ecr, new, "latest")
    assert tags_by_digest(ecr) == {digest_of(old): ["v1"], digest_of(new): ["latest"]}


def test_existing_digest_with_unused_tag_adds_the_tag(ecr: Any) -> None:
    manifest = docker_manifest(1)
    with freeze_time(FROZEN) as clock:
        push(ecr, manifest, "v1")
        clock.tick(3600)
        image = push(ecr, manifest, "v2")
        clock.tick(3600)
        push(ecr, manifest, "v3")
    assert image["imageId"] == {"imageDigest": digest_of(manifest), "imageTag": "v2"}
    detail = details(ecr)[digest_of(manifest)]
    assert detail["imageTags"] == ["v1", "v2", "v3"]
    assert detail["imagePushedAt"] == FROZEN_NAIVE  # a re-tag is not a new push
    assert listed(ecr) == [(digest_of(manifest), "v1"), (digest_of(manifest), "v2"), (digest_of(manifest), "v3")]


def test_existing_digest_takes_tag_from_another_image(ecr: Any) -> None:
    first, second = docker_manifest(1), docker_manifest(2)
    push(ecr, first, "x")
    push(ecr, second, "y")
    image = push(ecr, second, "x")
    assert image["imageId"] == {"imageDigest": digest_of(second), "imageTag": "x"}
    assert tags_by_digest(ecr) == {digest_of(first): [], digest_of(second): ["y", "x"]}


def test_existing_digest_already_carrying_the_tag(ecr: Any) -> None:
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1")
    push(ecr, manifest, "v2")
    with pytest.raises(ClientError) as exc:
        push(ecr, manifest, "v1")
    assert error_of(exc) == already_exists(digest_of(manifest), "v1")
    assert tags_by_digest(ecr) == {digest_of(manifest): ["v1", "v2"]}


@pytest.mark.parametrize("tagged", [True, False])
def test_default_mode_allows_untagged_repush_of_existing_digest(ecr: Any, tagged: bool) -> None:
    # seed compatibility (the 2019 tests re-push without a tag and expect success)
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1" if tagged else None)
    image = push(ecr, manifest)
    assert image["imageId"] == {"imageDigest": digest_of(manifest)}
    assert tags_by_digest(ecr) == {digest_of(manifest): ["v1"] if tagged else []}


@pytest.mark.parametrize("tagged", [True, False])
def test_strict_mode_refuses_untagged_repush_of_existing_digest(ecr_strict: Any, tagged: bool) -> None:
    built = docker_image(1)
    push_built(ecr_strict, built, "v1" if tagged else None)
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, built.manifest)
    assert error_of(exc) == already_exists(built.digest, None)


def test_strict_mode_existing_digest_already_carrying_the_tag(ecr_strict: Any) -> None:
    built = docker_image(1)
    push_built(ecr_strict, built, "v1")
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, built.manifest, "v1")
    assert error_of(exc) == already_exists(built.digest, "v1")


def test_strict_mode_tag_and_untagged_push_after_uploading_blobs(ecr_strict: Any) -> None:
    first, second = docker_image(1), docker_image(2)
    assert push_built(ecr_strict, first, "v1")["imageId"] == {"imageDigest": first.digest, "imageTag": "v1"}
    assert push_built(ecr_strict, second)["imageId"] == {"imageDigest": second.digest}
    push(ecr_strict, second.manifest, "v1")  # the tag moves; the first image stays, untagged
    assert tags_by_digest(ecr_strict) == {first.digest: [], second.digest: ["v1"]}


def test_strict_mode_requires_the_blobs(ecr_strict: Any) -> None:
    built = docker_image(1, layer_sizes=(10, 20))
    config, *layers = (sha256_of(blob) for blob in built.blobs)
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, built.manifest, "v1")
    assert error_of(exc) == (
        "LayersNotFoundException",
        f"Layers with digests '[{config}, {layers[0]}, {layers[1]}]' required for pushing image into repository "
        f"with name '{REPO}' in the registry with id '{ACCOUNT}' do not exist",
    )
    upload_blobs(ecr_strict, built.blobs[:2])  # config and the first layer
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, built.manifest, "v1")
    assert error_of(exc) == (
        "LayersNotFoundException",
        f"Layers with digests '[{layers[1]}]' required for pushing image into repository "
        f"with name '{REPO}' in the registry with id '{ACCOUNT}' do not exist",
    )
    assert details(ecr_strict) == {}
    push_built(ecr_strict, built, "v1")
    assert tags_by_digest(ecr_strict) == {built.digest: ["v1"]}


def test_strict_mode_blobs_are_per_repository(ecr_strict: Any) -> None:
    ecr_strict.create_repository(repositoryName="other")
    built = docker_image(1, layer_sizes=(10,))
    upload_blobs(ecr_strict, built.blobs, "other")
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, built.manifest, "v1")
    assert error_of(exc)[0] == "LayersNotFoundException"
    push(ecr_strict, built.manifest, "v1", repository="other")


# --- PutImage: IMMUTABLE repository -------------------------------------------------------------------------


def test_immutable_new_digest_with_unused_tag(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    push(ecr, docker_manifest(1), "v1", repository=repo)
    push(ecr, docker_manifest(2), "v2", repository=repo)
    assert tags_by_digest(ecr, repo) == {digest_of(docker_manifest(1)): ["v1"], digest_of(docker_manifest(2)): ["v2"]}


def test_immutable_new_digest_with_used_tag_is_refused(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    push(ecr, docker_manifest(1), "v1", repository=repo)
    with pytest.raises(ClientError) as exc:
        push(ecr, docker_manifest(2), "v1", repository=repo)
    assert error_of(exc) == tag_already_exists("v1", repo)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # the refused push stored nothing
    assert tags_by_digest(ecr, repo) == {digest_of(docker_manifest(1)): ["v1"]}


def test_immutable_existing_digest_with_unused_tag_adds_it(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1", repository=repo)
    image = push(ecr, manifest, "stable", repository=repo)
    assert image["imageId"] == {"imageDigest": digest_of(manifest), "imageTag": "stable"}
    assert tags_by_digest(ecr, repo) == {digest_of(manifest): ["v1", "stable"]}


def test_immutable_existing_digest_with_tag_of_another_image_is_refused(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    push(ecr, docker_manifest(1), "x", repository=repo)
    push(ecr, docker_manifest(2), "y", repository=repo)
    with pytest.raises(ClientError) as exc:
        push(ecr, docker_manifest(2), "x", repository=repo)
    assert error_of(exc) == tag_already_exists("x", repo)
    assert tags_by_digest(ecr, repo) == {digest_of(docker_manifest(1)): ["x"], digest_of(docker_manifest(2)): ["y"]}


def test_immutable_existing_digest_with_its_own_tag(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1", repository=repo)
    with pytest.raises(ClientError) as exc:
        push(ecr, manifest, "v1", repository=repo)
    assert error_of(exc) == already_exists(digest_of(manifest), "v1", repo)


def test_immutable_tag_can_be_deleted_then_reused(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    push(ecr, docker_manifest(1), "v1", repository=repo)
    push(ecr, docker_manifest(1), "keep", repository=repo)
    response = ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}])
    assert pairs(response["imageIds"]) == [(digest_of(docker_manifest(1)), "v1")]
    push(ecr, docker_manifest(2), "v1", repository=repo)
    assert tags_by_digest(ecr, repo) == {
        digest_of(docker_manifest(1)): ["keep"],
        digest_of(docker_manifest(2)): ["v1"],
    }


# --- exclusion filters: whole-tag wildcard semantics (reference 4.4) ----------------------------------------


IMMUTABLE_FILTERS = ["dev-*", "v1.0", "latest", "*-rc*"]
MUTABLE_FILTERS = ["release-*", "stable", "*.final"]


@pytest.mark.parametrize(
    ("mode", "filters", "tag", "may_move"),
    [
        # IMMUTABLE_WITH_EXCLUSION: matching tags may move, the rest are immutable
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "dev-1", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "dev-", True),  # '*' matches the empty run
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "dev-a.b-c", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "dev", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "xdev-1", False),  # anchored at the start
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "DEV-1", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "latest", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "latest2", False),  # anchored at the end
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "my-latest", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "v1.0", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "v1x0", False),  # '.' is literal
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "v1-0", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "v1.0.1", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "v10", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "1.0-rc1", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "_-rc", True),  # no tag starts with '-' or '.'
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "1.0-rc", True),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "1.0rc1", False),
        ("IMMUTABLE_WITH_EXCLUSION", IMMUTABLE_FILTERS, "prod", False),
        ("IMMUTABLE_WITH_EXCLUSION", ["*"], "anything-at-all", True),
        ("IMMUTABLE_WITH_EXCLUSION", ["a*b*c"], "abc", True),
        ("IMMUTABLE_WITH_EXCLUSION", ["a*b*c"], "a-x-b-y-c", True),
        ("IMMUTABLE_WITH_EXCLUSION", ["a*b*c"], "a-x-c", False),
        ("IMMUTABLE_WITH_EXCLUSION", ["a*b*c"], "abcd", False),
        # MUTABLE_WITH_EXCLUSION: matching tags are immutable, the rest may move
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "release-1", False),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "release-", False),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "release", True),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "pre-release-1", True),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "stable", False),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "stable-1", True),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "unstable", True),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "2.0.final", False),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "_.final", False),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "2.0-final", True),  # '.' is literal
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "2.0.final.1", True),
        ("MUTABLE_WITH_EXCLUSION", MUTABLE_FILTERS, "latest", True),
        ("MUTABLE_WITH_EXCLUSION", ["*"], "anything-at-all", False),
    ],
)
def test_exclusion_filter_wildcards(ecr: Any, mode: str, filters: list[str], tag: str, may_move: bool) -> None:
    repo = make_repository(ecr, mode, filters)
    first, second = docker_manifest(1), docker_manifest(2)
    push(ecr, first, tag, repository=repo)
    if may_move:
        push(ecr, second, tag, repository=repo)
        assert tags_by_digest(ecr, repo) == {digest_of(first): [], digest_of(second): [tag]}
    else:
        with pytest.raises(ClientError) as exc:
            push(ecr, second, tag, repository=repo)
        assert error_of(exc) == tag_already_exists(tag, repo)
        assert tags_by_digest(ecr, repo) == {digest_of(first): [tag]}


@pytest.mark.parametrize(
    ("mode", "filters"),
    [("IMMUTABLE_WITH_EXCLUSION", ["dev-*"]), ("MUTABLE_WITH_EXCLUSION", ["release-*"]), ("IMMUTABLE", None)],
)
def test_unused_tags_attach_whatever_the_mode(ecr: Any, mode: str, filters: list[str] | None) -> None:
    repo = make_repository(ecr, mode, filters)
    manifest = docker_manifest(1)
    push(ecr, manifest, "dev-1", repository=repo)
    push(ecr, manifest, "release-1", repository=repo)
    push(ecr, manifest, "prod", repository=repo)
    assert tags_by_digest(ecr, repo) == {digest_of(manifest): ["dev-1", "release-1", "prod"]}


def test_exclusion_mode_same_tag_same_digest_is_image_already_exists(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE_WITH_EXCLUSION", ["dev-*"])
    manifest = docker_manifest(1)
    push(ecr, manifest, "dev-1", repository=repo)
    with pytest.raises(ClientError) as exc:
        push(ecr, manifest, "dev-1", repository=repo)
    assert error_of(exc) == already_exists(digest_of(manifest), "dev-1", repo)


# --- manifest lists and OCI indexes --------------------------------------------------------------------------


def _push_children(client: Any, sizes: list[tuple[int, ...]], repository: str = REPO) -> list[str]:
    """Push one untagged image per entry of ``sizes`` (its layer sizes), blobs first; their manifest texts."""
    children = [docker_image(100 + index, layer_sizes=layer_sizes) for index, layer_sizes in enumerate(sizes)]
    for child in children:
        push_built(client, child, repository=repository)
    return [child.manifest for child in children]


@pytest.mark.parametrize(("build", "media_type"), [(manifest_list, DOCKER_LIST), (oci_index, OCI_INDEX)])
def test_manifest_list_media_type_and_size(
    ecr: Any, build: Callable[[list[str]], str], media_type: str
) -> None:
    children = _push_children(ecr, [(10, 20), (500,)])
    index = build(children)
    image = push(ecr, index, "multi")
    assert image["imageManifestMediaType"] == media_type
    assert image["imageId"] == {"imageDigest": digest_of(index), "imageTag": "multi"}
    detail = details(ecr)[digest_of(index)]
    assert detail["imageManifestMediaType"] == media_type
    assert "artifactMediaType" not in detail
    assert detail["imageSizeInBytes"] == 500  # the largest child (its layers were uploaded)
    assert detail["imageTags"] == ["multi"]


def test_manifest_list_of_bare_children_has_seed_size_in_default_mode(ecr: Any) -> None:
    children = [docker_manifest(1), docker_manifest(2)]
    for child in children:
        push(ecr, child)
    index = manifest_list(children)
    push(ecr, index, "multi")
    assert details(ecr)[digest_of(index)]["imageSizeInBytes"] == SEED_SIZE


@pytest.mark.parametrize(("build", "media_type"), [(manifest_list, DOCKER_LIST), (oci_index, OCI_INDEX)])
def test_manifest_list_size_is_max_of_children_in_strict_mode(
    ecr_strict: Any, build: Callable[[list[str]], str], media_type: str
) -> None:
    children = _push_children(ecr_strict, [(100, 200), (1000,), (300, 300, 300)])
    index = build(children)
    push(ecr_strict, index, "multi")
    found = details(ecr_strict)
    assert [found[digest_of(child)]["imageSizeInBytes"] for child in children] == [300, 1000, 900]
    assert found[digest_of(index)]["imageSizeInBytes"] == 1000
    assert found[digest_of(index)]["imageManifestMediaType"] == media_type


def test_manifest_list_returned_verbatim(ecr: Any) -> None:
    children = _push_children(ecr, [(1,), (2,)])
    index = manifest_list(children)
    push(ecr, index, "multi")
    got = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "multi"}])
    assert got["images"][0]["imageManifest"] == index
    assert got["images"][0]["imageManifestMediaType"] == DOCKER_LIST


def test_strict_mode_list_with_missing_child_is_refused(ecr_strict: Any) -> None:
    present, missing = docker_image(1).manifest, docker_image(2).manifest
    push_built(ecr_strict, docker_image(1))
    index = manifest_list([present, missing])
    with pytest.raises(ClientError) as exc:
        push(ecr_strict, index, "multi")
    # reference 4.3: every manifests[].digest must exist as an image -> ReferencedImagesNotFoundException
    # (wording unconfirmed; the text below is the one in ecr_mock/_errors.py)
    assert error_of(exc) == (
        "ReferencedImagesNotFoundException",
        f"Images with digests '[{digest_of(missing)}]' required for pushing image into repository with name "
        f"'{REPO}' in the registry with id '{ACCOUNT}' do not exist",
    )
    assert set(details(ecr_strict)) == {digest_of(present)}


def test_default_mode_list_with_missing_child_is_accepted(ecr: Any) -> None:
    # seed compatibility: default mode stores bare manifests (ecr_mock/_config.py require_pushed_blobs)
    index = manifest_list([docker_manifest(1)])
    push(ecr, index, "multi")
    assert tags_by_digest(ecr) == {digest_of(index): ["multi"]}


@pytest.mark.parametrize("by", ["digest", "last-tag"])
def test_batch_delete_image_referenced_by_manifest_list(ecr: Any, by: str) -> None:
    child = docker_manifest(1)
    push(ecr, child, "child")
    index = manifest_list([child])
    push(ecr, index, "multi")
    ref = {"imageDigest": digest_of(child)} if by == "digest" else {"imageTag": "child"}
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[ref])
    assert response["imageIds"] == []
    # reason text unconfirmed: the mock's
    assert response["failures"] == [
        {
            "imageId": ref,
            "failureCode": "ImageReferencedByManifestList",
            "failureReason": f"Requested image referenced by manifest list: [{digest_of(index)}]",
        }
    ]
    assert tags_by_digest(ecr) == {digest_of(child): ["child"], digest_of(index): ["multi"]}


def test_batch_delete_image_referenced_by_two_indexes_names_both(ecr: Any) -> None:
    child, other = docker_manifest(1), docker_manifest(2)
    push(ecr, child)
    push(ecr, other)
    first = manifest_list([child, other])
    second = oci_index([child])
    push(ecr, first, "list")
    push(ecr, second, "index")
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(child)}])
    parents = ", ".join(sorted([digest_of(first), digest_of(second)]))
    assert response["failures"] == [
        {
            "imageId": {"imageDigest": digest_of(child)},
            "failureCode": "ImageReferencedByManifestList",
            "failureReason": f"Requested image referenced by manifest list: [{parents}]",
        }
    ]
    # delete one parent: still referenced by the other
    ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "list"}])
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(child)}])
    assert response["failures"][0]["failureReason"] == (
        f"Requested image referenced by manifest list: [{digest_of(second)}]"
    )
    # delete the last parent: the child goes
    ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "index"}])
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(child)}])
    assert response == {**response, "imageIds": [{"imageDigest": digest_of(child)}], "failures": []}
    assert set(details(ecr)) == {digest_of(other)}


def test_removing_one_of_several_tags_of_a_referenced_child_is_allowed(ecr: Any) -> None:
    child = docker_manifest(1)
    push(ecr, child, "a")
    push(ecr, child, "b")
    push(ecr, manifest_list([child]), "multi")
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "a"}])
    assert pairs(response["imageIds"]) == [(digest_of(child), "a")]
    assert response["failures"] == []
    assert tags_by_digest(ecr)[digest_of(child)] == ["b"]


def test_deleting_the_list_leaves_its_children(ecr: Any) -> None:
    children = _push_children(ecr, [(1,), (2,)])
    index = oci_index(children)
    push(ecr, index, "multi")
    response = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(index)}])
    assert pairs(response["imageIds"]) == [(digest_of(index), "multi")]
    assert set(details(ecr)) == {digest_of(c) for c in children}
    response = ecr.batch_delete_image(
        repositoryName=REPO, imageIds=[{"imageDigest": digest_of(c)} for c in children]
    )
    assert response["failures"] == []
    assert details(ecr) == {}


# --- derived fields (reference 4.2) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manifest", "media_type", "artifact_media_type"),
    [
        (docker_manifest(1), DOCKER_V2, DOCKER_CONFIG),
        (oci_manifest(2), OCI_MANIFEST, OCI_CONFIG),
        (oci_manifest(3, config_media_type=HELM_CONFIG), OCI_MANIFEST, HELM_CONFIG),
        # artifactType for OCI artifacts: unconfirmed, the mock reports it as artifactMediaType
        (
            oci_manifest(4, config_media_type=OCI_EMPTY, artifact_type="application/spdx+json"),
            OCI_MANIFEST,
            "application/spdx+json",
        ),
    ],
)
def test_describe_images_media_types(ecr: Any, manifest: str, media_type: str, artifact_media_type: str) -> None:
    push(ecr, manifest, "t")
    detail = details(ecr)[digest_of(manifest)]
    assert detail["imageManifestMediaType"] == media_type
    assert detail["artifactMediaType"] == artifact_media_type


def test_describe_images_subject_manifest_digest(ecr: Any) -> None:
    subject = docker_manifest(1)
    push(ecr, subject, "v1")
    referrer = oci_manifest(2, artifact_type="application/vnd.example.signature", subject=digest_of(subject))
    push(ecr, referrer)
    found = details(ecr)
    assert found[digest_of(referrer)]["subjectManifestDigest"] == digest_of(subject)
    assert "subjectManifestDigest" not in found[digest_of(subject)]


def test_describe_images_oci_index_with_artifact_type_has_no_artifact_media_type(ecr: Any) -> None:
    children = _push_children(ecr, [(1,)])
    index = oci_index(children, artifact_type="application/vnd.example.bundle")
    push(ecr, index, "bundle")
    assert "artifactMediaType" not in details(ecr)[digest_of(index)]


# --- DescribeImages ------------------------------------------------------------------------------------------


def test_describe_images_full_detail_default_mode() -> None:
    with freeze_time(FROZEN), mock_ecr():
        client = _client_with_repository()
        tagged, untagged = docker_manifest(1), docker_manifest(2)
        push(client, tagged, "v1")
        push(client, tagged, "latest")
        push(client, untagged)
        response = client.describe_images(repositoryName=REPO)
    assert response["imageDetails"] == [
        {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageDigest": digest_of(tagged),
            "imageTags": ["v1", "latest"],
            "imageSizeInBytes": SEED_SIZE,
            "imagePushedAt": FROZEN_NAIVE,
            "imageManifestMediaType": DOCKER_V2,
            "artifactMediaType": DOCKER_CONFIG,
            "imageStatus": "ACTIVE",
        },
        {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageDigest": digest_of(untagged),
            "imageSizeInBytes": SEED_SIZE,
            "imagePushedAt": FROZEN_NAIVE,
            "imageManifestMediaType": DOCKER_V2,
            "artifactMediaType": DOCKER_CONFIG,
            "imageStatus": "ACTIVE",
        },
    ]
    assert "nextToken" not in response
    assert response["imageDetails"][0]["imagePushedAt"].tzinfo is None


def test_describe_images_full_detail_strict_mode() -> None:
    with freeze_time(FROZEN), mock_ecr(strict=True):
        client = _client_with_repository()
        built = docker_image(1, layer_sizes=(1234, 4321), config_size=999)
        push_built(client, built, "v1")
        detail = client.describe_images(repositoryName=REPO)["imageDetails"][0]
    assert detail == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageDigest": built.digest,
        "imageTags": ["v1"],
        "imageSizeInBytes": 5555,  # sum of layers[].size, config excluded
        "imagePushedAt": FROZEN_AT,
        "imageManifestMediaType": DOCKER_V2,
        "artifactMediaType": DOCKER_CONFIG,
        "imageStatus": "ACTIVE",
    }
    assert detail["imagePushedAt"].tzinfo is not None


@pytest.mark.parametrize(
    ("layer_sizes", "strict_size"),
    [((32654, 16724), 49378), ((1,), 1), ((), 0), ((10, 20, 30, 40), 100)],
)
def test_image_size_default_vs_strict(layer_sizes: tuple[int, ...], strict_size: int) -> None:
    built = docker_image(1, layer_sizes=layer_sizes)
    assert built.layer_size == strict_size
    with mock_ecr():
        client = _client_with_repository()
        push(client, built.manifest, "v1")  # layers never uploaded: the seed's nominal size
        assert details(client)[built.digest]["imageSizeInBytes"] == SEED_SIZE
    with mock_ecr(strict=True):
        client = _client_with_repository()
        push_built(client, built, "v1")
        assert details(client)[built.digest]["imageSizeInBytes"] == strict_size


def test_default_mode_size_with_uploaded_layers_is_their_sum(ecr: Any) -> None:
    built = docker_image(1, layer_sizes=(300, 400))
    push_built(ecr, built, "v1")
    assert details(ecr)[built.digest]["imageSizeInBytes"] == 700


def test_image_pushed_at_is_first_push_and_per_image(ecr_strict: Any) -> None:
    with freeze_time(FROZEN) as clock:
        push_built(ecr_strict, docker_image(1), "a")
        clock.tick(60)
        push_built(ecr_strict, docker_image(2), "b")
        clock.tick(60)
        push(ecr_strict, docker_manifest(1), "c")  # re-tag only
    found = details(ecr_strict)
    assert found[digest_of(docker_manifest(1))]["imagePushedAt"] == FROZEN_AT
    assert found[digest_of(docker_manifest(2))]["imagePushedAt"] == datetime(2024, 5, 6, 7, 9, 9, tzinfo=timezone.utc)


@pytest.fixture
def three_images(ecr: Any) -> tuple[Any, str, str, str]:
    """``a`` tagged [a1, a2], ``b`` tagged [b1], ``c`` untagged, pushed in that order."""
    a, b, c = docker_manifest(1), docker_manifest(2), docker_manifest(3)
    push(ecr, a, "a1")
    push(ecr, a, "a2")
    push(ecr, b, "b1")
    push(ecr, c)
    return ecr, digest_of(a), digest_of(b), digest_of(c)


def test_describe_images_by_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    found = client.describe_images(repositoryName=REPO, imageIds=[{"imageTag": "a2"}])
    assert [d["imageDigest"] for d in found["imageDetails"]] == [a]
    assert found["imageDetails"][0]["imageTags"] == ["a1", "a2"]
    assert "nextToken" not in found


def test_describe_images_by_digest_untagged_has_no_image_tags(three_images: tuple[Any, str, str, str]) -> None:
    client, _, _, c = three_images
    found = client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": c}])["imageDetails"]
    assert [d["imageDigest"] for d in found] == [c]
    assert "imageTags" not in found[0]


def test_describe_images_by_digest_and_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, _, b, _ = three_images
    found = client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": b, "imageTag": "b1"}])
    assert [d["imageDigest"] for d in found["imageDetails"]] == [b]


def test_describe_images_one_detail_per_digest(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, _ = three_images
    found = client.describe_images(
        repositoryName=REPO,
        imageIds=[{"imageTag": "a1"}, {"imageTag": "a2"}, {"imageDigest": a}, {"imageTag": "b1"}],
    )["imageDetails"]
    assert sorted(d["imageDigest"] for d in found) == sorted([a, b])


@pytest.mark.parametrize(
    ("image_id", "shown"),
    [
        ({"imageTag": "latest"}, (None, "latest")),
        ({"imageDigest": UNKNOWN_DIGEST}, (UNKNOWN_DIGEST, None)),
        ({"imageDigest": "SHA256:ABCDEF"}, ("SHA256:ABCDEF", None)),
        ({"imageDigest": UNKNOWN_DIGEST, "imageTag": "a1"}, (UNKNOWN_DIGEST, "a1")),
    ],
)
def test_describe_images_missing_id(
    three_images: tuple[Any, str, str, str], image_id: dict[str, str], shown: tuple[str | None, str | None]
) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, imageIds=[image_id])
    assert error_of(exc) == image_not_found(*shown)


def test_describe_images_digest_with_tag_it_does_not_carry(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": a, "imageTag": "b1"}])
    assert error_of(exc) == image_not_found(a, "b1")


def test_describe_images_fails_whole_call_for_one_missing_id(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": a}, {"imageTag": "nope"}])
    assert error_of(exc) == image_not_found(None, "nope")


@pytest.mark.parametrize("digest", ["sha256", "sha256:", ":abc", "sha256:xyz", "sha256:abc g", "sha256 abc", "é:ab"])
def test_describe_images_invalid_digest(three_images: tuple[Any, str, str, str], digest: str) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": digest}])
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'imageDigest' failed to satisfy constraint: "
        "'must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+''",
    )


@pytest.mark.parametrize(
    ("tag_status", "expected"),
    [(None, "abc"), ("ANY", "abc"), ("TAGGED", "ab"), ("UNTAGGED", "c")],
)
def test_describe_images_tag_status_filter(
    three_images: tuple[Any, str, str, str], tag_status: str | None, expected: str
) -> None:
    client, a, b, c = three_images
    by_letter = {"a": a, "b": b, "c": c}
    kwargs: dict[str, Any] = {} if tag_status is None else {"filter": {"tagStatus": tag_status}}
    found = client.describe_images(repositoryName=REPO, **kwargs)["imageDetails"]
    assert [d["imageDigest"] for d in found] == [by_letter[letter] for letter in expected]
    for detail in found:
        assert ("imageTags" in detail) == (detail["imageDigest"] != c)


@pytest.mark.parametrize(("image_status", "count"), [("ACTIVE", 3), ("ANY", 3), ("ARCHIVED", 0), ("ACTIVATING", 0)])
def test_describe_images_image_status_filter(
    three_images: tuple[Any, str, str, str], image_status: str, count: int
) -> None:
    client, _, _, _ = three_images
    found = client.describe_images(repositoryName=REPO, filter={"imageStatus": image_status})["imageDetails"]
    assert len(found) == count
    assert all(d["imageStatus"] == "ACTIVE" for d in found)


def test_describe_images_bad_tag_status(three_images: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, filter={"tagStatus": "tagged"})
    assert error_of(exc) == invalid("tagStatus", "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]")


@pytest.mark.parametrize("kwargs", [{"maxResults": 1}, {"nextToken": "x"}, {"maxResults": 5, "nextToken": "x"}])
def test_describe_images_refuses_paging_with_image_ids(
    three_images: tuple[Any, str, str, str], kwargs: dict[str, Any]
) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName=REPO, imageIds=[{"imageTag": "a1"}], **kwargs)
    member = "maxResults" if "maxResults" in kwargs else "nextToken"
    # wording unconfirmed (reference 2.3): the mock's
    assert error_of(exc) == invalid(member, "Cannot be specified together with imageIds")


def test_describe_images_missing_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.describe_images(repositoryName="missing")
    assert error_of(exc) == rnf("missing")


def test_describe_images_empty_repository(ecr: Any) -> None:
    response = ecr.describe_images(repositoryName=REPO)
    assert response["imageDetails"] == []
    assert "nextToken" not in response


def test_describe_images_empty_image_ids_without_client_validation(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.describe_images(repositoryName=REPO, imageIds=[])
    assert error_of(exc) == invalid("imageIds", "Member must have length greater than or equal to 1")


def test_describe_images_default_mode_falls_back_to_callers_repository(three_images: tuple[Any, str, str, str]) -> None:
    # Default mode keeps the seed's expectation (ecr_mock/_config.py describe_images_registry_fallback):
    # a foreign registryId still finds the caller's repository.
    client, _, _, _ = three_images
    found = client.describe_images(repositoryName=REPO, registryId=OTHER_ACCOUNT)["imageDetails"]
    assert len(found) == 3
    assert {d["registryId"] for d in found} == {ACCOUNT}
    # a name the caller does not have either: the message names the registry asked for
    with pytest.raises(ClientError) as exc:
        client.describe_images(repositoryName="missing", registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf("missing", OTHER_ACCOUNT)


def test_describe_images_strict_mode_looks_only_in_the_named_registry(ecr_strict: Any) -> None:
    push_built(ecr_strict, docker_image(1), "v1")
    with pytest.raises(ClientError) as exc:
        ecr_strict.describe_images(repositoryName=REPO, registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf(REPO, OTHER_ACCOUNT)
    assert len(ecr_strict.describe_images(repositoryName=REPO, registryId=ACCOUNT)["imageDetails"]) == 1


def test_describe_images_in_another_registry_with_its_own_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName=REPO, registryId=OTHER_ACCOUNT)
    push(ecr, docker_manifest(1), "mine")
    push(ecr, docker_manifest(2), "theirs", registryId=OTHER_ACCOUNT)
    theirs = ecr.describe_images(repositoryName=REPO, registryId=OTHER_ACCOUNT)["imageDetails"]
    assert [(d["registryId"], d["imageTags"]) for d in theirs] == [(OTHER_ACCOUNT, ["theirs"])]
    mine = ecr.describe_images(repositoryName=REPO)["imageDetails"]
    assert [(d["registryId"], d["imageTags"]) for d in mine] == [(ACCOUNT, ["mine"])]


# --- ListImages ----------------------------------------------------------------------------------------------


def test_list_images_one_entry_per_digest_and_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.list_images(repositoryName=REPO)
    assert response["imageIds"] == [
        {"imageDigest": a, "imageTag": "a1"},
        {"imageDigest": a, "imageTag": "a2"},
        {"imageDigest": b, "imageTag": "b1"},
        {"imageDigest": c},
    ]
    assert "nextToken" not in response


@pytest.mark.parametrize(
    ("tag_status", "expected"),
    [(None, ["a1", "a2", "b1", None]), ("ANY", ["a1", "a2", "b1", None]), ("TAGGED", ["a1", "a2", "b1"]),
     ("UNTAGGED", [None])],
)
def test_list_images_tag_status_filter(
    three_images: tuple[Any, str, str, str], tag_status: str | None, expected: list[str | None]
) -> None:
    client, a, b, c = three_images
    digest_for = {"a1": a, "a2": a, "b1": b, None: c}
    kwargs: dict[str, Any] = {} if tag_status is None else {"filter": {"tagStatus": tag_status}}
    assert pairs(client.list_images(repositoryName=REPO, **kwargs)["imageIds"]) == [
        (digest_for[tag], tag) for tag in expected
    ]


@pytest.mark.parametrize(("image_status", "count"), [("ACTIVE", 4), ("ANY", 4), ("ARCHIVED", 0)])
def test_list_images_image_status_filter(
    three_images: tuple[Any, str, str, str], image_status: str, count: int
) -> None:
    client, _, _, _ = three_images
    assert len(client.list_images(repositoryName=REPO, filter={"imageStatus": image_status})["imageIds"]) == count


def test_list_images_bad_filter_enum(three_images: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.list_images(repositoryName=REPO, filter={"tagStatus": "NONE"})
    assert error_of(exc) == invalid("tagStatus", "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]")
    with pytest.raises(ClientError) as exc:
        client.list_images(repositoryName=REPO, filter={"imageStatus": "DELETED"})
    assert error_of(exc) == invalid(
        "imageStatus", "Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]"
    )


def test_list_images_empty_repository(ecr: Any) -> None:
    response = ecr.list_images(repositoryName=REPO)
    assert response["imageIds"] == []
    assert "nextToken" not in response


def test_list_images_missing_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.list_images(repositoryName="missing")
    assert error_of(exc) == rnf("missing")


def test_list_images_in_another_registry_reaches_its_empty_registry(three_images: tuple[Any, str, str, str]) -> None:
    client, _, _, _ = three_images
    with pytest.raises(ClientError) as exc:
        client.list_images(repositoryName=REPO, registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf(REPO, OTHER_ACCOUNT)
    assert len(client.list_images(repositoryName=REPO, registryId=ACCOUNT)["imageIds"]) == 4


# --- pagination: ListImages and DescribeImages ---------------------------------------------------------------


@pytest.fixture
def many_images(ecr: Any) -> Any:
    """Nine images: untagged ones and images with one, two or three tags, mixed (12 list entries)."""
    layout: list[list[str]] = [["t0"], [], ["t2a", "t2b", "t2c"], ["t3"], [], ["t5a", "t5b"], [], ["t7"], ["t8"]]
    for n, tags in enumerate(layout):
        manifest = docker_manifest(n)
        push(ecr, manifest)
        for tag in tags:
            push(ecr, manifest, tag)
    return ecr


@pytest.mark.parametrize("max_results", [1, 2, 3, 4, 7, 11, 12, 13, 100, 1000])
@pytest.mark.parametrize("tag_status", [None, "TAGGED", "UNTAGGED"])
def test_list_images_pages_by_hand(many_images: Any, max_results: int, tag_status: str | None) -> None:
    kwargs: dict[str, Any] = {"repositoryName": REPO}
    if tag_status is not None:
        kwargs["filter"] = {"tagStatus": tag_status}
    everything = many_images.list_images(**kwargs)["imageIds"]
    assert len(everything) == {None: 12, "TAGGED": 9, "UNTAGGED": 3}[tag_status]
    pages = collect_pages(many_images.list_images, maxResults=max_results, **kwargs)
    assert all(len(page["imageIds"]) == max_results for page in pages[:-1])
    assert 0 < len(pages[-1]["imageIds"]) <= max_results
    assert all("nextToken" in page for page in pages[:-1])
    assert "nextToken" not in pages[-1]
    assert len(pages) == -(-len(everything) // max_results)
    assert [i for page in pages for i in page["imageIds"]] == everything


@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_list_images_paginator(many_images: Any, page_size: int) -> None:
    everything = many_images.list_images(repositoryName=REPO)["imageIds"]
    paginator = many_images.get_paginator("list_images")
    pages = list(paginator.paginate(repositoryName=REPO, PaginationConfig={"PageSize": page_size}))
    assert [len(p["imageIds"]) for p in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert [i for p in pages for i in p["imageIds"]] == everything
    full = paginator.paginate(
        repositoryName=REPO, filter={"tagStatus": "TAGGED"}, PaginationConfig={"PageSize": page_size}
    ).build_full_result()
    assert full["imageIds"] == [i for i in everything if "imageTag" in i]


def test_list_images_paginator_max_items_and_resume(many_images: Any) -> None:
    everything = many_images.list_images(repositoryName=REPO)["imageIds"]
    paginator = many_images.get_paginator("list_images")
    collected: list[dict[str, str]] = []
    token: str | None = None
    while True:
        config: dict[str, Any] = {"PageSize": 2, "MaxItems": 3}
        if token is not None:
            config["StartingToken"] = token
        result = paginator.paginate(repositoryName=REPO, PaginationConfig=config).build_full_result()
        collected.extend(result["imageIds"])
        token = result.get("NextToken")
        if token is None:
            break
    assert collected == everything


def test_next_token_can_be_used_twice(many_images: Any) -> None:
    token = many_images.list_images(repositoryName=REPO, maxResults=5)["nextToken"]
    first = many_images.list_images(repositoryName=REPO, maxResults=5, nextToken=token)
    second = many_images.list_images(repositoryName=REPO, maxResults=5, nextToken=token)
    assert first["imageIds"] == second["imageIds"]
    token = many_images.describe_images(repositoryName=REPO, maxResults=4)["nextToken"]
    first = many_images.describe_images(repositoryName=REPO, maxResults=4, nextToken=token)
    second = many_images.describe_images(repositoryName=REPO, maxResults=4, nextToken=token)
    assert first["imageDetails"] == second["imageDetails"]


def test_next_token_with_a_different_page_size(many_images: Any) -> None:
    everything = many_images.list_images(repositoryName=REPO)["imageIds"]
    first = many_images.list_images(repositoryName=REPO, maxResults=3)
    rest = collect_pages(many_images.list_images, repositoryName=REPO, maxResults=4, nextToken=first["nextToken"])
    assert first["imageIds"] + [i for page in rest for i in page["imageIds"]] == everything


@pytest.mark.parametrize("max_results", [1, 2, 3, 8, 9, 10, 100])
@pytest.mark.parametrize("tag_status", [None, "TAGGED", "UNTAGGED"])
def test_describe_images_pages_by_hand(many_images: Any, max_results: int, tag_status: str | None) -> None:
    kwargs: dict[str, Any] = {"repositoryName": REPO}
    if tag_status is not None:
        kwargs["filter"] = {"tagStatus": tag_status}
    everything = many_images.describe_images(**kwargs)["imageDetails"]
    assert len(everything) == {None: 9, "TAGGED": 6, "UNTAGGED": 3}[tag_status]
    pages = collect_pages(many_images.describe_images, maxResults=max_results, **kwargs)
    assert all(len(page["imageDetails"]) == max_results for page in pages[:-1])
    assert all("nextToken" in page for page in pages[:-1])
    assert "nextToken" not in pages[-1]
    assert len(pages) == -(-len(everything) // max_results)
    assert [d for page in pages for d in page["imageDetails"]] == everything


@pytest.mark.parametrize("page_size", [1, 4])
def test_describe_images_paginator(many_images: Any, page_size: int) -> None:
    everything = many_images.describe_images(repositoryName=REPO)["imageDetails"]
    paginator = many_images.get_paginator("describe_images")
    pages = list(paginator.paginate(repositoryName=REPO, PaginationConfig={"PageSize": page_size}))
    assert [len(p["imageDetails"]) for p in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert "nextToken" not in pages[-1]
    full = paginator.paginate(repositoryName=REPO, PaginationConfig={"PageSize": page_size}).build_full_result()
    assert full["imageDetails"] == everything


def test_default_page_size_is_100(ecr: Any) -> None:
    for n in range(105):
        push(ecr, docker_manifest(n, indent=None), f"t{n}")
    first = ecr.list_images(repositoryName=REPO)
    assert len(first["imageIds"]) == 100
    second = ecr.list_images(repositoryName=REPO, nextToken=first["nextToken"])
    assert len(second["imageIds"]) == 5
    assert "nextToken" not in second
    first = ecr.describe_images(repositoryName=REPO)
    assert len(first["imageDetails"]) == 100
    second = ecr.describe_images(repositoryName=REPO, nextToken=first["nextToken"])
    assert len(second["imageDetails"]) == 5
    assert "nextToken" not in second


def test_list_images_token_survives_deletion_at_resume_point(ecr: Any) -> None:
    digests = [push(ecr, docker_manifest(n), f"t{n}")["imageId"]["imageDigest"] for n in range(5)]
    first = ecr.list_images(repositoryName=REPO, maxResults=2)
    assert [i["imageTag"] for i in first["imageIds"]] == ["t0", "t1"]
    ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digests[2]}])
    rest = collect_pages(ecr.list_images, repositoryName=REPO, maxResults=2, nextToken=first["nextToken"])
    assert [i["imageTag"] for page in rest for i in page["imageIds"]] == ["t3", "t4"]


@pytest.mark.parametrize("operation", ["list_images", "describe_images"])
@pytest.mark.parametrize("token", ["garbage", "aGVsbG8", "cmVwb3NpdG9yaWVzOjE", "aW1hZ2VzOjE", "%%%"])
def test_bad_next_token(many_images: Any, operation: str, token: str) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(many_images, operation)(repositoryName=REPO, nextToken=token)
    # wording unconfirmed: the mock's
    assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")


def test_next_token_is_bound_to_its_listing(many_images: Any) -> None:
    list_token = many_images.list_images(repositoryName=REPO, maxResults=1)["nextToken"]
    describe_token = many_images.describe_images(repositoryName=REPO, maxResults=1)["nextToken"]
    repositories_token = None
    many_images.create_repository(repositoryName="other")
    repositories_token = many_images.describe_repositories(maxResults=1)["nextToken"]
    for operation, token in [
        ("describe_images", list_token),
        ("list_images", describe_token),
        ("list_images", repositories_token),
        ("describe_images", repositories_token),
    ]:
        with pytest.raises(ClientError) as exc:
            getattr(many_images, operation)(repositoryName=REPO, nextToken=token)
        assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")
    with pytest.raises(ClientError) as exc:
        many_images.describe_repositories(nextToken=list_token)
    assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")


@pytest.mark.parametrize("operation", ["list_images", "describe_images"])
@pytest.mark.parametrize(
    ("max_results", "constraint"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (-1, "Member must have value greater than or equal to 1"),
        (1001, "Member must have value less than or equal to 1000"),
    ],
)
def test_max_results_range_without_client_validation(
    ecr_unvalidated: Any, operation: str, max_results: int, constraint: str
) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(ecr_unvalidated, operation)(repositoryName=REPO, maxResults=max_results)
    assert error_of(exc) == invalid("maxResults", constraint)


# --- BatchGetImage -------------------------------------------------------------------------------------------


def test_batch_get_image_by_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "a2"}])
    assert response["images"] == [
        {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageId": {"imageDigest": a, "imageTag": "a2"},
            "imageManifest": docker_manifest(1),
            "imageManifestMediaType": DOCKER_V2,
        }
    ]
    assert response["failures"] == []


def test_batch_get_image_by_digest(three_images: tuple[Any, str, str, str]) -> None:
    client, _, b, c = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageDigest": b}, {"imageDigest": c}])
    # by digest: no tag echoed (unconfirmed, the mock's choice)
    assert [i["imageId"] for i in response["images"]] == [{"imageDigest": b}, {"imageDigest": c}]
    assert [i["imageManifest"] for i in response["images"]] == [docker_manifest(2), docker_manifest(3)]
    assert response["failures"] == []


def test_batch_get_image_by_digest_and_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageDigest": a, "imageTag": "a1"}])
    assert [i["imageId"] for i in response["images"]] == [{"imageDigest": a, "imageTag": "a1"}]


@pytest.mark.parametrize(
    ("image_id", "code", "reason"),
    [
        ({"imageTag": "nope"}, "ImageNotFound", NOT_FOUND_REASON),
        ({"imageDigest": UNKNOWN_DIGEST}, "ImageNotFound", NOT_FOUND_REASON),
        ({"imageDigest": UNKNOWN_DIGEST, "imageTag": "a1"}, "ImageNotFound", NOT_FOUND_REASON),
        ({"imageDigest": "sha256:xyz"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({"imageDigest": "nocolon"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({"imageDigest": "sha256:xyz", "imageTag": "a1"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({}, "MissingDigestAndTag", MISSING_BOTH_REASON),
    ],
)
def test_batch_get_image_failures(
    three_images: tuple[Any, str, str, str], image_id: dict[str, str], code: str, reason: str
) -> None:
    client, _, _, _ = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[image_id])
    assert response["images"] == []
    assert response["failures"] == [{"imageId": image_id, "failureCode": code, "failureReason": reason}]


def test_batch_get_image_digest_with_tag_it_does_not_carry(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageDigest": a, "imageTag": "b1"}])
    assert response["images"] == []
    assert response["failures"] == [
        {"imageId": {"imageDigest": a, "imageTag": "b1"}, "failureCode": "ImageNotFound",
         "failureReason": NOT_FOUND_REASON}
    ]


def test_batch_get_image_mixed_request_keeps_order(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_get_image(
        repositoryName=REPO,
        imageIds=[{"imageTag": "b1"}, {"imageTag": "gone"}, {"imageDigest": c}, {}, {"imageTag": "a1"},
                  {"imageDigest": "bad"}],
    )
    assert [i["imageId"] for i in response["images"]] == [
        {"imageDigest": b, "imageTag": "b1"},
        {"imageDigest": c},
        {"imageDigest": a, "imageTag": "a1"},
    ]
    assert [(f["imageId"], f["failureCode"]) for f in response["failures"]] == [
        ({"imageTag": "gone"}, "ImageNotFound"),
        ({}, "MissingDigestAndTag"),
        ({"imageDigest": "bad"}, "InvalidImageDigest"),
    ]


@pytest.mark.parametrize(
    ("accepted", "found"),
    [
        ([DOCKER_V2], True),
        ([OCI_MANIFEST, DOCKER_V2], True),
        ([DOCKER_LIST, DOCKER_V2, OCI_INDEX], True),
        ([OCI_MANIFEST], False),
        (["application/vnd.docker.distribution.manifest.v1+json"], False),
    ],
)
def test_batch_get_image_accepted_media_types(
    three_images: tuple[Any, str, str, str], accepted: list[str], found: bool
) -> None:
    client, a, _, _ = three_images
    response = client.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "a1"}], acceptedMediaTypes=accepted)
    if found:
        assert [i["imageId"] for i in response["images"]] == [{"imageDigest": a, "imageTag": "a1"}]
        assert response["failures"] == []
    else:
        # no translation: unaccepted stored type -> ImageNotFound (reference 3.2, unconfirmed but suggested)
        assert response["images"] == []
        assert response["failures"] == [
            {"imageId": {"imageTag": "a1"}, "failureCode": "ImageNotFound", "failureReason": NOT_FOUND_REASON}
        ]


def test_batch_get_image_accepted_media_types_per_image(ecr: Any) -> None:
    push(ecr, docker_manifest(1), "docker")
    push(ecr, oci_manifest(2), "oci")
    response = ecr.batch_get_image(
        repositoryName=REPO, imageIds=[{"imageTag": "docker"}, {"imageTag": "oci"}], acceptedMediaTypes=[OCI_MANIFEST]
    )
    assert [i["imageId"]["imageTag"] for i in response["images"]] == ["oci"]
    assert [f["imageId"] for f in response["failures"]] == [{"imageTag": "docker"}]


def test_batch_get_image_records_pull_time(ecr: Any) -> None:
    manifest = docker_manifest(1)
    with freeze_time(FROZEN) as clock:
        push(ecr, manifest, "v1")
        assert "lastRecordedPullTime" not in details(ecr)[digest_of(manifest)]
        clock.tick(120)
        ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
        detail = details(ecr)[digest_of(manifest)]
    assert detail["lastRecordedPullTime"] == datetime(2024, 5, 6, 7, 10, 9, tzinfo=timezone.utc)
    assert detail["imagePushedAt"] == FROZEN_NAIVE


def test_batch_get_image_failure_does_not_record_pull_time(ecr: Any) -> None:
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1")
    ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}], acceptedMediaTypes=[OCI_MANIFEST])
    assert "lastRecordedPullTime" not in details(ecr)[digest_of(manifest)]


def test_batch_get_image_missing_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.batch_get_image(repositoryName="missing", imageIds=[{"imageTag": "v1"}])
    assert error_of(exc) == rnf("missing")


def test_batch_get_image_in_another_registry_reaches_its_empty_registry(ecr_strict: Any) -> None:
    ecr = ecr_strict  # default mode falls back to the caller's repository: tests/test_leniency.py
    push_built(ecr, docker_image(1), "v1")
    with pytest.raises(ClientError) as exc:
        ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}], registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf(REPO, OTHER_ACCOUNT)


def test_batch_get_image_list_limits(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.batch_get_image(repositoryName=REPO, imageIds=[])
    assert error_of(exc) == invalid("imageIds", "Member must have length greater than or equal to 1")
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": f"t{i}"} for i in range(101)])
    assert error_of(exc) == invalid("imageIds", "Member must have length less than or equal to 100")
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "t"}], acceptedMediaTypes=[])
    assert error_of(exc) == invalid("acceptedMediaTypes", "Member must have length greater than or equal to 1")


def test_batch_get_image_hundred_ids(ecr: Any) -> None:
    push(ecr, docker_manifest(1), "t0")
    response = ecr.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": f"t{i}"} for i in range(100)])
    assert len(response["images"]) == 1
    assert len(response["failures"]) == 99


# --- BatchDeleteImage: the decision table (reference 4.5) ----------------------------------------------------


def test_batch_delete_tag_of_image_with_other_tags(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "a1"}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}]
    assert response["failures"] == []
    assert tags_by_digest(client) == {a: ["a2"], b: ["b1"], c: []}


def test_batch_delete_last_tag_deletes_image(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "b1"}])
    assert response["imageIds"] == [{"imageDigest": b, "imageTag": "b1"}]
    assert response["failures"] == []
    assert tags_by_digest(client) == {a: ["a1", "a2"], c: []}


def test_batch_delete_by_digest_reports_every_tag(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": a}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}, {"imageDigest": a, "imageTag": "a2"}]
    assert response["failures"] == []
    assert tags_by_digest(client) == {b: ["b1"], c: []}
    assert listed(client) == [(b, "b1"), (c, None)]


def test_batch_delete_untagged_by_digest(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": c}])
    assert response["imageIds"] == [{"imageDigest": c}]
    assert response["failures"] == []
    assert set(details(client)) == {a, b}


def test_batch_delete_by_digest_and_tag_it_carries_deletes_whole_image(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": a, "imageTag": "a2"}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}, {"imageDigest": a, "imageTag": "a2"}]
    assert response["failures"] == []
    assert set(details(client)) == {b, c}


@pytest.mark.parametrize(
    ("image_id", "code", "reason"),
    [
        ({"imageTag": "nope"}, "ImageNotFound", NOT_FOUND_REASON),
        ({"imageDigest": UNKNOWN_DIGEST}, "ImageNotFound", NOT_FOUND_REASON),
        ({"imageDigest": "sha256:xyz"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({"imageDigest": "sha256:"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({"imageDigest": "latest"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({"imageDigest": "sha256:xyz", "imageTag": "a1"}, "InvalidImageDigest", INVALID_DIGEST_REASON),
        ({}, "MissingDigestAndTag", MISSING_BOTH_REASON),
    ],
)
def test_batch_delete_failures_change_nothing(
    three_images: tuple[Any, str, str, str], image_id: dict[str, str], code: str, reason: str
) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[image_id])
    assert response["imageIds"] == []
    assert response["failures"] == [{"imageId": image_id, "failureCode": code, "failureReason": reason}]
    assert tags_by_digest(client) == {a: ["a1", "a2"], b: ["b1"], c: []}


def test_batch_delete_digest_with_tag_it_does_not_carry(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": a, "imageTag": "b1"}])
    assert response["imageIds"] == []
    assert response["failures"] == [
        {"imageId": {"imageDigest": a, "imageTag": "b1"}, "failureCode": "ImageNotFound",
         "failureReason": NOT_FOUND_REASON}
    ]
    assert tags_by_digest(client) == {a: ["a1", "a2"], b: ["b1"], c: []}


def test_batch_delete_same_image_twice_by_digest(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": a}, {"imageDigest": a}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}, {"imageDigest": a, "imageTag": "a2"}]
    assert response["failures"] == [
        {"imageId": {"imageDigest": a}, "failureCode": "ImageNotFound", "failureReason": NOT_FOUND_REASON}
    ]


def test_batch_delete_same_tag_twice(three_images: tuple[Any, str, str, str]) -> None:
    client, a, _, _ = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "a1"}, {"imageTag": "a1"}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}]
    assert response["failures"] == [
        {"imageId": {"imageTag": "a1"}, "failureCode": "ImageNotFound", "failureReason": NOT_FOUND_REASON}
    ]
    assert tags_by_digest(client)[a] == ["a2"]


def test_batch_delete_image_by_tag_then_by_digest_in_one_request(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(
        repositoryName=REPO, imageIds=[{"imageTag": "a1"}, {"imageDigest": a}, {"imageTag": "a2"}]
    )
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}, {"imageDigest": a, "imageTag": "a2"}]
    assert response["failures"] == [
        {"imageId": {"imageTag": "a2"}, "failureCode": "ImageNotFound", "failureReason": NOT_FOUND_REASON}
    ]
    assert set(details(client)) == {b, c}


def test_batch_delete_every_tag_one_by_one_deletes_the_image(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "a1"}, {"imageTag": "a2"}])
    assert response["imageIds"] == [{"imageDigest": a, "imageTag": "a1"}, {"imageDigest": a, "imageTag": "a2"}]
    assert response["failures"] == []
    assert set(details(client)) == {b, c}


def test_batch_delete_mixed_request(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    response = client.batch_delete_image(
        repositoryName=REPO,
        imageIds=[{"imageTag": "b1"}, {}, {"imageDigest": c}, {"imageTag": "zzz"}, {"imageDigest": "x:y"}],
    )
    assert response["imageIds"] == [{"imageDigest": b, "imageTag": "b1"}, {"imageDigest": c}]
    assert [(f["imageId"], f["failureCode"]) for f in response["failures"]] == [
        ({}, "MissingDigestAndTag"),
        ({"imageTag": "zzz"}, "ImageNotFound"),
        ({"imageDigest": "x:y"}, "InvalidImageDigest"),
    ]
    assert tags_by_digest(client) == {a: ["a1", "a2"]}


def test_batch_delete_then_repository_can_be_deleted(three_images: tuple[Any, str, str, str]) -> None:
    client, a, b, c = three_images
    client.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": d} for d in (a, b, c)])
    assert client.list_images(repositoryName=REPO)["imageIds"] == []
    client.delete_repository(repositoryName=REPO)


def test_batch_delete_ignores_immutability(ecr: Any) -> None:
    repo = make_repository(ecr, "IMMUTABLE")
    manifest = docker_manifest(1)
    push(ecr, manifest, "v1", repository=repo)
    response = ecr.batch_delete_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}])
    assert response["imageIds"] == [{"imageDigest": digest_of(manifest), "imageTag": "v1"}]
    assert details(ecr, repo) == {}


def test_batch_delete_re_push_after_delete_is_a_new_image(ecr: Any) -> None:
    manifest = docker_manifest(1)
    with freeze_time(FROZEN) as clock:
        push(ecr, manifest, "v1")
        ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
        clock.tick(60)
        push(ecr, manifest, "v2")
    detail = details(ecr)[digest_of(manifest)]
    assert detail["imageTags"] == ["v2"]
    assert detail["imagePushedAt"] == datetime(2024, 5, 6, 7, 9, 9)


def test_batch_delete_missing_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.batch_delete_image(repositoryName="missing", imageIds=[{"imageTag": "v1"}])
    assert error_of(exc) == rnf("missing")


def test_batch_delete_in_another_registry_reaches_its_empty_registry(ecr_strict: Any) -> None:
    ecr = ecr_strict  # default mode falls back to the caller's repository: tests/test_leniency.py
    push_built(ecr, docker_image(1), "v1")
    with pytest.raises(ClientError) as exc:
        ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}], registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf(REPO, OTHER_ACCOUNT)
    assert listed(ecr) == [(digest_of(docker_manifest(1)), "v1")]


def test_batch_delete_empty_image_ids_without_client_validation(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.batch_delete_image(repositoryName=REPO, imageIds=[])
    assert error_of(exc) == invalid("imageIds", "Member must have length greater than or equal to 1")


# --- registry ids in strict mode ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("put_image", {"repositoryName": REPO, "imageManifest": docker_manifest(1)}),
        ("list_images", {"repositoryName": REPO}),
        ("describe_images", {"repositoryName": REPO}),
        ("batch_get_image", {"repositoryName": REPO, "imageIds": [{"imageTag": "v1"}]}),
        ("batch_delete_image", {"repositoryName": REPO, "imageIds": [{"imageTag": "v1"}]}),
    ],
)
@pytest.mark.parametrize("registry_id", ["123", "0123456789101", "01234567891a"])
def test_strict_mode_rejects_bad_registry_id(
    ecr_strict: Any, operation: str, kwargs: dict[str, Any], registry_id: str
) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(ecr_strict, operation)(registryId=registry_id, **kwargs)
    assert error_of(exc) == ("InvalidParameterException", REGISTRY_ID_MESSAGE)


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("list_images", {"repositoryName": REPO}),
        ("describe_images", {"repositoryName": "missing"}),
    ],
)
def test_default_mode_short_registry_id_reaches_its_empty_registry(
    ecr: Any, operation: str, kwargs: dict[str, Any]
) -> None:
    # the seed sends registryId="123" / "222": default mode skips the pattern and looks in that registry (the
    # fallback to the caller's repository, tests/test_leniency.py, spares ListImages: the seed pins this)
    expected = rnf(kwargs["repositoryName"], "123")
    with pytest.raises(ClientError) as exc:
        getattr(ecr, operation)(registryId="123", **kwargs)
    assert error_of(exc) == expected


def test_strict_mode_own_registry_id_is_fine(ecr_strict: Any) -> None:
    image = push_built(ecr_strict, docker_image(1), "v1", registryId=ACCOUNT)
    assert image["registryId"] == ACCOUNT
    assert listed(ecr_strict, registryId=ACCOUNT) == [(digest_of(docker_manifest(1)), "v1")]

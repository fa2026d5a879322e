"""Default and strict mode through boto3: one test per row of the README's "Default and strict mode" table, in both
modes, then what only strict mode requires of a push: every blob an image names (LayersNotFoundException) and every
image a list names (ReferencedImagesNotFoundException) must be in the repository first (shared/ecr-behaviour.md
3.2, 4.3; ecr_mock/_config.py DEFAULT vs STRICT).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import DOCKER_CONFIG, DOCKER_LAYER, DOCKER_LIST, DOCKER_V2, OCI_INDEX, OCI_MANIFEST, docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from dateutil.tz import tzlocal
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
FOREIGN_ACCOUNT = "111122223333"
REGION = "us-east-1"
REPO = "app/web"
SEED_SIZE = 52428800
NOW = datetime(2024, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
MODES = pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr_strict() -> Iterator[Any]:
    with mock_ecr(strict=True):
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


@pytest.fixture
def ecr_default() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


def error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    details = exc.value.response["Error"]
    return details["Code"], details["Message"]


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def text_digest(text: str) -> str:
    return sha(text.encode("utf-8"))


def data(label: str, size: int = 64) -> bytes:
    unit = f"{label}|".encode()
    return (unit * (size // len(unit) + 1))[:size]


def upload(ecr: Any, *blobs: bytes, repo: str = REPO) -> None:
    for blob in blobs:
        upload_id = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
        ecr.upload_layer_part(
            repositoryName=repo, uploadId=upload_id, partFirstByte=0, partLastByte=len(blob) - 1, layerPartBlob=blob
        )
        ecr.complete_layer_upload(repositoryName=repo, uploadId=upload_id, layerDigests=[sha(blob)])


def manifest(
    config: bytes,
    layers: Sequence[bytes],
    *,
    layer_type: str = DOCKER_LAYER,
    media_type: str = DOCKER_V2,
    extra: dict[str, Any] | None = None,
) -> str:
    document: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {"mediaType": DOCKER_CONFIG, "size": len(config), "digest": sha(config)},
        "layers": [{"mediaType": layer_type, "size": len(layer), "digest": sha(layer)} for layer in layers],
    }
    document.update(extra or {})
    return json.dumps(document, indent=2)


def manifest_list(children: Sequence[str], media_type: str = DOCKER_LIST) -> str:
    entries = [{"mediaType": DOCKER_V2, "size": len(child), "digest": text_digest(child)} for child in children]
    return json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": entries}, indent=2)


def layers_not_found(*digests: str) -> tuple[str, str]:
    return (
        "LayersNotFoundException",
        f"Layers with digests '[{', '.join(digests)}]' required for pushing image into repository with name "
        f"'{REPO}' in the registry with id '{ACCOUNT}' do not exist",
    )


def images_not_found(*digests: str) -> tuple[str, str]:
    return (
        "ReferencedImagesNotFoundException",
        f"Images with digests '[{', '.join(digests)}]' required for pushing image into repository with name "
        f"'{REPO}' in the registry with id '{ACCOUNT}' do not exist",
    )


# --- the README table, row by row ---------------------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    ("call", "member"),
    [
        pytest.param(lambda ecr, rid: ecr.describe_repositories(registryId=rid), "registryId", id="registryId"),
        pytest.param(lambda ecr, rid: ecr.list_images(repositoryName=REPO, registryId=rid), "registryId", id="images"),
        pytest.param(lambda ecr, rid: ecr.get_authorization_token(registryIds=[rid]), "registryIds", id="registryIds"),
    ],
)
@pytest.mark.parametrize("registry_id", ["123", "01234567891"], ids=["seed-123", "11-digits"])
def test_row_registry_id_pattern(strict: bool, call: Any, member: str, registry_id: str) -> None:
    with mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        if not strict:
            try:
                call(ecr, registry_id)
            except ClientError as refused:  # the id is taken as given: a registry without that repository
                assert refused.response["Error"]["Code"] == "RepositoryNotFoundException"
                assert refused.response["Error"]["Message"] == (
                    f"The repository with name '{REPO}' does not exist in the registry with id '{registry_id}'"
                )
            return
        with pytest.raises(ClientError) as exc:
            call(ecr, registry_id)
        constraint = "Member must satisfy regular expression pattern: [0-9]{12}"
        if member == "registryIds":
            constraint = f"Member must satisfy constraint: [{constraint}]"
        assert error(exc) == (
            "InvalidParameterException",
            f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'",
        )


@MODES
def test_row_image_pushed_at(strict: bool) -> None:
    config = data("config")
    with freeze_time(NOW), mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        upload(ecr, config)
        ecr.put_image(repositoryName=REPO, imageManifest=manifest(config, []))
        pushed_at = ecr.describe_images(repositoryName=REPO)["imageDetails"][0]["imagePushedAt"]
    if strict:
        assert pushed_at.tzinfo is not None
        assert pushed_at == NOW
    else:
        assert pushed_at.tzinfo is None  # the seed compares with a naive datetime.now() under freezegun
        assert pushed_at == NOW.replace(tzinfo=None)


@MODES
def test_row_size_of_an_image_whose_layers_were_never_uploaded(strict: bool) -> None:
    """Windows base layers are never pushed (strict mode exempts them), so strict mode can hold such an image:
    its size is what the manifest declares. The default mode keeps the seed's nominal size."""
    config, base, top = data("config"), data("foreign-base", 3000), data("foreign-top", 1234)
    with mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        upload(ecr, config)
        windows = manifest(config, [base, top], layer_type=FOREIGN_LAYER)
        ecr.put_image(repositoryName=REPO, imageManifest=windows)
        size = ecr.describe_images(repositoryName=REPO)["imageDetails"][0]["imageSizeInBytes"]
    assert size == (4234 if strict else SEED_SIZE)


def test_row_size_in_default_mode_for_a_bare_manifest(ecr_default: Any) -> None:
    bare = docker_manifest(1, layer_sizes=(10, 20))
    ecr_default.put_image(repositoryName=REPO, imageManifest=bare)
    assert ecr_default.describe_images(repositoryName=REPO)["imageDetails"][0]["imageSizeInBytes"] == SEED_SIZE


@MODES
def test_row_get_authorization_token(strict: bool) -> None:
    with freeze_time(NOW), mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        first = ecr.get_authorization_token()["authorizationData"]
        second = ecr.get_authorization_token()["authorizationData"]
    assert len(first) == 1
    assert first[0]["proxyEndpoint"] == f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    user, _, password = base64.b64decode(first[0]["authorizationToken"]).decode().partition(":")
    assert user == "AWS"
    if strict:
        assert password != f"{ACCOUNT}-auth-token"
        assert len(password) >= 32
        assert second[0]["authorizationToken"] != first[0]["authorizationToken"]  # random each time
        assert first[0]["expiresAt"] == NOW + timedelta(hours=12)
    else:
        assert first[0]["authorizationToken"] == base64.b64encode(f"AWS:{ACCOUNT}-auth-token".encode()).decode()
        assert second == first
        assert first[0]["expiresAt"] == datetime(2015, 1, 1, tzinfo=tzlocal())


@MODES
def test_row_describe_images_with_a_registry_id_lacking_the_repository(strict: bool) -> None:
    config = data("config")
    image = manifest(config, [])
    with mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        upload(ecr, config)
        ecr.put_image(repositoryName=REPO, imageManifest=image, imageTag="v1")
        if strict:
            with pytest.raises(ClientError) as exc:
                ecr.describe_images(repositoryName=REPO, registryId=FOREIGN_ACCOUNT)
            assert error(exc) == (
                "RepositoryNotFoundException",
                f"The repository with name '{REPO}' does not exist in the registry with id '{FOREIGN_ACCOUNT}'",
            )
            return
        found = ecr.describe_images(repositoryName=REPO, registryId=FOREIGN_ACCOUNT)["imageDetails"]
        assert [(d["registryId"], d["imageDigest"]) for d in found] == [(ACCOUNT, text_digest(image))]
        with pytest.raises(ClientError) as exc:
            ecr.describe_images(repositoryName=REPO, registryId=FOREIGN_ACCOUNT, imageIds=[{"imageTag": "nope"}])
        assert error(exc) == (
            "ImageNotFoundException",
            f"The image with imageId {{imageDigest:'null', imageTag:'nope'}} does not exist within the repository "
            f"with name '{REPO}' in the registry with id '{FOREIGN_ACCOUNT}'",
        )


@MODES
def test_row_put_image_of_an_existing_manifest_without_a_tag(strict: bool) -> None:
    config = data("config")
    image = manifest(config, [])
    with freeze_time(NOW) as clock, mock_ecr(strict=strict):
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        upload(ecr, config)
        ecr.put_image(repositoryName=REPO, imageManifest=image, imageTag="v1")
        before = ecr.describe_images(repositoryName=REPO)["imageDetails"]
        clock.tick(60)
        if strict:
            with pytest.raises(ClientError) as exc:
                ecr.put_image(repositoryName=REPO, imageManifest=image)
            assert error(exc) == (
                "ImageAlreadyExistsException",
                f"Image with digest '{text_digest(image)}' and tag 'null' already exists in the repository with "
                f"name '{REPO}' in registry with id '{ACCOUNT}'",
            )
        else:
            pushed = ecr.put_image(repositoryName=REPO, imageManifest=image)["image"]
            assert pushed["imageId"] == {"imageDigest": text_digest(image)}
            assert pushed["imageManifest"] == image
        assert ecr.describe_images(repositoryName=REPO)["imageDetails"] == before  # nothing changed


# --- the mode itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "strict"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False), ("no", False)],
)
def test_the_environment_can_make_every_mock_strict(monkeypatch: pytest.MonkeyPatch, value: str, strict: bool) -> None:
    monkeypatch.setenv("ECR_MOCK_STRICT", value)
    with mock_ecr() as mock:
        assert mock.strict is strict
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPO)
        bare = docker_manifest(1)
        if strict:
            with pytest.raises(ClientError) as exc:
                ecr.put_image(repositoryName=REPO, imageManifest=bare)
            assert error(exc)[0] == "LayersNotFoundException"
        else:
            ecr.put_image(repositoryName=REPO, imageManifest=bare)


def test_strict_argument_wins_over_an_unset_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECR_MOCK_STRICT", raising=False)
    assert mock_ecr(strict=True).strict is True
    assert mock_ecr().strict is False


# --- strict mode: blobs before manifests -------------------------------------------------------------------


def test_default_mode_accepts_bare_manifests_lists_and_indexes(ecr_default: Any) -> None:
    child = docker_manifest(1)
    for text in (child, manifest_list([docker_manifest(2)]), manifest_list([docker_manifest(3)], OCI_INDEX)):
        ecr_default.put_image(repositoryName=REPO, imageManifest=text)
    assert len(ecr_default.list_images(repositoryName=REPO)["imageIds"]) == 3


def test_strict_push_names_every_missing_blob_config_first(ecr_strict: Any) -> None:
    config, first, second = data("config"), data("layer-1"), data("layer-2")
    image = manifest(config, [first, second, first])  # a repeated layer is reported once
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=image, imageTag="v1")
    assert error(exc) == layers_not_found(sha(config), sha(first), sha(second))

    upload(ecr_strict, first)
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=image, imageTag="v1")
    assert error(exc) == layers_not_found(sha(config), sha(second))
    assert ecr_strict.list_images(repositoryName=REPO)["imageIds"] == []  # a refused push leaves nothing

    upload(ecr_strict, config, second)
    pushed = ecr_strict.put_image(repositoryName=REPO, imageManifest=image, imageTag="v1")["image"]
    assert pushed["imageId"] == {"imageDigest": text_digest(image), "imageTag": "v1"}


def test_strict_push_wants_the_config_blob_of_an_oci_artifact(ecr_strict: Any) -> None:
    empty = b"{}"
    payload = data("payload")
    artifact = manifest(
        empty, [payload], media_type=OCI_MANIFEST, extra={"artifactType": "application/vnd.example+json"}
    )
    upload(ecr_strict, payload)
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=artifact)
    assert error(exc) == layers_not_found(sha(empty))
    upload(ecr_strict, empty)
    ecr_strict.put_image(repositoryName=REPO, imageManifest=artifact)


def test_strict_push_does_not_see_blobs_of_another_repository(ecr_strict: Any) -> None:
    config = data("config")
    ecr_strict.create_repository(repositoryName="app/other")
    upload(ecr_strict, config, repo="app/other")
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=manifest(config, []))
    assert error(exc) == layers_not_found(sha(config))


def test_strict_push_exempts_foreign_layers_only(ecr_strict: Any) -> None:
    config, base, own = data("config"), data("windows-base", 500), data("app-layer")
    upload(ecr_strict, config)
    document = json.loads(manifest(config, [base, own]))
    document["layers"][0]["mediaType"] = FOREIGN_LAYER
    image = json.dumps(document)
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=image)
    assert error(exc) == layers_not_found(sha(own))
    upload(ecr_strict, own)
    ecr_strict.put_image(repositoryName=REPO, imageManifest=image)


@pytest.mark.parametrize("list_type", [DOCKER_LIST, OCI_INDEX], ids=["docker-list", "oci-index"])
def test_strict_push_of_a_list_needs_every_child_image(ecr_strict: Any, list_type: str) -> None:
    config = data("config")
    upload(ecr_strict, config, data("amd64"), data("arm64"))
    amd64, arm64 = manifest(config, [data("amd64")]), manifest(config, [data("arm64")])
    multi = manifest_list([amd64, arm64], list_type)
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=multi, imageTag="latest")
    assert error(exc) == images_not_found(text_digest(amd64), text_digest(arm64))

    ecr_strict.put_image(repositoryName=REPO, imageManifest=arm64)
    with pytest.raises(ClientError) as exc:
        ecr_strict.put_image(repositoryName=REPO, imageManifest=multi, imageTag="latest")
    assert error(exc) == images_not_found(text_digest(amd64))

    ecr_strict.put_image(repositoryName=REPO, imageManifest=amd64)
    pushed = ecr_strict.put_image(repositoryName=REPO, imageManifest=multi, imageTag="latest")["image"]
    assert pushed["imageId"] == {"imageDigest": text_digest(multi), "imageTag": "latest"}


def test_strict_push_of_a_referrer_does_not_need_its_subject(ecr_strict: Any) -> None:
    config, signature = data("config"), data("signature")
    upload(ecr_strict, config, signature)
    subject = "sha256:" + "5" * 64
    referrer = manifest(
        config,
        [signature],
        media_type=OCI_MANIFEST,
        extra={"subject": {"mediaType": OCI_MANIFEST, "size": 100, "digest": subject}},
    )
    ecr_strict.put_image(repositoryName=REPO, imageManifest=referrer)
    found = ecr_strict.list_image_referrers(repositoryName=REPO, subjectId={"imageDigest": subject})["referrers"]
    assert [r["digest"] for r in found] == [text_digest(referrer)]

"""Pull through cache through boto3: Create/Describe/Update/Delete/ValidatePullThroughCacheRule, and pulls that
fetch from an upstream inside the mock: another ECR registry of the mock, or a seeded upstream such as Docker Hub
(shared/ecr-behaviour.md 3.8, 4.10; docs/registries.md).

The pull-through exceptions' texts are unconfirmed in the reference: the tests pin the mock's wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
import requests
from _manifests import docker_image, sha256_of
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
UPSTREAM_REGION = "us-west-2"
HUB = "registry-1.docker.io"
ECR_URL = f"{ACCOUNT}.dkr.ecr.{UPSTREAM_REGION}.amazonaws.com"
SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecr-pullthroughcache/hub"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecr-pull-through"


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def mock() -> Iterator[Any]:
    with mock_ecr() as handle:
        yield handle


def client(region: str = REGION) -> Any:
    return boto3.client("ecr", region_name=region)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def not_found(prefix: str) -> tuple[str, str]:
    return (
        "PullThroughCacheRuleNotFoundException",
        f"The pull through cache rule with the ECR repository prefix '{prefix}' does not exist "
        f"in the registry with id '{ACCOUNT}'",
    )


def hub_rule(ecr: Any, prefix: str = "docker-hub", **kwargs: Any) -> dict[str, Any]:
    return dict(
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix=prefix, upstreamRegistryUrl=HUB, credentialArn=SECRET, **kwargs
        )
    )


def seed_hub(mock: Any, name: str, n: int = 1, tag: str = "latest", *, with_layers: bool = True) -> Any:
    """An image in the mock's Docker Hub upstream; its ``Built``."""
    hub = mock.upstream(HUB)
    if name not in hub.repositories:
        hub.create_repository(name)
    built = docker_image(n)
    if with_layers:
        for data in built.blobs:
            hub.put_blob(name, data)
    hub.put_image(name, built.manifest, tag=tag)
    return built


def pull(ecr: Any, name: str, tag: str = "latest") -> dict[str, Any]:
    answer = ecr.batch_get_image(repositoryName=name, imageIds=[{"imageTag": tag}])
    assert answer["failures"] == []
    return dict(answer["images"][0])


def repository_names(ecr: Any) -> list[str]:
    return sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"])


# --- rules --------------------------------------------------------------------------------------------------


def test_create_describe_update_validate_delete(mock: Any) -> None:
    ecr = client()
    created = hub_rule(ecr)
    assert {k: v for k, v in created.items() if k not in ("createdAt", "ResponseMetadata")} == {
        "ecrRepositoryPrefix": "docker-hub",
        "upstreamRegistryUrl": HUB,
        "registryId": ACCOUNT,
        "upstreamRegistry": "docker-hub",
        "credentialArn": SECRET,
        "upstreamRepositoryPrefix": "ROOT",
    }

    described = ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"]
    assert [(r["ecrRepositoryPrefix"], r["upstreamRegistryUrl"], r["upstreamRegistry"]) for r in described] == [
        ("docker-hub", HUB, "docker-hub")
    ]
    named = ecr.describe_pull_through_cache_rules(ecrRepositoryPrefixes=["docker-hub"])["pullThroughCacheRules"]
    assert named[0]["credentialArn"] == SECRET

    other_secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecr-pullthroughcache/hub-2"
    updated = ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", credentialArn=other_secret)
    assert updated["ecrRepositoryPrefix"] == "docker-hub"
    assert updated["credentialArn"] == other_secret
    assert updated["registryId"] == ACCOUNT

    validated = ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub")
    assert validated["isValid"] is True
    assert validated["upstreamRegistryUrl"] == HUB
    assert validated["credentialArn"] == other_secret

    deleted = ecr.delete_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub")
    assert deleted["ecrRepositoryPrefix"] == "docker-hub"
    assert deleted["upstreamRegistryUrl"] == HUB
    assert deleted["credentialArn"] == other_secret
    assert ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []


def test_prefix_with_a_trailing_slash_is_the_same_rule(mock: Any) -> None:
    ecr = client()
    hub_rule(ecr, "docker-hub/")
    with pytest.raises(ClientError) as exc:
        hub_rule(ecr, "docker-hub")
    assert error_of(exc) == (
        "PullThroughCacheRuleAlreadyExistsException",
        f"A pull through cache rule with the ECR repository prefix 'docker-hub' already exists "
        f"in the registry with id '{ACCOUNT}'",
    )


def test_unknown_prefix_is_not_found_everywhere(mock: Any) -> None:
    ecr = client()
    calls: list[tuple[Any, dict[str, Any]]] = [
        (ecr.describe_pull_through_cache_rules, {"ecrRepositoryPrefixes": ["nothing"]}),
        (ecr.update_pull_through_cache_rule, {"ecrRepositoryPrefix": "nothing", "credentialArn": SECRET}),
        (ecr.delete_pull_through_cache_rule, {"ecrRepositoryPrefix": "nothing"}),
        (ecr.validate_pull_through_cache_rule, {"ecrRepositoryPrefix": "nothing"}),
    ]
    for call, kwargs in calls:
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert error_of(exc) == not_found("nothing")


def test_unsupported_upstream_urls_and_mismatched_kinds(mock: Any) -> None:
    ecr = client()
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="example", upstreamRegistryUrl="registry.example.com")
    assert error_of(exc) == (
        "UnsupportedUpstreamRegistryException",
        "The upstream registry URL 'registry.example.com' is not supported",
    )
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io", upstreamRegistry="ecr-public"
        )
    assert error_of(exc) == (
        "UnsupportedUpstreamRegistryException",
        "The upstream registry URL 'quay.io' is not supported",
    )
    assert ecr.describe_pull_through_cache_rules()["pullThroughCacheRules"] == []


def test_upstreams_without_authentication_need_no_credentials(mock: Any) -> None:
    ecr = client()
    answer = ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="quay", upstreamRegistryUrl="quay.io")
    assert answer["upstreamRegistry"] == "quay"
    assert "credentialArn" not in answer


def test_missing_credentials_are_validation_errors(mock: Any) -> None:
    ecr = client()
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl=HUB)
    assert error_of(exc) == (
        "ValidationException",
        "A credentialArn is required for the upstream registry docker-hub",
    )
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="upstream", upstreamRegistryUrl=ECR_URL)
    assert error_of(exc) == ("ValidationException", "A customRoleArn is required for an ECR upstream registry")


@pytest.mark.parametrize(
    "secret",
    [
        "arn:aws:secretsmanager:us-east-1:999988887777:secret:ecr-pullthroughcache/hub",
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:ecr-pullthroughcache/hub",
    ],
)
def test_secret_outside_the_rules_account_and_region(mock: Any, secret: str) -> None:
    ecr = client()
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix="docker-hub", upstreamRegistryUrl=HUB, credentialArn=secret
        )
    assert error_of(exc) == (
        "UnableToAccessSecretException",
        f"Unable to access the secret '{secret}': it must be in the same account and region as the rule",
    )
    hub_rule(ecr)
    with pytest.raises(ClientError) as exc:
        ecr.update_pull_through_cache_rule(ecrRepositoryPrefix="docker-hub", credentialArn=secret)
    assert error_of(exc)[0] == "UnableToAccessSecretException"


def test_upstream_prefix_with_a_root_rule_is_invalid(mock: Any) -> None:
    ecr = client()
    with pytest.raises(ClientError) as exc:
        ecr.create_pull_through_cache_rule(
            ecrRepositoryPrefix="ROOT",
            upstreamRegistryUrl=ECR_URL,
            customRoleArn=ROLE,
            upstreamRepositoryPrefix="team",
        )
    assert error_of(exc) == (
        "ValidationException",
        "upstreamRepositoryPrefix can only be set when ecrRepositoryPrefix is not ROOT",
    )


def test_validate_an_ecr_upstream_the_mock_has_never_seen(mock: Any) -> None:
    ecr = client()
    url = "999988887777.dkr.ecr.sa-east-1.amazonaws.com"
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="far", upstreamRegistryUrl=url, customRoleArn=ROLE)
    validated = ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="far")
    assert validated["isValid"] is False
    assert validated["failure"] == f"The upstream registry '{url}' could not be reached"


# --- pulls --------------------------------------------------------------------------------------------------


def test_first_pull_from_docker_hub_creates_the_repository_and_imports(mock: Any) -> None:
    built = seed_hub(mock, "library/nginx")
    ecr = client()
    hub_rule(ecr)
    assert repository_names(ecr) == []

    image = pull(ecr, "docker-hub/library/nginx")
    assert image["imageManifest"] == built.manifest
    assert image["imageId"] == {"imageDigest": built.digest, "imageTag": "latest"}
    assert repository_names(ecr) == ["docker-hub/library/nginx"]
    listed = ecr.list_images(repositoryName="docker-hub/library/nginx")["imageIds"]
    assert listed == [{"imageDigest": built.digest, "imageTag": "latest"}]
    for data in built.blobs[1:]:
        url = ecr.get_download_url_for_layer(repositoryName="docker-hub/library/nginx", layerDigest=sha256_of(data))[
            "downloadUrl"
        ]
        assert requests.get(url, timeout=5).content == data


def test_pull_from_an_ecr_upstream_in_another_region(mock: Any) -> None:
    upstream, ecr = client(UPSTREAM_REGION), client()
    upstream.create_repository(repositoryName="team/app")
    built = docker_image(4)
    for data in built.blobs:
        upload_id = upstream.initiate_layer_upload(repositoryName="team/app")["uploadId"]
        upstream.upload_layer_part(
            repositoryName="team/app",
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=len(data) - 1,
            layerPartBlob=data,
        )
        upstream.complete_layer_upload(repositoryName="team/app", uploadId=upload_id, layerDigests=[sha256_of(data)])
    upstream.put_image(repositoryName="team/app", imageManifest=built.manifest, imageTag="1.0")

    answer = ecr.create_pull_through_cache_rule(
        ecrRepositoryPrefix="mirror", upstreamRegistryUrl=ECR_URL, upstreamRegistry="ecr", customRoleArn=ROLE
    )
    assert answer["upstreamRegistry"] == "ecr"
    assert ecr.validate_pull_through_cache_rule(ecrRepositoryPrefix="mirror")["isValid"] is True

    image = pull(ecr, "mirror/team/app", "1.0")
    assert image["imageId"]["imageDigest"] == built.digest
    assert repository_names(ecr) == ["mirror/team/app"]
    layer = built.blobs[1]
    url = ecr.get_download_url_for_layer(repositoryName="mirror/team/app", layerDigest=sha256_of(layer))["downloadUrl"]
    assert requests.get(url, timeout=5).content == layer


def test_upstream_repository_prefix_maps_the_path(mock: Any) -> None:
    built = seed_hub(mock, "library/redis")
    ecr = client()
    hub_rule(ecr, "official", upstreamRepositoryPrefix="library")
    assert pull(ecr, "official/redis")["imageId"]["imageDigest"] == built.digest
    assert repository_names(ecr) == ["official/redis"]


def test_root_rule_covers_names_no_other_rule_does(mock: Any) -> None:
    upstream, ecr = client(UPSTREAM_REGION), client()
    upstream.create_repository(repositoryName="base/python")
    digest = upstream.put_image(repositoryName="base/python", imageManifest=docker_image(5).manifest, imageTag="3")[
        "image"
    ]["imageId"]["imageDigest"]
    ecr.create_pull_through_cache_rule(ecrRepositoryPrefix="ROOT", upstreamRegistryUrl=ECR_URL, customRoleArn=ROLE)
    hub_built = seed_hub(mock, "library/nginx")
    hub_rule(ecr)

    assert pull(ecr, "base/python", "3")["imageId"]["imageDigest"] == digest
    assert pull(ecr, "docker-hub/library/nginx")["imageId"]["imageDigest"] == hub_built.digest
    assert repository_names(ecr) == ["base/python", "docker-hub/library/nginx"]


def test_pull_through_template_applies_to_the_created_repository(mock: Any) -> None:
    seed_hub(mock, "library/nginx")
    ecr = client()
    ecr.create_repository_creation_template(
        prefix="docker-hub",
        appliedFor=["PULL_THROUGH_CACHE"],
        imageTagMutability="IMMUTABLE",
        resourceTags=[{"Key": "source", "Value": "hub"}],
    )
    hub_rule(ecr)
    pull(ecr, "docker-hub/library/nginx")
    created = ecr.describe_repositories(repositoryNames=["docker-hub/library/nginx"])["repositories"][0]
    assert created["imageTagMutability"] == "IMMUTABLE"
    assert ecr.list_tags_for_resource(resourceArn=created["repositoryArn"])["tags"] == [
        {"Key": "source", "Value": "hub"}
    ]


def test_an_upstream_miss_is_unable_to_get_upstream_image(mock: Any) -> None:
    seed_hub(mock, "library/nginx")
    ecr = client()
    hub_rule(ecr)
    with pytest.raises(ClientError) as exc:
        ecr.batch_get_image(repositoryName="docker-hub/library/nginx", imageIds=[{"imageTag": "missing"}])
    assert error_of(exc) == (
        "UnableToGetUpstreamImageException",
        "The image with imageId {imageDigest:'null', imageTag:'missing'} could not be found in the upstream "
        f"repository 'library/nginx' of the upstream registry '{HUB}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.batch_get_image(repositoryName="docker-hub/library/absent", imageIds=[{"imageTag": "latest"}])
    assert error_of(exc) == (
        "UnableToGetUpstreamImageException",
        "The image with imageId {imageDigest:'null', imageTag:'latest'} could not be found in the upstream "
        f"repository 'library/absent' of the upstream registry '{HUB}'",
    )
    assert repository_names(ecr) == []


def test_a_layer_the_upstream_lacks_is_unable_to_get_upstream_layer(mock: Any) -> None:
    built = seed_hub(mock, "library/nginx", with_layers=False)
    ecr = client()
    hub_rule(ecr)
    pull(ecr, "docker-hub/library/nginx")
    digest = sha256_of(built.blobs[1])
    with pytest.raises(ClientError) as exc:
        ecr.get_download_url_for_layer(repositoryName="docker-hub/library/nginx", layerDigest=digest)
    assert error_of(exc) == (
        "UnableToGetUpstreamLayerException",
        f"The layer with digest '{digest}' could not be found in the upstream repository 'library/nginx' "
        f"of the upstream registry '{HUB}'",
    )


def test_a_moved_upstream_tag_is_followed_on_the_next_pull(mock: Any) -> None:
    first = seed_hub(mock, "library/nginx", 1)
    ecr = client()
    hub_rule(ecr)
    assert pull(ecr, "docker-hub/library/nginx")["imageId"]["imageDigest"] == first.digest
    second = seed_hub(mock, "library/nginx", 2)
    assert pull(ecr, "docker-hub/library/nginx")["imageId"]["imageDigest"] == second.digest
    # the first import stays cached, by digest
    by_digest = ecr.batch_get_image(repositoryName="docker-hub/library/nginx", imageIds=[{"imageDigest": first.digest}])
    assert by_digest["images"][0]["imageManifest"] == first.manifest
    tagged = ecr.list_images(repositoryName="docker-hub/library/nginx", filter={"tagStatus": "TAGGED"})["imageIds"]
    assert tagged == [{"imageDigest": second.digest, "imageTag": "latest"}]

"""The seed (moto 1.3.14's tests/test_ecr/test_ecr_boto3.py, 33 tests) ported to pytest and plain asserts.

Every assertion of the original is kept, in the original order; only the server-mode skip is dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from random import random
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    ClientError,
    ParamValidationError,
)
from dateutil.tz import tzlocal
from freezegun import freeze_time

from ecr_mock import mock_ecr


def _create_image_digest(contents: str | None = None) -> str:
    if not contents:
        contents = f"docker_image{int(random() * 10**6)}"
    return f"sha256:{hashlib.sha256(contents.encode('utf-8')).hexdigest()}"


def _create_image_manifest() -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": _create_image_digest("config"),
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 32654,
                "digest": _create_image_digest("layer1"),
            },
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 16724,
                "digest": _create_image_digest("layer2"),
            },
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 73109,
                # randomize image digest
                "digest": _create_image_digest(),
            },
        ],
    }


@mock_ecr
def test_create_repository() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    response = client.create_repository(repositoryName="test_ecr_repository")
    assert response["repository"]["repositoryName"] == "test_ecr_repository"
    assert (
        response["repository"]["repositoryArn"] == "arn:aws:ecr:us-east-1:012345678910:repository/test_ecr_repository"
    )
    assert response["repository"]["registryId"] == "012345678910"
    assert response["repository"]["repositoryUri"] == "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_ecr_repository"
    # response['repository']['createdAt'].should.equal(0)


@mock_ecr
def test_describe_repositories() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository1")
    _ = client.create_repository(repositoryName="test_repository0")
    response = client.describe_repositories()
    assert len(response["repositories"]) == 2

    respository_arns = [
        "arn:aws:ecr:us-east-1:012345678910:repository/test_repository1",
        "arn:aws:ecr:us-east-1:012345678910:repository/test_repository0",
    ]
    assert {
        response["repositories"][0]["repositoryArn"],
        response["repositories"][1]["repositoryArn"],
    } == set(respository_arns)

    respository_uris = [
        "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository1",
        "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository0",
    ]
    assert {
        response["repositories"][0]["repositoryUri"],
        response["repositories"][1]["repositoryUri"],
    } == set(respository_uris)


@mock_ecr
def test_describe_repositories_1() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository1")
    _ = client.create_repository(repositoryName="test_repository0")
    response = client.describe_repositories(registryId="012345678910")
    assert len(response["repositories"]) == 2

    respository_arns = [
        "arn:aws:ecr:us-east-1:012345678910:repository/test_repository1",
        "arn:aws:ecr:us-east-1:012345678910:repository/test_repository0",
    ]
    assert {
        response["repositories"][0]["repositoryArn"],
        response["repositories"][1]["repositoryArn"],
    } == set(respository_arns)

    respository_uris = [
        "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository1",
        "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository0",
    ]
    assert {
        response["repositories"][0]["repositoryUri"],
        response["repositories"][1]["repositoryUri"],
    } == set(respository_uris)


@mock_ecr
def test_describe_repositories_2() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository1")
    _ = client.create_repository(repositoryName="test_repository0")
    response = client.describe_repositories(registryId="109876543210")
    assert len(response["repositories"]) == 0


@mock_ecr
def test_describe_repositories_3() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository1")
    _ = client.create_repository(repositoryName="test_repository0")
    response = client.describe_repositories(repositoryNames=["test_repository1"])
    assert len(response["repositories"]) == 1
    respository_arn = "arn:aws:ecr:us-east-1:012345678910:repository/test_repository1"
    assert response["repositories"][0]["repositoryArn"] == respository_arn

    respository_uri = "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository1"
    assert response["repositories"][0]["repositoryUri"] == respository_uri


@mock_ecr
def test_describe_repositories_with_image() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    response = client.describe_repositories(repositoryNames=["test_repository"])
    assert len(response["repositories"]) == 1


@mock_ecr
def test_delete_repository() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")
    response = client.delete_repository(repositoryName="test_repository")
    assert response["repository"]["repositoryName"] == "test_repository"
    assert response["repository"]["repositoryArn"] == "arn:aws:ecr:us-east-1:012345678910:repository/test_repository"
    assert response["repository"]["registryId"] == "012345678910"
    assert response["repository"]["repositoryUri"] == "012345678910.dkr.ecr.us-east-1.amazonaws.com/test_repository"
    # response['repository']['createdAt'].should.equal(0)

    response = client.describe_repositories()
    assert len(response["repositories"]) == 0


@mock_ecr
def test_put_image() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    response = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    assert response["image"]["imageId"]["imageTag"] == "latest"
    assert "sha" in response["image"]["imageId"]["imageDigest"]
    assert response["image"]["repositoryName"] == "test_repository"
    assert response["image"]["registryId"] == "012345678910"


@mock_ecr
def test_put_image_with_push_date() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    with freeze_time("2018-08-28 00:00:00"):
        image1_date = datetime.now()
        _ = client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(_create_image_manifest()),
            imageTag="latest",
        )

    with freeze_time("2019-05-31 00:00:00"):
        image2_date = datetime.now()
        _ = client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(_create_image_manifest()),
            imageTag="latest",
        )

    describe_response = client.describe_images(repositoryName="test_repository")

    assert type(describe_response["imageDetails"]) is list
    assert len(describe_response["imageDetails"]) == 2

    assert {
        describe_response["imageDetails"][0]["imagePushedAt"],
        describe_response["imageDetails"][1]["imagePushedAt"],
    } == {image1_date, image2_date}


@mock_ecr
def test_put_image_with_multiple_tags() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")
    manifest = _create_image_manifest()
    response = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(manifest),
        imageTag="v1",
    )

    assert response["image"]["imageId"]["imageTag"] == "v1"
    assert "sha" in response["image"]["imageId"]["imageDigest"]
    assert response["image"]["repositoryName"] == "test_repository"
    assert response["image"]["registryId"] == "012345678910"

    response1 = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(manifest),
        imageTag="latest",
    )

    assert response1["image"]["imageId"]["imageTag"] == "latest"
    assert "sha" in response1["image"]["imageId"]["imageDigest"]
    assert response1["image"]["repositoryName"] == "test_repository"
    assert response1["image"]["registryId"] == "012345678910"

    response2 = client.describe_images(repositoryName="test_repository")
    assert type(response2["imageDetails"]) is list
    assert len(response2["imageDetails"]) == 1

    assert "sha" in response2["imageDetails"][0]["imageDigest"]

    assert response2["imageDetails"][0]["registryId"] == "012345678910"

    assert response2["imageDetails"][0]["repositoryName"] == "test_repository"

    assert len(response2["imageDetails"][0]["imageTags"]) == 2
    assert response2["imageDetails"][0]["imageTags"] == ["v1", "latest"]


@mock_ecr
def test_list_images() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository_1")

    _ = client.create_repository(repositoryName="test_repository_2")

    _ = client.put_image(
        repositoryName="test_repository_1",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    _ = client.put_image(
        repositoryName="test_repository_1",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v1",
    )

    _ = client.put_image(
        repositoryName="test_repository_1",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v2",
    )

    _ = client.put_image(
        repositoryName="test_repository_2",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="oldest",
    )

    response = client.list_images(repositoryName="test_repository_1")
    assert type(response["imageIds"]) is list
    assert len(response["imageIds"]) == 3

    image_tags = ["latest", "v1", "v2"]
    assert {
        response["imageIds"][0]["imageTag"],
        response["imageIds"][1]["imageTag"],
        response["imageIds"][2]["imageTag"],
    } == set(image_tags)

    response = client.list_images(repositoryName="test_repository_2")
    assert type(response["imageIds"]) is list
    assert len(response["imageIds"]) == 1
    assert response["imageIds"][0]["imageTag"] == "oldest"


@mock_ecr
def test_list_images_from_repository_that_doesnt_exist() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository_1")

    # non existing repo
    error_msg = re.compile(
        r".*The repository with name 'repo-that-doesnt-exist' "
        r"does not exist in the registry with id '123'.*",
        re.MULTILINE,
    )
    with pytest.raises(ClientError) as exc:
        client.list_images(repositoryName="repo-that-doesnt-exist", registryId="123")
    assert error_msg.search(str(exc.value))

    # repo does not exist in specified registry
    error_msg = re.compile(
        r".*The repository with name 'test_repository_1' "
        r"does not exist in the registry with id '222'.*",
        re.MULTILINE,
    )
    with pytest.raises(ClientError) as exc:
        client.list_images(repositoryName="test_repository_1", registryId="222")
    assert error_msg.search(str(exc.value))


@mock_ecr
def test_describe_images() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v1",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v2",
    )

    response = client.describe_images(repositoryName="test_repository")
    assert type(response["imageDetails"]) is list
    assert len(response["imageDetails"]) == 4

    assert "sha" in response["imageDetails"][0]["imageDigest"]
    assert "sha" in response["imageDetails"][1]["imageDigest"]
    assert "sha" in response["imageDetails"][2]["imageDigest"]
    assert "sha" in response["imageDetails"][3]["imageDigest"]

    assert response["imageDetails"][0]["registryId"] == "012345678910"
    assert response["imageDetails"][1]["registryId"] == "012345678910"
    assert response["imageDetails"][2]["registryId"] == "012345678910"
    assert response["imageDetails"][3]["registryId"] == "012345678910"

    assert response["imageDetails"][0]["repositoryName"] == "test_repository"
    assert response["imageDetails"][1]["repositoryName"] == "test_repository"
    assert response["imageDetails"][2]["repositoryName"] == "test_repository"
    assert response["imageDetails"][3]["repositoryName"] == "test_repository"

    assert "imageTags" not in response["imageDetails"][0]
    assert len(response["imageDetails"][1]["imageTags"]) == 1
    assert len(response["imageDetails"][2]["imageTags"]) == 1
    assert len(response["imageDetails"][3]["imageTags"]) == 1

    image_tags = ["latest", "v1", "v2"]
    assert {
        response["imageDetails"][1]["imageTags"][0],
        response["imageDetails"][2]["imageTags"][0],
        response["imageDetails"][3]["imageTags"][0],
    } == set(image_tags)

    assert response["imageDetails"][0]["imageSizeInBytes"] == 52428800
    assert response["imageDetails"][1]["imageSizeInBytes"] == 52428800
    assert response["imageDetails"][2]["imageSizeInBytes"] == 52428800
    assert response["imageDetails"][3]["imageSizeInBytes"] == 52428800


@mock_ecr
def test_describe_images_by_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    tag_map: dict[str, Any] = {}
    for tag in ["latest", "v1", "v2"]:
        put_response = client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(_create_image_manifest()),
            imageTag=tag,
        )
        tag_map[tag] = put_response["image"]

    for tag, put_response in tag_map.items():
        response = client.describe_images(repositoryName="test_repository", imageIds=[{"imageTag": tag}])
        assert len(response["imageDetails"]) == 1
        image_detail = response["imageDetails"][0]
        assert image_detail["registryId"] == "012345678910"
        assert image_detail["repositoryName"] == "test_repository"
        assert image_detail["imageTags"] == [put_response["imageId"]["imageTag"]]
        assert image_detail["imageDigest"] == put_response["imageId"]["imageDigest"]


@mock_ecr
def test_describe_images_tags_should_not_contain_empty_tag1() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()
    client.put_image(repositoryName="test_repository", imageManifest=json.dumps(manifest))

    tags = ["v1", "v2", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    response = client.describe_images(repositoryName="test_repository", imageIds=[{"imageTag": tag}])
    assert len(response["imageDetails"]) == 1
    image_detail = response["imageDetails"][0]
    assert len(image_detail["imageTags"]) == 3
    assert image_detail["imageTags"] == tags


@mock_ecr
def test_describe_images_tags_should_not_contain_empty_tag2() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()
    tags = ["v1", "v2"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    client.put_image(repositoryName="test_repository", imageManifest=json.dumps(manifest))

    client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(manifest),
        imageTag="latest",
    )

    response = client.describe_images(repositoryName="test_repository", imageIds=[{"imageTag": tag}])
    assert len(response["imageDetails"]) == 1
    image_detail = response["imageDetails"][0]
    assert len(image_detail["imageTags"]) == 3
    assert image_detail["imageTags"] == ["v1", "v2", "latest"]


@mock_ecr
def test_describe_repository_that_doesnt_exist() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")

    error_msg = re.compile(
        r".*The repository with name 'repo-that-doesnt-exist' "
        r"does not exist in the registry with id '123'.*",
        re.MULTILINE,
    )
    with pytest.raises(ClientError) as exc:
        client.describe_repositories(repositoryNames=["repo-that-doesnt-exist"], registryId="123")
    assert error_msg.search(str(exc.value))


@mock_ecr
def test_describe_image_that_doesnt_exist() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    error_msg1 = re.compile(
        r".*The image with imageId {imageDigest:'null', imageTag:'testtag'} does not exist within "
        r"the repository with name 'test_repository' in the registry with id '123'.*",
        re.MULTILINE,
    )

    with pytest.raises(ClientError) as exc:
        client.describe_images(
            repositoryName="test_repository",
            imageIds=[{"imageTag": "testtag"}],
            registryId="123",
        )
    assert error_msg1.search(str(exc.value))

    error_msg2 = re.compile(
        r".*The repository with name 'repo-that-doesnt-exist' "
        r"does not exist in the registry with id '123'.*",
        re.MULTILINE,
    )
    with pytest.raises(ClientError) as exc:
        client.describe_images(
            repositoryName="repo-that-doesnt-exist",
            imageIds=[{"imageTag": "testtag"}],
            registryId="123",
        )
    assert error_msg2.search(str(exc.value))


@mock_ecr
def test_delete_repository_that_doesnt_exist() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")

    error_msg = re.compile(
        r".*The repository with name 'repo-that-doesnt-exist' "
        r"does not exist in the registry with id '123'.*",
        re.MULTILINE,
    )

    with pytest.raises(ClientError) as exc:
        client.delete_repository(repositoryName="repo-that-doesnt-exist", registryId="123")
    assert error_msg.search(str(exc.value))


@mock_ecr
def test_describe_images_by_digest() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    tags = ["latest", "v1", "v2"]
    digest_map: dict[str, Any] = {}
    for tag in tags:
        put_response = client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(_create_image_manifest()),
            imageTag=tag,
        )
        digest_map[put_response["image"]["imageId"]["imageDigest"]] = put_response["image"]

    for digest, put_response in digest_map.items():
        response = client.describe_images(repositoryName="test_repository", imageIds=[{"imageDigest": digest}])
        assert len(response["imageDetails"]) == 1
        image_detail = response["imageDetails"][0]
        assert image_detail["registryId"] == "012345678910"
        assert image_detail["repositoryName"] == "test_repository"
        assert image_detail["imageTags"] == [put_response["imageId"]["imageTag"]]
        assert image_detail["imageDigest"] == digest


@mock_ecr
def test_get_authorization_token_assume_region() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    auth_token_response = client.get_authorization_token()

    assert "authorizationData" in auth_token_response
    assert "ResponseMetadata" in auth_token_response
    assert auth_token_response["authorizationData"] == [
        {
            "authorizationToken": "QVdTOjAxMjM0NTY3ODkxMC1hdXRoLXRva2Vu",
            "proxyEndpoint": "https://012345678910.dkr.ecr.us-east-1.amazonaws.com",
            "expiresAt": datetime(2015, 1, 1, tzinfo=tzlocal()),
        }
    ]


@mock_ecr
def test_get_authorization_token_explicit_regions() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    auth_token_response = client.get_authorization_token(registryIds=["10987654321", "878787878787"])

    assert "authorizationData" in auth_token_response
    assert "ResponseMetadata" in auth_token_response
    assert auth_token_response["authorizationData"] == [
        {
            "authorizationToken": "QVdTOjEwOTg3NjU0MzIxLWF1dGgtdG9rZW4=",
            "proxyEndpoint": "https://10987654321.dkr.ecr.us-east-1.amazonaws.com",
            "expiresAt": datetime(2015, 1, 1, tzinfo=tzlocal()),
        },
        {
            "authorizationToken": "QVdTOjg3ODc4Nzg3ODc4Ny1hdXRoLXRva2Vu",
            "proxyEndpoint": "https://878787878787.dkr.ecr.us-east-1.amazonaws.com",
            "expiresAt": datetime(2015, 1, 1, tzinfo=tzlocal()),
        },
    ]


@mock_ecr
def test_batch_get_image() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v1",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v2",
    )

    response = client.batch_get_image(repositoryName="test_repository", imageIds=[{"imageTag": "v2"}])

    assert type(response["images"]) is list
    assert len(response["images"]) == 1

    assert "vnd.docker.distribution.manifest.v2+json" in response["images"][0]["imageManifest"]
    assert response["images"][0]["registryId"] == "012345678910"
    assert response["images"][0]["repositoryName"] == "test_repository"

    assert response["images"][0]["imageId"]["imageTag"] == "v2"
    assert "sha" in response["images"][0]["imageId"]["imageDigest"]

    assert type(response["failures"]) is list
    assert len(response["failures"]) == 0


@mock_ecr
def test_batch_get_image_that_doesnt_exist() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v1",
    )

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v2",
    )

    response = client.batch_get_image(repositoryName="test_repository", imageIds=[{"imageTag": "v5"}])

    assert type(response["images"]) is list
    assert len(response["images"]) == 0

    assert type(response["failures"]) is list
    assert len(response["failures"]) == 1
    assert response["failures"][0]["failureReason"] == "Requested image not found"
    assert response["failures"][0]["failureCode"] == "ImageNotFound"
    assert response["failures"][0]["imageId"]["imageTag"] == "v5"


@mock_ecr
def test_batch_get_image_no_tags() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    _ = client.create_repository(repositoryName="test_repository")

    _ = client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="latest",
    )

    error_msg = re.compile(r".*Missing required parameter in input: \"imageIds\".*", re.MULTILINE)

    with pytest.raises(ParamValidationError) as exc:
        client.batch_get_image(repositoryName="test_repository")
    assert error_msg.search(str(exc.value))


@mock_ecr
def test_batch_delete_image_by_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "v1.0", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    describe_response1 = client.describe_images(repositoryName="test_repository")

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageTag": "latest"}],
    )

    describe_response2 = client.describe_images(repositoryName="test_repository")

    assert type(describe_response1["imageDetails"][0]["imageTags"]) is list
    assert len(describe_response1["imageDetails"][0]["imageTags"]) == 3

    assert type(describe_response2["imageDetails"][0]["imageTags"]) is list
    assert len(describe_response2["imageDetails"][0]["imageTags"]) == 2

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 1

    assert batch_delete_response["imageIds"][0]["imageTag"] == "latest"

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 0


@mock_ecr
def test_batch_delete_image_delete_last_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    client.put_image(
        repositoryName="test_repository",
        imageManifest=json.dumps(_create_image_manifest()),
        imageTag="v1",
    )

    describe_response1 = client.describe_images(repositoryName="test_repository")

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageTag": "v1"}],
    )

    describe_response2 = client.describe_images(repositoryName="test_repository")

    assert type(describe_response1["imageDetails"][0]["imageTags"]) is list
    assert len(describe_response1["imageDetails"][0]["imageTags"]) == 1

    assert type(describe_response2["imageDetails"]) is list
    assert len(describe_response2["imageDetails"]) == 0

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 1

    assert batch_delete_response["imageIds"][0]["imageTag"] == "v1"

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 0


@mock_ecr
def test_batch_delete_image_with_nonexistent_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "v1.0", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    describe_response = client.describe_images(repositoryName="test_repository")

    missing_tag = "missing-tag"
    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageTag": missing_tag}],
    )

    assert type(describe_response["imageDetails"][0]["imageTags"]) is list
    assert len(describe_response["imageDetails"][0]["imageTags"]) == 3

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 0

    assert batch_delete_response["failures"][0]["imageId"]["imageTag"] == missing_tag
    assert batch_delete_response["failures"][0]["failureCode"] == "ImageNotFound"
    assert batch_delete_response["failures"][0]["failureReason"] == "Requested image not found"

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 1


@mock_ecr
def test_batch_delete_image_by_digest() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "v2", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    describe_response = client.describe_images(repositoryName="test_repository")
    image_digest = describe_response["imageDetails"][0]["imageDigest"]

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageDigest": image_digest}],
    )

    describe_response = client.describe_images(repositoryName="test_repository")

    assert type(describe_response["imageDetails"]) is list
    assert len(describe_response["imageDetails"]) == 0

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 3

    assert batch_delete_response["imageIds"][0]["imageDigest"] == image_digest
    assert batch_delete_response["imageIds"][1]["imageDigest"] == image_digest
    assert batch_delete_response["imageIds"][2]["imageDigest"] == image_digest

    assert {
        batch_delete_response["imageIds"][0]["imageTag"],
        batch_delete_response["imageIds"][1]["imageTag"],
        batch_delete_response["imageIds"][2]["imageTag"],
    } == set(tags)

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 0


@mock_ecr
def test_batch_delete_image_with_invalid_digest() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "v2", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    invalid_image_digest = "sha256:invalid-digest"

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageDigest": invalid_image_digest}],
    )

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 0

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 1

    assert batch_delete_response["failures"][0]["imageId"]["imageDigest"] == invalid_image_digest
    assert batch_delete_response["failures"][0]["failureCode"] == "InvalidImageDigest"
    assert batch_delete_response["failures"][0]["failureReason"] == (
        "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'"
    )


@mock_ecr
def test_batch_delete_image_with_missing_parameters() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910", repositoryName="test_repository", imageIds=[{}]
    )

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 0

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 1

    assert batch_delete_response["failures"][0]["failureCode"] == "MissingDigestAndTag"
    assert (
        batch_delete_response["failures"][0]["failureReason"]
        == "Invalid request parameters: both tag and digest cannot be null"
    )


@mock_ecr
def test_batch_delete_image_with_matching_digest_and_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "v1.0", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    describe_response = client.describe_images(repositoryName="test_repository")
    image_digest = describe_response["imageDetails"][0]["imageDigest"]

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageDigest": image_digest, "imageTag": "v1"}],
    )

    describe_response = client.describe_images(repositoryName="test_repository")

    assert type(describe_response["imageDetails"]) is list
    assert len(describe_response["imageDetails"]) == 0

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 3

    assert batch_delete_response["imageIds"][0]["imageDigest"] == image_digest
    assert batch_delete_response["imageIds"][1]["imageDigest"] == image_digest
    assert batch_delete_response["imageIds"][2]["imageDigest"] == image_digest

    assert {
        batch_delete_response["imageIds"][0]["imageTag"],
        batch_delete_response["imageIds"][1]["imageTag"],
        batch_delete_response["imageIds"][2]["imageTag"],
    } == set(tags)

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 0


@mock_ecr
def test_batch_delete_image_with_mismatched_digest_and_tag() -> None:
    client: Any = boto3.client("ecr", region_name="us-east-1")
    client.create_repository(repositoryName="test_repository")

    manifest = _create_image_manifest()

    tags = ["v1", "latest"]
    for tag in tags:
        client.put_image(
            repositoryName="test_repository",
            imageManifest=json.dumps(manifest),
            imageTag=tag,
        )

    describe_response = client.describe_images(repositoryName="test_repository")
    image_digest = describe_response["imageDetails"][0]["imageDigest"]

    batch_delete_response = client.batch_delete_image(
        registryId="012345678910",
        repositoryName="test_repository",
        imageIds=[{"imageDigest": image_digest, "imageTag": "v2"}],
    )

    assert type(batch_delete_response["imageIds"]) is list
    assert len(batch_delete_response["imageIds"]) == 0

    assert type(batch_delete_response["failures"]) is list
    assert len(batch_delete_response["failures"]) == 1

    assert batch_delete_response["failures"][0]["imageId"]["imageDigest"] == image_digest
    assert batch_delete_response["failures"][0]["imageId"]["imageTag"] == "v2"
    assert batch_delete_response["failures"][0]["failureCode"] == "ImageNotFound"
    assert batch_delete_response["failures"][0]["failureReason"] == "Requested image not found"

"""CreateRepository, DescribeRepositories and DeleteRepository through boto3, end to end.

Expected texts are the ones in shared/ecr-behaviour.md (sections 1.5, 2.4, 3.1); where the reference marks a wording
"unconfirmed" the test pins the wording the mock chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import docker_manifest
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import (  # type: ignore[import-untyped,unused-ignore]
    ClientError,
    ParamValidationError,
)
from freezegun import freeze_time

from ecr_mock import mock_ecr
from ecr_mock._activation import intercept

ACCOUNT = "012345678910"
OTHER_ACCOUNT = "111122223333"
REGION = "us-east-1"

NAME_PATTERN_MESSAGE = (
    "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
    "'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''"
)
REGISTRY_ID_MESSAGE = (
    "Invalid parameter at 'registryId' failed to satisfy constraint: "
    "'Member must satisfy regular expression pattern: [0-9]{12}'"
)
MUTABILITY_ENUM_MESSAGE = (
    "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: "
    "'Member must satisfy enum value set: [IMMUTABLE, MUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]'"
)


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        yield boto3.client("ecr", region_name=REGION)


@pytest.fixture
def ecr_strict() -> Iterator[Any]:
    with mock_ecr(strict=True):
        yield boto3.client("ecr", region_name=REGION)


@pytest.fixture
def ecr_unvalidated() -> Iterator[Any]:
    """A client that sends what botocore would refuse (min violations), as other SDKs do."""
    with mock_ecr():
        yield boto3.client("ecr", region_name=REGION, config=Config(parameter_validation=False))


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def rnf(name: str, registry_id: str = ACCOUNT) -> tuple[str, str]:
    return (
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'",
    )


def invalid(member: str, constraint: str) -> tuple[str, str]:
    return (
        "InvalidParameterException",
        f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'",
    )


def names_of(repositories: list[dict[str, Any]]) -> list[str]:
    return [repository["repositoryName"] for repository in repositories]


def collect_pages(call: Callable[..., dict[str, Any]], key: str, **kwargs: Any) -> list[dict[str, Any]]:
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


def expected_repository(
    name: str,
    created_at: datetime,
    *,
    registry_id: str = ACCOUNT,
    region: str = REGION,
    mutability: str = "MUTABLE",
    scan_on_push: bool = False,
    encryption: dict[str, str] | None = None,
    filters: list[str] | None = None,
) -> dict[str, Any]:
    repository: dict[str, Any] = {
        "repositoryArn": f"arn:aws:ecr:{region}:{registry_id}:repository/{name}",
        "registryId": registry_id,
        "repositoryName": name,
        "repositoryUri": f"{registry_id}.dkr.ecr.{region}.amazonaws.com/{name}",
        "createdAt": created_at,
        "imageTagMutability": mutability,
        "imageScanningConfiguration": {"scanOnPush": scan_on_push},
        "encryptionConfiguration": encryption or {"encryptionType": "AES256"},
    }
    if filters is not None:
        repository["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": pattern} for pattern in filters
        ]
    return repository


FROZEN = "2024-05-06 07:08:09"
FROZEN_AT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


# --- CreateRepository: happy paths --------------------------------------------------------------------------


def test_create_repository_defaults() -> None:
    with freeze_time(FROZEN), mock_ecr():
        client: Any = boto3.client("ecr", region_name=REGION)
        response = client.create_repository(repositoryName="app")
    assert response["repository"] == expected_repository("app", FROZEN_AT)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "imageTagMutabilityExclusionFilters" not in response["repository"]
    assert response["repository"]["createdAt"].tzinfo is not None


def test_responses_carry_a_request_id(ecr: Any) -> None:
    response = ecr.create_repository(repositoryName="app")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", request_id)
    assert ecr.describe_repositories()["ResponseMetadata"]["RequestId"] != request_id
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app")
    assert exc.value.response["ResponseMetadata"]["RequestId"]


def test_answers_reach_boto3_alike_however_the_interceptor_builds_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The interceptor fills botocore's HeadersDict directly where botocore's classes are shaped for it (checked
    once, at import) and falls back to AWSResponse's own constructor: boto3 sees the same answers either way."""
    assert intercept._response is intercept._direct_response  # the installed botocore takes the direct way
    seen = []
    for build in (intercept._direct_response, intercept._public_response):
        monkeypatch.setattr(intercept, "_response", build)
        with freeze_time(FROZEN), mock_ecr():
            client: Any = boto3.client("ecr", region_name=REGION)
            client.create_repository(repositoryName="app")
            answer = client.describe_repositories()
            with pytest.raises(ClientError) as exc:
                client.describe_repositories(repositoryNames=["gone"])
        for metadata in (answer.pop("ResponseMetadata"), exc.value.response.pop("ResponseMetadata")):
            headers = metadata["HTTPHeaders"]
            assert sorted(headers) == ["content-length", "content-type", "x-amzn-requestid"]
            assert headers["x-amzn-requestid"] == metadata["RequestId"]
            assert headers["content-type"] == "application/x-amz-json-1.1"
            seen.append((metadata["HTTPStatusCode"], headers["content-length"]))
        seen.append((answer, exc.value.response))
    assert seen[:3] == seen[3:]
    assert seen[1][0] == 400
    assert seen[2][1]["Error"] == {
        "Code": "RepositoryNotFoundException",
        "Message": f"The repository with name 'gone' does not exist in the registry with id '{ACCOUNT}'",
    }


def test_create_repository_with_every_input_is_echoed_and_described() -> None:
    with freeze_time(FROZEN), mock_ecr():
        client: Any = boto3.client("ecr", region_name=REGION)
        response = client.create_repository(
            repositoryName="team/service",
            tags=[{"Key": "team", "Value": "platform"}, {"Key": "cost-center", "Value": ""}],
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[
                {"filterType": "WILDCARD", "filter": "dev-*"},
                {"filterType": "WILDCARD", "filter": "latest"},
            ],
            imageScanningConfiguration={"scanOnPush": True},
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:012345678910:key/k1"},
        )
        described = client.describe_repositories(repositoryNames=["team/service"])["repositories"]
    expected = expected_repository(
        "team/service",
        FROZEN_AT,
        mutability="IMMUTABLE_WITH_EXCLUSION",
        scan_on_push=True,
        encryption={"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:012345678910:key/k1"},
        filters=["dev-*", "latest"],
    )
    assert response["repository"] == expected
    assert described == [expected]


@pytest.mark.parametrize("mutability", ["MUTABLE", "IMMUTABLE"])
def test_create_repository_plain_mutability(ecr: Any, mutability: str) -> None:
    repository = ecr.create_repository(repositoryName="app", imageTagMutability=mutability)["repository"]
    assert repository["imageTagMutability"] == mutability
    assert "imageTagMutabilityExclusionFilters" not in repository
    described = ecr.describe_repositories()["repositories"][0]
    assert described["imageTagMutability"] == mutability
    assert "imageTagMutabilityExclusionFilters" not in described


@pytest.mark.parametrize("mutability", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
@pytest.mark.parametrize("patterns", [["*"], ["release-v*"], ["a", "b.c", "d-*", "*-e", "f*g"]])
def test_create_repository_exclusion_modes_report_filters(ecr: Any, mutability: str, patterns: list[str]) -> None:
    filters = [{"filterType": "WILDCARD", "filter": pattern} for pattern in patterns]
    repository = ecr.create_repository(
        repositoryName="app", imageTagMutability=mutability, imageTagMutabilityExclusionFilters=filters
    )["repository"]
    assert repository["imageTagMutability"] == mutability
    assert repository["imageTagMutabilityExclusionFilters"] == filters
    described = ecr.describe_repositories(repositoryNames=["app"])["repositories"][0]
    assert described["imageTagMutabilityExclusionFilters"] == filters


@pytest.mark.parametrize("scan_on_push", [True, False])
def test_create_repository_scanning_configuration(ecr: Any, scan_on_push: bool) -> None:
    repository = ecr.create_repository(repositoryName="app", imageScanningConfiguration={"scanOnPush": scan_on_push})[
        "repository"
    ]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": scan_on_push}


def test_create_repository_empty_scanning_configuration_defaults_to_false(ecr: Any) -> None:
    repository = ecr.create_repository(repositoryName="app", imageScanningConfiguration={})["repository"]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": False}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"encryptionType": "AES256"}, {"encryptionType": "AES256"}),
        (
            {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:012345678910:key/1234abcd"},
            {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:012345678910:key/1234abcd"},
        ),
        ({"encryptionType": "KMS", "kmsKey": "alias/my-key"}, {"encryptionType": "KMS", "kmsKey": "alias/my-key"}),
        # KMS without a key: the AWS-managed key, by key ARN (test_kms_without_a_key_reports_the_managed_key_arn)
        (
            {"encryptionType": "KMS_DSSE", "kmsKey": "key-id-1"},
            {"encryptionType": "KMS_DSSE", "kmsKey": "key-id-1"},
        ),
    ],
)
def test_create_repository_encryption(ecr: Any, given: dict[str, str], expected: dict[str, str]) -> None:
    repository = ecr.create_repository(repositoryName="app", encryptionConfiguration=given)["repository"]
    assert repository["encryptionConfiguration"] == expected
    assert ecr.describe_repositories()["repositories"][0]["encryptionConfiguration"] == expected


KEY_ID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def managed_key(client: Any, name: str, encryption_type: str) -> str:
    encryption = {"encryptionType": encryption_type}
    created = client.create_repository(repositoryName=name, encryptionConfiguration=encryption)["repository"]
    described = client.describe_repositories(repositoryNames=[name])["repositories"][0]
    assert described["encryptionConfiguration"] == created["encryptionConfiguration"]
    assert created["encryptionConfiguration"]["encryptionType"] == encryption_type
    key: str = created["encryptionConfiguration"]["kmsKey"]
    return key


def test_kms_without_a_key_reports_the_managed_key_arn() -> None:
    # Terraform's acceptance tests against AWS expect the AWS-managed key as arn:...:key/<UUID>, not an alias ARN
    with mock_ecr(account_id="444455556666"):
        client: Any = boto3.client("ecr", region_name="eu-central-1")
        key = managed_key(client, "app", "KMS")
        assert re.fullmatch(f"arn:aws:kms:eu-central-1:444455556666:key/{KEY_ID}", key)
        assert managed_key(client, "dsse", "KMS_DSSE") == key  # one managed key per account and region
        other_region = managed_key(boto3.client("ecr", region_name="eu-west-1"), "app", "KMS")
        assert re.fullmatch(f"arn:aws:kms:eu-west-1:444455556666:key/{KEY_ID}", other_region)
        assert other_region.rsplit("/", 1)[1] != key.rsplit("/", 1)[1]
    with mock_ecr(account_id="444455556666"):  # stable: the same key in the next mock
        assert managed_key(boto3.client("ecr", region_name="eu-central-1"), "again", "KMS") == key


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a1",
        "my-repo",
        "my.repo",
        "my_repo",
        "a__b",
        "a--b",
        "a---b",
        "ns/repo",
        "a/b/c/d",
        "a.b_c-d/e",
        "a" * 256,
    ],
)
def test_create_repository_accepts_model_pattern(ecr: Any, name: str) -> None:
    repository = ecr.create_repository(repositoryName=name)["repository"]
    assert repository["repositoryName"] == name
    assert repository["repositoryUri"] == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}"
    assert repository["repositoryArn"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}"


@pytest.mark.parametrize("tag_count", [0, 1, 50])
def test_create_repository_with_up_to_fifty_tags(ecr: Any, tag_count: int) -> None:
    tags = [{"Key": f"key-{i}", "Value": f"value-{i}"} for i in range(tag_count)]
    ecr.create_repository(repositoryName="app", tags=tags)
    assert names_of(ecr.describe_repositories()["repositories"]) == ["app"]


def test_create_repository_tag_key_and_value_at_their_limits(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app", tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    assert names_of(ecr.describe_repositories()["repositories"]) == ["app"]


def test_create_repository_in_other_region_and_account_is_isolated() -> None:
    with mock_ecr():
        east: Any = boto3.client("ecr", region_name="us-east-1")
        west: Any = boto3.client("ecr", region_name="eu-west-1")
        east.create_repository(repositoryName="app")
        west_repository = west.create_repository(repositoryName="app")["repository"]
        assert west_repository["repositoryArn"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app"
        assert west_repository["repositoryUri"] == f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app"
        west.create_repository(repositoryName="west-only")
        assert names_of(east.describe_repositories()["repositories"]) == ["app"]
        assert names_of(west.describe_repositories()["repositories"]) == ["app", "west-only"]


def test_mock_account_id_is_the_registry_id() -> None:
    with mock_ecr(account_id="999988887777"):
        client: Any = boto3.client("ecr", region_name=REGION)
        repository = client.create_repository(repositoryName="app")["repository"]
        assert repository["registryId"] == "999988887777"
        assert repository["repositoryArn"] == "arn:aws:ecr:us-east-1:999988887777:repository/app"
        with pytest.raises(ClientError) as exc:
            client.describe_repositories(repositoryNames=["missing"])
        assert error_of(exc) == rnf("missing", "999988887777")


def test_create_repository_with_explicit_own_registry_id(ecr: Any) -> None:
    repository = ecr.create_repository(repositoryName="app", registryId=ACCOUNT)["repository"]
    assert repository["registryId"] == ACCOUNT
    assert names_of(ecr.describe_repositories()["repositories"]) == ["app"]


def test_create_repository_in_another_registry_lands_there(ecr: Any) -> None:
    repository = ecr.create_repository(repositoryName="app", registryId=OTHER_ACCOUNT)["repository"]
    assert repository["registryId"] == OTHER_ACCOUNT
    assert repository["repositoryArn"] == f"arn:aws:ecr:{REGION}:{OTHER_ACCOUNT}:repository/app"
    assert ecr.describe_repositories()["repositories"] == []
    assert names_of(ecr.describe_repositories(registryId=OTHER_ACCOUNT)["repositories"]) == ["app"]


# --- CreateRepository: errors -------------------------------------------------------------------------------


def test_create_repository_already_exists(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app", imageTagMutability="IMMUTABLE")
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app")
    assert error_of(exc) == (
        "RepositoryAlreadyExistsException",
        f"The repository with name 'app' already exists in the registry with id '{ACCOUNT}'",
    )
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # the original is untouched
    assert ecr.describe_repositories()["repositories"][0]["imageTagMutability"] == "IMMUTABLE"


def test_create_repository_already_exists_names_the_addressed_registry(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app", registryId=OTHER_ACCOUNT)
    ecr.create_repository(repositoryName="app")  # the caller's own registry is a different one
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", registryId=OTHER_ACCOUNT)
    assert error_of(exc) == (
        "RepositoryAlreadyExistsException",
        f"The repository with name 'app' already exists in the registry with id '{OTHER_ACCOUNT}'",
    )


@pytest.mark.parametrize(
    "name",
    [
        "Upper",
        "UPPER",
        "-lead",
        "trail-",
        "_lead",
        "trail_",
        ".lead",
        "trail.",
        "a/",
        "/a",
        "a//b",
        "a b",
        "a_-b",
        "a._b",
        "a___b",
        "ns/-x",
        "a$b",
        "a:b",
        "ä-b",
    ],
)
def test_create_repository_rejects_bad_name_pattern(ecr: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName=name)
    assert error_of(exc) == ("InvalidParameterException", NAME_PATTERN_MESSAGE)


@pytest.mark.parametrize("name", ["a" * 257, "a" * 300, "A" * 257])
def test_create_repository_rejects_too_long_name(ecr: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName=name)
    assert error_of(exc) == invalid("repositoryName", "must have length less than or equal to 256")


def test_create_repository_too_short_name_is_refused_by_botocore(ecr: Any) -> None:
    with pytest.raises(ParamValidationError):
        ecr.create_repository(repositoryName="a")


def test_create_repository_too_short_name_without_client_validation(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.create_repository(repositoryName="a")
    assert error_of(exc) == invalid("repositoryName", "must have length greater than or equal to 2")


@pytest.mark.parametrize("mutability", ["mutable", "IMMUTABLE_WITH_EXCLUSIONS", "READ_ONLY", ""])
def test_create_repository_rejects_bad_mutability_enum(ecr_unvalidated: Any, mutability: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.create_repository(repositoryName="app", imageTagMutability=mutability)
    assert error_of(exc) == ("InvalidParameterException", MUTABILITY_ENUM_MESSAGE)


@pytest.mark.parametrize("encryption_type", ["aes256", "KMS2", "NONE"])
def test_create_repository_rejects_bad_encryption_enum(ecr: Any, encryption_type: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", encryptionConfiguration={"encryptionType": encryption_type})
    assert error_of(exc) == invalid("encryptionType", "Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]")


def test_create_repository_rejects_kms_key_with_aes256(ecr: Any) -> None:
    # unconfirmed wording: the mock's
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app", encryptionConfiguration={"encryptionType": "AES256", "kmsKey": "alias/k"}
        )
    assert error_of(exc) == invalid(
        "encryptionConfiguration.kmsKey", "KMS key must not be specified for AES256 encryption"
    )


def test_create_repository_rejects_too_long_kms_key(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "k" * 2049}
        )
    assert error_of(exc) == invalid("kmsKey", "Member must have length less than or equal to 2048")


def test_create_repository_rejects_six_exclusion_filters(ecr: Any) -> None:
    filters = [{"filterType": "WILDCARD", "filter": f"f{i}-*"} for i in range(6)]
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app",
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=filters,
        )
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters", "Member must have length less than or equal to 5"
    )


def test_create_repository_accepts_five_exclusion_filters(ecr: Any) -> None:
    filters = [{"filterType": "WILDCARD", "filter": f"f{i}-*"} for i in range(5)]
    repository = ecr.create_repository(
        repositoryName="app",
        imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=filters,
    )["repository"]
    assert repository["imageTagMutabilityExclusionFilters"] == filters


@pytest.mark.parametrize("mutability", [None, "MUTABLE", "IMMUTABLE"])
def test_create_repository_rejects_filters_without_exclusion_mode(ecr: Any, mutability: str | None) -> None:
    kwargs: dict[str, Any] = {
        "repositoryName": "app",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "dev-*"}],
    }
    if mutability is not None:
        kwargs["imageTagMutability"] = mutability
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(**kwargs)
    # unconfirmed wording: the mock's
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters",
        f"ImageTagMutabilityExclusionFilters can't be set when imageTagMutability is set as {mutability or 'MUTABLE'}",
    )


@pytest.mark.parametrize("mutability", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
def test_create_repository_rejects_exclusion_mode_without_filters(ecr: Any, mutability: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", imageTagMutability=mutability)
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters",
        f"ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as {mutability}",
    )


def test_create_repository_rejects_empty_filter_list_without_client_validation(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.create_repository(
            repositoryName="app",
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[],
        )
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters", "Member must have length greater than or equal to 1"
    )


@pytest.mark.parametrize("filter_type", ["REGEX", "wildcard", "PREFIX"])
def test_create_repository_rejects_bad_filter_type(ecr: Any, filter_type: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app",
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": filter_type, "filter": "dev-*"}],
        )
    # The reference only has moto's wording for this; the mock reports the model enum in ECR's frame.
    assert error_of(exc) == invalid("filterType", "Member must satisfy enum value set: [WILDCARD]")


@pytest.mark.parametrize("pattern", ["dev/*", "dev+1", "dev 1", "dev?", "[a-z]*", "dev$"])
def test_create_repository_rejects_bad_filter_pattern(ecr: Any, pattern: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app",
            imageTagMutability="MUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": pattern}],
        )
    assert error_of(exc) == invalid(
        "filter", "Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$"
    )


def test_create_repository_rejects_too_long_filter(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(
            repositoryName="app",
            imageTagMutability="MUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "a" * 129}],
        )
    assert error_of(exc) == invalid("filter", "Member must have length less than or equal to 128")


def test_create_repository_rejects_fifty_one_tags(ecr: Any) -> None:
    tags = [{"Key": f"key-{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", tags=tags)
    # unconfirmed wording: the mock's
    assert error_of(exc) == ("TooManyTagsException", "The resource would have 51 tags, more than the maximum of 50")


def test_create_repository_rejects_too_long_tag_key(ecr: Any) -> None:
    key = "k" * 129
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", tags=[{"Key": key, "Value": "v"}])
    # unconfirmed wording: the mock's
    assert error_of(exc) == (
        "InvalidTagParameterException",
        f"Tag key '{key}' is longer than the maximum of 128 characters",
    )


def test_create_repository_rejects_too_long_tag_value(ecr: Any) -> None:
    value = "v" * 257
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="app", tags=[{"Key": "k", "Value": value}])
    assert error_of(exc) == (
        "InvalidTagParameterException",
        f"Tag value '{value}' is longer than the maximum of 256 characters",
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"repositoryName": "Bad"},
        {"repositoryName": "app", "tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]},
        {"repositoryName": "app", "tags": [{"Key": "k" * 129, "Value": "v"}]},
        {"repositoryName": "app", "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"},
        {"repositoryName": "app", "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "x"}]},
        {"repositoryName": "app", "encryptionConfiguration": {"encryptionType": "AES256", "kmsKey": "k"}},
        {"repositoryName": "app", "encryptionConfiguration": {"encryptionType": "XYZ"}},
    ],
)
def test_refused_create_leaves_no_repository(ecr: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ClientError):
        ecr.create_repository(**kwargs)
    assert ecr.describe_repositories()["repositories"] == []
    ecr.create_repository(repositoryName="app")  # the name is still free


# --- DescribeRepositories -----------------------------------------------------------------------------------


def test_describe_repositories_empty_registry(ecr: Any) -> None:
    response = ecr.describe_repositories()
    assert response["repositories"] == []
    assert "nextToken" not in response


def test_describe_repositories_lists_every_repository(ecr: Any) -> None:
    created = [ecr.create_repository(repositoryName=f"repo-{i}")["repository"] for i in range(5)]
    response = ecr.describe_repositories()
    assert sorted(response["repositories"], key=lambda r: r["repositoryName"]) == created
    assert "nextToken" not in response


def test_describe_repositories_by_name(ecr: Any) -> None:
    for name in ("alpha", "beta", "gamma"):
        ecr.create_repository(repositoryName=name)
    response = ecr.describe_repositories(repositoryNames=["gamma", "alpha"])
    assert sorted(names_of(response["repositories"])) == ["alpha", "gamma"]
    assert "nextToken" not in response


def test_describe_repositories_by_name_with_own_registry_id(ecr: Any) -> None:
    ecr.create_repository(repositoryName="alpha")
    response = ecr.describe_repositories(registryId=ACCOUNT, repositoryNames=["alpha"])
    assert names_of(response["repositories"]) == ["alpha"]


def test_describe_repositories_fails_whole_call_when_one_name_is_missing(ecr: Any) -> None:
    ecr.create_repository(repositoryName="alpha")
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(repositoryNames=["alpha", "missing"])
    assert error_of(exc) == rnf("missing")


def test_describe_repositories_rejects_bad_name_in_list(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(repositoryNames=["ok-name", "Bad_Name"])
    # ECR reports a bad name inside repositoryNames as a bad repositoryName (observed 2024)
    assert error_of(exc) == invalid(
        "repositoryName",
        "must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'",
    )


def test_describe_repositories_of_another_account_is_empty(ecr: Any) -> None:
    ecr.create_repository(repositoryName="alpha")
    assert ecr.describe_repositories(registryId=OTHER_ACCOUNT)["repositories"] == []
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(registryId=OTHER_ACCOUNT, repositoryNames=["alpha"])
    assert error_of(exc) == rnf("alpha", OTHER_ACCOUNT)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"maxResults": 1},
        {"maxResults": 100},
        {"nextToken": "whatever"},
        {"maxResults": 2, "nextToken": "whatever"},
    ],
)
def test_describe_repositories_refuses_paging_with_names(ecr: Any, kwargs: dict[str, Any]) -> None:
    ecr.create_repository(repositoryName="alpha")
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(repositoryNames=["alpha"], **kwargs)
    member = "maxResults" if "maxResults" in kwargs else "nextToken"
    # wording unconfirmed (reference 2.3): the mock's
    assert error_of(exc) == invalid(member, "Cannot be specified together with repositoryNames")


@pytest.mark.parametrize("token", ["garbage", "bm90LWEtdG9rZW4", "aW1hZ2VzOjE6MA", "cmVwb3NpdG9yaWVzOng", "%%%"])
def test_describe_repositories_rejects_bad_next_token(ecr: Any, token: str) -> None:
    ecr.create_repository(repositoryName="alpha")
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(nextToken=token)
    assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")


def test_describe_repositories_rejects_token_of_another_listing(ecr: Any) -> None:
    ecr.create_repository(repositoryName="alpha")
    for n in range(3):
        ecr.put_image(repositoryName="alpha", imageManifest=docker_manifest(n), imageTag=f"t{n}")
    token = ecr.list_images(repositoryName="alpha", maxResults=1)["nextToken"]
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(nextToken=token)
    assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")


@pytest.mark.parametrize(
    ("max_results", "message"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (-5, "Member must have value greater than or equal to 1"),
        (1001, "Member must have value less than or equal to 1000"),
    ],
)
def test_describe_repositories_max_results_range(ecr_unvalidated: Any, max_results: int, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.describe_repositories(maxResults=max_results)
    assert error_of(exc) == invalid("maxResults", message)


def test_describe_repositories_max_results_1000_is_allowed(ecr: Any) -> None:
    ecr.create_repository(repositoryName="alpha")
    assert names_of(ecr.describe_repositories(maxResults=1000)["repositories"]) == ["alpha"]


def test_describe_repositories_empty_name_list_without_client_validation(ecr_unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_unvalidated.describe_repositories(repositoryNames=[])
    assert error_of(exc) == invalid("repositoryNames", "Member must have length greater than or equal to 1")


@pytest.mark.parametrize("max_results", [1, 2, 3, 6, 7, 8, 100, 1000])
def test_describe_repositories_pages_by_hand(ecr: Any, max_results: int) -> None:
    for i in range(7):
        ecr.create_repository(repositoryName=f"repo-{i}")
    everything = ecr.describe_repositories()["repositories"]
    pages = collect_pages(ecr.describe_repositories, "repositories", maxResults=max_results)
    assert all(len(page["repositories"]) <= max_results for page in pages)
    assert all(len(page["repositories"]) == max_results for page in pages[:-1])
    assert all("nextToken" in page for page in pages[:-1])
    assert "nextToken" not in pages[-1]
    assert len(pages) == max(1, -(-7 // max_results))
    assert [r for page in pages for r in page["repositories"]] == everything
    assert sorted(names_of(everything)) == [f"repo-{i}" for i in range(7)]


def test_describe_repositories_page_equal_to_total_has_no_token(ecr: Any) -> None:
    for i in range(6):
        ecr.create_repository(repositoryName=f"repo-{i}")
    first = ecr.describe_repositories(maxResults=3)
    second = ecr.describe_repositories(maxResults=3, nextToken=first["nextToken"])
    assert len(second["repositories"]) == 3
    assert "nextToken" not in second


@pytest.mark.parametrize("page_size", [1, 2, 5, 50])
def test_describe_repositories_paginator(ecr: Any, page_size: int) -> None:
    for i in range(11):
        ecr.create_repository(repositoryName=f"repo-{i:02d}")
    everything = ecr.describe_repositories()["repositories"]
    paginator = ecr.get_paginator("describe_repositories")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": page_size}))
    assert [len(p["repositories"]) for p in pages[:-1]] == [page_size] * (len(pages) - 1)
    assert "nextToken" not in pages[-1]
    assert [r for p in pages for r in p["repositories"]] == everything
    full = paginator.paginate(PaginationConfig={"PageSize": page_size}).build_full_result()
    assert full["repositories"] == everything


def test_describe_repositories_paginator_max_items_and_resume(ecr: Any) -> None:
    for i in range(9):
        ecr.create_repository(repositoryName=f"repo-{i}")
    everything = names_of(ecr.describe_repositories()["repositories"])
    paginator = ecr.get_paginator("describe_repositories")
    first = paginator.paginate(PaginationConfig={"PageSize": 2, "MaxItems": 5}).build_full_result()
    assert names_of(first["repositories"]) == everything[:5]
    rest = paginator.paginate(PaginationConfig={"PageSize": 2, "StartingToken": first["NextToken"]}).build_full_result()
    assert names_of(rest["repositories"]) == everything[5:]


def test_describe_repositories_default_page_size_is_100(ecr: Any) -> None:
    for i in range(103):
        ecr.create_repository(repositoryName=f"repo-{i:03d}")
    first = ecr.describe_repositories()
    assert len(first["repositories"]) == 100
    second = ecr.describe_repositories(nextToken=first["nextToken"])
    assert len(second["repositories"]) == 3
    assert "nextToken" not in second
    names = names_of(first["repositories"] + second["repositories"])
    assert sorted(names) == [f"repo-{i:03d}" for i in range(103)]


def test_describe_repositories_token_survives_deletion_of_next_repository(ecr: Any) -> None:
    for i in range(5):
        ecr.create_repository(repositoryName=f"repo-{i}")
    everything = names_of(ecr.describe_repositories()["repositories"])
    first = ecr.describe_repositories(maxResults=2)
    assert names_of(first["repositories"]) == everything[:2]
    ecr.delete_repository(repositoryName=everything[2])
    rest = collect_pages(ecr.describe_repositories, "repositories", maxResults=2, nextToken=first["nextToken"])
    assert [n for page in rest for n in names_of(page["repositories"])] == everything[3:]


# --- DeleteRepository ---------------------------------------------------------------------------------------


def test_delete_repository_returns_the_repository() -> None:
    with freeze_time(FROZEN), mock_ecr():
        client: Any = boto3.client("ecr", region_name=REGION)
        created = client.create_repository(
            repositoryName="app",
            imageTagMutability="MUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "release-*"}],
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "alias/k"},
            imageScanningConfiguration={"scanOnPush": True},
        )["repository"]
        deleted = client.delete_repository(repositoryName="app")["repository"]
        assert deleted == created
        assert deleted == expected_repository(
            "app",
            FROZEN_AT,
            mutability="MUTABLE_WITH_EXCLUSION",
            scan_on_push=True,
            encryption={"encryptionType": "KMS", "kmsKey": "alias/k"},
            filters=["release-*"],
        )
        assert client.describe_repositories()["repositories"] == []
        with pytest.raises(ClientError) as exc:
            client.describe_repositories(repositoryNames=["app"])
        assert error_of(exc) == rnf("app")


def test_delete_repository_missing(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="missing")
    assert error_of(exc) == rnf("missing")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_repository_twice(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app")
    ecr.delete_repository(repositoryName="app")
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="app")
    assert error_of(exc) == rnf("app")


def test_delete_repository_in_another_registry_names_it(ecr_strict: Any) -> None:
    ecr = ecr_strict  # default mode falls back to the caller's repository: tests/test_leniency.py
    ecr.create_repository(repositoryName="app")
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="app", registryId=OTHER_ACCOUNT)
    assert error_of(exc) == rnf("app", OTHER_ACCOUNT)
    assert names_of(ecr.describe_repositories()["repositories"]) == ["app"]


@pytest.mark.parametrize("force", [None, False])
def test_delete_repository_with_images_is_refused(ecr: Any, force: bool | None) -> None:
    ecr.create_repository(repositoryName="app")
    ecr.put_image(repositoryName="app", imageManifest=docker_manifest(1), imageTag="v1")
    kwargs: dict[str, Any] = {} if force is None else {"force": force}
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="app", **kwargs)
    assert error_of(exc) == (
        "RepositoryNotEmptyException",
        f"The repository with name 'app' in registry with id '{ACCOUNT}' cannot be deleted because it still "
        "contains images",
    )
    # nothing changed
    assert ecr.list_images(repositoryName="app")["imageIds"][0]["imageTag"] == "v1"


def test_delete_repository_with_only_untagged_images_is_refused(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app")
    ecr.put_image(repositoryName="app", imageManifest=docker_manifest(1))
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName="app")
    assert error_of(exc)[0] == "RepositoryNotEmptyException"


def test_delete_repository_after_deleting_its_images(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app")
    ecr.put_image(repositoryName="app", imageManifest=docker_manifest(1), imageTag="v1")
    ecr.batch_delete_image(repositoryName="app", imageIds=[{"imageTag": "v1"}])
    assert ecr.delete_repository(repositoryName="app")["repository"]["repositoryName"] == "app"


def test_delete_repository_force_removes_images(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app")
    ecr.put_image(repositoryName="app", imageManifest=docker_manifest(1), imageTag="v1")
    ecr.put_image(repositoryName="app", imageManifest=docker_manifest(2))
    deleted = ecr.delete_repository(repositoryName="app", force=True)["repository"]
    assert deleted["repositoryName"] == "app"
    with pytest.raises(ClientError) as exc:
        ecr.list_images(repositoryName="app")
    assert error_of(exc) == rnf("app")
    # a new repository of the same name starts empty
    ecr.create_repository(repositoryName="app")
    assert ecr.list_images(repositoryName="app")["imageIds"] == []
    assert ecr.describe_images(repositoryName="app")["imageDetails"] == []


def test_delete_repository_force_on_empty_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="app")
    assert ecr.delete_repository(repositoryName="app", force=True)["repository"]["repositoryName"] == "app"


def test_delete_repository_leaves_others(ecr: Any) -> None:
    for name in ("alpha", "beta", "gamma"):
        ecr.create_repository(repositoryName=name)
    ecr.delete_repository(repositoryName="beta")
    assert sorted(names_of(ecr.describe_repositories()["repositories"])) == ["alpha", "gamma"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Bad", NAME_PATTERN_MESSAGE),
        (
            "a" * 257,
            "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
            "'must have length less than or equal to 256'",
        ),
    ],
)
def test_delete_repository_validates_the_name(ecr: Any, name: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(repositoryName=name)
    assert error_of(exc) == ("InvalidParameterException", message)


# --- registry ids: default (seed-compatible) vs strict ------------------------------------------------------


def test_default_mode_accepts_short_registry_id(ecr: Any) -> None:
    # the seed sends registryId="123": default mode does not check the pattern
    with pytest.raises(ClientError) as exc:
        ecr.describe_repositories(registryId="123", repositoryNames=["missing"])
    assert error_of(exc) == rnf("missing", "123")
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository(registryId="123", repositoryName="missing")
    assert error_of(exc) == rnf("missing", "123")
    assert ecr.describe_repositories(registryId="123")["repositories"] == []


@pytest.mark.parametrize("registry_id", ["123", "12345678901", "1234567890123", "abcdefghijkl"])
@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("create_repository", {"repositoryName": "app"}),
        ("describe_repositories", {}),
        ("describe_repositories", {"repositoryNames": ["app"]}),
        ("delete_repository", {"repositoryName": "app"}),
    ],
)
def test_strict_mode_rejects_bad_registry_id(
    ecr_strict: Any, registry_id: str, operation: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(ecr_strict, operation)(registryId=registry_id, **kwargs)
    assert error_of(exc) == ("InvalidParameterException", REGISTRY_ID_MESSAGE)


def test_strict_mode_reaches_other_registry(ecr_strict: Any) -> None:
    ecr_strict.create_repository(repositoryName="app")
    assert ecr_strict.describe_repositories(registryId=OTHER_ACCOUNT)["repositories"] == []
    with pytest.raises(ClientError) as exc:
        ecr_strict.delete_repository(registryId=OTHER_ACCOUNT, repositoryName="app")
    assert error_of(exc) == rnf("app", OTHER_ACCOUNT)


def test_decorator_form_gives_a_fresh_registry() -> None:
    @mock_ecr
    def create_and_count() -> int:
        client: Any = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName="app")
        return len(client.describe_repositories()["repositories"])

    assert create_and_count() == 1
    assert create_and_count() == 1  # no RepositoryAlreadyExists: the second activation starts empty

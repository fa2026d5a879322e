"""Server-side parameter validation through boto3, with botocore's own validation off so bad input reaches the mock.

Messages follow ECR's InvalidParameterException frame (shared/ecr-behaviour.md 1.5); each is asserted literally.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ecr_mock import EcrMock, mock_ecr

REGION = "us-east-1"
FRAME = "Invalid parameter at '{member}' failed to satisfy constraint: '{text}'"
OLD_NAME_REGEX = "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
BAD_NAME_MESSAGE = (
    "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
    f"'must satisfy regular expression '{OLD_NAME_REGEX}''"
)
REGISTRY_ID_MESSAGE = (
    "Invalid parameter at 'registryId' failed to satisfy constraint: "
    "'Member must satisfy regular expression pattern: [0-9]{12}'"
)
UNCHECKED = Config(parameter_validation=False)


@pytest.fixture
def default_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[EcrMock]:
    monkeypatch.delenv("ECR_MOCK_STRICT", raising=False)
    with mock_ecr() as mock:
        yield mock


@pytest.fixture
def strict_mode() -> Iterator[EcrMock]:
    with mock_ecr(strict=True) as mock:
        yield mock


def client() -> Any:
    return boto3.client("ecr", region_name=REGION, config=UNCHECKED)


def rejected(operation: str, **params: Any) -> str:
    """The InvalidParameterException message ``operation`` answers ``params`` with (400)."""
    with pytest.raises(ClientError) as excinfo:
        getattr(client(), operation)(**params)
    response = excinfo.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "InvalidParameterException", response["Error"]
    message: str = response["Error"]["Message"]
    return message


# --- repositoryName: length and the older regex, without "Member " ---------------------------------------------


@pytest.mark.usefixtures("default_mode")
def test_repository_name_too_short() -> None:
    assert rejected("create_repository", repositoryName="a") == (
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
        "'must have length greater than or equal to 2'"
    )


@pytest.mark.usefixtures("default_mode")
def test_repository_name_too_long() -> None:
    assert rejected("create_repository", repositoryName="a" * 257) == (
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
        "'must have length less than or equal to 256'"
    )


@pytest.mark.usefixtures("default_mode")
def test_repository_name_of_exactly_the_limits_is_accepted() -> None:
    ecr = client()
    ecr.create_repository(repositoryName="ab")
    ecr.create_repository(repositoryName="a" * 256)
    assert len(ecr.describe_repositories()["repositories"]) == 2


@pytest.mark.usefixtures("default_mode")
@pytest.mark.parametrize("name", ["UPPER", "Bad_Name!", "trailing-", "-leading", "a//b", "a/", "with space"])
def test_repository_name_pattern_quotes_the_older_regex(name: str) -> None:
    assert rejected("create_repository", repositoryName=name) == BAD_NAME_MESSAGE


@pytest.mark.usefixtures("default_mode")
def test_repository_name_pattern_applies_to_every_operation() -> None:
    assert rejected("delete_repository", repositoryName="Bad") == BAD_NAME_MESSAGE
    assert rejected("list_images", repositoryName="Bad") == BAD_NAME_MESSAGE
    assert rejected("describe_images", repositoryName="Bad") == BAD_NAME_MESSAGE


@pytest.mark.usefixtures("default_mode")
def test_bad_name_in_repository_names_is_reported_like_a_repository_name() -> None:
    # Observed from real ECR (aws ecr describe-repositories --repository-names <uri>:latest, Oct 2024):
    # the element is reported as 'repositoryName' with the older regex, not as a list-member constraint.
    assert rejected("describe_repositories", repositoryNames=["ok-name", "Bad"]) == BAD_NAME_MESSAGE


@pytest.mark.usefixtures("default_mode")
@pytest.mark.parametrize("name", ["a__b", "a--b", "a---b", "ns/a.b_c-d", "0/1/2"])
def test_names_the_model_regex_allows_are_accepted(name: str) -> None:
    ecr = client()
    assert ecr.create_repository(repositoryName=name)["repository"]["repositoryName"] == name


# --- enums, lists, numbers, required members --------------------------------------------------------------------


@pytest.mark.usefixtures("default_mode")
def test_bad_enum() -> None:
    # The order ECR prints (ecr-behaviour.md 1.5), which is not the model's declaration order.
    assert rejected("create_repository", repositoryName="enum", imageTagMutability="SOMETIMES") == (
        "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: "
        "'Member must satisfy enum value set: [IMMUTABLE, MUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]'"
    )


@pytest.mark.usefixtures("strict_mode")
def test_list_element_pattern() -> None:
    assert rejected("get_authorization_token", registryIds=["12"]) == (
        "Invalid parameter at 'registryIds' failed to satisfy constraint: "
        "'Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]'"
    )


@pytest.mark.usefixtures("strict_mode")
def test_list_element_pattern_reports_a_later_element() -> None:
    assert rejected("get_authorization_token", registryIds=["012345678910", "not-an-id"]) == (
        "Invalid parameter at 'registryIds' failed to satisfy constraint: "
        "'Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]'"
    )


@pytest.mark.usefixtures("default_mode")
def test_empty_list() -> None:
    client().create_repository(repositoryName="images")
    assert rejected("batch_delete_image", repositoryName="images", imageIds=[]) == (
        "Invalid parameter at 'imageIds' failed to satisfy constraint: "
        "'Member must have length greater than or equal to 1'"
    )


@pytest.mark.usefixtures("default_mode")
@pytest.mark.parametrize(
    ("max_results", "text"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (-5, "Member must have value greater than or equal to 1"),
        (1001, "Member must have value less than or equal to 1000"),
    ],
)
def test_max_results_out_of_range(max_results: int, text: str) -> None:
    assert rejected("describe_repositories", maxResults=max_results) == FRAME.format(member="maxResults", text=text)


@pytest.mark.usefixtures("default_mode")
@pytest.mark.parametrize("max_results", [1, 1000])
def test_max_results_at_the_limits_is_accepted(max_results: int) -> None:
    assert client().describe_repositories(maxResults=max_results)["repositories"] == []


@pytest.mark.usefixtures("default_mode")
def test_missing_required_member() -> None:
    assert rejected("batch_delete_image", repositoryName="images") == (
        "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must not be null'"
    )


@pytest.mark.usefixtures("default_mode")
def test_missing_repository_name() -> None:
    # repositoryName drops the "Member " prefix in every observed message (ecr-behaviour.md 1.5).
    assert rejected("create_repository") == (
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'"
    )


# --- only the first violation -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("default_mode")
def test_only_the_first_violation_of_a_member_is_reported() -> None:
    # "A" is both too short and outside the pattern: length is checked first
    assert rejected("create_repository", repositoryName="A") == (
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: "
        "'must have length greater than or equal to 2'"
    )


@pytest.mark.usefixtures("default_mode")
def test_only_one_of_several_bad_members_is_reported() -> None:
    message = rejected("describe_images", repositoryName="BAD", maxResults=0)
    max_results_message = (
        "Invalid parameter at 'maxResults' failed to satisfy constraint: "
        "'Member must have value greater than or equal to 1'"
    )
    assert message in {BAD_NAME_MESSAGE, max_results_message}
    assert message.count("Invalid parameter at") == 1


@pytest.mark.usefixtures("default_mode")
def test_a_refused_call_changes_nothing() -> None:
    rejected("create_repository", repositoryName="valid-name", imageTagMutability="SOMETIMES")
    assert client().describe_repositories()["repositories"] == []


# --- registryId: skipped by default (the seed sends "123"), enforced in strict mode ------------------------------


@pytest.mark.usefixtures("default_mode")
@pytest.mark.parametrize("registry_id", ["123", "01234567891", "not-a-number"])
def test_registry_id_pattern_is_skipped_by_default(registry_id: str) -> None:
    ecr = client()
    assert ecr.describe_repositories(registryId=registry_id)["repositories"] == []
    assert ecr.create_repository(repositoryName="r1", registryId=registry_id)["repository"]["registryId"] == registry_id
    tokens = ecr.get_authorization_token(registryIds=[registry_id])["authorizationData"]
    assert tokens[0]["proxyEndpoint"] == f"https://{registry_id}.dkr.ecr.{REGION}.amazonaws.com"


@pytest.mark.usefixtures("strict_mode")
@pytest.mark.parametrize("registry_id", ["123", "01234567891", "0123456789100", "not-a-number"])
def test_registry_id_pattern_is_enforced_in_strict_mode(registry_id: str) -> None:
    assert rejected("describe_repositories", registryId=registry_id) == REGISTRY_ID_MESSAGE
    assert rejected("create_repository", repositoryName="r1", registryId=registry_id) == REGISTRY_ID_MESSAGE


@pytest.mark.usefixtures("strict_mode")
def test_strict_mode_accepts_a_twelve_digit_registry_id() -> None:
    assert client().describe_repositories(registryId="111122223333")["repositories"] == []


@pytest.mark.usefixtures("default_mode")
def test_default_mode_still_checks_the_registry_id_list_length() -> None:
    ids = [f"{n:012d}" for n in range(11)]
    assert rejected("get_authorization_token", registryIds=ids) == (
        "Invalid parameter at 'registryIds' failed to satisfy constraint: "
        "'Member must have length less than or equal to 10'"
    )

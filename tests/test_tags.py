"""Resource tags on repositories through boto3: TagResource, UntagResource, ListTagsForResource
(shared/ecr-behaviour.md 2.1, 3.1).

M-ARN and M-RNF are ECR's texts (reference 2.4). The texts of InvalidTagParameterException and
TooManyTagsException are unconfirmed in the reference: those tests pin the mock's wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
OTHER = "111122223333"
REGION = "us-east-1"
REPO = "team/app"
ARN = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{REPO}"
INVALID_ARN = (
    "InvalidParameterException",
    "Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'",
)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def rnf(name: str, registry_id: str = ACCOUNT) -> tuple[str, str]:
    return (
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'",
    )


def tag_list(**tags: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def listed(client: Any, arn: str = ARN) -> dict[str, str]:
    tags = client.list_tags_for_resource(resourceArn=arn)["tags"]
    as_dict = {tag["Key"]: tag["Value"] for tag in tags}
    assert len(as_dict) == len(tags)  # one entry per key
    return as_dict


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        created = client.create_repository(repositoryName=REPO)["repository"]
        assert created["repositoryArn"] == ARN
        yield client


# --- the happy path -----------------------------------------------------------------------------------------


def test_no_tags_is_an_empty_list(ecr: Any) -> None:
    answer = ecr.list_tags_for_resource(resourceArn=ARN)
    assert {k: v for k, v in answer.items() if k != "ResponseMetadata"} == {"tags": []}


def test_tags_given_at_creation_are_listed(ecr: Any) -> None:
    ecr.create_repository(repositoryName="tagged", tags=tag_list(team="core", env="prod"))
    arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/tagged"
    assert listed(ecr, arn) == {"team": "core", "env": "prod"}


def test_tag_resource_adds_and_overwrites(ecr: Any) -> None:
    answer = ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core", env="dev"))
    assert {k: v for k, v in answer.items() if k != "ResponseMetadata"} == {}
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(env="prod", cost="42"))
    assert listed(ecr) == {"team": "core", "env": "prod", "cost": "42"}


def test_untag_resource_removes_only_the_named_keys(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core", env="dev", cost="42"))
    answer = ecr.untag_resource(resourceArn=ARN, tagKeys=["env", "cost"])
    assert {k: v for k, v in answer.items() if k != "ResponseMetadata"} == {}
    assert listed(ecr) == {"team": "core"}


def test_untag_an_absent_key_is_not_an_error(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core"))
    ecr.untag_resource(resourceArn=ARN, tagKeys=["never-set"])
    assert listed(ecr) == {"team": "core"}


def test_empty_value_and_unicode_are_kept(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=[{"Key": "empty", "Value": ""}, {"Key": "owner", "Value": "Zoë ☃"}])
    assert listed(ecr) == {"empty": "", "owner": "Zoë ☃"}


def test_tags_are_per_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="other")
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core"))
    assert listed(ecr, f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/other") == {}


def test_delete_repository_drops_the_tags(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core"))
    ecr.delete_repository(repositoryName=REPO)
    with pytest.raises(ClientError) as exc:
        ecr.list_tags_for_resource(resourceArn=ARN)
    assert error_of(exc) == rnf(REPO)
    ecr.create_repository(repositoryName=REPO)
    assert listed(ecr) == {}


def test_arn_region_selects_the_registry(ecr: Any) -> None:
    """A repository ARN names its region: a client in another region reaches the repository through it."""
    west = boto3.client("ecr", region_name="eu-west-1")
    west.tag_resource(resourceArn=ARN, tags=tag_list(team="core"))
    assert listed(ecr) == {"team": "core"}
    west.create_repository(repositoryName=REPO)
    west_arn = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{REPO}"
    assert listed(ecr, west_arn) == {}


def test_other_partitions(ecr: Any) -> None:
    china = boto3.client("ecr", region_name="cn-north-1")
    arn = china.create_repository(repositoryName=REPO)["repository"]["repositoryArn"]
    assert arn == f"arn:aws-cn:ecr:cn-north-1:{ACCOUNT}:repository/{REPO}"
    china.tag_resource(resourceArn=arn, tags=tag_list(team="core"))
    assert listed(china, arn) == {"team": "core"}
    assert listed(ecr) == {}


# --- limits -------------------------------------------------------------------------------------------------


def test_key_of_128_and_value_of_256_are_accepted(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=[{"Key": "k" * 128, "Value": "v" * 256}])
    assert listed(ecr) == {"k" * 128: "v" * 256}


def test_key_longer_than_128(ecr: Any) -> None:
    key = "k" * 129
    with pytest.raises(ClientError) as exc:
        ecr.tag_resource(resourceArn=ARN, tags=[{"Key": "fine", "Value": "v"}, {"Key": key, "Value": "v"}])
    assert error_of(exc) == (  # wording unconfirmed in the reference: the mock's
        "InvalidTagParameterException",
        f"Tag key '{key}' is longer than the maximum of 128 characters",
    )
    assert listed(ecr) == {}  # nothing of a refused call is applied


def test_value_longer_than_256(ecr: Any) -> None:
    value = "v" * 257
    with pytest.raises(ClientError) as exc:
        ecr.tag_resource(resourceArn=ARN, tags=[{"Key": "k", "Value": value}])
    assert error_of(exc) == (
        "InvalidTagParameterException",
        f"Tag value '{value}' is longer than the maximum of 256 characters",
    )
    assert listed(ecr) == {}


def test_untag_key_longer_than_128(ecr: Any) -> None:
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(team="core"))
    key = "k" * 129
    with pytest.raises(ClientError) as exc:
        ecr.untag_resource(resourceArn=ARN, tagKeys=["team", key])
    assert error_of(exc) == (
        "InvalidTagParameterException",
        f"Tag key '{key}' is longer than the maximum of 128 characters",
    )
    assert listed(ecr) == {"team": "core"}


def test_fifty_tags_are_accepted(ecr: Any) -> None:
    tags = {f"key-{n:02d}": str(n) for n in range(50)}
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(**tags))
    assert listed(ecr) == tags


def test_fifty_one_tags_in_one_call(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.tag_resource(resourceArn=ARN, tags=tag_list(**{f"key-{n:02d}": "v" for n in range(51)}))
    assert error_of(exc) == ("TooManyTagsException", "The resource would have 51 tags, more than the maximum of 50")
    assert listed(ecr) == {}


def test_limit_counts_existing_tags_after_merge(ecr: Any) -> None:
    existing = {f"old-{n:02d}": "v" for n in range(45)}
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(**existing))
    with pytest.raises(ClientError) as exc:
        ecr.tag_resource(resourceArn=ARN, tags=tag_list(**{f"new-{n}": "v" for n in range(6)}))
    assert error_of(exc) == ("TooManyTagsException", "The resource would have 51 tags, more than the maximum of 50")
    assert listed(ecr) == existing
    # overwriting keys it already has does not count twice: 45 + 5 new + 5 overwritten = 50
    update = {f"new-{n}": "v" for n in range(5)} | {f"old-{n:02d}": "changed" for n in range(5)}
    ecr.tag_resource(resourceArn=ARN, tags=tag_list(**update))
    assert len(listed(ecr)) == 50
    assert listed(ecr)["old-00"] == "changed"


def test_create_repository_with_fifty_one_tags(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.create_repository(repositoryName="crowded", tags=tag_list(**{f"k{n}": "v" for n in range(51)}))
    assert error_of(exc) == ("TooManyTagsException", "The resource would have 51 tags, more than the maximum of 50")
    assert ecr.describe_repositories()["repositories"][0]["repositoryName"] == REPO
    assert len(ecr.describe_repositories()["repositories"]) == 1


# --- ARNs ---------------------------------------------------------------------------------------------------

MALFORMED_ARNS = [
    "team/app",
    "not-an-arn",
    "arn:aws:ecr:us-east-1:012345678910:repository/",
    "arn:aws:ecr:us-east-1:012345678910:repo/team/app",
    "arn:aws:ecr:us-east-1:012345678910:team/app",
    "arn:aws:s3:::my-bucket",
    "arn:aws:ecr:us-east-1:12345:repository/team/app",
    "arn:aws:ecr:us-east-1:0123456789101:repository/team/app",
    "arn:aws:ecr::012345678910:repository/team/app",
    "arn:azure:ecr:us-east-1:012345678910:repository/team/app",
    "arn:aws:ecr:us-east-1:012345678910:repository",
]


@pytest.mark.parametrize("arn", MALFORMED_ARNS)
@pytest.mark.parametrize("operation", ["tag", "untag", "list"])
def test_malformed_arn(ecr: Any, arn: str, operation: str) -> None:
    calls = {
        "tag": lambda: ecr.tag_resource(resourceArn=arn, tags=tag_list(team="core")),
        "untag": lambda: ecr.untag_resource(resourceArn=arn, tagKeys=["team"]),
        "list": lambda: ecr.list_tags_for_resource(resourceArn=arn),
    }
    with pytest.raises(ClientError) as exc:
        calls[operation]()
    assert error_of(exc) == INVALID_ARN


@pytest.mark.parametrize(
    ("arn", "name", "registry_id"),
    [
        (f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/missing", "missing", ACCOUNT),
        (f"arn:aws:ecr:{REGION}:{OTHER}:repository/{REPO}", REPO, OTHER),
        (f"arn:aws:ecr:{REGION}:{OTHER}:repository/a/b/c", "a/b/c", OTHER),
        (f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/{REPO}", REPO, ACCOUNT),
    ],
    ids=["missing-name", "other-account", "other-account-nested", "other-region"],
)
@pytest.mark.parametrize("operation", ["tag", "untag", "list"])
def test_unknown_repository_names_the_arns_account(
    ecr: Any, arn: str, name: str, registry_id: str, operation: str
) -> None:
    calls = {
        "tag": lambda: ecr.tag_resource(resourceArn=arn, tags=tag_list(team="core")),
        "untag": lambda: ecr.untag_resource(resourceArn=arn, tagKeys=["team"]),
        "list": lambda: ecr.list_tags_for_resource(resourceArn=arn),
    }
    with pytest.raises(ClientError) as exc:
        calls[operation]()
    assert error_of(exc) == rnf(name, registry_id)
    assert listed(ecr) == {}

"""Repository creation templates through boto3: Create/Describe/Update/DeleteRepositoryCreationTemplate, and the
repositories a push creates from a CREATE_ON_PUSH template (shared/ecr-behaviour.md 3.9, 4.11).

The template exceptions' texts are unconfirmed in the reference: the tests pin the mock's wording. Invalid embedded
policies answer InvalidParameterException with the texts SetRepositoryPolicy / PutLifecyclePolicy use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import digest_of, docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
CREATED = datetime(2024, 6, 1, 9, 0, tzinfo=timezone.utc)
UPDATED = datetime(2024, 6, 2, 9, 0, tzinfo=timezone.utc)

KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "pull",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ],
    }
)
LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "description": "keep the last ten images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
                "action": {"type": "expire"},
            }
        ]
    }
)
PUSH = ["CREATE_ON_PUSH"]

PREFIX_PATTERN = r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$"


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        yield boto3.client("ecr", region_name=REGION)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def invalid(member: str, constraint: str) -> tuple[str, str]:
    return "InvalidParameterException", f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'"


def not_found(prefix: str) -> tuple[str, str]:
    return (
        "TemplateNotFoundException",
        f"The repository creation template with prefix '{prefix}' does not exist in the registry with id '{ACCOUNT}'",
    )


def templates(ecr: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return list(ecr.describe_repository_creation_templates(**kwargs)["repositoryCreationTemplates"])


def prefixes(ecr: Any, **kwargs: Any) -> list[str]:
    return [template["prefix"] for template in templates(ecr, **kwargs)]


def push(ecr: Any, name: str, n: int = 1, tag: str | None = "v1") -> dict[str, Any]:
    kwargs = {} if tag is None else {"imageTag": tag}
    return dict(ecr.put_image(repositoryName=name, imageManifest=docker_manifest(n), **kwargs)["image"])


def repository(ecr: Any, name: str) -> dict[str, Any]:
    return dict(ecr.describe_repositories(repositoryNames=[name])["repositories"][0])


def resource_tags(ecr: Any, name: str) -> list[dict[str, str]]:
    return list(ecr.list_tags_for_resource(resourceArn=repository(ecr, name)["repositoryArn"])["tags"])


def repository_names(ecr: Any) -> list[str]:
    return [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]


# --- CreateRepositoryCreationTemplate -----------------------------------------------------------------------


def test_create_echoes_every_setting_with_timestamps() -> None:
    with freeze_time(CREATED), mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        answer = ecr.create_repository_creation_template(
            prefix="prod/team",
            description="production repositories",
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KMS_KEY},
            resourceTags=[{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "prod"}],
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
            repositoryPolicy=POLICY,
            lifecyclePolicy=LIFECYCLE,
            appliedFor=["CREATE_ON_PUSH", "REPLICATION", "CREATE_ON_PUSH"],
            customRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ecr-templates",
        )
    assert answer["registryId"] == ACCOUNT
    assert answer["repositoryCreationTemplate"] == {
        "prefix": "prod/team",
        "description": "production repositories",
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KMS_KEY},
        "resourceTags": [{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "prod"}],
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}],
        "repositoryPolicy": POLICY,
        "lifecyclePolicy": LIFECYCLE,
        "appliedFor": ["CREATE_ON_PUSH", "REPLICATION"],
        "customRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecr-templates",
        "createdAt": CREATED,
        "updatedAt": CREATED,
    }


def test_create_defaults(ecr: Any) -> None:
    template = ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)["repositoryCreationTemplate"]
    assert template["createdAt"] == template["updatedAt"]
    del template["createdAt"], template["updatedAt"]
    assert template == {
        "prefix": "ROOT",
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "resourceTags": [],
        "imageTagMutability": "MUTABLE",
        "appliedFor": ["CREATE_ON_PUSH"],
    }


def test_empty_optional_texts_mean_none(ecr: Any) -> None:
    template = ecr.create_repository_creation_template(
        prefix="team",
        appliedFor=PUSH,
        description="",
        repositoryPolicy="",
        lifecyclePolicy="",
        customRoleArn="",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": ""},
    )["repositoryCreationTemplate"]
    for member in ("description", "repositoryPolicy", "lifecyclePolicy", "customRoleArn"):
        assert member not in template
    assert template["encryptionConfiguration"] == {"encryptionType": "KMS"}


@pytest.mark.parametrize("second", ["prod", "prod/"])
def test_a_prefix_exists_once_with_or_without_its_slash(ecr: Any, second: str) -> None:
    ecr.create_repository_creation_template(prefix="prod/", appliedFor=PUSH, description="first")
    with pytest.raises(ClientError) as exc:
        ecr.create_repository_creation_template(prefix=second, appliedFor=["REPLICATION"])
    assert error_of(exc) == (
        "TemplateAlreadyExistsException",
        f"The repository creation template with prefix '{second}' already exists in the registry with id '{ACCOUNT}'",
    )
    assert [(t["prefix"], t.get("description")) for t in templates(ecr)] == [("prod/", "first")]


BAD_TEMPLATES: list[tuple[dict[str, Any], tuple[str, str]]] = [
    (
        {"prefix": "Prod"},
        invalid("prefix", f"Member must satisfy regular expression pattern: {PREFIX_PATTERN}"),
    ),
    (
        {"appliedFor": ["CREATE_ON_PUSH", "ON_PULL"]},
        invalid(
            "appliedFor",
            "Member must satisfy constraint: [Member must satisfy enum value set: "
            "[REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH]]",
        ),
    ),
    ({"appliedFor": []}, invalid("appliedFor", "Member must have length greater than or equal to 1")),
    ({"description": "d" * 257}, invalid("description", "Member must have length less than or equal to 256")),
    ({"repositoryPolicy": "{not json"}, invalid("PolicyText", "Invalid repository policy provided")),
    (
        {"repositoryPolicy": json.dumps({"Version": "2012-10-17", "Statement": []})},
        invalid("PolicyText", "Invalid repository policy provided"),
    ),
    (
        {"lifecyclePolicy": "not a policy"},
        invalid(
            "LifecyclePolicyText",
            "Lifecycle policy validation failure: Could not map policyString into LifecyclePolicy.",
        ),
    ),
    (
        {"lifecyclePolicy": json.dumps({"rules": []})},
        invalid(
            "LifecyclePolicyText",
            "Lifecycle policy validation failure: "
            "array is too short: must have at least 1 elements but instance has 0 elements",
        ),
    ),
    (
        {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"},
        invalid(
            "imageTagMutabilityExclusionFilters",
            "ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as "
            "IMMUTABLE_WITH_EXCLUSION",
        ),
    ),
    (
        {"imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "dev-*"}]},
        invalid(
            "imageTagMutabilityExclusionFilters",
            "ImageTagMutabilityExclusionFilters can't be set when imageTagMutability is set as MUTABLE",
        ),
    ),
    (
        {
            "imageTagMutability": "MUTABLE_WITH_EXCLUSION",
            "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "dev/*"}],
        },
        invalid(
            "filter",
            "Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$",
        ),
    ),
    (
        {"encryptionConfiguration": {"encryptionType": "AES256", "kmsKey": KMS_KEY}},
        invalid("encryptionConfiguration.kmsKey", "KMS key must not be specified for AES256 encryption"),
    ),
    (
        {"encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": "alias/mine"}},
        invalid(
            "kmsKey",
            "Member must satisfy regular expression pattern: "
            r"^$|arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-z0-9-]+",
        ),
    ),
    (
        {"resourceTags": [{"Key": "k" * 129, "Value": "v"}]},
        invalid("resourceTags", f"Tag key '{'k' * 129}' is longer than the maximum of 128 characters"),
    ),
    (
        {"resourceTags": [{"Key": "k", "Value": "v" * 257}]},
        invalid("resourceTags", f"Tag value '{'v' * 257}' is longer than the maximum of 256 characters"),
    ),
    (
        {"resourceTags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]},
        invalid("resourceTags", "The resource would have 51 tags, more than the maximum of 50"),
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BAD_TEMPLATES)
def test_create_refuses_what_create_repository_would_refuse(
    ecr: Any, changes: dict[str, Any], expected: tuple[str, str]
) -> None:
    kwargs: dict[str, Any] = {"prefix": "team", "appliedFor": PUSH, **changes}
    with pytest.raises(ClientError) as exc:
        ecr.create_repository_creation_template(**kwargs)
    assert error_of(exc) == expected
    assert templates(ecr) == []


def test_create_stops_at_the_template_quota(ecr: Any) -> None:
    for n in range(100):
        ecr.create_repository_creation_template(prefix=f"team{n}", appliedFor=PUSH)
    with pytest.raises(ClientError) as exc:
        ecr.create_repository_creation_template(prefix="one-too-many", appliedFor=PUSH)
    assert error_of(exc) == (
        "LimitExceededException",
        f"The maximum number of repository creation templates (100) in the registry with id '{ACCOUNT}' "
        "has been reached",
    )
    assert len(templates(ecr, maxResults=1000)) == 100


def test_root_is_upper_case_and_other_prefixes_are_names(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="root", appliedFor=PUSH)  # an ordinary prefix: root/...
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)
    assert prefixes(ecr) == ["root", "ROOT"]


def test_templates_are_per_region() -> None:
    with mock_ecr():
        east = boto3.client("ecr", region_name=REGION)
        west = boto3.client("ecr", region_name="us-west-2")
        east.create_repository_creation_template(prefix="team", appliedFor=PUSH)
        assert prefixes(west) == []
        west.create_repository_creation_template(prefix="team", appliedFor=PUSH)
        assert prefixes(east) == prefixes(west) == ["team"]


# --- DescribeRepositoryCreationTemplates --------------------------------------------------------------------


def test_describe_lists_in_creation_order_and_filters_by_prefix(ecr: Any) -> None:
    for prefix in ("zeta", "alpha/", "ROOT", "mid/team"):
        ecr.create_repository_creation_template(prefix=prefix, appliedFor=PUSH)
    answer = ecr.describe_repository_creation_templates()
    assert answer["registryId"] == ACCOUNT
    assert "nextToken" not in answer
    assert prefixes(ecr) == ["zeta", "alpha/", "ROOT", "mid/team"]
    assert prefixes(ecr, prefixes=["ROOT", "zeta"]) == ["zeta", "ROOT"]
    assert prefixes(ecr, prefixes=["alpha", "mid/team/"]) == ["alpha/", "mid/team"]  # the trailing "/" is implied


def test_describe_leaves_unknown_prefixes_out(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH)
    assert prefixes(ecr, prefixes=["unknown", "team", "team/web"]) == ["team"]
    assert prefixes(ecr, prefixes=["unknown"]) == []


def test_describe_is_empty_without_templates(ecr: Any) -> None:
    answer = ecr.describe_repository_creation_templates()
    assert (answer["registryId"], answer["repositoryCreationTemplates"]) == (ACCOUNT, [])


def test_describe_pages(ecr: Any) -> None:
    names = [f"team{n}" for n in range(7)]
    for name in names:
        ecr.create_repository_creation_template(prefix=name, appliedFor=PUSH)
    first = ecr.describe_repository_creation_templates(maxResults=3)
    assert [t["prefix"] for t in first["repositoryCreationTemplates"]] == names[:3]
    second = ecr.describe_repository_creation_templates(maxResults=3, nextToken=first["nextToken"])
    assert [t["prefix"] for t in second["repositoryCreationTemplates"]] == names[3:6]
    third = ecr.describe_repository_creation_templates(maxResults=3, nextToken=second["nextToken"])
    assert [t["prefix"] for t in third["repositoryCreationTemplates"]] == names[6:]
    assert "nextToken" not in third

    pages = ecr.get_paginator("describe_repository_creation_templates").paginate(PaginationConfig={"PageSize": 2})
    collected = [t["prefix"] for p in pages for t in p["repositoryCreationTemplates"]]
    assert collected == names


def test_describe_pages_a_prefix_filter(ecr: Any) -> None:
    for n in range(5):
        ecr.create_repository_creation_template(prefix=f"team{n}", appliedFor=PUSH)
    first = ecr.describe_repository_creation_templates(prefixes=["team1", "team3", "team4"], maxResults=2)
    assert [t["prefix"] for t in first["repositoryCreationTemplates"]] == ["team1", "team3"]
    rest = ecr.describe_repository_creation_templates(
        prefixes=["team1", "team3", "team4"], maxResults=2, nextToken=first["nextToken"]
    )
    assert [t["prefix"] for t in rest["repositoryCreationTemplates"]] == ["team4"]


def test_describe_refuses_a_foreign_token(ecr: Any) -> None:
    ecr.create_repository(repositoryName="aa")
    ecr.create_repository(repositoryName="bb")
    token = ecr.describe_repositories(maxResults=1)["nextToken"]
    with pytest.raises(ClientError) as exc:
        ecr.describe_repository_creation_templates(nextToken=token)
    assert error_of(exc) == invalid("nextToken", "Invalid NextToken provided")


# --- UpdateRepositoryCreationTemplate -----------------------------------------------------------------------


def test_update_replaces_what_it_names_and_keeps_the_rest() -> None:
    with freeze_time(CREATED) as clock, mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository_creation_template(
            prefix="team",
            appliedFor=PUSH,
            description="before",
            resourceTags=[{"Key": "a", "Value": "1"}],
            repositoryPolicy=POLICY,
        )
        clock.move_to(UPDATED)
        answer = ecr.update_repository_creation_template(
            prefix="team/",
            description="after",
            appliedFor=["REPLICATION", "PULL_THROUGH_CACHE"],
            lifecyclePolicy=LIFECYCLE,
            resourceTags=[{"Key": "b", "Value": "2"}],
        )
        assert answer["registryId"] == ACCOUNT
        template = answer["repositoryCreationTemplate"]
        assert template == templates(ecr)[0]
    assert template == {
        "prefix": "team",
        "description": "after",
        "encryptionConfiguration": {"encryptionType": "AES256"},
        "resourceTags": [{"Key": "b", "Value": "2"}],
        "imageTagMutability": "MUTABLE",
        "repositoryPolicy": POLICY,
        "lifecyclePolicy": LIFECYCLE,
        "appliedFor": ["REPLICATION", "PULL_THROUGH_CACHE"],
        "createdAt": CREATED,
        "updatedAt": UPDATED,
    }


def test_update_clears_texts_given_empty(ecr: Any) -> None:
    ecr.create_repository_creation_template(
        prefix="team", appliedFor=PUSH, repositoryPolicy=POLICY, lifecyclePolicy=LIFECYCLE, description="d"
    )
    template = ecr.update_repository_creation_template(
        prefix="team", repositoryPolicy="", lifecyclePolicy="", description=""
    )["repositoryCreationTemplate"]
    for member in ("description", "repositoryPolicy", "lifecyclePolicy"):
        assert member not in template


def test_update_tag_mutability_and_its_filters(ecr: Any) -> None:
    exclusion = [{"filterType": "WILDCARD", "filter": "dev-*"}]
    ecr.create_repository_creation_template(
        prefix="team",
        appliedFor=PUSH,
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=exclusion,
    )
    kept = ecr.update_repository_creation_template(prefix="team", imageTagMutability="MUTABLE_WITH_EXCLUSION")
    assert kept["repositoryCreationTemplate"]["imageTagMutabilityExclusionFilters"] == exclusion
    plain = ecr.update_repository_creation_template(prefix="team", imageTagMutability="IMMUTABLE")
    assert plain["repositoryCreationTemplate"]["imageTagMutability"] == "IMMUTABLE"
    assert "imageTagMutabilityExclusionFilters" not in plain["repositoryCreationTemplate"]
    with pytest.raises(ClientError) as exc:
        ecr.update_repository_creation_template(prefix="team", imageTagMutabilityExclusionFilters=exclusion)
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters",
        "ImageTagMutabilityExclusionFilters can't be set when imageTagMutability is set as IMMUTABLE",
    )


def test_update_encryption(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH)
    template = ecr.update_repository_creation_template(
        prefix="team", encryptionConfiguration={"encryptionType": "KMS_DSSE", "kmsKey": KMS_KEY}
    )["repositoryCreationTemplate"]
    assert template["encryptionConfiguration"] == {"encryptionType": "KMS_DSSE", "kmsKey": KMS_KEY}
    template = ecr.update_repository_creation_template(prefix="team", description="kept")[
        "repositoryCreationTemplate"
    ]
    assert template["encryptionConfiguration"] == {"encryptionType": "KMS_DSSE", "kmsKey": KMS_KEY}


def test_update_of_a_missing_template(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH)
    with pytest.raises(ClientError) as exc:
        ecr.update_repository_creation_template(prefix="team/web", description="x")
    assert error_of(exc) == not_found("team/web")


@pytest.mark.parametrize(("changes", "expected"), [case for case in BAD_TEMPLATES if "prefix" not in case[0]])
def test_a_refused_update_changes_nothing(ecr: Any, changes: dict[str, Any], expected: tuple[str, str]) -> None:
    with freeze_time(CREATED):
        before = ecr.create_repository_creation_template(
            prefix="team", appliedFor=PUSH, description="before", repositoryPolicy=POLICY
        )["repositoryCreationTemplate"]
    with freeze_time(UPDATED), pytest.raises(ClientError) as exc:
        ecr.update_repository_creation_template(prefix="team", **changes)
    assert error_of(exc) == expected
    assert templates(ecr) == [before]


# --- DeleteRepositoryCreationTemplate -----------------------------------------------------------------------


def test_delete_returns_the_template_and_forgets_it(ecr: Any) -> None:
    created = ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH, lifecyclePolicy=LIFECYCLE)
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)
    deleted = ecr.delete_repository_creation_template(prefix="team/")
    assert deleted["registryId"] == ACCOUNT
    assert deleted["repositoryCreationTemplate"] == created["repositoryCreationTemplate"]
    assert prefixes(ecr) == ["ROOT"]
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository_creation_template(prefix="team")
    assert error_of(exc) == not_found("team")
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH)  # the prefix is free again
    assert prefixes(ecr) == ["ROOT", "team"]


def test_delete_root(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.delete_repository_creation_template(prefix="ROOT")
    assert error_of(exc) == not_found("ROOT")
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)
    assert ecr.delete_repository_creation_template(prefix="ROOT")["repositoryCreationTemplate"]["prefix"] == "ROOT"


# --- create on push ------------------------------------------------------------------------------------------


def test_a_push_creates_the_repository_with_the_templates_settings() -> None:
    exclusion = [{"filterType": "WILDCARD", "filter": "latest"}]
    with freeze_time(CREATED), mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository_creation_template(
            prefix="prod",
            appliedFor=PUSH,
            encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KMS_KEY},
            resourceTags=[{"Key": "env", "Value": "prod"}],
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=exclusion,
            repositoryPolicy=POLICY,
            lifecyclePolicy=LIFECYCLE,
        )
        image = push(ecr, "prod/web")
        created = repository(ecr, "prod/web")
        tags = resource_tags(ecr, "prod/web")
        policy = ecr.get_repository_policy(repositoryName="prod/web")["policyText"]
        lifecycle = ecr.get_lifecycle_policy(repositoryName="prod/web")["lifecyclePolicyText"]
    assert image["imageId"] == {"imageDigest": digest_of(docker_manifest(1)), "imageTag": "v1"}
    assert created == {
        "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/prod/web",
        "registryId": ACCOUNT,
        "repositoryName": "prod/web",
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/prod/web",
        "createdAt": CREATED,
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": exclusion,
        "imageScanningConfiguration": {"scanOnPush": False},
        "encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": KMS_KEY},
    }
    assert (tags, policy, lifecycle) == ([{"Key": "env", "Value": "prod"}], POLICY, LIFECYCLE)


def test_the_created_repository_enforces_the_templates_mutability(ecr: Any) -> None:
    ecr.create_repository_creation_template(
        prefix="prod",
        appliedFor=PUSH,
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}],
    )
    push(ecr, "prod/web", 1, "v1")
    push(ecr, "prod/web", 1, "latest")
    with pytest.raises(ClientError) as exc:
        push(ecr, "prod/web", 2, "v1")
    assert error_of(exc) == (
        "ImageTagAlreadyExistsException",
        "The image tag 'v1' already exists in the 'prod/web' repository and cannot be overwritten "
        "because the repository is immutable.",
    )
    push(ecr, "prod/web", 2, "latest")  # excluded from immutability: it moves


def test_a_kms_template_without_a_key_uses_the_aws_managed_key(ecr: Any) -> None:
    ecr.create_repository_creation_template(
        prefix="ROOT", appliedFor=PUSH, encryptionConfiguration={"encryptionType": "KMS"}
    )
    push(ecr, "web")
    encryption = repository(ecr, "web")["encryptionConfiguration"]
    assert encryption["encryptionType"] == "KMS"
    assert re.fullmatch(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/[0-9a-f-]{{36}}", encryption["kmsKey"])
    ecr.create_repository(repositoryName="direct", encryptionConfiguration={"encryptionType": "KMS"})
    assert repository(ecr, "direct")["encryptionConfiguration"] == encryption  # the same managed key


def test_the_longest_prefix_wins_and_root_takes_the_rest(ecr: Any) -> None:
    for prefix, description in (("ROOT", "root"), ("team", "team"), ("team/web/", "team-web")):
        ecr.create_repository_creation_template(
            prefix=prefix, appliedFor=PUSH, resourceTags=[{"Key": "from", "Value": description}]
        )
    expected = {
        "team/web/api": "team-web",
        "team/web/api/v2": "team-web",
        "team/db": "team",
        "team/web": "team",  # "team/web/" covers names below team/web, not team/web itself
        "team": "root",  # "team" covers team/..., not the name team
        "teamwork/a": "root",
        "other": "root",
    }
    for n, name in enumerate(expected, start=1):
        push(ecr, name, n)
    assert {name: resource_tags(ecr, name)[0]["Value"] for name in expected} == expected


def test_only_templates_for_create_on_push_apply_to_a_push(ecr: Any) -> None:
    ecr.create_repository_creation_template(
        prefix="team/web", appliedFor=["REPLICATION", "PULL_THROUGH_CACHE"], imageTagMutability="IMMUTABLE"
    )
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH, resourceTags=[{"Key": "k", "Value": "v"}])
    push(ecr, "team/web/api")
    assert repository(ecr, "team/web/api")["imageTagMutability"] == "MUTABLE"
    assert resource_tags(ecr, "team/web/api") == [{"Key": "k", "Value": "v"}]

    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=["REPLICATION"])
    with pytest.raises(ClientError) as exc:
        push(ecr, "elsewhere")
    assert error_of(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'elsewhere' does not exist in the registry with id '{ACCOUNT}'",
    )
    assert repository_names(ecr) == ["team/web/api"]


def test_without_a_template_a_push_to_a_missing_repository_fails(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        push(ecr, "web")
    assert error_of(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'web' does not exist in the registry with id '{ACCOUNT}'",
    )
    assert repository_names(ecr) == []


def test_an_existing_repository_is_used_as_it_is(ecr: Any) -> None:
    ecr.create_repository(repositoryName="team/web")
    ecr.create_repository_creation_template(
        prefix="team", appliedFor=PUSH, imageTagMutability="IMMUTABLE", repositoryPolicy=POLICY
    )
    push(ecr, "team/web")
    push(ecr, "team/web", 2, "v1")  # still mutable: the template never touches an existing repository
    assert repository(ecr, "team/web")["imageTagMutability"] == "MUTABLE"
    with pytest.raises(ClientError) as exc:
        ecr.get_repository_policy(repositoryName="team/web")
    assert error_of(exc)[0] == "RepositoryPolicyNotFoundException"


def test_create_repository_never_applies_templates(ecr: Any) -> None:
    ecr.create_repository_creation_template(
        prefix="ROOT",
        appliedFor=["CREATE_ON_PUSH", "REPLICATION", "PULL_THROUGH_CACHE"],
        imageTagMutability="IMMUTABLE",
        resourceTags=[{"Key": "k", "Value": "v"}],
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KMS_KEY},
        repositoryPolicy=POLICY,
        lifecyclePolicy=LIFECYCLE,
    )
    created = ecr.create_repository(repositoryName="team/web")["repository"]
    assert created["imageTagMutability"] == "MUTABLE"
    assert created["encryptionConfiguration"] == {"encryptionType": "AES256"}
    assert resource_tags(ecr, "team/web") == []
    with pytest.raises(ClientError) as exc:
        ecr.get_lifecycle_policy(repositoryName="team/web")
    assert error_of(exc)[0] == "LifecyclePolicyNotFoundException"


def test_a_template_change_applies_to_later_pushes_only(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="team", appliedFor=PUSH)
    push(ecr, "team/one")
    ecr.update_repository_creation_template(prefix="team", imageTagMutability="IMMUTABLE")
    push(ecr, "team/two")
    ecr.delete_repository_creation_template(prefix="team")
    assert repository(ecr, "team/one")["imageTagMutability"] == "MUTABLE"
    assert repository(ecr, "team/two")["imageTagMutability"] == "IMMUTABLE"
    with pytest.raises(ClientError) as exc:
        push(ecr, "team/three")
    assert error_of(exc)[0] == "RepositoryNotFoundException"


def test_the_repository_exists_from_the_start_of_the_push(ecr: Any) -> None:
    """As in ECR, a push to a templated name creates the repository before the image is checked: a refused
    image leaves the new, empty repository behind."""
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="web", imageManifest="{not json")
    assert error_of(exc) == invalid("ImageManifest", "Invalid JSON syntax")
    assert repository_names(ecr) == ["web"]
    assert ecr.list_images(repositoryName="web")["imageIds"] == []


def test_the_created_repository_is_a_normal_repository(ecr: Any) -> None:
    ecr.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH)
    push(ecr, "web", 1, "v1")
    push(ecr, "web", 2, "v2")  # the second push finds the repository
    assert sorted(i["imageTag"] for i in ecr.list_images(repositoryName="web")["imageIds"]) == ["v1", "v2"]
    ecr.delete_repository(repositoryName="web", force=True)
    assert repository_names(ecr) == []


def test_replication_creates_destination_repositories_from_replication_templates(ecr: Any) -> None:
    west = boto3.client("ecr", region_name="us-west-2")
    west.create_repository_creation_template(
        prefix="team", appliedFor=["REPLICATION"], imageTagMutability="IMMUTABLE", lifecyclePolicy=LIFECYCLE
    )
    west.create_repository_creation_template(prefix="ROOT", appliedFor=PUSH, imageTagMutability="IMMUTABLE")
    ecr.put_replication_configuration(
        replicationConfiguration={"rules": [{"destinations": [{"region": "us-west-2", "registryId": ACCOUNT}]}]}
    )
    for name in ("team/web", "other"):
        ecr.create_repository(repositoryName=name)
        push(ecr, name)
    assert repository(west, "team/web")["imageTagMutability"] == "IMMUTABLE"
    assert west.get_lifecycle_policy(repositoryName="team/web")["lifecyclePolicyText"] == LIFECYCLE
    assert repository(west, "other")["imageTagMutability"] == "MUTABLE"  # ROOT serves CREATE_ON_PUSH only

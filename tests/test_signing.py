"""Managed signing through boto3: Put/Get/DeleteSigningConfiguration and DescribeImageSigningStatus
(shared/ecr-behaviour.md 3.10, 4.14).

SigningConfigurationNotFoundException's text is unconfirmed in the reference: the tests pin the mock's wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import digest_of, docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
OTHER_ACCOUNT = "111122223333"
REGION = "us-east-1"
PUSHED = datetime(2024, 7, 1, 12, 0, tzinfo=timezone.utc)

PROD = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/ecr_prod"
TEAM = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/team_profile"
ALL = f"arn:aws-us-gov:signer:us-gov-west-1:{ACCOUNT}:/signing-profiles/everything"
PROFILE_PATTERN = r"^arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:\/signing-profiles\/[a-zA-Z0-9_]{2,}$"
FILTER_PATTERN = r"^(?:[a-z0-9*]+(?:[._-][a-z0-9*]+)*/)*[a-z0-9*]+(?:[._-][a-z0-9*]+)*$"
NOT_FOUND = (
    "SigningConfigurationNotFoundException",
    f"Signing configuration does not exist in the registry with id '{ACCOUNT}'",
)


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


def rule(profile: str, *filters: str) -> dict[str, Any]:
    given: dict[str, Any] = {"signingProfileArn": profile}
    if filters:
        given["repositoryFilters"] = [{"filter": f, "filterType": "WILDCARD_MATCH"} for f in filters]
    return given


def configure(ecr: Any, *rules: dict[str, Any]) -> dict[str, Any]:
    answer = ecr.put_signing_configuration(signingConfiguration={"rules": list(rules)})
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def push(ecr: Any, name: str, n: int = 1, tag: str = "v1") -> str:
    if name not in {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}:
        ecr.create_repository(repositoryName=name)
    ecr.put_image(repositoryName=name, imageManifest=docker_manifest(n), imageTag=tag)
    return digest_of(docker_manifest(n))


def statuses(ecr: Any, name: str, image_id: dict[str, str] | None = None) -> list[tuple[str, str]]:
    answer = ecr.describe_image_signing_status(repositoryName=name, imageId=image_id or {"imageTag": "v1"})
    return [(s["signingProfileArn"], s["status"]) for s in answer["signingStatuses"]]


# --- Put / Get / DeleteSigningConfiguration -----------------------------------------------------------------


def test_put_then_get_the_configuration(ecr: Any) -> None:
    rules = [rule(PROD, "prod/*", "*/production"), rule(ALL)]
    assert configure(ecr, *rules) == {"signingConfiguration": {"rules": rules}}
    answer = ecr.get_signing_configuration()
    assert (answer["registryId"], answer["signingConfiguration"]) == (ACCOUNT, {"rules": rules})


def test_put_replaces_the_configuration(ecr: Any) -> None:
    configure(ecr, rule(PROD))
    configure(ecr, rule(TEAM, "team/*"))
    assert ecr.get_signing_configuration()["signingConfiguration"] == {"rules": [rule(TEAM, "team/*")]}
    configure(ecr)
    assert ecr.get_signing_configuration()["signingConfiguration"] == {"rules": []}


def test_get_without_a_configuration(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.get_signing_configuration()
    assert error_of(exc) == NOT_FOUND


def test_delete_returns_the_configuration_and_forgets_it(ecr: Any) -> None:
    configure(ecr, rule(PROD, "prod/*"))
    answer = ecr.delete_signing_configuration()
    assert (answer["registryId"], answer["signingConfiguration"]) == (ACCOUNT, {"rules": [rule(PROD, "prod/*")]})
    for call in (ecr.get_signing_configuration, ecr.delete_signing_configuration):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == NOT_FOUND


def test_the_configuration_is_per_registry() -> None:
    with mock_ecr():
        east = boto3.client("ecr", region_name=REGION)
        west = boto3.client("ecr", region_name="us-west-2")
        configure(east, rule(PROD))
        with pytest.raises(ClientError) as exc:
            west.get_signing_configuration()
        assert error_of(exc) == NOT_FOUND


BAD_RULES: list[tuple[list[dict[str, Any]], tuple[str, str]]] = [
    (
        [rule(f"arn:aws:signer:{REGION}:{ACCOUNT}:signing-profiles/ecr_prod")],
        invalid("signingProfileArn", f"Member must satisfy regular expression pattern: {PROFILE_PATTERN}"),
    ),
    (
        [rule(PROD + "x" * 200)],
        invalid("signingProfileArn", "Member must have length less than or equal to 200"),
    ),
    (
        [rule(PROD, "Prod/*")],
        invalid("filter", f"Member must satisfy regular expression pattern: {FILTER_PATTERN}"),
    ),
    (
        [{"signingProfileArn": PROD, "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}]}],
        invalid("filterType", "Member must satisfy enum value set: [WILDCARD_MATCH]"),
    ),
    (
        [rule(PROD, *[f"repo{n}" for n in range(101)])],
        invalid("repositoryFilters", "Member must have length less than or equal to 100"),
    ),
    ([rule(PROD)] * 11, invalid("rules", "Member must have length less than or equal to 10")),
]


@pytest.mark.parametrize(("rules", "expected"), BAD_RULES)
def test_put_refuses_what_the_model_forbids(ecr: Any, rules: list[dict[str, Any]], expected: tuple[str, str]) -> None:
    configure(ecr, rule(TEAM))
    with pytest.raises(ClientError) as exc:
        configure(ecr, *rules)
    assert error_of(exc) == expected
    assert ecr.get_signing_configuration()["signingConfiguration"] == {"rules": [rule(TEAM)]}


def test_the_limits_themselves_are_accepted(ecr: Any) -> None:
    many = [rule(PROD, *[f"repo{n}" for n in range(100)])] * 10
    assert configure(ecr, *many) == {"signingConfiguration": {"rules": many}}


# --- DescribeImageSigningStatus -----------------------------------------------------------------------------


def test_one_status_per_profile_whose_rule_matched(ecr: Any) -> None:
    configure(ecr, rule(PROD, "prod/*"), rule(TEAM, "*/web"), rule(PROD, "*prod*"), rule(ALL))
    push(ecr, "prod/web")
    push(ecr, "dev/api")
    push(ecr, "dev/web")
    assert statuses(ecr, "prod/web") == [(PROD, "COMPLETE"), (TEAM, "COMPLETE"), (ALL, "COMPLETE")]
    assert statuses(ecr, "dev/api") == [(ALL, "COMPLETE")]
    assert statuses(ecr, "dev/web") == [(TEAM, "COMPLETE"), (ALL, "COMPLETE")]


@pytest.mark.parametrize(
    ("pattern", "signed", "unsigned"),
    [
        ("myapp/*", ["myapp/web", "myapp/web/api"], ["myapp", "other/myapp/web"]),
        ("*/production", ["svc/production", "a/b/production"], ["production", "svc/production-eu"]),
        ("*prod*", ["prod", "myprod/x", "a/b-prod-c"], ["pro/d", "dev"]),
        ("web", ["web"], ["web/api", "myweb"]),
        ("a.b", ["a.b"], ["axb"]),
    ],
)
def test_wildcard_filters_match_whole_names(ecr: Any, pattern: str, signed: list[str], unsigned: list[str]) -> None:
    configure(ecr, rule(PROD, pattern))
    for n, name in enumerate(signed + unsigned, start=1):
        push(ecr, name, n)
    assert {name: statuses(ecr, name) for name in signed + unsigned} == {
        **{name: [(PROD, "COMPLETE")] for name in signed},
        **{name: [] for name in unsigned},
    }


def test_no_configuration_no_statuses(ecr: Any) -> None:
    digest = push(ecr, "web")
    answer = ecr.describe_image_signing_status(repositoryName="web", imageId={"imageDigest": digest})
    assert {key: value for key, value in answer.items() if key != "ResponseMetadata"} == {
        "repositoryName": "web",
        "imageId": {"imageDigest": digest},
        "registryId": ACCOUNT,
        "signingStatuses": [],
    }


def test_signing_is_in_progress_then_complete() -> None:
    with mock_ecr(durations={"signing": 120}):
        _signing_in_progress_then_complete(boto3.client("ecr", region_name=REGION))


def _signing_in_progress_then_complete(ecr: Any) -> None:
    configure(ecr, rule(PROD))
    with freeze_time(PUSHED) as clock:
        push(ecr, "web")
        assert statuses(ecr, "web") == [(PROD, "IN_PROGRESS")]
        clock.tick(timedelta(minutes=1))
        assert statuses(ecr, "web") == [(PROD, "IN_PROGRESS")]
        clock.tick(timedelta(minutes=1))
        assert statuses(ecr, "web") == [(PROD, "COMPLETE")]


def test_statuses_are_decided_at_push_time(ecr: Any) -> None:
    push(ecr, "web", 1, "before")
    configure(ecr, rule(PROD))
    push(ecr, "web", 2, "after")
    ecr.put_image(repositoryName="web", imageManifest=docker_manifest(1), imageTag="retagged")  # no new image
    ecr.delete_signing_configuration()
    push(ecr, "web", 3, "deleted")
    assert statuses(ecr, "web", {"imageTag": "before"}) == []
    assert statuses(ecr, "web", {"imageTag": "retagged"}) == []
    assert statuses(ecr, "web", {"imageTag": "after"}) == [(PROD, "COMPLETE")]  # kept after the delete
    assert statuses(ecr, "web", {"imageTag": "deleted"}) == []


def test_the_image_id_echoes_the_tag_asked_by(ecr: Any) -> None:
    configure(ecr, rule(PROD))
    digest = push(ecr, "web", 1, "v1")
    answer = ecr.describe_image_signing_status(repositoryName="web", imageId={"imageTag": "v1"})
    assert answer["imageId"] == {"imageDigest": digest, "imageTag": "v1"}
    answer = ecr.describe_image_signing_status(repositoryName="web", imageId={"imageDigest": digest})
    assert answer["imageId"] == {"imageDigest": digest}


def test_no_signature_artifacts_are_added_to_the_repository(ecr: Any) -> None:
    configure(ecr, rule(PROD), rule(TEAM))
    digest = push(ecr, "web")
    assert ecr.list_images(repositoryName="web")["imageIds"] == [{"imageDigest": digest, "imageTag": "v1"}]
    assert ecr.list_image_referrers(repositoryName="web", subjectId={"imageDigest": digest})["referrers"] == []


def test_describe_status_errors(ecr: Any) -> None:
    push(ecr, "web")
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_signing_status(repositoryName="missing", imageId={"imageTag": "v1"})
    assert error_of(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_signing_status(repositoryName="web", imageId={"imageTag": "v2"})
    assert error_of(exc) == (
        "ImageNotFoundException",
        "The image with imageId {imageDigest:'null', imageTag:'v2'} does not exist within the repository "
        f"with name 'web' in the registry with id '{ACCOUNT}'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_signing_status(repositoryName="web", imageId={"imageDigest": "sha256:xyz"})
    assert error_of(exc) == invalid("imageDigest", "must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'")
    # a registryId naming another registry: tests/test_leniency.py (default mode falls back, strict refuses)

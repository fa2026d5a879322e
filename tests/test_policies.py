"""Repository policies, the registry policy and account settings through boto3 (shared/ecr-behaviour.md 3.1, 3.7,
4.8, 4.13).

Texts: M-RPNF / M-GPNF (reference 2.4) and both "Invalid ... policy provided" frames (1.5, 3.1, 3.7) are ECR's.
The account-setting errors are unconfirmed in the reference (ValidationException or InvalidParameterException):
the tests pin the mock's InvalidParameterException with the model's enum wording.
"""

from __future__ import annotations

import json
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
INVALID_REPOSITORY_POLICY = (
    "InvalidParameterException",
    "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'",
)
INVALID_REGISTRY_POLICY = (
    "InvalidParameterException",
    "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'",
)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def rpnf(name: str = REPO) -> tuple[str, str]:
    return (
        "RepositoryPolicyNotFoundException",
        f"Repository policy does not exist for the repository with name '{name}' in the registry with id '{ACCOUNT}'",
    )


GPNF = ("RegistryPolicyNotFoundException", f"Registry policy does not exist in the registry with id '{ACCOUNT}'")


def statement(**members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Sid": "AllowPull",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
    }
    base.update(members)
    return {key: value for key, value in base.items() if value is not ...}


def document(*statements: dict[str, Any], **top: Any) -> str:
    base: dict[str, Any] = {"Version": "2012-10-17", "Statement": list(statements) or [statement()]}
    base.update(top)
    return json.dumps({key: value for key, value in base.items() if value is not ...})


def registry_document(*actions: str) -> str:
    return document(
        statement(Sid="Replication", Action=list(actions), Resource=f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*")
    )


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


# --- repository policies ------------------------------------------------------------------------------------

# Odd spacing, key order, non-ASCII and a trailing newline: the echo must be byte-identical, never re-serialised.
VERBATIM = (
    '{\n  "Statement" : [ {"Effect":"Allow",   "Sid": "caf\u00e9 \u2603", "Principal": "*",\n'
    '   "Action": "ecr:BatchGetImage"} ],\n  "Version": "2008-10-17"\n}\n'
)


def test_set_get_delete_round_trip_is_byte_identical(ecr: Any) -> None:
    expected = {"registryId": ACCOUNT, "repositoryName": REPO, "policyText": VERBATIM}
    assert body(ecr.set_repository_policy(repositoryName=REPO, policyText=VERBATIM)) == expected
    assert body(ecr.get_repository_policy(repositoryName=REPO)) == expected
    assert body(ecr.delete_repository_policy(repositoryName=REPO)) == expected
    with pytest.raises(ClientError) as exc:
        ecr.get_repository_policy(repositoryName=REPO)
    assert error_of(exc) == rpnf()


def test_set_replaces_and_force_is_accepted(ecr: Any) -> None:
    ecr.set_repository_policy(repositoryName=REPO, policyText=document())
    replacement = document(statement(Effect="Deny", Principal="*", Action="ecr:*"))
    answer = body(ecr.set_repository_policy(repositoryName=REPO, policyText=replacement, force=True))
    assert answer == {"registryId": ACCOUNT, "repositoryName": REPO, "policyText": replacement}
    assert ecr.get_repository_policy(repositoryName=REPO)["policyText"] == replacement


def test_policies_are_per_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="other")
    ecr.set_repository_policy(repositoryName=REPO, policyText=document())
    with pytest.raises(ClientError) as exc:
        ecr.get_repository_policy(repositoryName="other")
    assert error_of(exc) == rpnf("other")


def test_get_and_delete_without_policy(ecr: Any) -> None:
    for call in (ecr.get_repository_policy, ecr.delete_repository_policy):
        with pytest.raises(ClientError) as exc:
            call(repositoryName=REPO)
        assert error_of(exc) == rpnf()


@pytest.mark.parametrize("operation", ["set", "get", "delete"])
def test_unknown_repository(ecr: Any, operation: str) -> None:
    calls = {
        "set": lambda: ecr.set_repository_policy(repositoryName="missing", policyText=document()),
        "get": lambda: ecr.get_repository_policy(repositoryName="missing"),
        "delete": lambda: ecr.delete_repository_policy(repositoryName="missing"),
    }
    with pytest.raises(ClientError) as exc:
        calls[operation]()
    assert error_of(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )


def test_delete_repository_drops_the_policy(ecr: Any) -> None:
    ecr.set_repository_policy(repositoryName=REPO, policyText=document())
    ecr.delete_repository(repositoryName=REPO)
    ecr.create_repository(repositoryName=REPO)
    with pytest.raises(ClientError) as exc:
        ecr.get_repository_policy(repositoryName=REPO)
    assert error_of(exc) == rpnf()


VALID_REPOSITORY_POLICIES = {
    "2012-version": document(),
    "2008-version": document(Version="2008-10-17"),
    "no-version": document(Version=...),
    "no-resource": document(statement()),
    "with-resource": document(statement(Resource="*")),
    "statement-object": json.dumps({"Version": "2012-10-17", "Statement": statement()}),
    "duplicate-sids": document(statement(), statement(Action="ecr:DescribeImages")),
    "principal-star": document(statement(Principal="*")),
    "service-principal": document(statement(Principal={"Service": "codebuild.amazonaws.com"})),
    "several-principals": document(statement(Principal={"AWS": [f"arn:aws:iam::{OTHER}:root", "444455556666"]})),
    "not-action": document(statement(Action=..., NotAction="ecr:DeleteRepository")),
    "action-string": document(statement(Action="ecr:*")),
    "condition": document(statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})),
    "deny": document(statement(Effect="Deny")),
    "with-id": document(Id="my-policy"),
    "no-sid": document(statement(Sid=...)),
}


@pytest.mark.parametrize("text", list(VALID_REPOSITORY_POLICIES.values()), ids=list(VALID_REPOSITORY_POLICIES))
def test_valid_repository_policies(ecr: Any, text: str) -> None:
    assert ecr.set_repository_policy(repositoryName=REPO, policyText=text)["policyText"] == text
    assert ecr.get_repository_policy(repositoryName=REPO)["policyText"] == text


def test_policies_up_to_10240_characters(ecr: Any) -> None:
    text = document()
    text += " " * (10240 - len(text))
    assert ecr.set_repository_policy(repositoryName=REPO, policyText=text)["policyText"] == text
    registry = registry_document("ecr:ReplicateImage")
    registry += "\n" * (10240 - len(registry))
    assert ecr.put_registry_policy(policyText=registry)["policyText"] == registry


INVALID_POLICIES = {
    "not-json": "{not json",
    "truncated": document()[:-2],
    "json-array": json.dumps([statement()]),
    "json-string": '"policy"',
    "empty-object": "{}",
    "no-statement": json.dumps({"Version": "2012-10-17"}),
    "empty-statements": document(Statement=[]),
    "statement-string": document(Statement="allow everything"),
    "bad-version": document(Version="2020-01-01"),
    "unknown-top-level": document(Extra="x"),
    "no-effect": document(statement(Effect=...)),
    "bad-effect": document(statement(Effect="Permit")),
    "no-principal": document(statement(Principal=...)),
    "bad-principal-key": document(statement(Principal={"User": "bob"})),
    "no-action": document(statement(Action=...)),
    "action-and-not-action": document(statement(NotAction="ecr:DeleteRepository")),
    "empty-action-list": document(statement(Action=[])),
    "action-not-string": document(statement(Action=[1])),
    "action-without-service": document(statement(Action="BatchGetImage")),
    "unknown-statement-key": document(statement(Resources="*")),
    "condition-not-object": document(statement(Condition="yes")),
}


@pytest.mark.parametrize("text", list(INVALID_POLICIES.values()), ids=list(INVALID_POLICIES))
def test_invalid_repository_policies(ecr: Any, text: str) -> None:
    ecr.set_repository_policy(repositoryName=REPO, policyText=VERBATIM)
    with pytest.raises(ClientError) as exc:
        ecr.set_repository_policy(repositoryName=REPO, policyText=text)
    assert error_of(exc) == INVALID_REPOSITORY_POLICY
    assert ecr.get_repository_policy(repositoryName=REPO)["policyText"] == VERBATIM  # unchanged


# --- the registry policy ------------------------------------------------------------------------------------


def test_registry_policy_round_trip(ecr: Any) -> None:
    text = registry_document("ecr:ReplicateImage", "ecr:CreateRepository") + "\n"
    assert body(ecr.put_registry_policy(policyText=text)) == {"registryId": ACCOUNT, "policyText": text}
    assert body(ecr.get_registry_policy()) == {"registryId": ACCOUNT, "policyText": text}
    assert body(ecr.delete_registry_policy()) == {"registryId": ACCOUNT, "policyText": text}
    with pytest.raises(ClientError) as exc:
        ecr.get_registry_policy()
    assert error_of(exc) == GPNF


def test_registry_policy_missing(ecr: Any) -> None:
    for call in (ecr.get_registry_policy, ecr.delete_registry_policy):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == GPNF


def test_registry_policy_replaced_and_per_region(ecr: Any) -> None:
    ecr.put_registry_policy(policyText=registry_document("ecr:ReplicateImage"))
    ecr.put_registry_policy(policyText=registry_document("ecr:CreateRepository"))
    assert ecr.get_registry_policy()["policyText"] == registry_document("ecr:CreateRepository")
    west = boto3.client("ecr", region_name="eu-west-1")
    with pytest.raises(ClientError) as exc:
        west.get_registry_policy()
    assert error_of(exc) == GPNF


def test_registry_policy_byte_identical(ecr: Any) -> None:
    assert ecr.put_registry_policy(policyText=VERBATIM)["policyText"] == VERBATIM
    assert ecr.get_registry_policy()["policyText"] == VERBATIM


@pytest.mark.parametrize("text", list(INVALID_POLICIES.values()), ids=list(INVALID_POLICIES))
def test_invalid_registry_policies(ecr: Any, text: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_registry_policy(policyText=text)
    assert error_of(exc) == INVALID_REGISTRY_POLICY
    with pytest.raises(ClientError) as missing:
        ecr.get_registry_policy()
    assert error_of(missing) == GPNF


V1_ACTIONS = ["ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]


@pytest.mark.parametrize(
    "actions",
    [V1_ACTIONS, ["ecr:BatchGetImage"], ["ecr:*"], ["ecr:ReplicateImage", "ecr:PutImage", "ecr:Describe*"]],
    ids=["v1-actions", "pull", "ecr-star", "mixed"],
)
def test_scope_v2_default_allows_any_ecr_action(ecr: Any, actions: list[str]) -> None:
    assert ecr.get_account_setting(name="REGISTRY_POLICY_SCOPE")["value"] == "V2"
    text = registry_document(*actions)
    assert ecr.put_registry_policy(policyText=text)["policyText"] == text


@pytest.mark.parametrize(
    "actions", [["s3:GetObject"], ["*"], ["ecr:ReplicateImage", "iam:PassRole"]], ids=["s3", "star", "iam"]
)
def test_scope_v2_refuses_non_ecr_actions(ecr: Any, actions: list[str]) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_registry_policy(policyText=registry_document(*actions))
    assert error_of(exc) == INVALID_REGISTRY_POLICY


def test_scope_v1_allows_only_the_three_actions(ecr: Any) -> None:
    ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
    for action in V1_ACTIONS:
        text = registry_document(action)
        assert ecr.put_registry_policy(policyText=text)["policyText"] == text
    text = registry_document(*V1_ACTIONS)
    assert ecr.put_registry_policy(policyText=text)["policyText"] == text
    for refused in (["ecr:BatchGetImage"], ["ecr:*"], ["ecr:ReplicateImage", "ecr:PutImage"], ["s3:GetObject"]):
        with pytest.raises(ClientError) as exc:
            ecr.put_registry_policy(policyText=registry_document(*refused))
        assert error_of(exc) == INVALID_REGISTRY_POLICY
    assert ecr.get_registry_policy()["policyText"] == text  # refusals leave the stored policy
    ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V2")
    assert ecr.put_registry_policy(policyText=registry_document("ecr:BatchGetImage"))["registryId"] == ACCOUNT


def test_repository_policies_are_not_limited_by_the_registry_scope(ecr: Any) -> None:
    ecr.put_account_setting(name="REGISTRY_POLICY_SCOPE", value="V1")
    text = document(statement(Action=["ecr:BatchGetImage", "s3:GetObject"]))
    assert ecr.set_repository_policy(repositoryName=REPO, policyText=text)["policyText"] == text


# --- account settings ---------------------------------------------------------------------------------------

DEFAULTS = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "REGISTRY_POLICY_SCOPE": "V2", "BLOB_MOUNTING": "DISABLED"}


@pytest.mark.parametrize(("name", "value"), list(DEFAULTS.items()))
def test_account_setting_defaults(ecr: Any, name: str, value: str) -> None:
    assert body(ecr.get_account_setting(name=name)) == {"name": name, "value": value}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE"),
        ("BASIC_SCAN_TYPE_VERSION", "CLAIR"),
        ("REGISTRY_POLICY_SCOPE", "V1"),
        ("REGISTRY_POLICY_SCOPE", "V2"),
        ("BLOB_MOUNTING", "ENABLED"),
        ("BLOB_MOUNTING", "DISABLED"),
    ],
)
def test_put_and_get_account_setting(ecr: Any, name: str, value: str) -> None:
    assert body(ecr.put_account_setting(name=name, value=value)) == {"name": name, "value": value}
    assert body(ecr.get_account_setting(name=name)) == {"name": name, "value": value}
    others = {n: v for n, v in DEFAULTS.items() if n != name}
    assert {n: ecr.get_account_setting(name=n)["value"] for n in others} == others


def test_account_settings_are_per_region(ecr: Any) -> None:
    ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
    west = boto3.client("ecr", region_name="eu-west-1")
    assert west.get_account_setting(name="BLOB_MOUNTING")["value"] == "DISABLED"


NAMES_ENUM = (
    "Invalid parameter at 'name' failed to satisfy constraint: "
    "'Member must satisfy enum value set: [BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, BLOB_MOUNTING]'"
)


@pytest.mark.parametrize("name", ["UNKNOWN_SETTING", "blob_mounting", "SCAN"])
def test_unknown_setting_name(ecr: Any, name: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.get_account_setting(name=name)
    assert error_of(exc) == ("InvalidParameterException", NAMES_ENUM)
    with pytest.raises(ClientError) as exc:
        ecr.put_account_setting(name=name, value="ENABLED")
    assert error_of(exc) == ("InvalidParameterException", NAMES_ENUM)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("BLOB_MOUNTING", "ON", "[ENABLED, DISABLED]"),
        ("BLOB_MOUNTING", "enabled", "[ENABLED, DISABLED]"),
        ("REGISTRY_POLICY_SCOPE", "V3", "[V1, V2]"),
        ("BASIC_SCAN_TYPE_VERSION", "TRIVY", "[AWS_NATIVE, CLAIR]"),
    ],
)
def test_bad_setting_value(ecr: Any, name: str, value: str, allowed: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_account_setting(name=name, value=value)
    assert error_of(exc) == (
        "InvalidParameterException",
        f"Invalid parameter at 'value' failed to satisfy constraint: 'Member must satisfy enum value set: {allowed}'",
    )
    assert ecr.get_account_setting(name=name)["value"] == DEFAULTS[name]

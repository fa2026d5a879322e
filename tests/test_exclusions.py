"""Pull-time update exclusions through boto3: Register/Deregister/ListPullTimeUpdateExclusions, and BatchGetImage
leaving ``lastRecordedPullTime`` alone for excluded principals (shared/ecr-behaviour.md 3.2, 3.11, 4.14).

A client acts as a principal through its access key: ``EcrMock.register_principal(arn, access_key_id)``; any other
key acts as ``arn:aws:iam::<account>:user/ecr-mock``. The exclusion exceptions' texts are unconfirmed in the
reference: the tests pin the mock's wording.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import docker_manifest
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import EcrMock, mock_ecr
from ecr_mock._backend import Backends

ACCOUNT = "012345678910"
REGION = "us-east-1"
T0 = datetime(2024, 8, 1, 8, 0, tzinfo=timezone.utc)

SCANNER = f"arn:aws:iam::{ACCOUNT}:role/inspector-scanner"
SCANNER_KEY = "AKIASCANNER000000001"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:user/ci/deployer"
DEPLOYER_KEY = "AKIADEPLOYER00000001"
DEFAULT = f"arn:aws:iam::{ACCOUNT}:user/ecr-mock"
ARN_PATTERN = r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(role|user)/[\w+=,.@-]+(/[\w+=,.@-]+)*$"


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def mock() -> Iterator[EcrMock]:
    with mock_ecr() as active:
        yield active


@pytest.fixture
def ecr(mock: EcrMock) -> Any:
    return boto3.client("ecr", region_name=REGION)


def client_as(access_key_id: str, region: str = REGION) -> Any:
    return boto3.client(
        "ecr", region_name=region, aws_access_key_id=access_key_id, aws_secret_access_key="secret-of-" + access_key_id
    )


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def listed(ecr: Any, **kwargs: Any) -> list[str]:
    return list(ecr.list_pull_time_update_exclusions(**kwargs)["pullTimeUpdateExclusions"])


def pulled_at(ecr: Any, name: str = "web") -> datetime | None:
    detail = ecr.describe_images(repositoryName=name)["imageDetails"][0]
    value = detail.get("lastRecordedPullTime")
    return None if value is None else value.astimezone(timezone.utc)


def pull(client: Any, name: str = "web") -> None:
    answer = client.batch_get_image(repositoryName=name, imageIds=[{"imageTag": "v1"}])
    assert len(answer["images"]) == 1


# --- RegisterPullTimeUpdateExclusion ------------------------------------------------------------------------


def test_register_answers_the_principal_and_when() -> None:
    with freeze_time(T0), mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        answer = ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    assert (answer["principalArn"], answer["createdAt"]) == (SCANNER, T0)


@pytest.mark.parametrize(
    "arn",
    [SCANNER, DEPLOYER, DEFAULT, "arn:aws-cn:iam::123456789012:role/a/b/c+=,.@-d", "arn:aws:iam::123456789012:user/x"],
)
def test_register_accepts_role_and_user_arns(ecr: Any, arn: str) -> None:
    assert ecr.register_pull_time_update_exclusion(principalArn=arn)["principalArn"] == arn
    assert listed(ecr) == [arn]


@pytest.mark.parametrize(
    "arn",
    [
        f"arn:aws:iam::{ACCOUNT}:group/admins",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/scanner/session",
        f"arn:aws:iam::{ACCOUNT}:root",
        "arn:aws:iam::12345:role/short-account",
    ],
)
def test_register_refuses_other_arns(ecr: Any, arn: str) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.register_pull_time_update_exclusion(principalArn=arn)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'principalArn' failed to satisfy constraint: "
        f"'Member must satisfy regular expression pattern: {ARN_PATTERN}'",
    )
    assert listed(ecr) == []


def test_register_twice(ecr: Any) -> None:
    ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    with pytest.raises(ClientError) as exc:
        ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    assert error_of(exc) == (
        "ExclusionAlreadyExistsException",
        f"The pull time update exclusion for the principal '{SCANNER}' already exists in the registry "
        f"with id '{ACCOUNT}'",
    )
    assert listed(ecr) == [SCANNER]


def test_register_stops_at_one_hundred(ecr: Any) -> None:
    arns = [f"arn:aws:iam::{ACCOUNT}:role/reader-{n:03}" for n in range(100)]
    for arn in arns:
        ecr.register_pull_time_update_exclusion(principalArn=arn)
    with pytest.raises(ClientError) as exc:
        ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    assert error_of(exc) == (
        "LimitExceededException",
        f"The maximum number of pull time update exclusions (100) in the registry with id '{ACCOUNT}' has been reached",
    )
    with pytest.raises(ClientError) as exc:
        ecr.register_pull_time_update_exclusion(principalArn=arns[0])  # a duplicate is reported as such first
    assert error_of(exc)[0] == "ExclusionAlreadyExistsException"
    assert listed(ecr) == arns
    ecr.deregister_pull_time_update_exclusion(principalArn=arns[0])
    ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    assert listed(ecr) == [*arns[1:], SCANNER]


def test_exclusions_are_per_registry() -> None:
    with mock_ecr():
        east = boto3.client("ecr", region_name=REGION)
        west = boto3.client("ecr", region_name="us-west-2")
        east.register_pull_time_update_exclusion(principalArn=SCANNER)
        assert listed(west) == []
        west.register_pull_time_update_exclusion(principalArn=SCANNER)
        assert listed(east) == listed(west) == [SCANNER]


# --- DeregisterPullTimeUpdateExclusion ----------------------------------------------------------------------


def test_deregister(ecr: Any) -> None:
    ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    ecr.register_pull_time_update_exclusion(principalArn=DEPLOYER)
    answer = ecr.deregister_pull_time_update_exclusion(principalArn=SCANNER)
    assert {key: value for key, value in answer.items() if key != "ResponseMetadata"} == {"principalArn": SCANNER}
    assert listed(ecr) == [DEPLOYER]


def test_deregister_an_unknown_principal(ecr: Any) -> None:
    ecr.register_pull_time_update_exclusion(principalArn=DEPLOYER)
    with pytest.raises(ClientError) as exc:
        ecr.deregister_pull_time_update_exclusion(principalArn=SCANNER)
    assert error_of(exc) == (
        "ExclusionNotFoundException",
        f"The pull time update exclusion for the principal '{SCANNER}' does not exist in the registry "
        f"with id '{ACCOUNT}'",
    )
    assert listed(ecr) == [DEPLOYER]


def test_deregister_validates_the_arn(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.deregister_pull_time_update_exclusion(principalArn="scanner")
    assert error_of(exc)[0] == "InvalidParameterException"


# --- ListPullTimeUpdateExclusions ---------------------------------------------------------------------------


def test_list_is_empty_at_first(ecr: Any) -> None:
    answer = ecr.list_pull_time_update_exclusions()
    assert (answer["pullTimeUpdateExclusions"], "nextToken" in answer) == ([], False)


def test_list_pages_in_registration_order(ecr: Any) -> None:
    arns = [f"arn:aws:iam::{ACCOUNT}:user/u{n}" for n in (5, 1, 4, 2, 3)]
    for arn in arns:
        ecr.register_pull_time_update_exclusion(principalArn=arn)
    first = ecr.list_pull_time_update_exclusions(maxResults=2)
    assert first["pullTimeUpdateExclusions"] == arns[:2]
    second = ecr.list_pull_time_update_exclusions(maxResults=2, nextToken=first["nextToken"])
    assert second["pullTimeUpdateExclusions"] == arns[2:4]
    ecr.deregister_pull_time_update_exclusion(principalArn=arns[4])
    last = ecr.list_pull_time_update_exclusions(maxResults=2, nextToken=second["nextToken"])
    assert (last["pullTimeUpdateExclusions"], "nextToken" in last) == ([], False)
    assert listed(ecr, maxResults=1000) == arns[:4]


def test_list_refuses_bad_tokens_and_sizes(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.list_pull_time_update_exclusions(nextToken="not-a-token")
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid NextToken provided'",
    )
    with pytest.raises(ClientError) as exc:
        ecr.list_pull_time_update_exclusions(maxResults=1001)
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'maxResults' failed to satisfy constraint: "
        "'Member must have value less than or equal to 1000'",
    )


# --- BatchGetImage and lastRecordedPullTime ------------------------------------------------------------------


def test_excluded_principals_do_not_move_the_pull_time(mock: EcrMock) -> None:
    mock.register_principal(SCANNER, SCANNER_KEY)
    mock.register_principal(DEPLOYER, DEPLOYER_KEY)
    ecr, scanner, deployer = boto3.client("ecr", region_name=REGION), client_as(SCANNER_KEY), client_as(DEPLOYER_KEY)
    with freeze_time(T0) as clock:
        ecr.create_repository(repositoryName="web")
        ecr.put_image(repositoryName="web", imageManifest=docker_manifest(1), imageTag="v1")
        ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
        assert pulled_at(ecr) is None

        clock.tick(timedelta(hours=1))
        pull(scanner)
        assert pulled_at(ecr) is None  # excluded: not recorded

        clock.tick(timedelta(hours=1))
        pull(deployer)
        assert pulled_at(ecr) == T0 + timedelta(hours=2)

        clock.tick(timedelta(hours=1))
        pull(scanner)
        assert pulled_at(ecr) == T0 + timedelta(hours=2)

        clock.tick(timedelta(hours=1))
        pull(ecr)  # the mock's own key: the default principal, not excluded
        assert pulled_at(ecr) == T0 + timedelta(hours=4)

        ecr.deregister_pull_time_update_exclusion(principalArn=SCANNER)
        clock.tick(timedelta(hours=1))
        pull(scanner)
        assert pulled_at(ecr) == T0 + timedelta(hours=5)


def test_unregistered_keys_act_as_the_default_principal(mock: EcrMock) -> None:
    ecr, stranger = boto3.client("ecr", region_name=REGION), client_as("AKIAUNREGISTERED0001")
    with freeze_time(T0) as clock:
        ecr.create_repository(repositoryName="web")
        ecr.put_image(repositoryName="web", imageManifest=docker_manifest(1), imageTag="v1")
        pull(stranger)
        assert pulled_at(ecr) == T0
        ecr.register_pull_time_update_exclusion(principalArn=DEFAULT)
        clock.tick(timedelta(hours=1))
        pull(stranger)
        pull(ecr)
        assert pulled_at(ecr) == T0


def test_the_pulled_registrys_exclusions_apply(mock: EcrMock) -> None:
    mock.register_principal(SCANNER, SCANNER_KEY)
    ecr, west = boto3.client("ecr", region_name=REGION), boto3.client("ecr", region_name="us-west-2")
    with freeze_time(T0):
        ecr.create_repository(repositoryName="web")
        ecr.put_image(repositoryName="web", imageManifest=docker_manifest(1), imageTag="v1")
        west.register_pull_time_update_exclusion(principalArn=SCANNER)
        pull(client_as(SCANNER_KEY))
        assert pulled_at(ecr) == T0


def test_an_excluded_pull_still_answers_and_fails_as_usual(mock: EcrMock) -> None:
    mock.register_principal(SCANNER, SCANNER_KEY)
    ecr, scanner = boto3.client("ecr", region_name=REGION), client_as(SCANNER_KEY)
    ecr.create_repository(repositoryName="web")
    ecr.put_image(repositoryName="web", imageManifest=docker_manifest(1), imageTag="v1")
    ecr.register_pull_time_update_exclusion(principalArn=SCANNER)
    answer = scanner.batch_get_image(repositoryName="web", imageIds=[{"imageTag": "v1"}, {"imageTag": "v2"}])
    assert answer["images"][0]["imageManifest"] == docker_manifest(1)
    assert answer["failures"] == [
        {"imageId": {"imageTag": "v2"}, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}
    ]
    assert pulled_at(ecr) is None


# --- the principal map -------------------------------------------------------------------------------------


def test_principal_for_maps_registered_keys_only() -> None:
    backends = Backends()
    backends.register_principal(SCANNER, SCANNER_KEY)
    assert backends.principal_for(SCANNER_KEY, ACCOUNT) == SCANNER
    assert backends.principal_for("AKIAOTHER", ACCOUNT) == DEFAULT
    assert backends.principal_for(None, "111122223333") == "arn:aws:iam::111122223333:user/ecr-mock"
    backends.register_principal(DEPLOYER, SCANNER_KEY)  # a key acts as one principal: the last registered
    assert backends.principal_for(SCANNER_KEY, ACCOUNT) == DEPLOYER


def test_reset_forgets_registered_principals(mock: EcrMock) -> None:
    mock.register_principal(SCANNER, SCANNER_KEY)
    mock.reset()
    assert mock.backends.principal_for(SCANNER_KEY, ACCOUNT) == DEFAULT


def test_register_principal_needs_an_active_mock() -> None:
    with pytest.raises(RuntimeError, match="mock_ecr is not active"):
        mock_ecr().register_principal(SCANNER, SCANNER_KEY)

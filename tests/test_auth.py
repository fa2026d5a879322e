"""GetAuthorizationToken through boto3: the seed's fixed token by default, real-looking tokens in strict mode.

Reference: shared/ecr-behaviour.md 3.4 (and 4.17 for what the default, seed-compatible mode keeps from moto).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from dateutil.tz import tzlocal
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
SEED_EXPIRY = datetime(2015, 1, 1, tzinfo=tzlocal())
REGISTRY_IDS_PATTERN_MESSAGE = (
    "Invalid parameter at 'registryIds' failed to satisfy constraint: "
    "'Member must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]{12}]'"
)


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        yield boto3.client("ecr", region_name=REGION)


@pytest.fixture
def ecr_strict() -> Iterator[Any]:
    with mock_ecr(strict=True):
        yield boto3.client("ecr", region_name=REGION)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def credentials(token: str) -> tuple[str, str]:
    """What docker login does with the token: base64-decode, split on the first ':'."""
    user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
    return user, password


def seed_token(registry_id: str) -> str:
    return base64.b64encode(f"AWS:{registry_id}-auth-token".encode()).decode()


# --- default (seed-compatible) mode --------------------------------------------------------------------------


def test_default_token_for_the_callers_registry(ecr: Any) -> None:
    response = ecr.get_authorization_token()
    assert response["authorizationData"] == [
        {
            "authorizationToken": seed_token(ACCOUNT),
            "expiresAt": SEED_EXPIRY,
            "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com",
        }
    ]
    assert response["authorizationData"][0]["expiresAt"].tzinfo is not None
    assert credentials(response["authorizationData"][0]["authorizationToken"]) == ("AWS", f"{ACCOUNT}-auth-token")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_default_token_is_the_same_every_call(ecr: Any) -> None:
    first = ecr.get_authorization_token()["authorizationData"]
    second = ecr.get_authorization_token()["authorizationData"]
    assert first == second


@pytest.mark.parametrize(
    "registry_ids",
    [
        ["111122223333"],
        ["111122223333", "444455556666"],
        [ACCOUNT, "111122223333", "999999999999"],
        ["10987654321", "878787878787"],  # the seed's ids: default mode does not check the pattern
        [f"{i:012d}" for i in range(10)],
    ],
)
def test_default_token_one_entry_per_registry_id(ecr: Any, registry_ids: list[str]) -> None:
    data = ecr.get_authorization_token(registryIds=registry_ids)["authorizationData"]
    assert data == [
        {
            "authorizationToken": seed_token(registry_id),
            "expiresAt": SEED_EXPIRY,
            "proxyEndpoint": f"https://{registry_id}.dkr.ecr.{REGION}.amazonaws.com",
        }
        for registry_id in registry_ids
    ]


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "eu-central-1"])
def test_proxy_endpoint_names_the_region(region: str) -> None:
    with mock_ecr():
        client: Any = boto3.client("ecr", region_name=region)
        data = client.get_authorization_token()["authorizationData"]
        assert [d["proxyEndpoint"] for d in data] == [f"https://{ACCOUNT}.dkr.ecr.{region}.amazonaws.com"]
        data = client.get_authorization_token(registryIds=["111122223333"])["authorizationData"]
        assert [d["proxyEndpoint"] for d in data] == [f"https://111122223333.dkr.ecr.{region}.amazonaws.com"]


def test_token_for_the_mocks_account() -> None:
    with mock_ecr(account_id="555566667777"):
        client: Any = boto3.client("ecr", region_name="eu-west-1")
        data = client.get_authorization_token()["authorizationData"]
    assert data == [
        {
            "authorizationToken": seed_token("555566667777"),
            "expiresAt": SEED_EXPIRY,
            "proxyEndpoint": "https://555566667777.dkr.ecr.eu-west-1.amazonaws.com",
        }
    ]


def test_decorator_form() -> None:
    @mock_ecr
    def token() -> str:
        client: Any = boto3.client("ecr", region_name=REGION)
        value: str = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        return value

    assert token() == seed_token(ACCOUNT)


# --- strict mode ------------------------------------------------------------------------------------------------


def test_strict_token_shape(ecr_strict: Any) -> None:
    before = datetime.now(timezone.utc)
    data = ecr_strict.get_authorization_token()["authorizationData"]
    after = datetime.now(timezone.utc)
    assert len(data) == 1
    entry = data[0]
    assert set(entry) == {"authorizationToken", "expiresAt", "proxyEndpoint"}
    assert entry["proxyEndpoint"] == f"https://{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    user, password = credentials(entry["authorizationToken"])
    assert user == "AWS"
    assert password
    assert password != f"{ACCOUNT}-auth-token"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", password)
    expires = entry["expiresAt"]
    assert expires.tzinfo is not None
    # issue time + 12 h (epoch seconds on the wire: allow for float rounding)
    assert before + timedelta(hours=12) - timedelta(seconds=1) <= expires <= after + timedelta(hours=12, seconds=1)


def test_strict_expiry_is_exactly_twelve_hours_after_issue() -> None:
    with freeze_time("2024-05-06 07:08:09"), mock_ecr(strict=True):
        client: Any = boto3.client("ecr", region_name=REGION)
        expires = client.get_authorization_token()["authorizationData"][0]["expiresAt"]
    assert expires == datetime(2024, 5, 6, 19, 8, 9, tzinfo=timezone.utc)
    assert expires.tzinfo is not None


def test_strict_token_differs_every_call(ecr_strict: Any) -> None:
    passwords = {
        credentials(ecr_strict.get_authorization_token()["authorizationData"][0]["authorizationToken"])[1]
        for _ in range(5)
    }
    assert len(passwords) == 5


def test_strict_token_one_entry_per_registry_id(ecr_strict: Any) -> None:
    registry_ids = ["111122223333", ACCOUNT, "444455556666"]
    data = ecr_strict.get_authorization_token(registryIds=registry_ids)["authorizationData"]
    assert [d["proxyEndpoint"] for d in data] == [
        f"https://{registry_id}.dkr.ecr.{REGION}.amazonaws.com" for registry_id in registry_ids
    ]
    tokens = [credentials(d["authorizationToken"]) for d in data]
    assert {user for user, _ in tokens} == {"AWS"}
    assert len({password for _, password in tokens}) == 3


@pytest.mark.parametrize("registry_ids", [["123"], ["10987654321"], ["111122223333", "abc"], ["1111222233334"]])
def test_strict_rejects_malformed_registry_ids(ecr_strict: Any, registry_ids: list[str]) -> None:
    with pytest.raises(ClientError) as exc:
        ecr_strict.get_authorization_token(registryIds=registry_ids)
    assert error_of(exc) == ("InvalidParameterException", REGISTRY_IDS_PATTERN_MESSAGE)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_strict_mode_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECR_MOCK_STRICT", "1")
    with mock_ecr():
        client: Any = boto3.client("ecr", region_name=REGION)
        token = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    assert credentials(token)[1] != f"{ACCOUNT}-auth-token"


# --- list length: both modes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_more_than_ten_registry_ids(strict: bool) -> None:
    with mock_ecr(strict=strict):
        client: Any = boto3.client("ecr", region_name=REGION)
        with pytest.raises(ClientError) as exc:
            client.get_authorization_token(registryIds=[f"{i:012d}" for i in range(11)])
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'registryIds' failed to satisfy constraint: "
        "'Member must have length less than or equal to 10'",
    )


@pytest.mark.parametrize("strict", [False, True])
def test_empty_registry_ids_without_client_validation(strict: bool) -> None:
    with mock_ecr(strict=strict):
        client: Any = boto3.client("ecr", region_name=REGION, config=Config(parameter_validation=False))
        with pytest.raises(ClientError) as exc:
            client.get_authorization_token(registryIds=[])
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'registryIds' failed to satisfy constraint: "
        "'Member must have length greater than or equal to 1'",
    )

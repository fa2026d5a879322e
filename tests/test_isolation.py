"""Nothing leaks from one mock into the next, and every way a test suite activates the mock keeps it active for as
long as the suite expects: boto3's default session, yield fixtures, pytest's xunit methods, clients without
credentials, account ids, FIPS endpoints."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config

from ecr_mock import mock_ecr
from ecr_mock._activation import state as _state

REGION = "us-east-1"


def names(client: Any) -> list[str]:
    return [repo["repositoryName"] for repo in client.describe_repositories()["repositories"]]


# --- boto3's default session -----------------------------------------------------------------------------------


def test_a_default_session_region_set_in_one_mock_does_not_reach_the_next() -> None:
    with mock_ecr():
        boto3.setup_default_session(region_name="ap-southeast-2")
        assert boto3.client("ecr").meta.region_name == "ap-southeast-2"
    with mock_ecr():
        assert boto3.client("ecr").meta.region_name == os.environ["AWS_DEFAULT_REGION"]


def test_handlers_registered_on_the_default_session_do_not_reach_the_next_mock() -> None:
    calls: list[str] = []

    def spy(**_: Any) -> None:
        calls.append("called")

    with mock_ecr():
        boto3.client("ecr")  # the default session exists from here on
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-call.ecr", spy)
        boto3.client("ecr").describe_repositories()
        assert calls == ["called"]
    with mock_ecr():
        boto3.client("ecr").describe_repositories()
    assert calls == ["called"]


def test_the_default_session_from_before_the_mock_comes_back() -> None:
    before = boto3.DEFAULT_SESSION
    with mock_ecr():
        boto3.setup_default_session(region_name="eu-west-3")
    assert boto3.DEFAULT_SESSION is before


# --- generators and xunit methods ------------------------------------------------------------------------------


@pytest.fixture
@mock_ecr
def seeded_repository() -> Iterator[str]:
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="from-the-fixture")
    yield "from-the-fixture"
    assert names(ecr) == ["from-the-fixture", "from-the-test"]  # still the same mock at teardown


def test_a_decorated_yield_fixture_keeps_its_mock_for_the_test(seeded_repository: str) -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName="from-the-test")
    assert names(ecr) == [seeded_repository, "from-the-test"]


def test_a_decorated_generator_is_active_between_its_steps_and_stops_at_its_end() -> None:
    @mock_ecr
    def steps() -> Iterator[bool]:
        yield _state.current() is not None
        yield _state.current() is not None

    walk = steps()
    assert list(walk) == [True, True]
    assert _state.current() is None


def test_a_closed_generator_stops_its_mock() -> None:
    @mock_ecr
    def endless() -> Generator[int, None, None]:
        while True:
            yield 1

    walk = endless()
    next(walk)
    assert _state.current() is not None
    walk.close()
    assert _state.current() is None


@mock_ecr
class TestXunitMethodsShareTheTestsMock:
    def setup_method(self) -> None:
        self.ecr = boto3.client("ecr", region_name=REGION)
        self.ecr.create_repository(repositoryName="from-setup")

    def test_sees_what_setup_method_created(self) -> None:
        assert names(self.ecr) == ["from-setup"]
        self.ecr.create_repository(repositoryName="from-the-test")

    def test_each_test_starts_fresh(self) -> None:
        assert names(self.ecr) == ["from-setup"]

    def teardown_method(self, method: Any) -> None:
        assert "from-setup" in names(self.ecr)  # outside a mock this would go to the network


def test_a_failing_setup_method_stops_its_mock() -> None:
    @mock_ecr
    class Failing:
        def setup_method(self) -> None:
            raise RuntimeError("setup failed")

    with pytest.raises(RuntimeError, match="setup failed"):
        Failing().setup_method()
    assert _state.current() is None


# --- callers and endpoints --------------------------------------------------------------------------------------


@pytest.fixture
def no_credentials_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_credentials_anywhere")
def test_a_client_created_without_credentials_before_the_mock_is_answered() -> None:
    client = boto3.Session(region_name="eu-central-1").client("ecr")
    assert client._request_signer._credentials is None  # the situation: nothing to sign with
    with mock_ecr() as mock:
        client.create_repository(repositoryName="unsigned")
        assert names(client) == ["unsigned"]
        assert "unsigned" in mock.backend("eu-central-1").repositories


@pytest.mark.parametrize("account_id", ["not-an-account", "12345678901", "1234567890123", "", "01234567891a"])
def test_an_account_id_that_is_not_12_digits_is_refused(account_id: str) -> None:
    with pytest.raises(ValueError, match=f"account_id must be a 12-digit AWS account id, got '{account_id}'"):
        mock_ecr(account_id=account_id)


def test_an_account_id_from_the_environment_must_be_12_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECR_MOCK_ACCOUNT_ID", "abc")
    with pytest.raises(ValueError, match="ECR_MOCK_ACCOUNT_ID must be a 12-digit AWS account id, got 'abc'"):
        mock_ecr().start()
    assert _state.current() is None


@pytest.mark.parametrize(
    "config",
    [
        Config(use_fips_endpoint=True, signature_version=botocore.UNSIGNED),
        Config(use_dualstack_endpoint=True, signature_version=botocore.UNSIGNED),
    ],
    ids=["fips", "dualstack"],
)
def test_an_unsigned_client_lands_in_the_region_of_its_host(config: Config) -> None:
    with mock_ecr() as mock:
        client = boto3.client("ecr", region_name="us-west-2", config=config)
        client.create_repository(repositoryName="by-host")
        assert "by-host" in mock.backend("us-west-2").repositories
        assert "by-host" not in mock.backend(os.environ["AWS_DEFAULT_REGION"]).repositories

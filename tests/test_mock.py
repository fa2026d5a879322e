"""mock_ecr's activation forms and guarantees, all through boto3: decorators, context manager, start/stop, nesting,
fresh state, the handle, accounts and regions, strict mode, the environment, freezegun, the fixture."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import subprocess
import sys
import unittest
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from freezegun import freeze_time

from ecr_mock import EcrMock, mock_ecr
from ecr_mock._actions import DISPATCH
from ecr_mock._activation import state as _state
from ecr_mock._activation.environ import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

REGION = "us-east-1"
DEFAULT_ACCOUNT = "012345678910"
OTHER_ACCOUNT = "111122223333"
THIRD_ACCOUNT = "444455556666"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port: a real request fails at once
NO_RETRY = Config(connect_timeout=1, read_timeout=1, retries={"max_attempts": 0})
EXPLICIT_KEYS = {"aws_access_key_id": "AKIDEXPLICITKEY00001", "aws_secret_access_key": "explicit-secret"}

MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 32654,
                "digest": "sha256:" + "b" * 64,
            }
        ],
    }
)

# A manifest naming no blob and no child image: strict mode accepts it without layer uploads.
EMPTY_INDEX = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})

# Real-looking values a developer's shell could hold; the mock must hide them and put them back.
REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLESESSIONTOKEN",
    "AWS_SECURITY_TOKEN": "FwoGZXIvYXdzEXAMPLESECURITYTOKEN",
    "AWS_PROFILE": "production",
    "AWS_DEFAULT_PROFILE": "production",
    "AWS_ROLE_ARN": "arn:aws:iam::999999999999:role/deploy",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/secrets/token",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
    "AWS_SHARED_CREDENTIALS_FILE": "/home/dev/.aws/credentials",
    "AWS_CONFIG_FILE": "/home/dev/.aws/config",
    "AWS_DEFAULT_REGION": "ap-southeast-2",
}
HIDDEN = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def ecr(region: str = REGION, **kwargs: Any) -> Any:
    return boto3.client("ecr", region_name=region, **kwargs)


def names(client: Any, **kwargs: Any) -> list[str]:
    return [repo["repositoryName"] for repo in client.describe_repositories(**kwargs)["repositories"]]


def error_of(excinfo: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def aws_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith(("AWS_", "ECR_MOCK_"))}


def active_account() -> str | None:
    activation = _state.current()
    return None if activation is None else activation.account_id


@pytest.fixture
def no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No AWS_* / ECR_MOCK_* variable at all (the conftest guard checks they come back)."""
    for name in list(aws_environment()):
        monkeypatch.delenv(name)
    yield


@pytest.fixture
def real_looking_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name in list(aws_environment()):
        monkeypatch.delenv(name)
    for name, value in REAL_LOOKING.items():
        monkeypatch.setenv(name, value)
    yield aws_environment()


# --- function decorators --------------------------------------------------------------------------------------


@mock_ecr
def create_and_list(name: str) -> list[str]:
    client = ecr()
    client.create_repository(repositoryName=name)
    return names(client)


def test_bare_decorator_activates_only_for_the_call() -> None:
    assert _state.current() is None
    assert create_and_list("decorated") == ["decorated"]
    assert _state.current() is None


def test_bare_decorator_starts_fresh_on_every_call() -> None:
    assert create_and_list("again") == ["again"]
    assert create_and_list("again") == ["again"]  # no RepositoryAlreadyExistsException: the first call's state is gone


def test_bare_decorator_keeps_name_and_signature() -> None:
    assert create_and_list.__name__ == "create_and_list"
    assert inspect.signature(create_and_list).parameters.keys() == {"name"}


@mock_ecr
def test_bare_decorator_on_a_collected_test() -> None:
    assert active_account() == DEFAULT_ACCOUNT
    ecr().create_repository(repositoryName="collected")
    assert names(ecr()) == ["collected"]


@mock_ecr
def test_decorated_test_still_receives_its_fixtures(tmp_path: Path) -> None:
    assert tmp_path.is_dir()
    assert _state.current() is not None


@mock_ecr(account_id=OTHER_ACCOUNT)
def test_decorator_with_account_id() -> None:
    repository = ecr().create_repository(repositoryName="acct")["repository"]
    assert repository["registryId"] == OTHER_ACCOUNT
    assert repository["repositoryArn"] == f"arn:aws:ecr:{REGION}:{OTHER_ACCOUNT}:repository/acct"


@mock_ecr(strict=True)
def test_decorator_with_strict() -> None:
    activation = _state.current()
    assert activation is not None and activation.behaviour.strict


# --- coroutine decorator --------------------------------------------------------------------------------------


@mock_ecr
async def create_async(name: str) -> str:
    await asyncio.sleep(0)
    arn: str = ecr().create_repository(repositoryName=name)["repository"]["repositoryArn"]
    await asyncio.sleep(0)
    assert names(ecr()) == [name]
    return arn


@mock_ecr(account_id=OTHER_ACCOUNT)
async def account_async() -> str | None:
    await asyncio.sleep(0)
    return active_account()


def test_async_decorator_activates_while_the_coroutine_runs() -> None:
    assert inspect.iscoroutinefunction(create_async)
    coroutine = create_async("async-repo")
    assert _state.current() is None  # creating the coroutine does not start the mock
    arn = asyncio.run(coroutine)
    assert arn == f"arn:aws:ecr:{REGION}:{DEFAULT_ACCOUNT}:repository/async-repo"
    assert _state.current() is None
    assert asyncio.run(create_async("async-repo")).endswith("/async-repo")  # fresh state for the second run


def test_async_decorator_with_account_id() -> None:
    assert asyncio.run(account_async()) == OTHER_ACCOUNT
    assert _state.current() is None


# --- class decorators -----------------------------------------------------------------------------------------


def _plain_helper(self: Any) -> bool:
    return _state.current() is not None


@mock_ecr(account_id=OTHER_ACCOUNT)
class PlainSuite:  # not collected (no Test prefix): driven by hand below
    marker: ClassVar[str] = "kept"
    test_data: ClassVar[list[str]] = ["not", "callable"]
    helper = _plain_helper

    def test_account(self) -> str | None:
        return active_account()

    def test_create(self) -> list[str]:
        return create_in_current_mock("plain")

    def setup_method(self) -> None:
        self.setup_saw_a_mock = _state.current() is not None

    def teardown_method(self) -> None:
        self.teardown_saw_a_mock = _state.current() is not None


def create_in_current_mock(name: str) -> list[str]:
    client = ecr()
    client.create_repository(repositoryName=name)
    return names(client)


def test_class_decorator_patches_test_methods_only() -> None:
    suite = PlainSuite()
    assert suite.test_account() == OTHER_ACCOUNT
    assert _state.current() is None
    assert suite.test_create() == ["plain"]
    assert suite.test_create() == ["plain"]  # each call its own fresh activation
    assert suite.helper() is False
    suite.setup_method()  # pytest's xunit methods start the activation the test and teardown_method share
    assert suite.setup_saw_a_mock is True
    assert suite.test_account() == OTHER_ACCOUNT
    suite.teardown_method()
    assert suite.teardown_saw_a_mock is True
    assert _state.current() is None
    assert vars(PlainSuite)["helper"] is _plain_helper
    assert PlainSuite.test_data == ["not", "callable"]
    assert PlainSuite.marker == "kept"


@mock_ecr
class TestCollectedClassDecorator:
    def test_first(self) -> None:
        assert create_in_current_mock("shared-name") == ["shared-name"]

    def test_second(self) -> None:
        assert create_in_current_mock("shared-name") == ["shared-name"]


@mock_ecr
class TestCollectedUnittestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.client: Any = ecr()
        self.client.create_repository(repositoryName="from-setup")
        self.activation = _state.current()

    def test_sees_what_setup_created(self) -> None:
        self.assertEqual(names(self.client), ["from-setup"])
        self.assertIs(_state.current(), self.activation)

    def test_each_test_gets_fresh_state(self) -> None:
        self.client.create_repository(repositoryName="only-here")
        self.assertEqual(names(self.client), ["from-setup", "only-here"])

    def tearDown(self) -> None:
        self.assertIs(_state.current(), self.activation)
        self.assertIn("from-setup", names(self.client))


def test_unittest_case_setup_test_and_teardown_share_one_activation() -> None:
    seen: dict[str, Any] = {}

    @mock_ecr(account_id=OTHER_ACCOUNT)
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            ecr().create_repository(repositoryName="from-setup")
            seen["setUp"] = _state.current()

        def test_it(self) -> None:
            seen["test"] = _state.current()
            seen["test names"] = names(ecr())

        def tearDown(self) -> None:
            seen["tearDown"] = _state.current()
            seen["tearDown names"] = names(ecr())

    result = unittest.TestResult()
    Case("test_it").run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen["setUp"] is not None
    assert seen["setUp"] is seen["test"] is seen["tearDown"]
    assert seen["setUp"].account_id == OTHER_ACCOUNT
    assert seen["test names"] == seen["tearDown names"] == ["from-setup"]
    assert _state.current() is None
    with mock_ecr():
        assert names(ecr()) == []


def test_unittest_case_whose_setup_fails_still_stops_the_mock() -> None:
    @mock_ecr
    class Broken(unittest.TestCase):
        def setUp(self) -> None:
            raise RuntimeError("setUp broke")

        def test_never_runs(self) -> None:
            raise AssertionError("unreachable")

    result = unittest.TestResult()
    Broken("test_never_runs").run(result)
    assert len(result.errors) == 1 and "setUp broke" in result.errors[0][1]
    assert _state.current() is None


# --- context manager and start / stop -------------------------------------------------------------------------


def test_context_manager_returns_the_handle() -> None:
    mock = mock_ecr()
    assert isinstance(mock, EcrMock) and not mock.active
    with mock as handle:
        assert handle is mock and handle.active
        assert _state.current() is not None
        ecr().create_repository(repositoryName="ctx")
        assert "ctx" in handle.backend(REGION).repositories
    assert not mock.active and _state.current() is None


def test_start_and_stop() -> None:
    mock = mock_ecr()
    try:
        assert mock.start() is mock
        assert mock.active and _state.current() is not None
        ecr().create_repository(repositoryName="started")
        assert names(ecr()) == ["started"]
    finally:
        mock.stop()
    assert not mock.active and _state.current() is None


def test_stop_twice_raises() -> None:
    mock = mock_ecr().start()
    mock.stop()
    with pytest.raises(RuntimeError):
        mock.stop()
    assert _state.current() is None


def test_stop_without_start_raises() -> None:
    with pytest.raises(RuntimeError):
        mock_ecr().stop()


def test_state_is_unreadable_while_inactive() -> None:
    mock = mock_ecr()
    with pytest.raises(RuntimeError):
        mock.backend(REGION)
    with pytest.raises(RuntimeError):
        mock.reset()


# --- nesting and fresh state ----------------------------------------------------------------------------------


def test_nested_mocks_share_state_and_apply_the_inner_settings() -> None:
    with mock_ecr() as outer:
        client = ecr()
        client.create_repository(repositoryName="outer-repo")
        with mock_ecr(account_id=OTHER_ACCOUNT, strict=True) as inner:
            assert inner.account_id == OTHER_ACCOUNT and inner.strict
            assert names(client, registryId=DEFAULT_ACCOUNT) == ["outer-repo"]  # outer state visible
            created = client.create_repository(repositoryName="inner-repo")["repository"]
            assert created["registryId"] == OTHER_ACCOUNT  # inner account answers
            with pytest.raises(ClientError) as excinfo:
                client.describe_repositories(registryId="123")  # inner strictness in force
            assert error_of(excinfo)[0] == "InvalidParameterException"
        assert outer.active and not inner.active
        assert outer.account_id == DEFAULT_ACCOUNT and not outer.strict
        assert names(client) == ["outer-repo"]  # inner exit kept the state
        assert names(client, registryId=OTHER_ACCOUNT) == ["inner-repo"]
        assert names(client, registryId="123") == []  # default mode again
    assert _state.current() is None
    with mock_ecr():
        assert names(ecr()) == []  # the outermost exit wiped everything
        assert names(ecr(), registryId=OTHER_ACCOUNT) == []


def test_nested_same_account_sees_outer_repositories() -> None:
    with mock_ecr():
        ecr().create_repository(repositoryName="outer")
        with mock_ecr():
            assert names(ecr()) == ["outer"]
            ecr().create_repository(repositoryName="inner")
        assert names(ecr()) == ["outer", "inner"]


def test_repeated_activations_start_fresh() -> None:
    with mock_ecr():
        ecr().create_repository(repositoryName="first")
    with mock_ecr():
        assert names(ecr()) == []
    mock = mock_ecr()
    with mock:
        ecr().create_repository(repositoryName="reused")
    with mock:
        assert names(ecr()) == []


# --- which clients are answered -------------------------------------------------------------------------------


def test_clients_created_before_and_after_activation_are_answered() -> None:
    early = ecr(**EXPLICIT_KEYS)
    with mock_ecr():
        late = ecr()
        early.create_repository(repositoryName="early")
        late.create_repository(repositoryName="late")
        assert names(early) == names(late) == ["early", "late"]


def test_endpoint_url_client_is_answered_only_while_active() -> None:
    client = ecr("eu-west-1", endpoint_url=DEAD_ENDPOINT, config=NO_RETRY, **EXPLICIT_KEYS)
    with mock_ecr() as mock:
        client.create_repository(repositoryName="via-endpoint")
        assert "via-endpoint" in mock.backend("eu-west-1").repositories  # region from the signature, not the host
    with pytest.raises(EndpointConnectionError):
        client.describe_repositories()  # inert once stopped: the request really goes out (and fails)


@pytest.mark.parametrize(("service", "operation"), [("sts", "get_caller_identity"), ("s3", "list_buckets")])
def test_other_services_are_not_answered(service: str, operation: str) -> None:
    with mock_ecr():
        client = boto3.client(service, region_name=REGION, endpoint_url=DEAD_ENDPOINT, config=NO_RETRY)
        with pytest.raises(EndpointConnectionError):
            getattr(client, operation)()


# --- the handle: backend() and reset() ------------------------------------------------------------------------


def test_backend_seeds_and_inspects_state() -> None:
    with mock_ecr() as mock:
        mock.backend(REGION).create_repository("seeded")
        assert names(ecr()) == ["seeded"]
        assert names(ecr("eu-west-1")) == []
        ecr().create_repository(repositoryName="via-boto3")
        backend = mock.backend(REGION)
        assert [repo.name for repo in backend.repositories.values()] == ["seeded", "via-boto3"]
        assert backend.registry_id == DEFAULT_ACCOUNT
        mock.backend(REGION, OTHER_ACCOUNT).create_repository("foreign")
        assert names(ecr(), registryId=OTHER_ACCOUNT) == ["foreign"]


def test_reset_wipes_state_and_stays_active() -> None:
    with mock_ecr() as mock:
        ecr().create_repository(repositoryName="doomed")
        ecr("eu-west-1").create_repository(repositoryName="doomed")
        mock.reset()
        assert mock.active
        assert names(ecr()) == [] and names(ecr("eu-west-1")) == []
        ecr().create_repository(repositoryName="doomed")  # the name is free again
        assert names(ecr()) == ["doomed"]


# --- account id and strict mode -------------------------------------------------------------------------------


def test_default_account_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECR_MOCK_ACCOUNT_ID", raising=False)
    with mock_ecr() as mock:
        assert mock.account_id == DEFAULT_ACCOUNT
        repository = ecr().create_repository(repositoryName="default")["repository"]
    assert repository["repositoryArn"] == f"arn:aws:ecr:{REGION}:{DEFAULT_ACCOUNT}:repository/default"
    assert repository["registryId"] == DEFAULT_ACCOUNT
    assert repository["repositoryUri"] == f"{DEFAULT_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/default"


def test_account_id_argument() -> None:
    with mock_ecr(account_id=OTHER_ACCOUNT) as mock:
        assert mock.account_id == OTHER_ACCOUNT
        arn = ecr().create_repository(repositoryName="arg")["repository"]["repositoryArn"]
    assert arn == f"arn:aws:ecr:{REGION}:{OTHER_ACCOUNT}:repository/arg"


def test_account_id_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECR_MOCK_ACCOUNT_ID", THIRD_ACCOUNT)
    with mock_ecr() as mock:
        assert mock.account_id == THIRD_ACCOUNT
        arn = ecr().create_repository(repositoryName="env")["repository"]["repositoryArn"]
    assert arn == f"arn:aws:ecr:{REGION}:{THIRD_ACCOUNT}:repository/env"
    with mock_ecr(account_id=OTHER_ACCOUNT) as mock:  # the argument wins over the environment
        assert ecr().create_repository(repositoryName="env")["repository"]["registryId"] == OTHER_ACCOUNT


def assert_registry_id_123_rejected() -> None:
    with pytest.raises(ClientError) as excinfo:
        ecr().create_repository(repositoryName="strict", registryId="123")
    assert error_of(excinfo) == (
        "InvalidParameterException",
        "Invalid parameter at 'registryId' failed to satisfy constraint: "
        "'Member must satisfy regular expression pattern: [0-9]{12}'",
    )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_default_mode_accepts_registry_id_123(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECR_MOCK_STRICT", raising=False)
    with mock_ecr() as mock:
        assert not mock.strict
        repository = ecr().create_repository(repositoryName="seedish", registryId="123")["repository"]
        assert repository["registryId"] == "123"


def test_strict_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECR_MOCK_STRICT", "1")
    with mock_ecr() as mock:
        assert mock.strict
        assert_registry_id_123_rejected()


def test_strict_argument() -> None:
    with mock_ecr(strict=True) as mock:
        assert mock.strict
        assert_registry_id_123_rejected()


# --- isolation ------------------------------------------------------------------------------------------------


def test_regions_are_isolated() -> None:
    with mock_ecr():
        ecr("us-east-1").create_repository(repositoryName="east")
        ecr("eu-west-1").create_repository(repositoryName="west")
        assert names(ecr("us-east-1")) == ["east"]
        assert names(ecr("eu-west-1")) == ["west"]
        west = ecr("eu-west-1").describe_repositories()["repositories"][0]
        assert west["repositoryArn"] == f"arn:aws:ecr:eu-west-1:{DEFAULT_ACCOUNT}:repository/west"
        with pytest.raises(ClientError) as excinfo:
            ecr("eu-west-1").describe_repositories(repositoryNames=["east"])
        assert error_of(excinfo) == (
            "RepositoryNotFoundException",
            f"The repository with name 'east' does not exist in the registry with id '{DEFAULT_ACCOUNT}'",
        )


def test_accounts_are_isolated_and_registry_id_reaches_another_account() -> None:
    with mock_ecr() as mock:
        client = ecr()
        client.create_repository(repositoryName="mine")
        theirs = client.create_repository(repositoryName="theirs", registryId=OTHER_ACCOUNT)["repository"]
        assert theirs["repositoryArn"] == f"arn:aws:ecr:{REGION}:{OTHER_ACCOUNT}:repository/theirs"
        assert names(client) == ["mine"]
        assert names(client, registryId=OTHER_ACCOUNT) == ["theirs"]
        assert names(client, registryId=DEFAULT_ACCOUNT) == ["mine"]
        assert "theirs" in mock.backend(REGION, OTHER_ACCOUNT).repositories
        assert "theirs" not in mock.backend(REGION).repositories
        with mock_ecr(account_id=OTHER_ACCOUNT):
            assert names(ecr()) == ["theirs"]  # that account sees it as its own
            assert names(ecr(), registryId=DEFAULT_ACCOUNT) == ["mine"]


# --- the environment ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("real_looking_environment")
def test_environment_inside_the_mock() -> None:
    with mock_ecr():
        assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_ACCESS_KEY_ID
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == FAKE_SECRET_ACCESS_KEY
        for name in HIDDEN:
            assert name not in os.environ, name
        assert os.environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
        assert os.environ["AWS_CONFIG_FILE"] == os.devnull
        assert os.environ["AWS_DEFAULT_REGION"] == "ap-southeast-2"  # a region already chosen is kept


@pytest.mark.usefixtures("no_aws_environment")
def test_default_region_is_set_when_there_is_none() -> None:
    with mock_ecr():
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert boto3.client("ecr").meta.region_name == "us-east-1"
        assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_ACCESS_KEY_ID
    assert aws_environment() == {}


@pytest.mark.usefixtures("no_aws_environment")
def test_a_region_is_resolvable_when_only_aws_region_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    # botocore reads AWS_DEFAULT_REGION only, never AWS_REGION: without AWS_DEFAULT_REGION a client has no region.
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_ecr():
        assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"  # the region the user chose, for botocore
        client = boto3.client("ecr")
        assert client.meta.region_name == "eu-west-1"
        client.create_repository(repositoryName="regionless")
    assert aws_environment() == {"AWS_REGION": "eu-west-1"}


def test_environment_is_restored_exactly(real_looking_environment: dict[str, str]) -> None:
    assert real_looking_environment == REAL_LOOKING
    with mock_ecr():
        assert aws_environment() != real_looking_environment
    assert aws_environment() == real_looking_environment


@pytest.mark.usefixtures("no_aws_environment")
def test_absent_variables_are_absent_again() -> None:
    with mock_ecr():
        assert "AWS_EC2_METADATA_DISABLED" in os.environ
    assert aws_environment() == {}


def test_environment_is_restored_when_the_body_raises(real_looking_environment: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="boom"), mock_ecr():
        raise ValueError("boom")
    assert aws_environment() == real_looking_environment
    assert _state.current() is None


def test_environment_is_restored_when_a_decorated_function_raises(real_looking_environment: dict[str, str]) -> None:
    @mock_ecr
    def explode() -> None:
        assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_ACCESS_KEY_ID
        raise KeyError("decorated boom")

    with pytest.raises(KeyError):
        explode()
    assert aws_environment() == real_looking_environment


def test_inner_exit_keeps_the_fake_environment(real_looking_environment: dict[str, str]) -> None:
    with mock_ecr():
        inside = aws_environment()
        with mock_ecr(account_id=OTHER_ACCOUNT):
            assert aws_environment() == inside
        assert aws_environment() == inside
    assert aws_environment() == real_looking_environment


def test_session_resolves_fake_credentials_despite_a_real_credentials_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_aws_environment: None
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIAREALLOOKINGDFLT1\naws_secret_access_key = real-default-secret\n"
        "[production]\naws_access_key_id = AKIAREALLOOKINGPROD1\naws_secret_access_key = real-prod-secret\n"
    )
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n[profile production]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert boto3.Session().get_credentials().access_key == "AKIAREALLOOKINGDFLT1"  # the file is really read
    with mock_ecr():
        assert boto3.Session().get_credentials().access_key == FAKE_ACCESS_KEY_ID
    monkeypatch.setenv("AWS_PROFILE", "production")
    assert boto3.Session().get_credentials().access_key == "AKIAREALLOOKINGPROD1"
    with mock_ecr():
        session = boto3.Session()
        assert session.get_credentials().access_key == FAKE_ACCESS_KEY_ID
        assert session.get_credentials().secret_key == FAKE_SECRET_ACCESS_KEY
        assert session.get_credentials().token is None
    assert boto3.Session().get_credentials().access_key == "AKIAREALLOOKINGPROD1"


# --- time -----------------------------------------------------------------------------------------------------


def push_once(client: Any, manifest: str = MANIFEST) -> tuple[datetime, datetime]:
    created = client.create_repository(repositoryName="frozen")["repository"]["createdAt"]
    client.put_image(repositoryName="frozen", imageManifest=manifest, imageTag="v1")
    detail = client.describe_images(repositoryName="frozen")["imageDetails"][0]
    return created, detail["imagePushedAt"]


def test_freezegun_controls_created_at_and_pushed_at() -> None:
    with freeze_time("2020-02-02 02:02:02"), mock_ecr():
        created, pushed = push_once(ecr())
    assert created == datetime(2020, 2, 2, 2, 2, 2, tzinfo=timezone.utc)
    assert pushed == datetime(2020, 2, 2, 2, 2, 2)  # default mode: naive, as the seed compares it


def test_freezegun_in_strict_mode_gives_aware_pushed_at() -> None:
    with freeze_time("2020-02-02 02:02:02"), mock_ecr(strict=True):
        created, pushed = push_once(ecr(), EMPTY_INDEX)  # strict PutImage wants pushed layers: name none
    assert created == pushed == datetime(2020, 2, 2, 2, 2, 2, tzinfo=timezone.utc)
    assert pushed.tzinfo is not None


# --- the pytest fixture ---------------------------------------------------------------------------------------


def test_pytest_fixture_yields_an_active_mock(ecr_mock: EcrMock, pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.get_plugin("ecr_mock") is not None  # registered by the pytest11 entry point
    assert isinstance(ecr_mock, EcrMock) and ecr_mock.active
    assert ecr_mock.account_id == DEFAULT_ACCOUNT
    ecr().create_repository(repositoryName="fixture")
    assert "fixture" in ecr_mock.backend(REGION).repositories


def test_pytest_fixture_state_is_fresh_per_test(ecr_mock: EcrMock) -> None:
    ecr().create_repository(repositoryName="fixture")  # would collide if the previous test's state survived
    assert names(ecr()) == ["fixture"]


# --- operations without a handler -----------------------------------------------------------------------------


def test_operation_without_handler_raises_not_implemented(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every operation has a handler today; take one away to see what a missing one looks like.
    monkeypatch.delitem(DISPATCH, "GetRegistryPolicy")
    with mock_ecr():
        client = ecr()
        with pytest.raises(NotImplementedError, match="GetRegistryPolicy"):
            client.get_registry_policy()
        assert _state.current() is not None  # the mock is still up and answering
        assert names(client) == []


def test_importing_ecr_mock_loads_what_activation_needs_and_no_more() -> None:
    """The backend, the protocol layer, the errors and the requests hook load with the first mock, not with the
    import (every test collection pays the import); each is there once a mock has started."""
    heavy = ("ecr_mock._backend", "ecr_mock._wire.protocol", "ecr_mock._errors", "ecr_mock._activation.requests_hook")
    code = (
        "import sys, boto3, ecr_mock\n"
        f"heavy = {heavy!r}\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "with ecr_mock.mock_ecr():\n"
        "    boto3.client('ecr', region_name='us-east-1').describe_repositories()\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print(ecr_mock.EcrError.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.splitlines() == ["[]", str(sorted(heavy)), "ecr_mock._errors.base"]

"""No way out: nothing the suite does reaches the network, and real credentials are never used inside a mock.

The session-wide guard (``socket_guard`` in conftest.py) refuses every connection to a non-loopback address and every
lookup of a non-local host name, counts them, and fails the session if any happened outside ``guard.expect()``.
These tests check the guard itself, then what the mock promises:

* a non-ECR client (STS, S3, ECR Public) inside the mock is not answered by it: pointed at a dead loopback port it
  gets a connection error; pointed at AWS, the guard stops it, and it carried only the mock's fake key;
* real credentials, in the environment or in a shared credentials file, are never what botocore resolves or signs
  with inside the mock (checked with ``Session().get_credentials()`` and with the access key of the Authorization
  header, captured in a ``before-send`` hook);
* both are back exactly as they were after the mock exits, also when the body raises.

Already covered in test_mock.py, not repeated here: STS and S3 clients with a dead loopback ``endpoint_url`` inside
the mock (``test_other_services_are_not_answered``), the environment while active and restored after
(``test_environment_inside_the_mock``, ``test_environment_is_restored_exactly``, ``..._when_the_body_raises``,
``..._when_a_decorated_function_raises``), and ``get_credentials()`` ignoring a real credentials file and
``AWS_PROFILE`` (``test_session_resolves_fake_credentials_despite_a_real_credentials_file``).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from _reliability import REPORT, NetworkBlockedError, SocketGuard, is_local
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from ecr_mock import mock_ecr
from ecr_mock._activation.environ import FAKE_ACCESS_KEY_ID

REGION = "us-east-1"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port
ONE_TRY = Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1})
REAL_ENV_KEY = "AKIAREALLOOKINGENV01"
REAL_FILE_KEY = "AKIAREALLOOKINGFILE1"
REAL_PROFILE_KEY = "AKIAREALLOOKINGPROF1"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


# --- the guard --------------------------------------------------------------------------------------------


def test_the_guard_is_installed_for_the_whole_session(socket_guard: SocketGuard) -> None:
    assert socket_guard.installed
    assert socket.socket.connect.__name__ == "connect" and socket.socket.connect.__module__ == "_reliability"
    assert socket.getaddrinfo.__module__ == "_reliability"


@pytest.mark.parametrize(
    ("address", "local"),
    [
        (("127.0.0.1", 80), True),
        (("127.8.9.10", 80), True),
        (("::1", 80, 0, 0), True),
        (("::ffff:127.0.0.1", 80, 0, 0), True),
        (("localhost", 80), True),
        (("0.0.0.0", 80), True),
        ("/tmp/some.sock", True),
        (("10.0.0.1", 80), False),
        (("169.254.169.254", 80), False),  # the instance metadata service
        (("192.0.2.1", 443), False),
        (("2001:db8::1", 443, 0, 0), False),
        (("example.com", 443), False),
    ],
)
def test_what_counts_as_loopback(address: Any, local: bool) -> None:
    assert is_local(address) is local


def test_connections_outside_loopback_are_refused_and_counted(socket_guard: SocketGuard) -> None:
    before = len(socket_guard.unexpected)
    with socket_guard.expect() as seen:
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed anyway
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlockedError):
            sock.connect(("203.0.113.5", 443))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlockedError):
            sock.connect_ex(("198.51.100.7", 80))
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo("ecr.us-east-1.amazonaws.com", 443)
        with pytest.raises(NetworkBlockedError):
            socket.create_connection(("api.ecr.us-east-1.amazonaws.com", 443), timeout=1)
    assert len(seen) == 5, seen
    assert len(socket_guard.unexpected) == before  # deliberate probes are not failures


def test_loopback_connections_go_through(socket_guard: SocketGuard) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        with socket.create_connection(("localhost", port), timeout=5):
            pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # closed now: refused by the kernel, not by the guard
    with pytest.raises(ConnectionRefusedError) as refused:
        socket.create_connection(("127.0.0.1", port), timeout=5)
    assert not isinstance(refused.value, NetworkBlockedError)
    assert socket_guard.unexpected == []


# --- non-ECR clients inside the mock ------------------------------------------------------------------------


@dataclass
class Captured:
    """The access key id of every request's Authorization header, by service, as it was about to be sent."""

    keys: dict[str, list[str]]

    def hook(self, service: str) -> Any:
        def capture(request: Any, **_: Any) -> None:
            header = request.headers.get("Authorization", b"")
            text = header.decode() if isinstance(header, bytes) else str(header)
            match = _CREDENTIAL.search(text)
            self.keys.setdefault(service, []).append(match.group(1) if match else "<unsigned>")

        return capture


def watched(service: str, captured: Captured, default_session: bool = False, **kwargs: Any) -> Any:
    """A client of a fresh ``boto3.Session`` (of boto3's default session, as ``boto3.client`` makes them, with
    ``default_session``) whose outgoing requests are recorded ahead of every other before-send handler."""
    make = boto3.client if default_session else boto3.Session().client
    client = make(service, region_name=REGION, config=ONE_TRY, **kwargs)
    event_name = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register_first(f"before-send.{event_name}", captured.hook(service))
    return client


@pytest.mark.parametrize(
    ("service", "operation"),
    [("ecr-public", "describe_registries"), ("sts", "get_caller_identity"), ("s3", "list_buckets")],
)
def test_a_non_ecr_client_at_a_dead_loopback_port_gets_a_connection_error(service: str, operation: str) -> None:
    captured = Captured({})
    with mock_ecr():
        client = watched(service, captured, endpoint_url=DEAD_ENDPOINT)
        with pytest.raises(EndpointConnectionError):  # not an answer from the ECR mock
            getattr(client, operation)()
    assert captured.keys == {service: [FAKE_ACCESS_KEY_ID]}


@pytest.mark.parametrize(
    ("service", "operation"),
    [("ecr-public", "describe_registries"), ("sts", "get_caller_identity"), ("s3", "list_buckets")],
)
def test_a_non_ecr_client_aimed_at_aws_is_stopped_by_the_guard_and_carries_no_real_key(
    service: str, operation: str, socket_guard: SocketGuard, real_environment: None
) -> None:
    captured = Captured({})
    with mock_ecr(), socket_guard.expect() as seen:
        client = watched(service, captured)  # no endpoint_url: the real AWS host
        with pytest.raises(EndpointConnectionError):
            getattr(client, operation)()
    assert seen and all("amazonaws.com" in attempt for attempt in seen), seen
    assert captured.keys == {service: [FAKE_ACCESS_KEY_ID]}


# --- credentials inside the mock, and after it --------------------------------------------------------------


@pytest.fixture
def real_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Real-looking keys in the environment *and* in a shared credentials file (with a second profile)."""
    for name in [name for name in os.environ if name.startswith(("AWS_", "ECR_MOCK_"))]:
        monkeypatch.delenv(name)
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[default]\naws_access_key_id = {REAL_FILE_KEY}\naws_secret_access_key = real-file-secret\n"
        f"[production]\naws_access_key_id = {REAL_PROFILE_KEY}\naws_secret_access_key = real-profile-secret\n"
    )
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n[profile production]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", REAL_ENV_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-env-session-token")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # boto3.client() makes a fresh default session
    yield


@dataclass(frozen=True)
class Outside:
    """What is true of the real credentials outside any mock: the environment, the file, what botocore signs with."""

    environment: dict[str, str]
    file_bytes: bytes
    file_mtime: int
    resolved: str

    @classmethod
    def now(cls) -> Outside:
        path = Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"])
        environment = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "ECR_MOCK_"))}
        credentials = boto3.Session().get_credentials()
        return cls(environment, path.read_bytes(), path.stat().st_mtime_ns, credentials.access_key)


def signed_with(default_session: bool = False) -> str:
    """The access key an ECR client made now signs with (its request, outside a mock, dies at a loopback port)."""
    captured = Captured({})
    client = watched("ecr", captured, default_session, endpoint_url=DEAD_ENDPOINT)
    with pytest.raises(EndpointConnectionError):
        client.describe_repositories()
    return captured.keys["ecr"][0]


def inside_the_mock() -> None:
    """What must hold while a mock is active: a new session resolves and signs with the fake key only."""
    credentials = boto3.Session().get_credentials()
    assert credentials.access_key == FAKE_ACCESS_KEY_ID
    assert credentials.token is None  # the real session token is hidden too
    captured = Captured({})
    client = watched("ecr", captured)
    client.create_repository(repositoryName="no-way-out")
    client.describe_repositories()
    answered = watched("ecr", captured, endpoint_url=DEAD_ENDPOINT)  # an endpoint_url client: answered too
    answered.describe_repositories()
    assert captured.keys == {"ecr": [FAKE_ACCESS_KEY_ID] * 3}


@pytest.mark.usefixtures("real_environment")
def test_inside_the_mock_only_the_fake_key_is_resolved_and_signed_with() -> None:
    outside = Outside.now()
    assert outside.resolved == REAL_ENV_KEY  # the environment wins over the file, as botocore does
    assert signed_with() == REAL_ENV_KEY
    with mock_ecr():
        inside_the_mock()
    assert Outside.now() == outside
    assert signed_with() == REAL_ENV_KEY


@pytest.mark.usefixtures("real_environment")
def test_a_credentials_file_and_profile_are_not_used_inside_the_mock(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    assert signed_with() == REAL_FILE_KEY
    monkeypatch.setenv("AWS_PROFILE", "production")
    outside = Outside.now()
    assert outside.resolved == REAL_PROFILE_KEY
    with mock_ecr():
        inside_the_mock()
    assert Outside.now() == outside
    assert signed_with() == REAL_PROFILE_KEY


# boto3's default session (what ``boto3.client()`` uses) resolves credentials once and caches them. Found by this
# suite and fixed in 88f7782 (the mock sets the default session aside while active): before, a default session that
# resolved the real keys before the mock kept signing with them inside it, and one that resolved inside kept the
# fake key after the mock exited.


@pytest.mark.usefixtures("real_environment")
def test_a_default_session_client_inside_the_mock_never_signs_with_the_real_key() -> None:
    assert signed_with(default_session=True) == REAL_ENV_KEY  # resolved (and cached) before the mock
    with mock_ecr():
        captured = Captured({})
        client = watched("sts", captured, default_session=True, endpoint_url=DEAD_ENDPOINT)
        with pytest.raises(EndpointConnectionError):
            client.get_caller_identity()
    assert captured.keys == {"sts": [FAKE_ACCESS_KEY_ID]}


@pytest.mark.usefixtures("real_environment")
def test_a_default_session_client_after_the_mock_signs_with_the_real_key_again() -> None:
    with mock_ecr():
        boto3.client("ecr", region_name=REGION).describe_repositories()  # the default session resolves here
    assert signed_with(default_session=True) == REAL_ENV_KEY


class Boom(Exception):
    pass


def _raise_in_context_manager() -> None:
    with mock_ecr():
        inside_the_mock()
        raise Boom


@mock_ecr
def _raise_in_decorated_function() -> None:
    inside_the_mock()
    raise Boom


def _raise_between_start_and_stop() -> None:
    mock = mock_ecr().start()
    try:
        inside_the_mock()
        raise Boom
    finally:
        mock.stop()


def _raise_in_a_nested_mock() -> None:
    with mock_ecr(), mock_ecr(account_id="111122223333"):
        inside_the_mock()
        raise Boom


def _raise_from_a_failing_ecr_call() -> None:
    with mock_ecr():
        boto3.client("ecr", region_name=REGION).describe_repositories(repositoryNames=["missing"])


@pytest.mark.usefixtures("real_environment")
@pytest.mark.parametrize(
    ("body", "error"),
    [
        (_raise_in_context_manager, Boom),
        (_raise_in_decorated_function, Boom),
        (_raise_between_start_and_stop, Boom),
        (_raise_in_a_nested_mock, Boom),
        (_raise_from_a_failing_ecr_call, ClientError),
    ],
)
def test_real_credentials_are_back_exactly_when_the_body_raises(body: Any, error: type[Exception]) -> None:
    outside = Outside.now()
    with pytest.raises(error):
        body()
    assert Outside.now() == outside  # environment, file bytes and mtime, and what botocore resolves
    assert signed_with() == REAL_ENV_KEY


def test_the_session_guard_figure_is_reported(socket_guard: SocketGuard) -> None:
    """The count the session ends on is printed with the other reliability figures (conftest's summary)."""
    REPORT.profiles.add("quick")
    assert socket_guard.unexpected == []

"""``ecr-mock serve`` from the command line: what it prints, its flags, its log, and a clean stop on SIGTERM and
Ctrl-C (requests in flight finish, the temporary directory goes). A real process on a free loopback port, driven
with boto3 and ``requests``."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from _manifests import blob_content, oci_image
from _serve_process import REQUEST_TIMEOUT, Launcher, ServeProcess, files_under

ACCOUNT = "012345678910"
API_TARGET = "AmazonEC2ContainerRegistry_V20150921."


@pytest.fixture
def launch() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.close()


def unsigned_api(url: str, operation: str, params: dict[str, str]) -> requests.Response:
    """An ECR API call with no SigV4 signature (what a strict server refuses)."""
    headers = {"X-Amz-Target": API_TARGET + operation, "Content-Type": "application/x-amz-json-1.1"}
    return requests.post(url + "/", data=json.dumps(params), headers=headers, timeout=REQUEST_TIMEOUT)


def data_dir_of(server: ServeProcess) -> Path:
    line = next(line for line in server.printed if line.startswith("  data:"))
    return Path(line.split()[1])


# --- what it prints -----------------------------------------------------------------------------------------


def test_serve_prints_its_url_first_then_a_login_line_to_paste(launch: Launcher) -> None:
    server = launch.serve().started()
    assert re.fullmatch(r"http://127\.0\.0\.1:[0-9]+", server.url)
    assert server.printed[0] == f"ecr-mock serving {server.url}"
    login = (
        f"aws ecr get-login-password --endpoint-url {server.url} --region us-east-1"
        f" | docker login --username AWS --password-stdin {server.address}"
    )
    assert f"    {login}" in server.printed
    assert f"  registry: {server.address}  (account {ACCOUNT}, region us-east-1, default mode)" in server.printed
    assert server.stop() == 0


def test_repository_uris_and_the_proxy_endpoint_point_at_the_server(launch: Launcher) -> None:
    server = launch.serve().started()
    client = launch.connect(server.url)
    repository = client.ecr.create_repository(repositoryName="team/app")["repository"]
    assert repository["repositoryUri"] == f"{server.address}/team/app"
    data = client.ecr.get_authorization_token()["authorizationData"][0]
    assert data["proxyEndpoint"] == server.url
    assert server.stop() == 0


def test_localhost_names_are_handed_out_and_answered(launch: Launcher) -> None:
    server = launch.serve("--localhost-names").started()
    port = server.address.rpartition(":")[2]
    host = f"{ACCOUNT}.dkr.ecr.us-east-1.localhost:{port}"
    assert f"  registry: {host}  (account {ACCOUNT}, region us-east-1, default mode)" in server.printed
    login = f"--region us-east-1 | docker login --username AWS --password-stdin {host}"
    assert any(line.endswith(login) for line in server.printed)
    client = launch.connect(server.url)
    repository = client.ecr.create_repository(repositoryName="app")["repository"]
    assert repository["repositoryUri"] == f"{host}/app"
    client.login()
    assert client.request("GET", "/v2/", headers={"Host": host}).status_code == 200
    assert server.stop() == 0


def test_one_log_line_per_request_on_stderr(launch: Launcher) -> None:
    server = launch.serve().started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    assert client.request("GET", "/v2/").status_code == 401
    client.login()
    assert client.request("GET", "/v2/app/tags/list").status_code == 200
    assert server.stop() == 0
    requests_logged = [line for line in server.stderr.splitlines() if ' HTTP/1.1" ' in line]
    assert [line.split(" INFO ", 1)[1] for line in requests_logged] == [
        '127.0.0.1 "POST / HTTP/1.1" 200 -',
        '127.0.0.1 "GET /v2/ HTTP/1.1" 401 -',
        '127.0.0.1 "POST / HTTP/1.1" 200 -',
        '127.0.0.1 "GET /v2/app/tags/list HTTP/1.1" 200 -',
    ]


# --- stopping ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_server_with_exit_0_and_removes_its_temporary_directory(
    launch: Launcher, signum: int
) -> None:
    server = launch.serve().started()
    temporary = data_dir_of(server)
    assert server.printed[3] == f"  data:     {temporary} (temporary: removed on exit)"
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    client.push_image("app", "v1", oci_image(1))
    assert len(list(files_under(temporary / "blobs" / "sha256"))) == 3  # config and two layers, as files
    assert server.stop(signum) == 0
    assert not temporary.exists()
    assert "stopping: letting requests in flight finish" in server.stderr
    assert "Traceback" not in server.stderr


def test_a_request_in_flight_finishes_before_the_server_exits(launch: Launcher) -> None:
    server = launch.serve().started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    location = client.start_upload("app")
    piece = blob_content("in-flight", 256 * 1024)
    halfway, resume = threading.Event(), threading.Event()

    def body() -> Iterator[bytes]:  # 16 pieces; the signal arrives after the 4th
        for index in range(16):
            if index == 4:
                halfway.set()
                resume.wait(timeout=REQUEST_TIMEOUT)
            yield piece

    answers: list[requests.Response] = []
    patching = threading.Thread(target=lambda: answers.append(client.patch(location, body())))
    patching.start()
    try:
        assert halfway.wait(timeout=REQUEST_TIMEOUT)
        server.process.send_signal(signal.SIGTERM)
        time.sleep(1.5)  # the server has seen the signal and stopped accepting (it checks every second)
        assert server.process.poll() is None  # still waiting for the PATCH
    finally:
        resume.set()
        patching.join(timeout=REQUEST_TIMEOUT)
    assert server.exited() == 0
    assert [answer.status_code for answer in answers] == [202]
    assert answers[0].headers["Range"] == f"0-{16 * len(piece) - 1}"
    log = server.stderr
    assert log.index("stopping: letting requests in flight finish") < log.index('"PATCH /v2/app/blobs/uploads/')


# --- flags ---------------------------------------------------------------------------------------------------


def test_account_id_comes_from_the_flag_else_the_environment(launch: Launcher) -> None:
    for flags, env, account in [
        (("--account-id", "123456789012"), {"ECR_MOCK_ACCOUNT_ID": "210987654321"}, "123456789012"),
        ((), {"ECR_MOCK_ACCOUNT_ID": "210987654321"}, "210987654321"),
    ]:
        server = launch.serve(*flags, env=env).started()
        assert f"  registry: {server.address}  (account {account}, region us-east-1, default mode)" in server.printed
        repository = launch.connect(server.url).ecr.create_repository(repositoryName="app")["repository"]
        assert repository["registryId"] == account
        assert repository["repositoryArn"] == f"arn:aws:ecr:us-east-1:{account}:repository/app"
        assert server.stop() == 0


def test_an_account_id_that_is_not_12_digits_is_refused(launch: Launcher) -> None:
    server = launch.serve("--account-id", "12345")
    assert server.exited() == 2
    assert "ecr-mock serve: error: argument --account-id: must be a 12-digit AWS account id, got '12345'" in (
        server.stderr
    )
    server = launch.serve(env={"ECR_MOCK_ACCOUNT_ID": "abc"})
    assert server.exited() == 2
    assert "ecr-mock serve: error: ECR_MOCK_ACCOUNT_ID must be a 12-digit AWS account id, got 'abc'" in server.stderr


def test_region_is_the_one_unsigned_requests_and_the_login_line_use(launch: Launcher) -> None:
    server = launch.serve("--region", "eu-west-1").started()
    login = f"--region eu-west-1 | docker login --username AWS --password-stdin {server.address}"
    assert any(line.endswith(login) for line in server.printed)
    answer = unsigned_api(server.url, "CreateRepository", {"repositoryName": "app"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["repository"]["repositoryArn"] == f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/app"
    assert server.stop() == 0
    server = launch.serve(env={"AWS_DEFAULT_REGION": "ap-south-1"}).started()
    assert f"  registry: {server.address}  (account {ACCOUNT}, region ap-south-1, default mode)" in server.printed
    assert server.stop() == 0


def test_a_region_that_is_not_one_is_refused(launch: Launcher) -> None:
    server = launch.serve("--region", "mars")
    assert server.exited() == 2
    assert "ecr-mock serve: error: argument --region: a region looks like us-east-1, got 'mars'" in server.stderr


@pytest.mark.parametrize("how", ["--strict", "ECR_MOCK_STRICT=1"])
def test_strict_mode_refuses_unsigned_api_calls(launch: Launcher, how: str) -> None:
    flags, env = (("--strict",), {}) if how == "--strict" else ((), {"ECR_MOCK_STRICT": "1"})
    server = launch.serve(*flags, env=env).started()
    assert any(line.endswith("strict mode: real ECR's rules)") for line in server.printed)
    answer = unsigned_api(server.url, "CreateRepository", {"repositoryName": "app"})
    assert answer.status_code == 403
    assert answer.json() == {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"}
    signed = launch.connect(server.url).ecr.create_repository(repositoryName="app")["repository"]  # boto3 signs
    assert signed["repositoryName"] == "app"
    assert server.stop() == 0


def test_default_mode_answers_unsigned_api_calls(launch: Launcher) -> None:
    server = launch.serve().started()
    answer = unsigned_api(server.url, "CreateRepository", {"repositoryName": "app"})
    assert answer.status_code == 200, answer.text
    assert server.stop() == 0


def test_a_port_in_use_is_an_error_naming_it(launch: Launcher) -> None:
    first = launch.serve().started()
    port = first.address.rpartition(":")[2]
    second = launch.serve("--port", port)
    assert second.exited() == 1
    assert f"ecr-mock serve: cannot listen on 127.0.0.1:{port}: Address already in use" in second.stderr
    assert first.stop() == 0


def test_a_port_out_of_range_is_refused(launch: Launcher) -> None:
    server = launch.serve("--port", "70000")
    assert server.exited() == 2
    assert "argument --port: a port is a number from 0 to 65535, got '70000'" in server.stderr


def test_building_the_command_line_does_not_load_the_server() -> None:
    code = (
        "import sys; from ecr_mock._server import cli; "
        "print(sorted(m for m in ('werkzeug', 'ecr_mock._server.app', 'ecr_mock._store.state') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"

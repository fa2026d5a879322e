"""Real clients against a real server: skopeo, podman, docker (a private dockerd), the AWS CLI and oras-py push and
pull through ``ecr-mock serve`` on a loopback port, and boto3 sees exactly what they pushed; an image put through
ECR's layer API comes out of skopeo byte for byte; ``mock.serve()`` and the ``ecr_mock_server`` fixture serve the
state a boto3 test sees, and stop with the mock; oras-py's ``ecr`` auth backend is answered in-process.

Each client is the one ``.ci/install-tools`` installed (``tests/_tools.py``); a test skips, saying why, only when
its client could not be installed or cannot run here. Images are tiny and built byte for byte the same on every
run, so digests are asserted exactly; every repository is named after its test.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from _reliability import SocketGuard
from _serve_process import Client, ServeProcess
from _tools import (
    DOCKER_V2,
    OCI_CONFIG,
    OCI_LAYER,
    OCI_MANIFEST,
    Dockerd,
    Podman,
    archive_members,
    canonical,
    docker_archive,
    dockerd,
    gzipped,
    image_config,
    layer_tar,
    layout_blobs,
    oci_layout,
    require,
    run,
    sha256,
    stop,
)

from ecr_mock import EcrMock, mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
DOCKER_CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
PART = 5 << 20  # UploadLayerPart: every part but the last at least 5 MiB
FAKE_KEYS = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake-secret"}


def immutable(tag: str, repository: str) -> str:
    """What docker, skopeo and podman print when ECR refuses to move a tag of an immutable repository."""
    return (
        f"tag invalid: The image tag '{tag}' already exists in the '{repository}' repository and cannot be "
        "overwritten because the repository is immutable."
    )


# --- the server and its clients ----------------------------------------------------------------------------------


@dataclass
class Served:
    """``ecr-mock serve`` for this module: where it listens, boto3 on its API, the registry password."""

    process: ServeProcess
    client: Client
    password: str

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def address(self) -> str:
        return self.process.address

    @property
    def ecr(self) -> Any:
        return self.client.ecr


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """``python -m ecr_mock serve --port 0 --data-dir <tmp>``, as a user starts it; stopped with SIGTERM and its
    data directory removed after the module."""
    data = tempfile.mkdtemp(prefix="ecr-mock-clients-")
    process = ServeProcess("--data-dir", data)
    client = None
    try:
        process.started()
        client = Client(process.url)
        yield Served(process, client, client.login())
    finally:
        if client is not None:
            client.close()
        stop(process)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def repo(request: pytest.FixtureRequest) -> str:
    """A repository name of this test's own: ``clients/<test name>``."""
    return "clients/" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")


class Skopeo:
    """skopeo against one registry address, logged in with ``password``."""

    def __init__(self, address: str, password: str) -> None:
        self.skopeo = require("skopeo")
        self.address = address
        self.creds = f"AWS:{password}"

    def ref(self, name: str, reference: str) -> str:
        separator = "@" if reference.startswith("sha256:") else ":"
        return f"docker://{self.address}/{name}{separator}{reference}"

    def push(self, source: str, name: str, tag: str, check: bool = True) -> Any:
        flags = ["--dest-tls-verify=false", "--dest-creds", self.creds]
        return run([self.skopeo, "copy", *flags, source, self.ref(name, tag)], check=check)

    def pull(self, name: str, reference: str, destination: str) -> None:
        flags = ["--src-tls-verify=false", "--src-creds", self.creds]
        run([self.skopeo, "copy", *flags, self.ref(name, reference), destination])

    def raw(self, name: str, reference: str) -> bytes:
        """The manifest's exact bytes (``skopeo inspect --raw``)."""
        done = run([self.skopeo, "inspect", "--raw", *self._flags(), self.ref(name, reference)])
        return done.stdout.encode()

    def tags(self, name: str) -> Any:
        return json.loads(run([self.skopeo, "list-tags", *self._flags(), f"docker://{self.address}/{name}"]).stdout)

    def delete(self, name: str, reference: str) -> None:
        run([self.skopeo, "delete", *self._flags(), self.ref(name, reference)])

    def _flags(self) -> list[str]:
        return ["--tls-verify=false", "--creds", self.creds]


@pytest.fixture
def skopeo(server: Served) -> Skopeo:
    return Skopeo(server.address, server.password)


def details(ecr: Any, name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ecr.describe_images(repositoryName=name)["imageDetails"]
    return found


def layer_sizes(manifest: bytes) -> int:
    return sum(int(layer["size"]) for layer in json.loads(manifest)["layers"])


# --- skopeo ------------------------------------------------------------------------------------------------------


def test_skopeo_pushes_an_oci_layout_and_describe_images_shows_its_digest_tag_size_and_type(
    server: Served, skopeo: Skopeo, repo: str, tmp_path: Path
) -> None:
    server.ecr.create_repository(repositoryName=repo)
    layout = oci_layout(tmp_path / "layout", "oci-layout", "v1")
    skopeo.push(layout.reference, repo, "v1")

    raw = skopeo.raw(repo, "v1")
    assert raw == layout.manifest  # an OCI layout's manifest is pushed as it is
    [detail] = details(server.ecr, repo)
    assert detail["imageDigest"] == sha256(raw) == layout.digest
    assert detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == sum(len(layer) for layer in layout.layers)
    assert detail["imageManifestMediaType"] == OCI_MANIFEST
    assert detail["artifactMediaType"] == OCI_CONFIG
    assert skopeo.tags(repo) == {"Repository": f"{server.address}/{repo}", "Tags": ["v1"]}

    skopeo.pull(repo, layout.digest, f"oci:{tmp_path / 'pulled'}:v1")
    assert layout_blobs(tmp_path / "pulled") == {**layout.blobs, layout.digest: layout.manifest}


def test_skopeo_pushes_a_docker_archive_and_pulls_the_same_layer_back(
    server: Served, skopeo: Skopeo, repo: str, tmp_path: Path
) -> None:
    server.ecr.create_repository(repositoryName=repo)
    archive = docker_archive(tmp_path / "image.tar", "docker-archive")
    skopeo.push(archive.reference, repo, "v1")

    raw = skopeo.raw(repo, "v1")
    manifest = json.loads(raw)
    assert manifest["mediaType"] == DOCKER_V2
    assert manifest["config"]["digest"] == sha256(archive.config)  # the config travels as it is; the layer gzipped
    [detail] = details(server.ecr, repo)
    assert detail["imageDigest"] == sha256(raw)
    assert detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == layer_sizes(raw)
    assert detail["imageManifestMediaType"] == DOCKER_V2
    assert detail["artifactMediaType"] == DOCKER_CONFIG_MEDIA_TYPE
    image = server.ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}])["images"][0]
    assert image["imageManifest"].encode() == raw

    skopeo.pull(repo, "v1", f"docker-archive:{tmp_path / 'back.tar'}:{repo}:v1")
    members = archive_members(tmp_path / "back.tar")
    assert members[f"{sha256(archive.layer).removeprefix('sha256:')}.tar"] == archive.layer  # gunzipped: identical
    assert members[f"{sha256(archive.config).removeprefix('sha256:')}.json"] == archive.config


def test_an_image_put_through_the_ecr_api_is_pulled_by_skopeo_byte_for_byte(
    server: Served, skopeo: Skopeo, repo: str, tmp_path: Path
) -> None:
    ecr = server.ecr
    ecr.create_repository(repositoryName=repo)
    raw_layer = layer_tar("put-image", hashlib.shake_256(b"put-image").digest(6 << 20))  # incompressible
    layer = gzipped(raw_layer)
    config = image_config([raw_layer], "put-image")
    for blob in (config, layer):  # the layer in two parts: ECR's smallest part but the last is 5 MiB
        upload = ecr.initiate_layer_upload(repositoryName=repo)["uploadId"]
        for first in range(0, len(blob), PART):
            ecr.upload_layer_part(
                repositoryName=repo,
                uploadId=upload,
                partFirstByte=first,
                partLastByte=min(first + PART, len(blob)) - 1,
                layerPartBlob=blob[first : first + PART],
            )
        done = ecr.complete_layer_upload(repositoryName=repo, uploadId=upload, layerDigests=[sha256(blob)])
        assert done["layerDigest"] == sha256(blob)
    manifest = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": sha256(layer), "size": len(layer)}],
        }
    )
    put = ecr.put_image(repositoryName=repo, imageManifest=manifest.decode(), imageTag="v1")
    assert put["image"]["imageId"] == {"imageDigest": sha256(manifest), "imageTag": "v1"}

    skopeo.pull(repo, "v1", f"oci:{tmp_path / 'pulled'}:v1")
    pulled = layout_blobs(tmp_path / "pulled")
    assert pulled == {sha256(config): config, sha256(layer): layer, sha256(manifest): manifest}
    index = json.loads((tmp_path / "pulled" / "index.json").read_text())
    assert [entry["digest"] for entry in index["manifests"]] == [sha256(manifest)]


def test_skopeo_delete_removes_the_image_boto3_lists(server: Served, skopeo: Skopeo, repo: str, tmp_path: Path) -> None:
    server.ecr.create_repository(repositoryName=repo)
    layout = oci_layout(tmp_path / "layout", "skopeo-delete", "v1", layers=1)
    skopeo.push(layout.reference, repo, "v1")
    assert server.ecr.list_images(repositoryName=repo)["imageIds"] == [{"imageDigest": layout.digest, "imageTag": "v1"}]

    skopeo.delete(repo, layout.digest)
    assert server.ecr.list_images(repositoryName=repo)["imageIds"] == []


def test_skopeo_cannot_move_a_tag_of_an_immutable_repository_and_prints_ecrs_sentence(
    server: Served, skopeo: Skopeo, repo: str, tmp_path: Path
) -> None:
    server.ecr.create_repository(repositoryName=repo, imageTagMutability="IMMUTABLE")
    first = oci_layout(tmp_path / "first", "immutable-first", "v1", layers=1)
    second = oci_layout(tmp_path / "second", "immutable-second", "v1", layers=1)
    skopeo.push(first.reference, repo, "v1")

    refused = skopeo.push(second.reference, repo, "v1", check=False)
    assert refused.returncode != 0
    assert immutable("v1", repo) in refused.stderr
    assert [(d["imageDigest"], d.get("imageTags")) for d in details(server.ecr, repo)] == [(first.digest, ["v1"])]


# --- podman ------------------------------------------------------------------------------------------------------

PODMAN_IMAGE = "localhost/ecr-mock/tiny:local"


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    """podman with a private image store holding one imported image (skipped where podman cannot run)."""
    path = require("podman")
    directory = Path(tempfile.mkdtemp(prefix="ecr-podman-"))
    try:
        (directory / "tiny.tar").write_bytes(layer_tar("podman"))
        client = Podman(path, directory)
        imported = client("import", str(directory / "tiny.tar"), PODMAN_IMAGE, check=False)
        if imported.returncode != 0:
            pytest.skip(f"podman unavailable: podman import cannot run here: {imported.stderr.strip()}")
        yield client
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize(
    ("push_format", "manifest_type", "config_type"),
    [("v2s2", DOCKER_V2, DOCKER_CONFIG_MEDIA_TYPE), ("oci", OCI_MANIFEST, OCI_CONFIG)],
    ids=["docker-v2", "oci"],
)
def test_podman_push_shows_in_describe_images_and_pulls_back(
    server: Served,
    podman: Podman,
    skopeo: Skopeo,
    repo: str,
    tmp_path: Path,
    push_format: str,
    manifest_type: str,
    config_type: str,
) -> None:
    server.ecr.create_repository(repositoryName=repo)
    creds = ["--tls-verify=false", "--creds", f"AWS:{server.password}"]
    target = f"{server.address}/{repo}:v1"
    digest_file = tmp_path / "digest"
    podman("push", "--format", push_format, "--digestfile", str(digest_file), *creds, PODMAN_IMAGE, target)

    digest = digest_file.read_text().strip()
    raw = skopeo.raw(repo, "v1")
    assert sha256(raw) == digest
    [detail] = details(server.ecr, repo)
    assert detail["imageDigest"] == digest
    assert detail["imageTags"] == ["v1"]
    # podman's OCI manifest may leave out mediaType (pushed straight from its store): the PUT's Content-Type names it
    assert detail["imageManifestMediaType"] == manifest_type == json.loads(raw).get("mediaType", manifest_type)
    assert detail["artifactMediaType"] == config_type
    assert detail["imageSizeInBytes"] == layer_sizes(raw)

    local_id = podman("image", "inspect", "--format", "{{.Id}}", PODMAN_IMAGE).stdout.strip()
    pulled = podman("pull", "--quiet", *creds, f"{server.address}/{repo}@{digest}").stdout.strip()
    assert pulled == local_id  # the same config came back: the same image


# --- docker, through a private dockerd ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docker() -> Iterator[Dockerd]:
    with dockerd() as daemon:
        yield daemon


@dataclass
class AwsCli:
    """The AWS CLI (its own venv) pointed at the server, with fake keys and no configuration files."""

    aws: str
    url: str

    @property
    def env(self) -> dict[str, str]:
        return {**FAKE_KEYS, "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}

    def __call__(self, *args: str) -> Any:
        done = run([self.aws, "ecr", *args, "--endpoint-url", self.url, "--region", REGION], env=self.env)
        return json.loads(done.stdout) if done.stdout.strip().startswith(("{", "[")) else done.stdout


@pytest.fixture
def aws(server: Served) -> AwsCli:
    return AwsCli(require("aws"), server.url)


def shell(line: str, env: dict[str, str], *paths: str) -> Any:
    """``line`` run by bash as a user types it, with the clients' folders first on PATH."""
    folders = [os.path.dirname(path) for path in paths]
    return run(
        ["bash", "-o", "pipefail", "-c", line], env={**env, "PATH": os.pathsep.join([*folders, os.environ["PATH"]])}
    )


@pytest.fixture(scope="module")
def logged_in(server: Served, docker: Dockerd) -> Dockerd:
    """docker logged in by pasting the login line ``ecr-mock serve`` prints (the AWS CLI's password, piped)."""
    aws = AwsCli(require("aws"), server.url)
    [line] = [line.strip() for line in server.process.printed if "get-login-password" in line]
    done = shell(line, {**aws.env, **docker.env}, aws.aws, docker.docker)
    assert "Login Succeeded" in done.stdout
    config = json.loads((docker.config / "config.json").read_text())
    auth = base64.b64decode(config["auths"][server.address]["auth"]).decode()
    assert auth == f"AWS:{server.password}"  # what the AWS CLI printed is the password boto3 decodes
    return docker


def pushed_digest(output: str, tag: str) -> str:
    match = re.search(rf"^{re.escape(tag)}: digest: (sha256:[0-9a-f]{{64}}) size: [0-9]+$", output, re.MULTILINE)
    assert match is not None, output
    return match[1]


def test_docker_pushes_to_the_repository_uri_the_aws_cli_prints_and_pulls_it_back(
    server: Served, logged_in: Dockerd, aws: AwsCli, skopeo: Skopeo, repo: str, tmp_path: Path
) -> None:
    docker = logged_in
    created = aws("create-repository", "--repository-name", repo)
    uri = f"{server.address}/{repo}"
    assert created["repository"]["repositoryUri"] == uri
    (tmp_path / "tiny.tar").write_bytes(layer_tar("docker"))
    image_id = docker.cli("import", str(tmp_path / "tiny.tar"), f"{uri}:v1").stdout.strip()

    query = f"aws ecr describe-repositories --repository-names {repo} --endpoint-url {server.url} --region {REGION}"
    line = f"docker push \"$({query} --query 'repositories[0].repositoryUri' --output text)\":v1"
    digest = pushed_digest(shell(line, {**aws.env, **docker.env}, aws.aws, docker.docker).stdout, "v1")

    raw = skopeo.raw(repo, "v1")
    assert sha256(raw) == digest
    [detail] = details(server.ecr, repo)
    assert (detail["imageDigest"], detail["imageTags"]) == (digest, ["v1"])
    assert detail["imageManifestMediaType"] == DOCKER_V2
    assert detail["artifactMediaType"] == DOCKER_CONFIG_MEDIA_TYPE
    assert detail["imageSizeInBytes"] == layer_sizes(raw)
    assert json.loads(docker.cli("image", "inspect", "--format", "{{json .RepoDigests}}", image_id).stdout) == [
        f"{uri}@{digest}"
    ]

    docker.cli("image", "rm", f"{uri}:v1")
    docker.cli("pull", f"{uri}@{digest}")
    assert docker.cli("image", "inspect", "--format", "{{.Id}}", f"{uri}@{digest}").stdout.strip() == image_id


def test_docker_cannot_move_a_tag_of_an_immutable_repository_and_prints_ecrs_sentence(
    server: Served, logged_in: Dockerd, repo: str, tmp_path: Path
) -> None:
    docker = logged_in
    server.ecr.create_repository(repositoryName=repo, imageTagMutability="IMMUTABLE")
    uri = f"{server.address}/{repo}"
    for label in ("first", "second"):
        (tmp_path / f"{label}.tar").write_bytes(layer_tar(f"docker-immutable-{label}"))
    docker.cli("import", str(tmp_path / "first.tar"), f"{uri}:v1")
    first = pushed_digest(docker.cli("push", f"{uri}:v1").stdout, "v1")
    docker.cli("import", str(tmp_path / "second.tar"), f"{uri}:v1")

    refused = docker.cli("push", f"{uri}:v1", check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == immutable("v1", repo)
    assert [(d["imageDigest"], d.get("imageTags")) for d in details(server.ecr, repo)] == [(first, ["v1"])]


# --- the AWS CLI -------------------------------------------------------------------------------------------------


def test_the_aws_cli_creates_repositories_logs_in_and_describes_a_skopeo_pushed_image(
    server: Served, aws: AwsCli, repo: str, tmp_path: Path
) -> None:
    created = aws("create-repository", "--repository-name", repo, "--image-tag-mutability", "IMMUTABLE")["repository"]
    assert created["repositoryName"] == repo
    assert created["repositoryUri"] == f"{server.address}/{repo}"
    assert created["repositoryArn"] == f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{repo}"
    assert created["imageTagMutability"] == "IMMUTABLE"
    password = aws("get-login-password").strip()
    token = server.ecr.get_authorization_token()["authorizationData"][0]
    assert base64.b64decode(token["authorizationToken"]).decode() == f"AWS:{password}"
    assert token["proxyEndpoint"] == server.url

    layout = oci_layout(tmp_path / "layout", "aws-cli", "v1")
    Skopeo(server.address, password).push(layout.reference, repo, "v1")
    [detail] = aws("describe-images", "--repository-name", repo, "--image-ids", "imageTag=v1")["imageDetails"]
    assert detail["imageDigest"] == layout.digest
    assert detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == sum(len(layer) for layer in layout.layers)
    assert detail["imageManifestMediaType"] == OCI_MANIFEST
    [image] = aws("batch-get-image", "--repository-name", repo, "--image-ids", f"imageDigest={layout.digest}")["images"]
    assert image["imageManifest"].encode() == layout.manifest


# --- oras-py -----------------------------------------------------------------------------------------------------


def oras_client(hostname: str, **options: Any) -> Any:
    import oras.client

    return oras.client.OrasClient(hostname=hostname, **options)


def oras_round_trip(client: Any, registry: str, repo: str, tmp_path: Path) -> str:
    """Push one file as an artifact tagged v1 (from the current folder: oras-py names a layer by the path it is
    given), pull it back; the manifest digest the registry answered."""
    artifact = tmp_path / "artifact.txt"
    artifact.write_bytes(b"an artifact pushed with oras-py\n")
    response = client.push(target=f"{registry}/{repo}:v1", files=[artifact.name])
    assert response.status_code == 201
    digest: str = response.headers["Docker-Content-Digest"]
    assert client.get_tags(f"{registry}/{repo}") == ["v1"]
    pulled = client.pull(target=f"{registry}/{repo}:v1", outdir=str(tmp_path / "pulled"))
    assert [Path(path).read_bytes() for path in pulled] == [artifact.read_bytes()]
    return digest


def assert_oras_artifact(ecr: Any, repo: str, digest: str) -> None:
    [detail] = details(ecr, repo)
    assert (detail["imageDigest"], detail["imageTags"]) == (digest, ["v1"])
    assert detail["imageManifestMediaType"] == OCI_MANIFEST
    [image] = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}])["images"]
    assert sha256(image["imageManifest"].encode()) == digest
    [layer] = json.loads(image["imageManifest"])["layers"]
    assert layer["annotations"]["org.opencontainers.image.title"] == "artifact.txt"
    assert layer["digest"] == sha256(b"an artifact pushed with oras-py\n")
    assert detail["imageSizeInBytes"] == layer["size"]


def test_oras_pushes_and_pulls_through_the_server(
    server: Served, repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    server.ecr.create_repository(repositoryName=repo)
    client = oras_client(server.address, insecure=True, auth_backend="basic")
    client.auth.set_basic_auth("AWS", server.password)
    digest = oras_round_trip(client, server.address, repo, tmp_path)
    assert_oras_artifact(server.ecr, repo, digest)


def test_oras_with_the_ecr_auth_backend_is_answered_in_process(
    repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, socket_guard: SocketGuard
) -> None:
    """oras-py's ``ecr`` backend reads the registry's challenge, gets a token from boto3 and talks HTTPS to
    ``<account>.dkr.ecr.<region>.amazonaws.com``: all of it answered by the mock, no socket opened."""
    monkeypatch.chdir(tmp_path)
    attempts = len(socket_guard.unexpected)
    registry = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=repo)
        client = oras_client(registry, auth_backend="ecr")
        digest = oras_round_trip(client, registry, repo, tmp_path)
        assert_oras_artifact(ecr, repo, digest)
    assert socket_guard.unexpected[attempts:] == []


# --- mock.serve() and the ecr_mock_server fixture ----------------------------------------------------------------


def test_mock_serve_shares_the_state_boto3_sees_and_stops_with_the_mock(repo: str, tmp_path: Path) -> None:
    with mock_ecr() as mock:
        url = mock.serve()
        address = url.removeprefix("http://")
        ecr = boto3.client("ecr", region_name=REGION)  # in-process, as every boto3 call under the mock
        assert ecr.create_repository(repositoryName=repo)["repository"]["repositoryUri"] == f"{address}/{repo}"
        [token] = ecr.get_authorization_token()["authorizationData"]
        assert token["proxyEndpoint"] == url
        password = base64.b64decode(token["authorizationToken"]).decode().removeprefix("AWS:")

        layout = oci_layout(tmp_path / "layout", "mock-serve", "v1")
        Skopeo(address, password).push(layout.reference, repo, "v1")
        [detail] = details(ecr, repo)
        assert (detail["imageDigest"], detail["imageTags"]) == (layout.digest, ["v1"])
    host, port = address.rsplit(":", 1)
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=5):
        pass


@pytest.mark.ecr_mock(strict=True)
def test_the_ecr_mock_server_fixture_serves_push_image_to_skopeo_with_a_strict_token(
    ecr_mock: EcrMock, ecr_mock_server: str, repo: str, tmp_path: Path
) -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    ecr.create_repository(repositoryName=repo)
    digest = ecr_mock.push_image(repo, tag="v1", layers=2, seed="fixture")
    [token] = ecr.get_authorization_token()["authorizationData"]
    user, _, password = base64.b64decode(token["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password != f"{ACCOUNT}-auth-token"  # strict mode: a random token
    skopeo = Skopeo(ecr_mock_server.removeprefix("http://"), password)

    raw = skopeo.raw(repo, "v1")
    assert sha256(raw) == digest
    skopeo.pull(repo, digest, f"dir:{tmp_path / 'pulled'}")  # dir: keeps every blob exactly as served
    assert (tmp_path / "pulled" / "manifest.json").read_bytes() == raw
    manifest = json.loads(raw)
    for descriptor in [manifest["config"], *manifest["layers"]]:
        blob = (tmp_path / "pulled" / descriptor["digest"].removeprefix("sha256:")).read_bytes()
        assert (sha256(blob), len(blob)) == (descriptor["digest"], descriptor["size"])

    refused = run(
        [skopeo.skopeo, "inspect", "--raw", "--tls-verify=false", "--creds", f"AWS:{ACCOUNT}-auth-token",
         skopeo.ref(repo, "v1")],
        check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "denied: Your authorization token has expired. Reauthenticate and try again." in refused.stderr

"""The real clients the registry server is tested with, as ``.ci/install-tools`` installed them, and what they push.

``.ci/install-tools`` writes ``${ECR_MOCK_TOOLS:-/opt/ecr-mock-tools}/env``: one ``KEY=path`` line per tool it could
install (a missing key: it could not). ``require(tool)`` is that path, or a skip that says so. ``run`` runs a client
with a bound wait and fails the test with everything it printed. ``Dockerd`` is a private docker daemon (its own
data root, exec root and socket; no iptables, no bridge), stopped with its containerd. The image builders make tiny
images byte for byte the same on every run: a one-file tar layer, an OCI image layout, a ``docker save`` archive.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from _serve_process import ServeProcess

TOOLS = Path(os.environ.get("ECR_MOCK_TOOLS") or "/opt/ecr-mock-tools")
ENV_FILE = TOOLS / "env"
# the tool's name in skip reasons -> its key in the env file
KEYS = {
    "skopeo": "SKOPEO",
    "podman": "PODMAN",
    "buildah": "BUILDAH",
    "dockerd": "DOCKERD",
    "docker-registry": "DOCKER_REGISTRY",
    "postgresql": "PG_BIN",
    "docker": "DOCKER",
    "aws": "AWS_CLI",
    "oci-conformance": "OCI_CONFORMANCE",
}
RUN_TIMEOUT = 120.0  # one client command on a busy 2-core machine
PRIVATE_PREFIXES = ("AWS_", "ECR_MOCK_", "OCI_")  # what the test process has that no client may inherit
DOCKERD_START_TIMEOUT = 60.0
DOCKERD_STOP_TIMEOUT = 30.0

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"


# --- which tools there are ---------------------------------------------------------------------------------------


@functools.cache
def installed() -> dict[str, str]:
    """The env file's ``KEY=path`` lines (empty when there is no env file)."""
    try:
        text = ENV_FILE.read_text()
    except OSError:
        return {}
    pairs = (line.partition("=") for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, _, value in pairs if value.strip()}


def require(tool: str) -> str:
    """The installed path of ``tool`` (a key of ``KEYS``), or skip the test saying why it is not there."""
    key = KEYS[tool]
    if not ENV_FILE.exists():
        pytest.skip(f"{tool} unavailable: {ENV_FILE} does not exist (run .ci/install-tools, which writes it)")
    path = installed().get(key)
    if path is None:
        pytest.skip(f"{tool} unavailable: .ci/install-tools could not install it (no {key}= line in {ENV_FILE})")
    if not os.path.exists(path):
        pytest.skip(f"{tool} unavailable: {ENV_FILE} names {path}, which no longer exists (rerun .ci/install-tools)")
    return path


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float = RUN_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run a client to its end (at most ``timeout``); with ``check``, a non-zero exit fails the test with what it
    printed. ``env`` is added to the environment, which never carries the test process's ``AWS_*``,
    ``ECR_MOCK_*`` or ``OCI_*`` variables (an active mock's fake credentials are not the client's, and the
    conformance test is configured by its test alone)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(PRIVATE_PREFIXES)}
    environment.update(env or {})
    done = subprocess.run(
        list(command),
        input=input,
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=timeout,
        check=False,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        )
    return done


# --- tiny images, the same bytes on every run -------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(document: object) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def layer_tar(label: str, data: bytes | None = None) -> bytes:
    """An uncompressed tar with one file, ``hello-<label>.txt`` (what ``docker import`` takes as a rootfs) holding
    ``data``, by default a line naming ``label``."""
    data = f"hello from {label}\n".encode() if data is None else data
    info = tarfile.TarInfo(f"hello-{label}.txt")
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def gzipped(data: bytes) -> bytes:
    """gzip with no timestamp and no file name: the same input gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        out.write(data)
    return buffer.getvalue()


def image_config(layers: Sequence[bytes], label: str) -> bytes:
    """An image config (OCI and Docker read the same fields) whose diff_ids are the uncompressed layers'."""
    document = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"ecr-mock.test": label}},
        "rootfs": {"type": "layers", "diff_ids": [sha256(layer) for layer in layers]},
        "history": [{"created_by": f"ecr_mock tests: {label}"} for _ in layers],
    }
    return canonical(document)


@dataclass(frozen=True)
class OciLayout:
    """An OCI image layout on disk holding one image under ``tag``: ``oci:<path>:<tag>`` to skopeo."""

    path: Path
    tag: str
    manifest: bytes
    config: bytes
    layers: tuple[bytes, ...]  # as stored: gzipped

    @property
    def digest(self) -> str:
        return sha256(self.manifest)

    @property
    def reference(self) -> str:
        return f"oci:{self.path}:{self.tag}"

    @property
    def blobs(self) -> dict[str, bytes]:
        return {sha256(blob): blob for blob in (self.config, *self.layers)}


def oci_layout(path: Path, label: str, tag: str = "latest", layers: int = 2) -> OciLayout:
    """An OCI layout at ``path`` with one image of ``layers`` gzipped one-file layers, distinct per ``label``."""
    raw = [layer_tar(f"{label}-{index}") for index in range(layers)]
    stored = tuple(gzipped(layer) for layer in raw)
    config = image_config(raw, label)
    manifest = canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": OCI_LAYER, "digest": sha256(blob), "size": len(blob)} for blob in stored],
        }
    )
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for blob in (config, *stored, manifest):
        (blobs / sha256(blob).removeprefix("sha256:")).write_bytes(blob)
    (path / "oci-layout").write_bytes(canonical({"imageLayoutVersion": "1.0.0"}))
    descriptor = {
        "mediaType": OCI_MANIFEST,
        "digest": sha256(manifest),
        "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    (path / "index.json").write_bytes(canonical({"schemaVersion": 2, "manifests": [descriptor]}))
    return OciLayout(path, tag, manifest, config, stored)


def layout_blobs(path: Path) -> dict[str, bytes]:
    """Every blob of an OCI layout (what ``skopeo copy ... oci:<path>`` wrote), by digest."""
    return {f"sha256:{blob.name}": blob.read_bytes() for blob in (path / "blobs" / "sha256").iterdir()}


@dataclass(frozen=True)
class DockerArchive:
    """A ``docker save`` tarball of one image: ``docker-archive:<path>`` to skopeo."""

    path: Path
    config: bytes
    layer: bytes  # uncompressed, as docker save writes it

    @property
    def reference(self) -> str:
        return f"docker-archive:{self.path}"


def docker_archive(path: Path, label: str, repo_tag: str = "ecr-mock/test:latest") -> DockerArchive:
    """A ``docker save`` archive at ``path``: manifest.json, the config, one uncompressed layer."""
    layer = layer_tar(label)
    config = image_config([layer], label)
    config_name = f"{sha256(config).removeprefix('sha256:')}.json"
    layer_name = f"{sha256(layer).removeprefix('sha256:')}/layer.tar"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [repo_tag], "Layers": [layer_name]}]).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in ((config_name, config), (layer_name, layer), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return DockerArchive(path, config, layer)


def archive_members(path: Path) -> dict[str, bytes]:
    """The regular files of a tarball (symbolic links followed), by name."""
    with tarfile.open(path) as tar:
        members: dict[str, bytes] = {}
        for member in tar.getmembers():
            target = tar.extractfile(member) if member.isfile() or member.issym() else None
            if target is not None:
                members[member.name] = target.read()
        return members


# --- a private docker daemon ------------------------------------------------------------------------------------


class Dockerd:
    """``dockerd`` with everything under one short temporary directory, and the docker CLI pointed at it."""

    def __init__(self, dockerd: str, docker: str) -> None:
        self.dockerd = dockerd
        self.docker = docker
        self.root = Path(tempfile.mkdtemp(prefix="ecr-dockerd-"))  # short: a unix socket path has 108 bytes
        self.socket = self.root / "docker.sock"
        self.config = self.root / "client"  # DOCKER_CONFIG: docker login writes here, not to ~/.docker
        self.config.mkdir()
        self.log = self.root / "dockerd.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"DOCKER_HOST": f"unix://{self.socket}", "DOCKER_CONFIG": str(self.config)}

    def start(self) -> None:
        """Start the daemon and wait until ``docker info`` answers; skip when it cannot start here."""
        command = [
            self.dockerd,
            "--data-root", str(self.root / "data"),
            "--exec-root", str(self.root / "exec"),
            "--pidfile", str(self.root / "dockerd.pid"),
            "-H", f"unix://{self.socket}",
            "--storage-driver", "vfs",  # no overlay mounts to leave behind
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + DOCKERD_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.skip(f"dockerd unavailable: it exited {self.process.returncode} at start: {self._last_log()}")
            if self.cli("info", "--format", "{{.ServerVersion}}", check=False).returncode == 0:
                return
            time.sleep(0.2)
        pytest.skip(f"dockerd unavailable: not ready after {DOCKERD_START_TIMEOUT} s: {self._last_log()}")

    def cli(self, *args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run([self.docker, *args], env=self.env, input=input, check=check)

    def stop(self) -> None:
        """SIGTERM the daemon (it stops its containerd), kill what outlives the wait, remove the directory."""
        containerd = self._containerd_pid()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=DOCKERD_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=DOCKERD_STOP_TIMEOUT)
        if containerd is not None:
            _kill_if_alive(containerd, str(self.root))
        shutil.rmtree(self.root, ignore_errors=True)

    def _containerd_pid(self) -> int | None:
        try:
            return int((self.root / "exec" / "containerd" / "containerd.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def _last_log(self) -> str:
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else "(no output)"


def _kill_if_alive(pid: int, marker: str) -> None:
    """containerd, if dockerd left it running (its own session, so only its pid reaches it); only when that pid
    is still the containerd of ``marker``'s daemon, never a process that reused the number."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return  # gone
    if marker in command:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def dockerd() -> Iterator[Dockerd]:
    """A started private docker daemon, stopped and removed afterwards (or a skip saying why there is none)."""
    daemon = Dockerd(require("dockerd"), require("docker"))
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


# --- podman with private storage --------------------------------------------------------------------------------


class Podman:
    """``podman`` with its image store in a temporary directory (vfs: no mounts to leave behind)."""

    def __init__(self, podman: str, directory: Path) -> None:
        self.podman = podman
        self.directory = directory

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        storage = [
            "--root", str(self.directory / "root"),
            "--runroot", str(self.directory / "run"),
            "--storage-driver", "vfs",
        ]  # fmt: skip
        return run([self.podman, *storage, *args], check=check)


# --- ecr-mock serve ---------------------------------------------------------------------------------------------


def stop(server: ServeProcess) -> None:
    """Stop an ``ecr-mock serve`` process as a user does (SIGTERM: it removes its temporary directory), killing it
    if it does not exit in time."""
    try:
        if server.process.poll() is None:
            server.stop()
    except subprocess.TimeoutExpired:
        pass
    finally:
        server.close()

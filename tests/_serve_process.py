"""``ecr-mock serve`` as a subprocess, for the command-line and persistence tests, and clients of it.

``ServeProcess`` starts ``python -m ecr_mock serve --port 0`` (a free loopback port), reads the URL from the first
line it prints, and is stopped with a signal or killed; every wait is bounded and ``close`` kills what is left, so
no test leaves a server running. ``Client`` talks to it as users do: boto3 with ``endpoint_url`` and a fake key
for ECR's API, ``requests`` with the Basic credentials GetAuthorizationToken hands out for ``/v2/``.
"""

from __future__ import annotations

import base64
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import boto3
import requests
from _manifests import OCI_MANIFEST, Built, sha256_of

START_TIMEOUT = 60.0  # a cold interpreter importing boto3 on a busy 2-core machine
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 30.0
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
REGION = "us-east-1"
FIRST_LINE = "ecr-mock serving "


class ServeProcess:
    """One ``ecr-mock serve`` process; ``url`` once it listens."""

    def __init__(self, *flags: str, env: Mapping[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECR_MOCK_"))}
        environment.update(env or {})
        command = [sys.executable, "-m", "ecr_mock", "serve", "--port", "0", *flags]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self._stdout: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self._stdout.put), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self._stderr.append), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        self.printed: list[str] = []
        self.url = ""

    @staticmethod
    def _read(stream: Any, keep: Any) -> None:
        for line in stream:
            keep(line.rstrip("\n"))
        keep(None)

    def started(self) -> ServeProcess:
        """Wait until the server prints its URL (first line) and the rest of its banner (up to ``stop:``)."""
        first = self._line()
        assert first.startswith(FIRST_LINE), f"first line {first!r}; stderr: {self.stderr}"
        self.url = first.removeprefix(FIRST_LINE)
        while not self.printed[-1].startswith("  stop:"):
            self._line()
        return self

    def _line(self) -> str:
        try:
            line = self._stdout.get(timeout=START_TIMEOUT)
        except queue.Empty:
            message = f"ecr-mock serve printed nothing for {START_TIMEOUT} s; stderr: {self.stderr}"
            raise AssertionError(message) from None
        if line is None:
            self.process.wait(timeout=STOP_TIMEOUT)
            raise AssertionError(f"ecr-mock serve exited {self.process.returncode}; stderr: {self.stderr}")
        self.printed.append(line)
        return line

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    @property
    def stderr(self) -> str:
        return "\n".join(line for line in self._stderr if line is not None)

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and wait for the exit code (its output read to the end)."""
        self.process.send_signal(signum)
        return self.exited()

    def kill(self) -> None:
        """``kill -9``: no handler runs, nothing is saved or cleaned up."""
        self.process.kill()
        self.exited()

    def exited(self) -> int:
        code = self.process.wait(timeout=STOP_TIMEOUT)
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


class Client:
    """A user of one server: boto3 for the ECR API, ``requests`` for the registry (logged in as docker does)."""

    def __init__(self, url: str, access_key: str = ACCESS_KEY, region: str = REGION) -> None:
        self.url = url
        self.ecr = boto3.client(
            "ecr",
            endpoint_url=url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key="fake-secret",
        )
        self.http = requests.Session()
        self.authorization: str | None = None

    def close(self) -> None:
        self.http.close()
        self.ecr.close()

    def login(self) -> str:
        """GetAuthorizationToken, then HTTP Basic ``AWS:<password>`` from now on; the password."""
        token = self.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        self.use_token(token)
        user, _, password = base64.b64decode(token).decode().partition(":")
        assert user == "AWS"
        return password

    def use_token(self, token: str) -> None:
        self.authorization = f"Basic {token}"
        self.http.headers["Authorization"] = self.authorization

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return self.http.request(method, urljoin(self.url, path), **kwargs)

    def push_blob(self, name: str, data: bytes) -> str:
        """A monolithic upload (``POST ?digest=``); the digest, once the server acknowledged it."""
        digest = sha256_of(data)
        response = self.request("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data=data)
        assert response.status_code == 201, response.text
        return digest

    def start_upload(self, name: str) -> str:
        response = self.request("POST", f"/v2/{name}/blobs/uploads/")
        assert response.status_code == 202, response.text
        return response.headers["Location"]

    def patch(self, location: str, body: Iterable[bytes] | bytes) -> requests.Response:
        """A PATCH of ``body`` (an iterable: sent with chunked transfer encoding, piece by piece)."""
        return self.request("PATCH", location, data=body, headers={"Content-Type": "application/octet-stream"})

    def push_image(self, name: str, tag: str, built: Built) -> str:
        """Every blob of ``built``, then its manifest under ``tag``; the manifest digest the server answered."""
        for blob in built.blobs:
            self.push_blob(name, blob)
        response = self.request(
            "PUT", f"/v2/{name}/manifests/{tag}", data=built.manifest.encode(), headers={"Content-Type": OCI_MANIFEST}
        )
        assert response.status_code == 201, response.text
        digest: str = response.headers["Docker-Content-Digest"]
        return digest

    def blob(self, name: str, digest: str) -> bytes:
        response = self.request("GET", f"/v2/{name}/blobs/{digest}")
        assert response.status_code == 200, response.text
        return response.content

    def manifest(self, name: str, reference: str) -> requests.Response:
        return self.request("GET", f"/v2/{name}/manifests/{reference}", headers={"Accept": OCI_MANIFEST})


class Launcher:
    """The servers and clients of one test; ``close`` (the fixture's teardown) kills and closes what is left."""

    def __init__(self) -> None:
        self._servers: list[ServeProcess] = []
        self._clients: list[Client] = []

    def serve(self, *flags: str, env: Mapping[str, str] | None = None) -> ServeProcess:
        """``ecr-mock serve --port 0 <flags>``, started (call ``started()`` to wait for its banner)."""
        server = ServeProcess(*flags, env=env)
        self._servers.append(server)
        return server

    def connect(self, url: str, access_key: str = ACCESS_KEY, region: str = REGION) -> Client:
        client = Client(url, access_key, region)
        self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()
        for server in self._servers:
            server.close()


def files_under(directory: Path) -> Iterator[Path]:
    return (path for path in directory.rglob("*") if path.is_file())

"""Registry throughput over loopback: 256 MiB blobs pushed and pulled through the server, beside their floors.

Run from the repository root::

    python benchmarks/registry.py           # 256 MiB blobs, 7 rounds after a warm-up; 1 GiB for the RSS check
    python benchmarks/registry.py --quick   # 32 MiB blobs, 1 round after a warm-up; 128 MiB for the RSS check

The server runs in its own process, so client and server do not share a GIL: ``python -m ecr_mock serve --port 0
--data-dir D`` when the command line has ``serve``, else this script's own ``--serve D`` (a ``Server`` from
``ecr_mock._server.serving`` over ``Backends`` whose blob store uses ``D``). The client logs in as docker does
(CreateRepository and GetAuthorizationToken through boto3 at ``POST /``, then HTTP Basic) and speaks HTTP/1.1 with
``http.client``: whole bodies handed to one ``sendall``, responses read into a 4 MiB buffer.

Every round pushes fresh bytes (a 256 MiB buffer of ``os.urandom`` whose first bytes name the round) and
measures, interleaved (the side that goes first alternates):

- the floor for a push: ``hashlib.sha256`` over the same bytes in this process (the digest the push then names);
- a monolithic push: ``POST /v2/<name>/blobs/uploads/?digest=`` carrying the whole body; target: <= 1.5x the floor;
- a chunked push: ``POST``, 10 MiB ``PATCH``es with ``Content-Range``, the final ``PUT ?digest=``; same target;
- a pull: ``GET /v2/<name>/blobs/<digest>`` read and discarded, three times a round; its floor is the same read
  from a plain sender (a process that answers a request with that many bytes from memory, then closes the
  connection); target: <= 1.2x that read;
- for information, what keeping the bytes costs on this machine: the same bytes written in 1 MiB pieces to a new
  file beside the server's (kept, as a blob is) and fsynced, in this process.

Ratios are medians of per-round (per-pull) ratios. Then: the server's RSS (``/proc/<pid>/status``, sampled every
10 ms, and its ``VmHWM`` reset first) while 1 GiB is pushed in one chunked upload (target: grows < 64 MiB); 8
concurrent pushers of 32 MiB blobs (threads, half monolithic, half chunked), every blob checked afterwards with
``HEAD`` (``Docker-Content-Digest`` and ``Content-Length``). Where
Debian's ``docker-registry`` (distribution) is installed, the same pushes against it in the same rounds
(filesystem storage in a temporary directory, no auth; its monolithic form is ``POST`` then one ``PUT``, as it
ignores a ``POST`` body), and the ratios ours / distribution; else a line saying why it was skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import _common
from _common import ROOT, Figure

MIB = 1 << 20
CHUNK = 10 * MIB  # the chunked push's PATCH size
PULLS_PER_ROUND = 3  # pulls are short: each round times three of each
READ_BUFFER = 4 * MIB  # what one read of a response takes
NAME = "bench/registry"
TAG_BYTES = 16  # the first bytes of a blob name its round, so every push is of new bytes
PUSH_TARGET, PULL_TARGET, RSS_TARGET_MIB, CONCURRENT = 1.5, 1.2, 64.0, 8
DISTRIBUTION = Path("/usr/bin/docker-registry")
STARTUP_SECONDS = 30.0
REQUEST_TIMEOUT = 300.0


@dataclass(frozen=True)
class Plan:
    size: int  # bytes per blob in the timed rounds
    rounds: int  # timed rounds, after one warm-up round
    memory_quarter: int  # the RSS check pushes 4 of these in one upload
    concurrent_size: int


FULL = Plan(size=256 * MIB, rounds=7, memory_quarter=256 * MIB, concurrent_size=32 * MIB)
QUICK = Plan(size=32 * MIB, rounds=1, memory_quarter=32 * MIB, concurrent_size=8 * MIB)


# --- processes: our server, distribution, the plain sender ----------------------------------------------------


class Process:
    """A server process on a loopback port: its pid, its URL, its RSS."""

    def __init__(self, label: str, command: list[str], log: Path, url: Callable[[str], str | None]) -> None:
        self.label = label
        self.log = log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(
                command, cwd=ROOT, stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT
            )
        self.url = self._wait_for(url)
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def _wait_for(self, url: Callable[[str], str | None]) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            found = url(self.log.read_text(errors="replace"))
            if found is not None:
                return found
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.label} did not start: {self.log.read_text(errors='replace')[-2000:]}")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def status(self, key: str) -> int:
        """A ``VmRSS``/``VmHWM`` line of ``/proc/<pid>/status``, in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(key)

    def reset_peak(self) -> bool:
        """Reset ``VmHWM`` to the current RSS (``clear_refs`` 5); whether the kernel allowed it."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=30)
        if self.popen.stdin is not None:
            self.popen.stdin.close()


_URL = re.compile(r"http://127\.0\.0\.1:(\d+)")


def _first_url(text: str) -> str | None:
    match = _URL.search(text)
    return None if match is None or match[1] == "0" else match[0]


def has_serve_command() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "ecr_mock", "serve", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.returncode == 0 and "--data-dir" in done.stdout


def start_ours(work: Path) -> Process:
    data = work / "ours"
    if has_serve_command():
        # ECR_MOCK_BENCH_DATA_DIR=1: the --data-dir server, whose blob files are fsynced before a push is answered
        kept = ["--data-dir", str(data)] if os.environ.get("ECR_MOCK_BENCH_DATA_DIR") == "1" else []
        command = [sys.executable, "-m", "ecr_mock", "serve", "--port", "0", *kept]
        return Process("ecr-mock serve", command, work / "ours.log", _first_url)
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(data)]
    return Process("ecr_mock Server", command, work / "ours.log", _first_url)


def start_distribution(work: Path) -> Process:
    port = _free_port()
    config = work / "distribution.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {work / 'distribution'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    url = f"http://127.0.0.1:{port}"

    def ready(_: str) -> str | None:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/v2/")
            if connection.getresponse().status == 200:
                return url
        return None

    return Process("docker-registry", [str(DISTRIBUTION), "serve", str(config)], work / "distribution.log", ready)


def start_sender(work: Path) -> Process:
    return Process(
        "plain sender", [sys.executable, str(Path(__file__).resolve()), "--send"], work / "send.log", _first_url
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def distribution_version() -> str:
    done = subprocess.run([str(DISTRIBUTION), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


# --- the child roles: our server, the plain sender ---------------------------------------------------------------


def serve(directory: str) -> int:
    """``--serve D``: a ``Server`` on a free loopback port over blobs in ``D``; prints its URL; stops on SIGTERM."""
    from ecr_mock import _config
    from ecr_mock._backend import Backends
    from ecr_mock._domain.endpoint import Endpoint
    from ecr_mock._server.app import App, ServerSettings
    from ecr_mock._server.serving import Server

    backends = Backends(_config.DEFAULT)
    backends.blob_store.use_directory(directory)
    server = Server(App(backends, ServerSettings()), "127.0.0.1", 0)
    backends.endpoint = Endpoint(server.address)
    server.start()
    print(server.url, flush=True)
    _wait_for_sigterm()
    server.stop()
    return 0


def send() -> int:
    """``--send``: answer every request on a free loopback port with ``Content-Length`` bytes from memory, the
    length taken from the path (``GET /<bytes>``): the plainest loopback read there is."""
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    piece = os.urandom(MIB)
    threading.Thread(target=_accept, args=(listener, piece), daemon=True).start()
    _wait_for_sigterm()
    listener.close()
    return 0


def _accept(listener: socket.socket, piece: bytes) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=_answer, args=(connection, piece), daemon=True).start()


def _answer(connection: socket.socket, piece: bytes) -> None:
    """One request, one answer, then the connection is closed (a 256 MiB read does not notice one connect)."""
    with connection, connection.makefile("rb") as requests:
        request_line = requests.readline()
        while requests.readline() not in (b"\r\n", b"\n", b""):
            pass
        size = int(request_line.split()[1].strip(b"/"))
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode())
        whole, rest = divmod(size, len(piece))
        for _ in range(whole):
            connection.sendall(piece)
        connection.sendall(piece[:rest])


def _wait_for_sigterm() -> None:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    while not stopping.wait(0.5):
        pass


# --- the client ---------------------------------------------------------------------------------------------------


class PushFailed(Exception):
    pass


class Client:
    """HTTP/1.1 to one registry on one keep-alive connection (reopened when the server closes it)."""

    def __init__(self, host: str, port: int, authorization: str | None = None) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        self.headers = {"Authorization": authorization} if authorization else {}

    def request(
        self, method: str, target: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        sent = {**self.headers, **(headers or {})}
        try:
            self.connection.request(method, target, body=body, headers=sent)
            return self.connection.getresponse()
        except (ConnectionError, http.client.RemoteDisconnected):  # a keep-alive connection the server closed
            self.connection.close()
            self.connection.request(method, target, body=body, headers=sent)
            return self.connection.getresponse()

    def answer(
        self, method: str, target: str, body: Any = None, headers: dict[str, str] | None = None, expect: int = 200
    ) -> http.client.HTTPResponse:
        response = self.request(method, target, body, headers)
        text = response.read()
        if response.status != expect:
            raise PushFailed(f"{method} {target}: {response.status} (expected {expect}): {text[:500]!r}")
        return response

    def close(self) -> None:
        self.connection.close()


def _target(location: str) -> str:
    """A ``Location`` header as a request target (distribution's are absolute URLs)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _with_digest(location: str, digest: str) -> str:
    target = _target(location)
    return f"{target}{'&' if '?' in target else '?'}digest={digest}"


def octets(size: int) -> dict[str, str]:
    return {"Content-Type": "application/octet-stream", "Content-Length": str(size)}


def push_monolithic(client: Client, body: memoryview, digest: str, single_post: bool = True) -> str:
    """The whole blob in one request: ``POST ?digest=`` (or, for a registry that ignores a POST body, ``POST`` then
    one ``PUT ?digest=``). The digest the registry answered."""
    if single_post:
        response = client.answer(
            "POST", f"/v2/{NAME}/blobs/uploads/?digest={digest}", body, octets(len(body)), expect=201
        )
    else:
        started = client.answer("POST", f"/v2/{NAME}/blobs/uploads/", None, octets(0), expect=202)
        location = started.headers["Location"]
        response = client.answer("PUT", _with_digest(location, digest), body, octets(len(body)), expect=201)
    return response.headers.get("Docker-Content-Digest", "")


def push_chunked(client: Client, pieces: Iterator[memoryview], digest: str) -> str:
    """``POST``, one ``PATCH`` per piece with its ``Content-Range``, the final ``PUT ?digest=``."""
    location = client.answer("POST", f"/v2/{NAME}/blobs/uploads/", None, octets(0), expect=202).headers["Location"]
    offset = 0
    for piece in pieces:
        headers = {**octets(len(piece)), "Content-Range": f"{offset}-{offset + len(piece) - 1}"}
        location = client.answer("PATCH", _target(location), piece, headers, expect=202).headers["Location"]
        offset += len(piece)
    response = client.answer("PUT", _with_digest(location, digest), None, octets(0), expect=201)
    return response.headers.get("Docker-Content-Digest", "")


def pieces_of(data: memoryview, size: int) -> Iterator[memoryview]:
    for first in range(0, len(data), size):
        yield data[first : first + size]


def read_all(response: http.client.HTTPResponse, hasher: Any = None) -> int:
    """Read a response body into one reused buffer (hashing it when asked); how many bytes came."""
    buffer = bytearray(READ_BUFFER)
    view = memoryview(buffer)
    total = 0
    while count := response.readinto(buffer):
        total += count
        if hasher is not None:
            hasher.update(view[:count])
    return total


def pull(client: Client, target: str, size: int, hasher: Any = None) -> None:
    response = client.request("GET", target)
    if response.status != 200:
        raise PushFailed(f"GET {target}: {response.status}: {response.read()[:500]!r}")
    got = read_all(response, hasher)
    if got != size:
        raise PushFailed(f"GET {target}: {got} bytes, expected {size}")


def login(url: str) -> str:
    """CreateRepository and GetAuthorizationToken through boto3 at ``POST /``: the ``Authorization`` header."""
    import boto3  # type: ignore[import-untyped,unused-ignore]

    ecr = boto3.client(
        "ecr",
        region_name=_common.REGION,
        endpoint_url=url,
        aws_access_key_id=_common.FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=_common.FAKE_SECRET_ACCESS_KEY,
    )
    ecr.create_repository(repositoryName=NAME)
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return f"Basic {token}"


# --- the blob bytes ---------------------------------------------------------------------------------------------


class Bytes:
    """One buffer of random bytes, re-labelled per push: ``label(n)`` rewrites its first bytes."""

    def __init__(self, size: int) -> None:
        piece = os.urandom(MIB)
        self.buffer = bytearray(piece * (size // MIB) + piece[: size % MIB])
        self.view = memoryview(self.buffer)

    def label(self, number: int) -> memoryview:
        self.buffer[:TAG_BYTES] = f"{number:0{TAG_BYTES}d}".encode()
        return self.view

    def hashed(self) -> tuple[str, float]:
        """The sha256 digest and the seconds it took: the push floor."""
        started = time.perf_counter()
        digest = "sha256:" + hashlib.sha256(self.view).hexdigest()
        return digest, time.perf_counter() - started

    def stored(self, path: Path) -> float:
        """Seconds to write the bytes to a new file in 1 MiB pieces and fsync it (the file is kept, as a blob is):
        what keeping them costs on this machine, for information."""
        started = time.perf_counter()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            for first in range(0, len(self.view), MIB):
                os.write(descriptor, self.view[first : first + MIB])
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        return time.perf_counter() - started


# --- the rounds -----------------------------------------------------------------------------------------------


@dataclass
class Samples:
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.values.setdefault(key, []).append(value)

    def median(self, key: str) -> float:
        return statistics.median(self.values[key])

    def spread(self, key: str) -> str:
        values = self.values[key]
        return f"{min(values):.3f}-{max(values):.3f}"


@dataclass
class Servers:
    ours: Process
    sender: Process
    distribution: Process | None
    ours_client: Client
    sender_client: Client
    distribution_client: Client | None
    files: Path  # where the store floor writes its files


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def one_round(servers: Servers, data: Bytes, number: int, samples: Samples | None) -> None:
    """One round: floor, monolithic pushes, floor, chunked pushes, pulls (the side going first alternates)."""
    size = len(data.view)
    flip = number % 2 == 1
    ours, theirs = servers.ours_client, servers.distribution_client

    body = data.label(number * 2)
    digest, floor = data.hashed()
    stored = data.stored(servers.files / f"{number}.bin")
    mono = _push_pair(_monolithic(ours, body, digest, True), _monolithic(theirs, body, digest, False), flip)
    mono_digest = digest

    body = data.label(number * 2 + 1)
    digest, chunked_floor = data.hashed()
    chunked = _push_pair(_chunked(ours, body, digest), _chunked(theirs, body, digest), flip)

    blob = f"/v2/{NAME}/blobs/{mono_digest if samples is None else digest}"  # timed: the blob pushed last, cached
    if samples is None:  # the warm-up round checks the pulled bytes (hashing them is not timed)
        hasher = hashlib.sha256()
        pull(ours, blob, size, hasher)
        if "sha256:" + hasher.hexdigest() != mono_digest:
            raise PushFailed(f"GET {blob}: the bytes pulled do not hash to {mono_digest}")
        return
    plain = f"/{size}"
    pulls = [lambda: pull(servers.sender_client, plain, size), lambda: pull(ours, blob, size)]
    if theirs is not None:
        pulls.append(lambda: pull(theirs, blob, size))
    pulled = _pulls(pulls, flip)

    samples.add("floor", floor)
    samples.add("store", stored)
    samples.add("mono store ratio", mono[0] / stored)
    samples.add("chunked store ratio", chunked[0] / stored)
    samples.add("floor chunked", chunked_floor)
    samples.add("mono", mono[0])
    samples.add("mono ratio", mono[0] / floor)
    samples.add("chunked", chunked[0])
    samples.add("chunked ratio", chunked[0] / chunked_floor)
    for plain_read, our_pull, *_ in zip(*pulled, strict=True):
        samples.add("plain read", plain_read)
        samples.add("pull", our_pull)
        samples.add("pull ratio", our_pull / plain_read)
    if theirs is not None:
        samples.add("dist mono", mono[1])
        samples.add("dist mono ratio", mono[0] / mono[1])
        samples.add("dist chunked", chunked[1])
        samples.add("dist chunked ratio", chunked[0] / chunked[1])
        for their_pull in pulled[2]:
            samples.add("dist pull", their_pull)
    print(
        f"  round {number}: floor {floor:.3f}/{chunked_floor:.3f} s, store {stored:.3f} s, monolithic "
        f"{mono[0]:.3f} s, chunked {chunked[0]:.3f} s, plain read {_listed(pulled[0])} s, pull {_listed(pulled[1])} s"
        + (
            f"; distribution monolithic {mono[1]:.3f} s, chunked {chunked[1]:.3f} s, pull {_listed(pulled[2])} s"
            if theirs is not None
            else ""
        ),
        flush=True,
    )


def _pulls(pulls: list[Callable[[], None]], flip: bool) -> list[list[float]]:
    """PULLS_PER_ROUND timings of each pull (plain read, ours, distribution's), the order alternating."""
    timings: list[list[float]] = [[] for _ in pulls]
    for repeat in range(PULLS_PER_ROUND):
        order = list(range(len(pulls)))
        if flip != (repeat % 2 == 1):
            order.reverse()
        for index in order:
            timings[index].append(timed(pulls[index]))
    return timings


def _listed(values: list[float]) -> str:
    return "/".join(f"{value:.3f}" for value in values)


def _monolithic(client: Client | None, body: memoryview, digest: str, single_post: bool) -> Callable[[], None] | None:
    if client is None:
        return None
    return lambda: _checked(push_monolithic(client, body, digest, single_post), digest)


def _chunked(client: Client | None, body: memoryview, digest: str) -> Callable[[], None] | None:
    if client is None:
        return None
    return lambda: _checked(push_chunked(client, pieces_of(body, CHUNK), digest), digest)


def _push_pair(ours: Callable[[], None] | None, theirs: Callable[[], None] | None, flip: bool) -> tuple[float, float]:
    assert ours is not None
    if theirs is None:
        return settled_timed(ours), 0.0
    if flip:
        their_time = settled_timed(theirs)
        return settled_timed(ours), their_time
    our_time = settled_timed(ours)
    return our_time, settled_timed(theirs)


def settled_timed(push: Callable[[], object]) -> float:
    """A push timed after the page cache's dirty pages of earlier rounds are written out and its clean ones dropped
    (``_common.settle_disk``, not timed): otherwise each push pays for the writeback of the gigabytes the rounds
    before it left, a cost of the benchmark's own history, which grows round by round, not of the push. Every side,
    ours and distribution, gets the same."""
    _common.settle_disk()
    return timed(push)


def _checked(answered: str, digest: str) -> None:
    if answered != digest:
        raise PushFailed(f"the registry answered Docker-Content-Digest {answered!r} for a push of {digest}")


# --- RSS while 1 GiB is pushed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    pushed: int
    baseline: int
    peak: int
    seconds: float

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / MIB


def memory_check(server: Process, client: Client, data: Bytes, quarter: int, first_label: int) -> Memory:
    """Push 4 x ``quarter`` bytes in one upload (8 MiB PATCHes), sampling the server's RSS every 10 ms."""
    view = data.view[:quarter]
    hasher = hashlib.sha256()
    for number in range(4):
        data.label(first_label + number)
        hasher.update(view)
    digest = "sha256:" + hasher.hexdigest()

    def pieces() -> Iterator[memoryview]:
        for number in range(4):
            data.label(first_label + number)
            yield from pieces_of(view, 8 * MIB)

    baseline = server.status("VmRSS")
    peak_reset = server.reset_peak()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            with contextlib.suppress(OSError, KeyError):
                peak[0] = max(peak[0], server.status("VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        seconds = timed(lambda: _checked(push_chunked(client, pieces(), digest), digest))
    finally:
        done.set()
        sampler.join(timeout=5)
    high = max(peak[0], server.status("VmHWM") if peak_reset else 0)
    return Memory(4 * quarter, baseline, high, seconds)


# --- concurrent pushers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concurrent:
    right: int
    seconds: float
    problems: list[str]


def concurrent_check(server: Process, authorization: str, size: int, first_label: int) -> Concurrent:
    """CONCURRENT threads, each pushing its own ``size``-byte blob on its own connection (even: monolithic, odd:
    10 MiB PATCHes); then a HEAD of each: its Docker-Content-Digest and Content-Length must be the blob's."""
    piece = os.urandom(MIB)
    blobs = []
    for number in range(CONCURRENT):
        blob = bytearray(piece * (size // MIB))
        blob[:TAG_BYTES] = f"{first_label + number:0{TAG_BYTES}d}".encode()
        blobs.append(blob)
    digests = ["sha256:" + hashlib.sha256(blob).hexdigest() for blob in blobs]
    problems: list[str] = []

    def push(number: int) -> None:
        client = Client(server.host, server.port, authorization)
        view, digest = memoryview(blobs[number]), digests[number]
        try:
            if number % 2:
                _checked(push_chunked(client, pieces_of(view, CHUNK), digest), digest)
            else:
                _checked(push_monolithic(client, view, digest), digest)
        except Exception as error:  # every failure is reported, none is fatal to the other pushers
            problems.append(f"pusher {number}: {error}")
        finally:
            client.close()

    threads = [threading.Thread(target=push, args=(number,)) for number in range(CONCURRENT)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT)
    seconds = time.perf_counter() - started
    right = 0
    client = Client(server.host, server.port, authorization)
    for number, digest in enumerate(digests):
        response = client.request("HEAD", f"/v2/{NAME}/blobs/{digest}")
        response.read()
        answered = (
            response.status,
            response.headers.get("Docker-Content-Digest"),
            response.headers.get("Content-Length"),
        )
        if answered == (200, digest, str(size)):
            right += 1
        else:
            problems.append(f"HEAD of pusher {number}'s blob {digest}: {answered}")
    client.close()
    return Concurrent(right, seconds, problems)


# --- the run --------------------------------------------------------------------------------------------------


def measure(plan: Plan) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="ecr-mock-bench-registry-") as work_dir:
        work = Path(work_dir)
        processes: list[Process] = []
        try:
            return _measure(plan, work, processes)
        finally:
            for process in processes:
                process.stop()


def _measure(plan: Plan, work: Path, processes: list[Process]) -> list[Figure]:
    ours = start_ours(work)
    processes.append(ours)
    sender = start_sender(work)
    processes.append(sender)
    distribution = None
    if DISTRIBUTION.exists():
        distribution = start_distribution(work)
        processes.append(distribution)
        print(f"distribution {distribution_version()} ({DISTRIBUTION}) at {distribution.url}")
    else:
        print(f"distribution: skipped, {DISTRIBUTION} is not installed (Debian's docker-registry package)")
    print(f"ours: {ours.label} at {ours.url} (pid {ours.pid}); plain sender at {sender.url}", flush=True)
    authorization = login(ours.url)
    servers = Servers(
        ours,
        sender,
        distribution,
        Client(ours.host, ours.port, authorization),
        Client(sender.host, sender.port),
        None if distribution is None else Client(distribution.host, distribution.port),
        work / "floor",
    )
    servers.files.mkdir()
    data = Bytes(plan.size)
    samples = Samples()
    print(f"{plan.rounds} rounds of {plan.size // MIB} MiB after a warm-up round:", flush=True)
    for number in range(plan.rounds + 1):
        one_round(servers, data, number, samples if number else None)
    memory = memory_check(ours, servers.ours_client, data, plan.memory_quarter, 1000)
    concurrent = concurrent_check(ours, authorization, plan.concurrent_size, 2000)
    for problem in concurrent.problems:
        print(f"  concurrent: {problem}")
    return figures(plan, samples, memory, concurrent, distribution is not None)


def figures(plan: Plan, samples: Samples, memory: Memory, concurrent: Concurrent, compared: bool) -> list[Figure]:
    mib = f"{plan.size // MIB} MiB"
    rounds = plan.rounds
    print(f"medians over {rounds} rounds, pulls {PULLS_PER_ROUND} a round (min-max):")
    for key, text in [
        ("floor", "sha256 floor (monolithic bytes)"),
        ("floor chunked", "sha256 floor (chunked bytes)"),
        ("store", "write + fsync to a new file"),
        ("mono", "monolithic push"),
        ("mono ratio", "monolithic push / floor"),
        ("mono store ratio", "monolithic push / file write"),
        ("chunked", "chunked push"),
        ("chunked ratio", "chunked push / floor"),
        ("chunked store ratio", "chunked push / file write"),
        ("plain read", "plain loopback read"),
        ("pull", "pull"),
        ("pull ratio", "pull / plain read"),
        *(
            [
                ("dist mono", "distribution monolithic push"),
                ("dist mono ratio", "monolithic ours / distribution"),
                ("dist chunked", "distribution chunked push"),
                ("dist chunked ratio", "chunked ours / distribution"),
                ("dist pull", "distribution pull"),
            ]
            if compared
            else []
        ),
    ]:
        print(f"  {text:<34} {samples.median(key):8.3f}  ({samples.spread(key)})")
    result = [
        Figure(f"sha256 of {mib} (push floor)", samples.median("floor"), "s"),
        Figure(f"monolithic push of {mib}", samples.median("mono"), "s"),
        Figure("monolithic push / sha256 floor", samples.median("mono ratio"), "x", PUSH_TARGET),
        Figure(
            f"write + fsync of {mib} to a new file (what keeping the bytes costs here)", samples.median("store"), "s"
        ),
        Figure("monolithic push / file write", samples.median("mono store ratio"), "x"),
        Figure(f"chunked push of {mib} (10 MiB PATCHes)", samples.median("chunked"), "s"),
        Figure("chunked push / sha256 floor", samples.median("chunked ratio"), "x", PUSH_TARGET),
        Figure("chunked push / file write", samples.median("chunked store ratio"), "x"),
        Figure(f"plain loopback read of {mib} (pull floor)", samples.median("plain read"), "s"),
        Figure(f"pull of {mib}", samples.median("pull"), "s"),
        Figure("pull / plain loopback read", samples.median("pull ratio"), "x", PULL_TARGET),
        Figure(
            f"server RSS growth while {memory.pushed // MIB} MiB is pushed",
            round(memory.growth_mib, 1),
            "MiB",
            RSS_TARGET_MIB,
        ),
        Figure(
            f"concurrent pushes of {plan.concurrent_size // MIB} MiB with every digest right ({CONCURRENT} pushers)",
            float(concurrent.right),
            "",
            float(CONCURRENT),
            at_least=True,
        ),
        Figure(f"{CONCURRENT} concurrent pushes, wall time", concurrent.seconds, "s"),
    ]
    if compared:
        result += [
            Figure(f"distribution monolithic push of {mib}", samples.median("dist mono"), "s"),
            Figure("monolithic push, ours / distribution", samples.median("dist mono ratio"), "x"),
            Figure(f"distribution chunked push of {mib}", samples.median("dist chunked"), "s"),
            Figure("chunked push, ours / distribution", samples.median("dist chunked ratio"), "x"),
            Figure(f"distribution pull of {mib}", samples.median("dist pull"), "s"),
        ]
    print(
        f"RSS: {memory.baseline / MIB:.1f} MiB before, {memory.peak / MIB:.1f} MiB at the peak; "
        f"{memory.pushed // MIB} MiB pushed in {memory.seconds:.2f} s"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--serve"]:
        return serve(arguments[1])
    if arguments[:1] == ["--send"]:
        return send()
    args = _common.parse_args(arguments, __doc__)
    plan = QUICK if args.quick else FULL
    print(f"registry: blobs through the server over loopback ({'quick' if args.quick else 'full'} run)", flush=True)
    return _common.report("registry", args.quick, measure(plan))


if __name__ == "__main__":
    sys.exit(main())

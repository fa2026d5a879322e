"""The PostgreSQL store beside the local one, in the same run: a 256 MiB blob pushed and pulled, and a listing.

Run from the repository root::

    python benchmarks/postgres.py           # 256 MiB blobs, 5 rounds; 21,000 images for the listing
    python benchmarks/postgres.py --quick   # 32 MiB blobs, 1 round; 4,000 images

A private PostgreSQL (Debian's binaries, ``$PG_BIN`` else /usr/lib/postgresql/15/bin; as the ``postgres`` user
when run as root) is started in a temporary directory on a free loopback port, with its defaults (fsync on, as
the local store fsyncs its blob files), and removed afterwards; without the binaries the script says so and
reports no figures. Two servers run in their own processes: ``ecr-mock serve --data-dir D`` (the local store:
SQLite and blob files) and ``ecr-mock serve --database URL``. Each round pushes fresh bytes (``os.urandom``) to
each server, the side that goes first alternating, each push timed from a settled disk as in ``registry.py``
(``_common.settle_disk``: the dirty pages earlier pushes, pulls and copies left written out, the clean ones dropped,
untimed, before every timed push of every side), as one monolithic ``POST /v2/<name>/blobs/uploads/?digest=``,
then pulls it with ``GET /v2/<name>/blobs/<digest>`` (read and discarded). On PostgreSQL a second server on the
same database pulls it first (its first read of the blob, from the database), then the pushing server (from the
copy it kept while the push streamed in). Figures: MB/s each way per store (medians), and PostgreSQL's share of
the local figure (target: >= 0.5); the first read through the other server beside them.

PostgreSQL's own floor, in the same rounds: the same bytes written by this script straight into a table shaped like
the store's (``COPY ... FROM STDIN (FORMAT BINARY)`` in rows of 8,000 bytes, one transaction; no ecr-mock, no HTTP,
no hashing; framed before the clock starts), then truncated. Its share of the local push is the most any store
keeping blobs in PostgreSQL could reach here, and the PostgreSQL push is shown beside it too.

The listing: the same registry of N images in one repository written into both stores (built in-process, saved
once by each store), then the first DescribeImages page (``maxResults=100``) through boto3 against each server,
median of 20, interleaved; target: PostgreSQL <= 3x the local store.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import _common
from _common import ROOT, Figure

MIB = 1 << 20
READ_BUFFER = 4 * MIB
PUSH_SHARE_TARGET = 0.5  # PostgreSQL's MB/s over the local store's, at least
LISTING_TARGET = 3.0  # PostgreSQL's first page over the local store's, at most
START_TIMEOUT = 60.0
NAME = "bench/blobs"
LISTED = "bench/listed"
DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"
FLOOR_ROW = 8_000  # bytes in a row of the floor's table, as in the store's pieces


# --- a private PostgreSQL ----------------------------------------------------------------------------------------


class Postgres:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ecr-pg-bench-"))
        self.data = self.root / "data"
        self.port = _free_port()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:  # initdb and pg_ctl refuse root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd="/")
        if done.returncode != 0:
            raise RuntimeError(f"{tool} exited {done.returncode}: {done.stdout}{done.stderr}")

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        options = f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def pg_bin() -> Path | None:
    bin_dir = Path(os.environ.get("PG_BIN") or DEFAULT_PG_BIN)
    return bin_dir if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists() else None


# --- the servers -------------------------------------------------------------------------------------------------


class Served:
    """``ecr-mock serve`` in its own process, and an HTTP connection to its registry, logged in."""

    def __init__(self, label: str, flags: list[str], log: Path) -> None:
        self.label = label
        self._log = log.open("w")
        command = [sys.executable, "-m", "ecr_mock", "serve", "--port", "0", *flags]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self.url = _first_line(self.process.stdout).removeprefix("ecr-mock serving ")
        threading.Thread(target=_drain, args=(self.process.stdout,), daemon=True).start()
        parts = urlsplit(self.url)
        self.ecr = _common.boto3.client(
            "ecr",
            endpoint_url=self.url,
            region_name=_common.REGION,
            aws_access_key_id=_common.FAKE_ACCESS_KEY_ID,
            aws_secret_access_key=_common.FAKE_SECRET_ACCESS_KEY,
        )
        token = self.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        self.headers = {"Authorization": f"Basic {token}"}
        self.http = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=300)

    def push(self, data: bytes, digest: str) -> float:
        started = time.perf_counter()
        headers = {**self.headers, "Content-Length": str(len(data)), "Content-Type": "application/octet-stream"}
        self.http.request("POST", f"/v2/{NAME}/blobs/uploads/?digest={digest}", body=data, headers=headers)
        response = self.http.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 201:
            raise RuntimeError(f"{self.label}: push answered {response.status}")
        return elapsed

    def pull(self, digest: str, size: int) -> float:
        started = time.perf_counter()
        self.http.request("GET", f"/v2/{NAME}/blobs/{digest}", headers=self.headers)
        response = self.http.getresponse()
        buffer, total = bytearray(READ_BUFFER), 0
        while count := response.readinto(buffer):
            total += count
        elapsed = time.perf_counter() - started
        if response.status != 200 or total != size:
            raise RuntimeError(f"{self.label}: pull answered {response.status} with {total} of {size} bytes")
        return elapsed

    def head(self, digest: str) -> None:
        """A HEAD of the blob (untimed): the server loads the world another server saved, before a timed pull."""
        self.http.request("HEAD", f"/v2/{NAME}/blobs/{digest}", headers=self.headers)
        response = self.http.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{self.label}: HEAD answered {response.status}")

    def stop(self) -> None:
        self.http.close()
        self.ecr.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=60)
        self._log.close()


def _first_line(stream: IO[str] | None) -> str:
    assert stream is not None
    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if not found or not found[0].startswith("ecr-mock serving "):
        raise RuntimeError(f"ecr-mock serve did not start: {found}")
    return found[0].strip()


def _drain(stream: IO[str] | None) -> None:
    if stream is not None:
        for _ in stream:
            pass


# --- the listing's registry, written into both stores -------------------------------------------------------------


def populate(world: Any, count: int) -> None:
    """``count`` images in one repository, each with its own tag (manifests alone: the default mode takes them)."""
    from ecr_mock._config import DEFAULT_ACCOUNT_ID

    registry = world.registry(DEFAULT_ACCOUNT_ID, _common.REGION)
    registry.create_repository(LISTED)
    for number, text in enumerate(_common.manifests(count)):
        registry.put_image(LISTED, text, tag=f"build-{number}")


def seed_local(directory: Path, count: int) -> None:
    from ecr_mock._config import DEFAULT
    from ecr_mock._store.state import open_data_dir

    world, state = open_data_dir(directory, DEFAULT)
    try:
        with world.lock:
            populate(world, count)
            state.save(world)
    finally:
        state.close()


def seed_postgres(url: str, count: int) -> None:
    from ecr_mock._config import DEFAULT
    from ecr_mock._store.postgres import SharedWorld

    shared = SharedWorld(url, DEFAULT)
    try:
        with shared.transaction(True), shared.world.lock:
            populate(shared.world, count)
    finally:
        shared.close()


# --- measuring -------------------------------------------------------------------------------------------------


class Copier:
    """PostgreSQL's floor for a push: bytes written straight into a table shaped like the store's ``pieces``."""

    TABLE = "bench_floor"

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute(
            f"CREATE TABLE {self.TABLE} (upload text NOT NULL, start bigint NOT NULL, data bytea NOT NULL,"
            " PRIMARY KEY (upload, start))"
        )
        self.connection.execute(
            f"ALTER TABLE {self.TABLE} ALTER COLUMN upload SET STORAGE PLAIN, ALTER COLUMN data SET STORAGE PLAIN"
        )

    def push(self, data: bytes) -> float:
        """Seconds to COPY ``data`` in (framing it is not timed); the table is emptied afterwards."""
        key = os.urandom(16).hex().encode()
        framed = bytearray(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
        for start in range(0, len(data), FLOOR_ROW):
            piece = data[start : start + FLOOR_ROW]
            framed += struct.pack("!hi", 3, len(key)) + key + struct.pack("!iqi", 8, start, len(piece)) + piece
        framed += struct.pack("!h", -1)
        view = memoryview(framed)
        started = time.perf_counter()
        with self.connection.cursor() as cursor, cursor.copy(f"COPY {self.TABLE} FROM STDIN (FORMAT BINARY)") as copy:
            for at in range(0, len(view), MIB):
                copy.write(view[at : at + MIB])
        elapsed = time.perf_counter() - started
        self.connection.execute(f"TRUNCATE {self.TABLE}")
        return elapsed

    def close(self) -> None:
        self.connection.close()


def rounds(local: Served, pg: Served, other: Served, copier: Copier, size: int, count: int) -> list[Figure]:
    """Push to each store's server and pull back from it; on PostgreSQL, first a pull through another server on
    the same database (its first read of the blob: from the database), then through the pushing one (from its
    cached copy). PostgreSQL's floor (``copier``) takes the same bytes in the same round, the order rotating."""
    keys = ("local push", "pg push", "pg floor", "local pull", "pg pull", "pg first")
    rates: dict[str, list[float]] = {key: [] for key in keys}
    sides: list[tuple[str, Served | Copier]] = [("local", local), ("pg", pg), ("floor", copier)]
    for number in range(count + 1):  # round 0 warms up
        data = number.to_bytes(8, "big") + os.urandom(size - 8)
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        order = sides[number % 3 :] + sides[: number % 3]
        for label, served in order:
            _common.settle_disk()  # as registry.py does: no push pays for the writeback of the ones before it
            if isinstance(served, Copier):
                copied = served.push(data)
                if number:
                    rates["pg floor"].append(size / copied / 1e6)
                continue
            pushed = served.push(data, digest)
            if served is pg:
                other.head(digest)
            first = other.pull(digest, size) if served is pg else 0.0
            pulled = served.pull(digest, size)
            if number:
                rates[f"{label} push"].append(size / pushed / 1e6)
                rates[f"{label} pull"].append(size / pulled / 1e6)
                if first:
                    rates["pg first"].append(size / first / 1e6)
        del data
    rate = {key: _common.median(values) for key, values in rates.items()}
    _print_spread(rates)
    mib = size // MIB
    figures = []
    for way in ("push", "pull"):
        local_rate, pg_rate = rate[f"local {way}"], rate[f"pg {way}"]
        figures.append(Figure(f"{way} of a {mib} MiB blob, local store (--data-dir)", round(local_rate, 1), "MB/s"))
        figures.append(Figure(f"{way} of a {mib} MiB blob, PostgreSQL store (--database)", round(pg_rate, 1), "MB/s"))
        share = Figure(
            f"{way}: PostgreSQL / local", round(pg_rate / local_rate, 3), "x", PUSH_SHARE_TARGET, at_least=True
        )
        figures.append(share)
    name = f"pull of a {mib} MiB blob through another server on the database (its first read: from the database)"
    figures.append(Figure(name, round(rate["pg first"], 1), "MB/s"))
    figures.append(Figure("  that pull / local", round(rate["pg first"] / rate["local pull"], 3), "x"))
    name = f"PostgreSQL's own COPY of the same {mib} MiB (no ecr-mock: the floor of any store in it)"
    figures.append(Figure(name, round(rate["pg floor"], 1), "MB/s"))
    figures.append(
        Figure(
            "  that COPY / local push (the most a PostgreSQL store could reach)",
            round(rate["pg floor"] / rate["local push"], 3),
            "x",
        )
    )
    figures.append(Figure("  PostgreSQL push / that COPY", round(rate["pg push"] / rate["pg floor"], 3), "x"))
    return figures


def _print_spread(rates: dict[str, list[float]]) -> None:
    """Every round's figures, lowest to highest, and each round's PostgreSQL / local push (the machine is shared)."""
    for key, values in rates.items():
        print(f"  rounds, {key}: " + ", ".join(f"{value:.1f}" for value in sorted(values)) + " MB/s")
    shares = sorted(pg / local for pg, local in zip(rates["pg push"], rates["local push"], strict=True))
    print("  rounds, push PostgreSQL / local: " + ", ".join(f"{share:.3f}" for share in shares))
    floors = sorted(floor / local for floor, local in zip(rates["pg floor"], rates["local push"], strict=True))
    print("  rounds, PostgreSQL's own COPY / local push: " + ", ".join(f"{share:.3f}" for share in floors))


def listing(local: Served, pg: Served, count: int) -> list[Figure]:
    def page(served: Served) -> Any:
        return served.ecr.describe_images(repositoryName=LISTED, maxResults=100)

    assert len(page(local)["imageDetails"]) == len(page(pg)["imageDetails"]) == 100
    local_ms, pg_ms = [], []
    for _ in range(20):
        local_ms.append(_common.timed_ms(lambda: page(local), 1))
        pg_ms.append(_common.timed_ms(lambda: page(pg), 1))
    local_median, pg_median = _common.median(local_ms), _common.median(pg_ms)
    name = f"DescribeImages first page of 100, {count} images"
    return [
        Figure(f"{name}, local store", round(local_median, 3), "ms"),
        Figure(f"{name}, PostgreSQL store", round(pg_median, 3), "ms"),
        Figure(f"{name}: PostgreSQL / local", round(pg_median / local_median, 3), "x", LISTING_TARGET),
    ]


@contextlib.contextmanager
def servers(work: Path, url: str) -> Iterator[tuple[Served, Served, Served]]:
    started: list[Served] = []
    try:
        started.append(Served("local", ["--data-dir", str(work / "data")], work / "local.log"))
        started.append(Served("postgres", ["--database", url], work / "postgres.log"))
        started.append(Served("postgres, another", ["--database", url], work / "postgres-2.log"))
        yield started[0], started[1], started[2]
    finally:
        for served in started:
            served.stop()


def measure(quick: bool, bin_dir: Path) -> list[Figure]:
    size = (32 if quick else 256) * MIB
    count = 1 if quick else 5
    images = 4_000 if quick else 21_000
    cluster = Postgres(bin_dir)
    work = Path(tempfile.mkdtemp(prefix="ecr-bench-pg-"))
    try:
        cluster.start()
        seed_local(work / "data", images)
        seed_postgres(cluster.url, images)
        copier = Copier(cluster.url)
        with servers(work, cluster.url) as (local, pg, other), contextlib.closing(copier):
            for served in (local, pg):
                served.ecr.create_repository(repositoryName=NAME)
            figures = rounds(local, pg, other, copier, size, count)
            figures += listing(local, pg, images)
        return figures
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    bin_dir = pg_bin()
    if bin_dir is None:
        print(f"  skipped: no PostgreSQL binaries (initdb, pg_ctl) in {os.environ.get('PG_BIN') or DEFAULT_PG_BIN}")
        return _common.report("postgres", args.quick, [])
    return _common.report("postgres", args.quick, measure(args.quick, bin_dir))


if __name__ == "__main__":
    sys.exit(main())

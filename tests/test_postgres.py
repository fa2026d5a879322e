"""Several ``ecr-mock serve --database`` processes over one real PostgreSQL behave as one registry: skopeo pushes
through one and pulls through the other byte for byte; 8 concurrent pushers split across both moving one tag leave
exactly one image holding it; an immutable tag pushed twice at once through both succeeds once; an upload started
on one is continued and finished on the other (with the strict token the first issued), through the registry API
and the layer API; killing one mid-upload leaves the other serving and loses nothing that was acknowledged; a blob
leaves the database with the last repository holding it; a database migrated by a newer ecr_mock is refused.

PostgreSQL is Debian's (``.ci/install-tools`` installs it and writes ``PG_BIN``): ``initdb`` into a temporary
directory (as the ``postgres`` user when the tests run as root, which initdb refuses), started on a free loopback
port with trust authentication, stopped and removed after the module. Every test gets a database of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import requests
from _manifests import OCI_MANIFEST, Built, blob_content, oci_image, sha256_of
from _serve_process import REQUEST_TIMEOUT, Client, Launcher, ServeProcess
from _tools import installed, layout_blobs, oci_layout, require, run

from ecr_mock._store import state
from ecr_mock._store.postgres import DATABASE_SCHEMA, ROW

DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"
PG_TIMEOUT = 60  # seconds for initdb, and for pg_ctl to start or stop the server
PUSHERS = 8


class Postgres:
    """A private PostgreSQL cluster in a temporary directory, on a free loopback port, trust authentication."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="ecr-pg-"))  # short: the socket path has 108 bytes
        self.data = self.root / "data"
        self.port = _free_port()
        self._databases = 0

    def _as_owner(self, *command: str) -> list[str]:
        """initdb and pg_ctl refuse root: run them as ``postgres`` then."""
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-k {self.root} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "postgres.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", str(PG_TIMEOUT), "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            command = ["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", str(PG_TIMEOUT), "stop"]
            with contextlib.suppress(subprocess.SubprocessError, AssertionError):
                self._run(*command)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        command = self._as_owner(str(self.bin_dir / tool), *args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False, cwd="/")
        assert done.returncode == 0, f"{tool} exited {done.returncode}: {done.stdout}{done.stderr}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        self._databases += 1
        name = f"registry_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}".encode())
        return self.url(name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = Path(installed().get("PG_BIN") or DEFAULT_PG_BIN)
    if not (bin_dir / "initdb").exists() or not (bin_dir / "pg_ctl").exists():
        pytest.skip(f"postgresql unavailable: no initdb and pg_ctl in {bin_dir} (.ci/install-tools installs them)")
    cluster = Postgres(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def launch() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.close()


class Pair:
    """Two servers on one database, and a logged-in client of each."""

    def __init__(self, launch: Launcher, url: str, *flags: str) -> None:
        self.url = url
        self.servers = [launch.serve("--database", url, *flags), launch.serve("--database", url, *flags)]
        for server in self.servers:
            server.started()
        self.clients = [launch.connect(server.url) for server in self.servers]
        self.password = self.clients[0].login()
        for client in self.clients[1:]:
            client.login()


@pytest.fixture
def pair(launch: Launcher, postgres: Postgres) -> Pair:
    return Pair(launch, postgres.new_database())


def tags_by_digest(client: Client, name: str) -> dict[str, list[str]]:
    details = client.ecr.describe_images(repositoryName=name)["imageDetails"]
    return {image["imageDigest"]: sorted(image.get("imageTags", [])) for image in details}


def put_manifest(client: Client, name: str, tag: str, built: Built) -> requests.Response:
    headers = {"Content-Type": OCI_MANIFEST}
    return client.request("PUT", f"/v2/{name}/manifests/{tag}", data=built.manifest.encode(), headers=headers)


def registry_error(response: requests.Response) -> tuple[int, str, str]:
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    return response.status_code, errors[0]["code"], errors[0]["message"]


def with_digest(location: str, digest: str) -> str:
    return f"{location}{'&' if '?' in location else '?'}digest={digest}"


# --- one registry through two servers ------------------------------------------------------------------------


def test_skopeo_pushes_through_one_server_and_pulls_the_same_bytes_through_the_other(
    pair: Pair, tmp_path: Path
) -> None:
    skopeo = require("skopeo")
    first, second = pair.servers
    assert first.printed[3] == (
        f"  data:     {pair.url} (shared: every server on this database serves the same registry)"
    )
    pair.clients[0].ecr.create_repository(repositoryName="fleet/app")
    layout = oci_layout(tmp_path / "layout", "fleet", tag="v1")
    creds = ["--dest-tls-verify=false", "--dest-creds", f"AWS:{pair.password}"]
    run([skopeo, "copy", *creds, layout.reference, f"docker://{first.address}/fleet/app:v1"])

    creds = ["--src-tls-verify=false", "--src-creds", f"AWS:{pair.password}"]
    run([skopeo, "copy", *creds, f"docker://{second.address}/fleet/app:v1", f"oci:{tmp_path / 'pulled'}:v1"])
    pulled = layout_blobs(tmp_path / "pulled")
    assert pulled == {**layout.blobs, layout.digest: layout.manifest}
    assert tags_by_digest(pair.clients[1], "fleet/app") == {layout.digest: ["v1"]}


def test_eight_pushers_split_across_both_servers_moving_one_tag_leave_exactly_one_image_holding_it(pair: Pair) -> None:
    pair.clients[0].ecr.create_repository(repositoryName="fleet/moving")
    images = [oci_image(100 + n, layer_sizes=[300 + n]) for n in range(PUSHERS)]
    start = threading.Barrier(PUSHERS, timeout=REQUEST_TIMEOUT)

    def push(n: int) -> str:
        client = pair.clients[n % 2]
        for blob in images[n].blobs:
            client.push_blob("fleet/moving", blob)
        start.wait()
        response = put_manifest(client, "fleet/moving", "latest", images[n])
        assert response.status_code == 201, response.text
        return str(response.headers["Docker-Content-Digest"])

    with ThreadPoolExecutor(PUSHERS) as pool:
        pushed = list(pool.map(push, range(PUSHERS)))
    assert sorted(pushed) == sorted(image.digest for image in images)

    seen = [tags_by_digest(client, "fleet/moving") for client in pair.clients]
    assert seen[0] == seen[1]
    assert set(seen[0]) == set(pushed)
    holders = [digest for digest, tags in seen[0].items() if tags]
    assert len(holders) == 1 and seen[0][holders[0]] == ["latest"]
    for client in pair.clients:
        assert client.manifest("fleet/moving", "latest").headers["Docker-Content-Digest"] == holders[0]


def test_an_immutable_tag_pushed_twice_at_once_through_both_servers_succeeds_once(pair: Pair) -> None:
    pair.clients[0].ecr.create_repository(repositoryName="fleet/locked", imageTagMutability="IMMUTABLE")
    images = [oci_image(200 + n, layer_sizes=[400 + n]) for n in range(2)]
    start = threading.Barrier(2, timeout=REQUEST_TIMEOUT)

    def push(n: int) -> requests.Response:
        client = pair.clients[n]
        for blob in images[n].blobs:
            client.push_blob("fleet/locked", blob)
        start.wait()
        return put_manifest(client, "fleet/locked", "v1", images[n])

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(push, range(2)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201, 400], [answer.text for answer in answers]
    refused = next(answer for answer in answers if answer.status_code == 400)
    message = (
        "The image tag 'v1' already exists in the 'fleet/locked' repository and cannot be overwritten "
        "because the repository is immutable."
    )
    assert registry_error(refused) == (400, "TAG_INVALID", message)
    winner = next(answer for answer in answers if answer.status_code == 201).headers["Docker-Content-Digest"]
    for client in pair.clients:
        assert tags_by_digest(client, "fleet/locked") == {winner: ["v1"]}


def test_an_upload_started_on_one_server_is_continued_and_finished_on_the_other(
    launch: Launcher, postgres: Postgres
) -> None:
    pair = Pair(launch, postgres.new_database(), "--strict")
    one, other = pair.clients
    assert one.authorization is not None
    other.use_token(one.authorization.removeprefix("Basic "))  # strict mode's random token, issued by the first
    one.ecr.create_repository(repositoryName="fleet/upload")
    data = blob_content("across", 3 * (1 << 20) + 12345)  # rows of 1 MiB, and a part row
    cuts = [0, 700_000, 2_500_000, len(data)]
    location = one.start_upload("fleet/upload")
    for client, first, end in [(other, cuts[0], cuts[1]), (one, cuts[1], cuts[2])]:
        headers = {"Content-Range": f"{first}-{end - 1}", "Content-Type": "application/octet-stream"}
        response = client.request("PATCH", location, data=data[first:end], headers=headers)
        assert (response.status_code, response.headers["Range"]) == (202, f"0-{end - 1}"), response.text
    status = other.request("GET", location)
    assert (status.status_code, status.headers["Range"]) == (204, f"0-{cuts[2] - 1}")
    digest = sha256_of(data)
    response = other.request("PUT", with_digest(location, digest), data=data[cuts[2] :])
    assert response.status_code == 201, response.text

    for client in (one, other, one, other):  # from the database, then from each server's copy of it
        assert client.blob("fleet/upload", digest) == data
        ranged = client.request("GET", f"/v2/fleet/upload/blobs/{digest}", headers={"Range": "bytes=1048570-2097160"})
        assert (ranged.status_code, ranged.content) == (206, data[1048570:2097161])
    assert one.request("GET", location).status_code == 404  # the upload is gone on both


def test_a_layer_api_upload_is_continued_on_the_other_server(pair: Pair) -> None:
    one, other = pair.clients
    one.ecr.create_repository(repositoryName="fleet/layers")
    parts = [blob_content("part-0", 5 << 20), blob_content("part-1", 1000)]  # every part but the last >= 5 MiB
    upload_id = one.ecr.initiate_layer_upload(repositoryName="fleet/layers")["uploadId"]
    first = 0
    for client, part in zip((other, one), parts, strict=True):
        client.ecr.upload_layer_part(
            repositoryName="fleet/layers",
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(part) - 1,
            layerPartBlob=part,
        )
        first += len(part)
    digest = sha256_of(b"".join(parts))
    done = other.ecr.complete_layer_upload(repositoryName="fleet/layers", uploadId=upload_id, layerDigests=[digest])
    assert done["layerDigest"] == digest
    assert one.blob("fleet/layers", digest) == b"".join(parts)


def test_killing_one_server_mid_upload_leaves_the_other_serving_and_loses_nothing_acknowledged(pair: Pair) -> None:
    doomed, survivor = pair.servers
    client, other = pair.clients
    client.ecr.create_repository(repositoryName="fleet/crash")
    image = oci_image(300)
    acknowledged = client.push_image("fleet/crash", "v1", image)
    part = blob_content("acknowledged", 1 << 20)
    rest = blob_content("rest", 5000)
    location = client.start_upload("fleet/crash")
    assert client.patch(location, part).status_code == 202

    release = threading.Event()

    def body() -> Iterator[bytes]:  # half a PATCH, then the server dies under it
        yield blob_content("lost", 1 << 20)
        release.wait(REQUEST_TIMEOUT)
        yield b"never sent"

    def interrupted() -> None:
        with contextlib.suppress(requests.RequestException):
            client.patch(location, body())

    sender = threading.Thread(target=interrupted, daemon=True)
    sender.start()
    time.sleep(0.5)  # the first megabyte is on its way into the doomed server's upload
    doomed.kill()
    release.set()
    sender.join(REQUEST_TIMEOUT)

    assert other.request("GET", "/v2/").status_code == 200
    assert tags_by_digest(other, "fleet/crash") == {acknowledged: ["v1"]}
    for blob in image.blobs:
        assert other.blob("fleet/crash", sha256_of(blob)) == blob
    status = other.request("GET", location)
    assert (status.status_code, status.headers["Range"]) == (204, f"0-{len(part) - 1}")
    digest = sha256_of(part + rest)
    response = other.request("PUT", with_digest(location, digest), data=rest)
    assert response.status_code == 201, response.text
    assert other.blob("fleet/crash", digest) == part + rest
    assert survivor.process.poll() is None


def test_a_blob_leaves_the_database_with_the_last_repository_holding_it_whichever_server_deleted_what(
    pair: Pair,
) -> None:
    one, other = pair.clients
    data = blob_content("shared", (1 << 20) + 1)
    for name in ("fleet/first", "fleet/second"):
        one.ecr.create_repository(repositoryName=name)
        one.push_blob(name, data)
    other.ecr.delete_repository(repositoryName="fleet/first", force=True)
    assert one.blob("fleet/second", sha256_of(data)) == data
    rows = -(-len(data) // ROW)  # one upload's rows: ROW bytes each but the last
    assert stored(pair.url) == {"blobs": 1, "pieces": rows, "chunks": 0, "uploads": 0}
    one.ecr.delete_repository(repositoryName="fleet/second", force=True)
    assert stored(pair.url) == {"blobs": 0, "pieces": 0, "chunks": 0, "uploads": 0}


def test_blob_bytes_are_stored_inline_in_rows_of_one_page(pair: Pair) -> None:
    one, other = pair.clients
    one.ecr.create_repository(repositoryName="fleet/inline")
    data = blob_content("inline", 3 * (1 << 20) + 777)
    digest = one.push_blob("fleet/inline", data)
    with psycopg.connect(pair.url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*), max(octet_length(data)), pg_relation_size('pieces') / current_setting('block_size')::int,"
            " (SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'pieces') FROM pieces"
        ).fetchone()
    rows = -(-len(data) // ROW)
    assert row == (rows, ROW, rows, 0)  # a page a row, nothing in TOAST
    assert other.blob("fleet/inline", digest) == data
    ranged = other.request("GET", f"/v2/fleet/inline/blobs/{digest}", headers={"Range": f"bytes={ROW - 1}-{3 * ROW}"})
    assert (ranged.status_code, ranged.content) == (206, data[ROW - 1 : 3 * ROW + 1])


def stored(url: str) -> dict[str, int]:
    """How many rows the blob tables hold (those there are)."""
    with psycopg.connect(url, autocommit=True) as connection:
        counts = {}
        for table in ("blobs", "pieces", "chunks", "uploads"):
            if connection.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
                continue
            row = connection.execute(f"SELECT count(*) FROM {table}".encode()).fetchone()
            assert row is not None
            counts[table] = int(row[0])
        return counts


# --- the schema ----------------------------------------------------------------------------------------------


def test_a_database_migrated_by_a_newer_ecr_mock_is_refused(launch: Launcher, postgres: Postgres) -> None:
    url = postgres.new_database()
    first = launch.serve("--database", url).started()
    assert first.stop() == 0
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert [row[0] for row in rows] == list(range(1, DATABASE_SCHEMA + 1))
        connection.execute("INSERT INTO schema_migrations (version, ecr_mock_version) VALUES (99, '9.9.9')")
    refused = launch.serve("--database", url)
    assert refused.exited() == 1
    assert refused.stderr.splitlines()[-1] == (
        f"ecr-mock serve: the database {url} has schema 99 (migrated by ecr_mock 9.9.9), newer than this "
        f"ecr_mock (0.1.0) knows (schema {DATABASE_SCHEMA}): serve it with ecr_mock 9.9.9 or later, or use "
        "another --database"
    )


def test_a_schema_1_database_is_migrated_and_serves_its_blobs_and_uploads_as_it_stored_them(
    launch: Launcher, postgres: Postgres
) -> None:
    url = postgres.new_database()
    first = launch.serve("--database", url).started()
    client = launch.connect(first.url)
    client.login()
    client.ecr.create_repository(repositoryName="fleet/old")
    blobs = [blob_content("old-big", 2 * (1 << 20) + 4321), blob_content("old-small", 300)]
    digests = [client.push_blob("fleet/old", blob) for blob in blobs]
    upload = blob_content("old-upload", (1 << 20) + 2 * ROW + 5)
    location = client.start_upload("fleet/old")
    assert client.patch(location, upload[:-1000]).status_code == 202
    assert first.stop() == 0
    with psycopg.connect(url, autocommit=True) as connection, connection.transaction():
        as_schema_1(connection)
        connection.execute("UPDATE world SET schema = 2")  # the state schema that version saved
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM chunks WHERE owner LIKE 'sha256:%'").fetchone()
        assert row is not None and row[0] >= 3  # the big blob in two rows or more, the small one in one
        blob_rows = int(row[0])
    assert stored(url) == {"blobs": 2, "chunks": blob_rows + 2, "uploads": 1}

    servers = [launch.serve("--database", url).started() for _ in range(2)]
    clients = [launch.connect(server.url) for server in servers]
    for each in clients:
        each.login()
    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        assert [row[0] for row in rows] == list(range(1, DATABASE_SCHEMA + 1))
        assert connection.execute("SELECT count(*) FROM blobs WHERE upload IS NULL").fetchone() == (2,)
    assert stored(url) == {"blobs": 2, "pieces": -(-(len(upload) - 1000) // ROW), "chunks": blob_rows, "uploads": 1}
    big = 2 * (1 << 20) + 4321
    for each in clients + clients:  # from the database, then from each server's copy
        for blob, digest in zip(blobs, digests, strict=True):
            assert each.blob("fleet/old", digest) == blob
        ranged = each.request(
            "GET", f"/v2/fleet/old/blobs/{digests[0]}", headers={"Range": f"bytes={(1 << 20) - 3}-{big - 2}"}
        )
        assert (ranged.status_code, ranged.content) == (206, blobs[0][(1 << 20) - 3 : big - 1])

    digest = sha256_of(upload)
    response = clients[1].request("PUT", with_digest(location, digest), data=upload[-1000:])
    assert response.status_code == 201, response.text
    assert clients[0].blob("fleet/old", digest) == upload
    clients[0].ecr.delete_repository(repositoryName="fleet/old", force=True)
    assert stored(url) == {"blobs": 0, "pieces": 0, "chunks": 0, "uploads": 0}
    with psycopg.connect(url, autocommit=True) as connection:
        assert connection.execute("SELECT schema FROM world").fetchone() == (state.SCHEMA,)  # saved as this one


def as_schema_1(connection: psycopg.Connection[tuple[object, ...]]) -> None:
    """Store the blobs and uploads as schema 1 did (1 MiB rows of ``chunks`` under the blob's digest, or under
    ``upload:<key>``), and forget schema 2."""
    for owner, source in [("b.digest", "blobs b ON b.upload"), ("'upload:' || b.key", "uploads b ON b.key")]:
        connection.execute(
            f"INSERT INTO chunks (owner, seq, start, data) SELECT {owner}, p.start / 1048576, min(p.start),"
            f" string_agg(p.data, ''::bytea ORDER BY p.start) FROM pieces p JOIN {source} = p.upload"
            f" GROUP BY {owner}, p.start / 1048576".encode()
        )
    connection.execute(
        "UPDATE uploads SET chunks = (SELECT count(*) FROM chunks WHERE owner = 'upload:' || uploads.key)"
    )
    connection.execute("DROP TABLE pieces")
    connection.execute("ALTER TABLE blobs DROP COLUMN upload")
    connection.execute("DELETE FROM schema_migrations WHERE version > 1")


def test_a_database_and_a_data_dir_cannot_both_be_given(launch: Launcher, tmp_path: Path) -> None:
    refused: ServeProcess = launch.serve("--database", "postgresql://127.0.0.1/none", "--data-dir", str(tmp_path))
    assert refused.exited() == 2
    assert refused.stderr.splitlines()[-1].endswith("argument --data-dir: not allowed with argument --database")

"""Several ``ecr-mock serve`` processes over one PostgreSQL database (``--database postgresql://...``): one registry.

The world is the one ``ecr_mock._store.state`` pickles (``Backends``: registries, tokens, principals), held in one
row of ``world`` with a ``version``. Every request runs in a transaction (``SharedWorld.transaction``): it reads
the version and, when another process saved a newer one, loads that world into this process first (in place,
under the backend lock). A request that may change state takes the row's lock first (``SELECT ... FOR UPDATE``),
so changing requests run one at a time across every process: tag moves, immutability, lifecycle expiry and
replication (they run inside changing requests) are decided once, by the database's order. Its world is saved
with the next version and committed before the answer is sent. Reads take no lock.

Blobs live in the database too, streamed in and out, never whole in memory: rows of ``pieces`` of at most ``ROW``
(8,000) bytes, each stored inline in a page of its own (``STORAGE PLAIN``: not cut into TOAST rows of ~2 KB with an
index entry each; one index entry per 8 KiB), under the key of the upload that wrote them (``upload``, ``start``:
the offset of the row's first byte; a read goes through the index in windows of about 1 MiB). An upload is a row of
``uploads`` (its size, locked while a body is appended), so any process can continue it: ``resume(key)`` rebuilds
its writer, whose digest is then hashed from the rows at the final PUT. Committing an upload leaves its rows where
they are and adds the row of ``blobs`` that names them (``blobs.upload``), in the same transaction as the world
that names the blob; a blob stored already keeps its rows, and the upload's go. Blobs a schema-1 database held stay
as it stored them, 1 MiB rows of ``chunks`` under their digest (``blobs.upload`` is NULL), read and deleted there.
A blob no saved world names any more is deleted, its rows with it, when the world that stopped naming it is saved.
Each server keeps copies of the blobs it received whole or read once (``BlobCache``: a bounded temporary
directory), so later pulls of them are sent from the page cache.

Tables are created and migrated on start (``MIGRATIONS``, forward only, recorded in ``schema_migrations``); a
database migrated by a newer ecr_mock is refused. The database is trusted like a data directory: unpickling runs
whatever the ``world`` row says.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import os
import pickle
import queue
import re
import struct
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from ecr_mock._backend import Backends
from ecr_mock._config import Behaviour
from ecr_mock._store.blobs import (
    OTHER_ALGORITHMS,
    READ_CHUNK,
    Blob,
    BlobStore,
    BlobWriter,
    file_pieces,
    loading_into,
    sha256_digest,
)
from ecr_mock._store.state import CONVERTED as CONVERTED_STATE_SCHEMAS
from ecr_mock._store.state import PICKLE_PROTOCOL
from ecr_mock._store.state import SCHEMA as STATE_SCHEMA
from ecr_mock._store.world import Transaction

Connection = psycopg.Connection[tuple[Any, ...]]
CHUNK = READ_CHUNK  # schema 1's rows of blob bytes (``chunks``), and the pieces a blob is read in
ROW = 8_000  # blob bytes in one row of ``pieces``: with its key (32 characters) and start, it fills one 8 KiB page
ROWS_PER_BUFFER = 131  # rows an upload's buffer holds (about 1 MiB), framed for COPY and sent at once
MAX_IDLE_CONNECTIONS = 8
CACHE_BYTES = 2 << 30  # this server's copies of blobs it wrote or read (a temporary directory), at most
_MIGRATION_LOCK = 0x6563_726D  # pg_advisory_xact_lock key ("ecrm"): one server migrates at a time
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the world row, blobs, their bytes, uploads in progress
        "CREATE TABLE world (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL, schema integer NOT NULL,"
        " ecr_mock_version text NOT NULL, saved_at timestamptz NOT NULL DEFAULT now(), data bytea NOT NULL)",
        "CREATE TABLE blobs (digest text PRIMARY KEY, size bigint NOT NULL)",
        "CREATE TABLE uploads (key text PRIMARY KEY, size bigint NOT NULL DEFAULT 0, chunks integer NOT NULL DEFAULT 0,"
        " started_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE chunks (owner text NOT NULL, seq integer NOT NULL, start bigint NOT NULL, data bytea NOT NULL,"
        " PRIMARY KEY (owner, seq))",
        # layers are compressed already, and a pickle is rewritten on every change: store both as they are
        "ALTER TABLE chunks ALTER COLUMN data SET STORAGE EXTERNAL",
        "ALTER TABLE world ALTER COLUMN data SET STORAGE EXTERNAL",
    ),
    (  # 2: blob bytes in rows of one page each, under the upload that wrote them (see the module's docstring)
        "CREATE TABLE pieces (upload text NOT NULL, start bigint NOT NULL, data bytea NOT NULL,"
        " PRIMARY KEY (upload, start))",
        "ALTER TABLE pieces ALTER COLUMN upload SET STORAGE PLAIN, ALTER COLUMN data SET STORAGE PLAIN",
        "ALTER TABLE blobs ADD COLUMN upload text",  # NULL: the blob's rows are in chunks, under its digest
        # uploads in progress continue in pieces; blobs stay in chunks (no byte of them is rewritten)
        "INSERT INTO pieces (upload, start, data) SELECT substr(owner, 8), start + at, substring(data FROM at + 1"
        f" FOR {ROW}) FROM chunks, generate_series(0, octet_length(data) - 1, {ROW}) AS at"
        " WHERE owner LIKE 'upload:%'",
        "DELETE FROM chunks WHERE owner LIKE 'upload:%'",
    ),
)
DATABASE_SCHEMA = len(MIGRATIONS)
_WRITE_ROWS = "COPY pieces (upload, start, data) FROM STDIN (FORMAT BINARY)"
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # binary COPY's header: no flags, no extension
_COPY_TRAILER = struct.pack("!h", -1)
_ROW_FIELDS = struct.Struct("!hi")  # a row's field count (3), then its upload key's length
_ROW_REST = struct.Struct("!iqi")  # start (length-prefixed), then the data's length
_ROW_READ = struct.Struct("!hiqi")  # a row read: its field count (2), start (length-prefixed), the data's length
_READ_PIECES = (  # a row overlapping [start, end) starts after start - ROW
    # in windows of WINDOW bytes, each read in order from the index (or sorted in memory): one query over every row
    # may be planned as a sort of the whole range, spilled to disk (the statistics of a table just filled are stale)
    "COPY (SELECT piece.start, piece.data FROM generate_series(%(low)s::bigint, %(end)s::bigint - 1,"
    " %(window)s::bigint) AS w, LATERAL ("
    "SELECT start, data FROM pieces WHERE upload = %(key)s AND start >= w AND start < least(w + %(window)s, %(end)s)"
    " ORDER BY start) AS piece) TO STDOUT (FORMAT BINARY)"
)
WINDOW = ROWS_PER_BUFFER * ROW
_READ_CHUNKS = (  # schema 1's rows
    "COPY (SELECT start, data FROM chunks WHERE owner = %s AND start < %s AND start + octet_length(data) > %s "
    "ORDER BY seq) TO STDOUT (FORMAT BINARY)"
)


class DatabaseError(Exception):
    """A database this ecr_mock cannot serve: unreachable, migrated by a newer ecr_mock, or holding another world."""


def redacted(url: str) -> str:
    """``url`` without its password (for the banner and errors)."""
    if "://" not in url:
        return re.sub(r"(password\s*=\s*)\S+", r"\1***", url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


class _Pool:
    """Connections to one database (autocommit: a transaction is always explicit), kept for reuse."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None or connection.closed:
            connection = self._connect()
        try:
            yield connection
        finally:
            idle = not connection.closed and connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            with self._lock:
                keep = idle and not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS
                if keep:
                    self._idle.append(connection)
            if not keep:
                connection.close()

    def _connect(self) -> Connection:
        try:
            return psycopg.connect(self.url, autocommit=True)
        except psycopg.Error as error:
            raise DatabaseError(f"cannot connect to {redacted(self.url)}: {error}".strip()) from None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


# --- migrations ----------------------------------------------------------------------------------------------


def migrate(connection: Connection, url: str) -> int:
    """Bring the database's tables to this ecr_mock's schema (forward only); the schema it had before."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
            "ecr_mock_version text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = connection.execute(
            "SELECT version, ecr_mock_version FROM schema_migrations ORDER BY version DESC LIMIT 1"
        )
        latest = row.fetchone()
        current = 0 if latest is None else int(latest[0])
        if latest is not None and current > DATABASE_SCHEMA:
            raise DatabaseError(
                f"the database {redacted(url)} has schema {current} (migrated by ecr_mock {latest[1]}), newer than "
                f"this ecr_mock ({_version()}) knows (schema {DATABASE_SCHEMA}): serve it with ecr_mock {latest[1]} "
                "or later, or use another --database"
            )
        for number in range(current + 1, DATABASE_SCHEMA + 1):
            for statement in MIGRATIONS[number - 1]:
                connection.execute(statement.encode())
            connection.execute(
                "INSERT INTO schema_migrations (version, ecr_mock_version) VALUES (%s, %s)", (number, _version())
            )
    return current


# --- blobs ---------------------------------------------------------------------------------------------------


class PostgresBlob(Blob):
    """A blob whose bytes are rows of ``chunks``, read as they are sent; ``path`` is this server's cached copy,
    when it has one (see ``BlobCache``)."""

    __slots__ = ("_store",)

    def __init__(self, digest: str, size: int, store: PostgresBlobStore) -> None:
        self._store = store
        super().__init__(digest, size)

    @property
    def path(self) -> Path | None:
        cache = self._store.cache
        return None if cache is None else cache.path(self.digest)

    @path.setter
    def path(self, value: Path | None) -> None:
        if value is not None:
            raise AttributeError("a PostgreSQL blob's file is its cached copy")

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks())

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        stop = self.size if end is None else min(end, self.size)
        cache = self._store.cache
        if cache is None:
            yield from self._store.read(self.digest, start, stop)
            return
        copy = cache.open(self.digest)
        if copy is not None:
            with copy:
                yield from file_pieces(copy, start, stop)
            return
        filling = cache.filling(self.digest, self.size) if (start, stop) == (0, self.size) else None
        try:
            for piece in self._store.read(self.digest, start, stop):
                if filling is not None:
                    filling.write(piece)
                yield piece
        except BaseException:
            if filling is not None:
                filling.abandon()
            raise
        if filling is not None:
            filling.done()


class BlobCache:
    """Copies of blobs in files of this server's own, so a blob it wrote or read once is sent from the page cache
    after that. A blob's bytes never change (its digest names them), so a copy is never stale; only blobs the
    saved world names are ever asked for, so a blob another server deleted is never served from here. Bounded
    (the least recently used copies go first); in a temporary directory, removed when the server stops."""

    def __init__(self, directory: Path, limit: int) -> None:
        self.directory = directory
        self.limit = limit
        self._sizes: collections.OrderedDict[str, int] = collections.OrderedDict()  # least recently used first
        self._total = 0
        self._lock = threading.Lock()

    def path(self, digest: str) -> Path | None:
        with self._lock:
            if digest not in self._sizes:
                return None
            self._sizes.move_to_end(digest)
        return self._file(digest)

    def open(self, digest: str) -> IO[bytes] | None:
        """The copy of ``digest``, open (an eviction meanwhile does not cut it short), or None."""
        path = self.path(digest)
        if path is None:
            return None
        try:
            return path.open("rb")
        except OSError:
            return None

    def filling(self, digest: str, size: int) -> CacheFill | None:
        """A copy to write, for a blob not cached and small enough to keep (a quarter of the limit at most)."""
        if not 0 < size <= self.limit // 4:
            return None
        with self._lock:
            if digest in self._sizes:
                return None
        try:
            return CacheFill(self, digest, size)
        except OSError:
            return None

    def add(self, digest: str, size: int, written: Path) -> None:
        with self._lock:
            if digest in self._sizes:
                written.unlink(missing_ok=True)
                return
            os.replace(written, self._file(digest))
            self._sizes[digest] = size
            self._total += size
            while self._total > self.limit and self._sizes:
                oldest, oldest_size = self._sizes.popitem(last=False)
                self._file(oldest).unlink(missing_ok=True)
                self._total -= oldest_size

    def _file(self, digest: str) -> Path:
        return self.directory / digest.replace(":", "-")


class CacheFill:
    """A copy being written; kept by ``done`` only when it has all of the blob's bytes."""

    def __init__(self, cache: BlobCache, digest: str, size: int) -> None:
        self._cache = cache
        self.digest = digest
        self.size = size
        self.limit = cache.limit // 4
        self._path = cache.directory / f"partial-{uuid.uuid4().hex}"
        self._file: IO[bytes] | None = self._path.open("wb")
        self.written = 0

    def write(self, data: bytes | memoryview) -> None:
        if self._file is None:
            return
        try:
            self._file.write(data)
            self.written += len(data)
        except OSError:  # a full disk: no copy, the database still serves it
            self.abandon()

    def done(self, digest: str | None = None, size: int | None = None) -> None:
        """Keep the copy (as ``digest`` of ``size`` bytes when it was started without knowing them)."""
        if self._file is None:
            return
        size = self.size if size is None else size
        try:
            self._file.close()
            self._file = None
            if self.written == size:
                self._cache.add(digest or self.digest, size, self._path)
        except OSError:
            pass
        self._path.unlink(missing_ok=True)

    def abandon(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self._path.unlink(missing_ok=True)


class PostgresBlobStore(BlobStore):
    """Blobs and uploads in the database. Inside a changing request (``within``), what changes blobs joins the
    request's transaction, so the world that names a blob and the blob are committed together."""

    def __init__(self, pool: _Pool, cache: BlobCache | None = None) -> None:
        super().__init__(None)
        self.pool = pool
        self.cache = cache
        self._live: weakref.WeakValueDictionary[str, Blob] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()
        self._gone: list[str] = []  # digests whose last blob object in this process went away
        self._request = threading.local()

    def __len__(self) -> int:
        return len(self._live)

    def use_directory(self, directory: Path | str, *, durable: bool = True) -> None:
        raise ValueError("a PostgreSQL blob store keeps blobs in the database, not in a directory")

    @contextlib.contextmanager
    def within(self, connection: Connection) -> Iterator[None]:
        """While active, this thread's blob changes and reads go through ``connection`` (its open transaction)."""
        self._request.connection = connection
        try:
            yield
        finally:
            self._request.connection = None

    @contextlib.contextmanager
    def connection(self, atomic: bool = False) -> Iterator[Connection]:
        """The current request's connection (in its transaction), else a pooled one (in its own, if ``atomic``)."""
        current: Connection | None = getattr(self._request, "connection", None)
        if current is not None:
            yield current
            return
        with self.pool.connection() as connection:
            if not atomic:
                yield connection
                return
            with connection.transaction():
                yield connection

    def writer(self) -> BlobWriter:
        key = uuid.uuid4().hex
        with self.connection() as connection:
            connection.execute("INSERT INTO uploads (key) VALUES (%s)", (key,))
        return PostgresBlobWriter(self, key, fresh=True)

    def resume(self, key: str) -> BlobWriter | None:
        with self.connection() as connection:
            found = connection.execute("SELECT 1 FROM uploads WHERE key = %s", (key,)).fetchone()
        return None if found is None else PostgresBlobWriter(self, key, fresh=False)

    def get(self, digest: str) -> Blob | None:
        return self._live.get(digest)

    def intern(self, data: bytes, digest: str | None = None) -> Blob:
        """Store ``data`` unless the database holds its digest (asked every time: a blob object of this process
        may outlive the rows another process deleted)."""
        digest = digest or sha256_digest(data)
        key = uuid.uuid4().hex
        with self.connection(atomic=True) as connection:
            added = connection.execute(
                "INSERT INTO blobs (digest, size, upload) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                (digest, len(data), key),
            )
            if added.rowcount and data:
                view = memoryview(data)
                with connection.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO pieces (upload, start, data) VALUES (%s, %s, %b)",
                        [(key, start, view[start : start + ROW]) for start in range(0, len(data), ROW)],
                    )
        return self.adopt(digest, len(data))

    def adopt(self, digest: str, size: int) -> Blob:
        with self._guard:
            blob = self._live.get(digest)
            if blob is None:
                blob = self._live[digest] = PostgresBlob(digest, size, self)
                weakref.finalize(blob, self._went, digest)
            return blob

    def _went(self, digest: str) -> None:
        self._gone.append(digest)  # the list of now, not the one a collect took meanwhile

    def adopt_file(self, spooled: Path, digest: str, size: int) -> Blob:
        raise ValueError("a PostgreSQL blob store takes blobs through its writers, not from files")

    def collect(self) -> int:
        with self.connection(atomic=True) as connection:
            return self.collect_in(connection)

    def collect_in(self, connection: Connection, named: set[str] | None = None) -> int:
        """Delete the blobs that the world being saved (under its row lock) does not name, of those this process
        knows: every blob object here when ``named`` (the world's digests) is given (a repository deleted just now
        may hold its blobs in a reference cycle until the garbage collector runs), else those whose last object
        went away."""
        with self._guard:
            gone, self._gone = self._gone, []
            candidates = set(gone) | set(self._live.keys()) if named is not None else set(gone) - set(self._live)
        digests = sorted(candidates - (named or set()))
        if digests:
            deleted = connection.execute(
                "DELETE FROM blobs WHERE digest = ANY(%s::text[]) RETURNING upload", (digests,)
            ).fetchall()
            keys = sorted(str(row[0]) for row in deleted if row[0] is not None)
            if keys:
                connection.execute("DELETE FROM pieces WHERE upload = ANY(%s::text[])", (keys,))
            connection.execute("DELETE FROM chunks WHERE owner = ANY(%s::text[])", (digests,))  # schema 1's
        return len(digests)

    def read(self, digest: str, start: int, end: int) -> Iterator[bytes]:
        """The bytes of the blob ``digest`` from ``start`` up to ``end``, in pieces of about READ_CHUNK, streamed
        by one ``COPY`` in one snapshot (a blob deleted meanwhile is still read to its end)."""
        if end <= start:
            return
        with self._snapshot() as connection:
            row = connection.execute("SELECT upload FROM blobs WHERE digest = %s", (digest,)).fetchone()
            if row is None:
                return
            if row[0] is None:  # stored by schema 1
                yield from _copied(connection, _READ_CHUNKS, (digest, end, start), start, end)
            else:
                yield from _copied(connection, _READ_PIECES, _pieces_of(row[0], start, end), start, end)

    def read_upload(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """The bytes of the upload ``key`` from ``start`` up to ``end``, as ``read`` hands them out."""
        if end <= start:
            return
        with self.connection() as connection:
            yield from _copied(connection, _READ_PIECES, _pieces_of(key, start, end), start, end)

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """The current request's connection (a changing request: no blob is deleted while it holds the world
        row), else a pooled one in a read-only transaction whose statements see one snapshot."""
        current: Connection | None = getattr(self._request, "connection", None)
        if current is not None:
            yield current
            return
        with self.pool.connection() as connection, connection.transaction():
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield connection


def _pieces_of(key: str, start: int, end: int) -> dict[str, object]:
    return {"key": key, "low": start - ROW + 1, "end": end, "window": WINDOW}


def _copied(connection: Connection, query: str, params: Any, start: int, end: int) -> Iterator[bytes]:
    """The rows (start, data) a binary ``COPY ... TO STDOUT`` sends, cut to ``start`` up to ``end`` and joined into
    pieces of about READ_CHUNK (a row of ``pieces`` is a few KiB: one send or write each would cost more than the
    join). Parsed here: PostgreSQL sends every row as one message (the first after the header). Each row must
    begin where the one before ended, else the read fails (never a blob's bytes out of order)."""
    gathered: list[memoryview] = []
    size = 0
    expected: int | None = None
    with connection.cursor() as cursor, cursor.copy(query, params) as copy:
        at_header = True
        for message in copy:
            view = memoryview(message)
            at = len(_COPY_SIGNATURE) if at_header else 0
            at_header = False
            while at < len(view):
                if view[at : at + len(_COPY_TRAILER)] == _COPY_TRAILER:
                    break
                fields, _, first, length = _ROW_READ.unpack_from(view, at)
                at += _ROW_READ.size
                if fields != 2 or at + length > len(view) or first != (first if expected is None else expected):
                    raise DatabaseError(
                        f"an unexpected row from the database ({fields} fields, {length} bytes at "
                        f"{first}, after {expected})"
                    )
                expected = first + length
                low, high = max(start - first, 0), min(end - first, length)
                if high > low:
                    gathered.append(view[at + low : at + high])
                    size += high - low
                at += length
            if size >= READ_CHUNK:
                yield b"".join(gathered)
                gathered, size = [], 0
    if gathered:
        yield b"".join(gathered)


class PostgresBlobWriter(BlobWriter):
    """An upload whose bytes are rows of ``chunks`` and whose size is its ``uploads`` row, so any process can
    append to it. The sha256 is kept as bytes arrive while this writer alone appended them; else it is hashed
    from the rows when asked."""

    def __init__(self, store: PostgresBlobStore, key: str, fresh: bool) -> None:
        self._shared = store
        self.resume_key = key
        self._running: Any = hashlib.sha256() if fresh else None  # covers the first ``_hashed`` bytes
        self._hashed = 0
        self._copy: CacheFill | None = None  # while this writer alone appended: a copy for this server's cache
        if fresh and store.cache is not None:
            with contextlib.suppress(OSError):
                self._copy = CacheFill(store.cache, "", 0)  # its digest and size are known at commit

    @property
    def size(self) -> int:
        """The bytes appended so far, by any process."""
        with self._shared.connection() as connection:
            row = connection.execute("SELECT size FROM uploads WHERE key = %s", (self.resume_key,)).fetchone()
        return 0 if row is None else int(row[0])

    @size.setter
    def size(self, value: int) -> None:
        raise AttributeError("an upload's size is its row's in the database: append to it to change it")

    def write(self, data: bytes | memoryview) -> None:
        if data:
            self._append(iter((data,)).__next__)

    def write_from(self, readinto: Callable[[bytearray], int | None]) -> None:
        buffer = bytearray(CHUNK)

        def piece() -> memoryview:
            count = readinto(buffer)
            return memoryview(buffer)[: count or 0]

        self._append(piece)

    def _append(self, next_piece: Callable[[], bytes | memoryview]) -> None:
        """Append pieces (until an empty one, or the end) as rows of ROW bytes, under the upload row's lock:
        this thread reads and hashes while ``_Rows`` inserts the buffer before. What arrived before an error is kept,
        and the error raised after."""
        failure: Exception | None = None
        with self._shared.connection(atomic=True) as connection:
            row = connection.execute(
                "SELECT size, chunks FROM uploads WHERE key = %s FOR UPDATE", (self.resume_key,)
            ).fetchone()
            if row is None:
                raise ValueError(f"the upload {self.resume_key} is gone: it was completed or cancelled")
            size = int(row[0])
            if size != self._hashed:
                self._running = None  # another process appended: hash from the rows at the end
                self._drop_copy()
            rows = _Rows(connection, self.resume_key, size, int(row[1]), self._copy)
            buffer, filled = rows.free(), 0
            try:
                while piece := _next(next_piece):
                    view, offset = memoryview(piece), 0
                    while offset < len(view):
                        take = min(len(view) - offset, rows.capacity - filled)
                        buffer[filled : filled + take] = view[offset : offset + take]
                        filled, offset = filled + take, offset + take
                        if filled == rows.capacity:
                            self._keep(buffer, filled)
                            rows.insert(buffer, filled)
                            buffer, filled = rows.free(), 0
            except Exception as error:  # a client gone, a malformed body: keep what arrived
                failure = error
            if filled:
                self._keep(buffer, filled)
                rows.insert(buffer, filled)
            try:
                size, count = rows.finish()  # a database error raises here, and the transaction rolls back
            except BaseException:
                self._running = None
                self._drop_copy()
                raise
            connection.execute(
                "UPDATE uploads SET size = %s, chunks = %s WHERE key = %s", (size, count, self.resume_key)
            )
        if self._running is not None:
            self._hashed = size
        if failure is not None:
            raise failure

    def _keep(self, buffer: bytearray, length: int) -> None:
        if self._running is not None:
            self._running.update(memoryview(buffer)[:length])

    def _drop_copy(self) -> None:
        if self._copy is not None:
            self._copy.abandon()
            self._copy = None

    @property
    def digest(self) -> str:
        return self.digest_in("sha256")

    def digest_in(self, algorithm: str) -> str:
        if algorithm != "sha256" and algorithm not in OTHER_ALGORITHMS:
            raise ValueError(f"unsupported digest algorithm {algorithm!r}")
        size = self.size
        if algorithm == "sha256" and self._running is not None and self._hashed == size:
            return "sha256:" + str(self._running.hexdigest())
        hasher = hashlib.new(algorithm)
        for piece in self._shared.read_upload(self.resume_key, 0, size):
            hasher.update(piece)
        return f"{algorithm}:{hasher.hexdigest()}"

    def commit(self, digest: str | None = None) -> Blob:
        digest = digest or self.digest
        size = self.size
        with self._shared.connection(atomic=True) as connection:
            key = self.resume_key
            locked = connection.execute("SELECT 1 FROM uploads WHERE key = %s FOR UPDATE", (key,)).fetchone()
            if locked is None:  # finished by another process (its rows may be the blob's now), or cancelled
                found = connection.execute("SELECT 1 FROM blobs WHERE digest = %s", (digest,)).fetchone()
                if found is None:
                    raise ValueError(f"the upload {key} is gone: it was completed or cancelled")
            else:
                added = connection.execute(
                    "INSERT INTO blobs (digest, size, upload) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                    (digest, size, key),
                )
                if not added.rowcount:  # stored already: this copy goes
                    connection.execute("DELETE FROM pieces WHERE upload = %s", (key,))
                connection.execute("DELETE FROM uploads WHERE key = %s", (key,))
        if self._copy is not None and self._running is not None and self._hashed == size:
            self._copy.done(digest, size)
            self._copy = None
        self._drop_copy()
        return self._shared.adopt(digest, size)

    def abort(self) -> None:
        self._drop_copy()
        with self._shared.connection(atomic=True) as connection:
            gone = connection.execute("DELETE FROM uploads WHERE key = %s", (self.resume_key,))
            if gone.rowcount:  # else finished or cancelled already: its rows are not this writer's to delete
                connection.execute("DELETE FROM pieces WHERE upload = %s", (self.resume_key,))

    def __del__(self) -> None:  # the upload belongs to the database (another process may continue it); not the copy
        with contextlib.suppress(Exception):
            self._drop_copy()


class _Rows:
    """Rows of one upload inserted on ``connection`` by a thread of its own, in order, while the caller reads and
    hashes the next buffer (``capacity`` bytes: ROWS_PER_BUFFER rows); a third thread writes each buffer sent to this
    server's copy of the blob, if any, before the buffer is free again (reading, hashing, the database's work and
    the copy overlap)."""

    BUFFERS = 4
    capacity = ROWS_PER_BUFFER * ROW

    def __init__(self, connection: Connection, key: str, size: int, count: int, copy: CacheFill | None) -> None:
        self._connection = connection
        encoded = key.encode()
        self._prefix = _ROW_FIELDS.pack(3, len(encoded)) + encoded
        self.size, self.count = size, count
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(self.BUFFERS):
            self._free.put(bytearray(self.capacity))
        self._rows: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self._sent: queue.SimpleQueue[tuple[bytearray, int] | None] | None = (
            None if copy is None else queue.SimpleQueue()
        )
        self._failure: BaseException | None = None
        self._threads = [threading.Thread(target=self._run, name="ecr-mock-rows", daemon=True)]
        if copy is not None:
            self._threads.append(threading.Thread(target=self._keep, args=(copy,), name="ecr-mock-copy", daemon=True))
        for thread in self._threads:
            thread.start()

    def free(self) -> bytearray:
        return self._free.get()

    def insert(self, buffer: bytearray, length: int) -> None:
        self._rows.put((buffer, length))

    def finish(self) -> tuple[int, int]:
        """Wait for every row; the size and row count after them."""
        self._rows.put(None)
        for thread in self._threads:
            thread.join()
        if self._failure is not None:
            raise self._failure
        return self.size, self.count

    def _run(self) -> None:
        """One ``COPY ... FROM STDIN`` for every row (no round trip per row), its binary format written here: a
        row's header, then its buffer handed to libpq as it is (psycopg's row formatting would copy every byte
        twice more). After a failure, buffers still come back so the caller can finish reading."""
        try:
            self._send()
        except BaseException as error:  # the caller raises it at finish
            self._failure = error
            while (row := self._rows.get()) is not None:
                self._free.put(row[0])
        finally:
            if self._sent is not None:
                self._sent.put(None)

    def _send(self) -> None:
        """Each buffer framed as rows (a row's header, then its bytes) into one block, then freed while the block
        goes to libpq in one ``write``."""
        framed = bytearray(ROWS_PER_BUFFER * (len(self._prefix) + _ROW_REST.size + ROW))
        with self._connection.cursor() as cursor, cursor.copy(_WRITE_ROWS) as copy:
            copy.write(_COPY_SIGNATURE)
            while (row := self._rows.get()) is not None:
                buffer, length = row
                used = _frame(framed, self._prefix, self.size, memoryview(buffer)[:length])
                self.size, self.count = self.size + length, self.count + -(-length // ROW)
                if self._sent is None:
                    self._free.put(buffer)
                else:
                    self._sent.put(row)
                copy.write(memoryview(framed)[:used])
            copy.write(_COPY_TRAILER)

    def _keep(self, copy: CacheFill) -> None:
        """Write each sent buffer to the copy (until it is too big to keep), then free it."""
        assert self._sent is not None
        while (row := self._sent.get()) is not None:
            buffer, length = row
            copy.write(memoryview(buffer)[:length])
            if copy.written > copy.limit:
                copy.abandon()
            self._free.put(buffer)


def _frame(out: bytearray, prefix: bytes, start: int, data: memoryview) -> int:
    """``data`` written into ``out`` as binary COPY rows of ``pieces`` (``prefix``: the field count and the upload
    key), of ROW bytes each but the last, the first at offset ``start`` of the upload; the length written."""
    at = 0
    for offset in range(0, len(data), ROW):
        piece = data[offset : offset + ROW]
        header = at + len(prefix)
        out[at:header] = prefix
        _ROW_REST.pack_into(out, header, 8, start + offset, len(piece))
        at = header + _ROW_REST.size
        out[at : at + len(piece)] = piece
        at += len(piece)
    return at


def _next(next_piece: Callable[[], bytes | memoryview]) -> bytes | memoryview:
    try:
        return next_piece()
    except StopIteration:
        return b""


# --- the world -----------------------------------------------------------------------------------------------


class SharedWorld:
    """The registry one database holds, served by this process beside any others on the same database."""

    def __init__(self, url: str, behaviour: Behaviour, cache_bytes: int = CACHE_BYTES) -> None:
        self.url = url
        self._pool = _Pool(url)
        self._cache_dir = tempfile.TemporaryDirectory(prefix="ecr-mock-blob-cache-") if cache_bytes else None
        cache = BlobCache(Path(self._cache_dir.name), cache_bytes) if self._cache_dir is not None else None
        self.store = PostgresBlobStore(self._pool, cache)
        self.world = Backends(behaviour)
        self.world.blob_store = self.store
        self._loaded: int | None = None  # the version this process's world is (None: load before trusting it)
        self.loads = 0
        self.saves = 0
        try:
            with self._pool.connection() as connection:
                migrate(connection, url)
                self._start(connection)
        except psycopg.Error as error:
            self.close()
            raise DatabaseError(f"the database {redacted(url)} failed: {error}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._pool.close()
        if self._cache_dir is not None:
            self._cache_dir.cleanup()

    @contextlib.contextmanager
    def transaction(self, changing: bool) -> Iterator[Transaction]:
        """One request: the newest world loaded first; a changing request holds the world row's lock throughout
        and its world is saved (whatever it answered) and committed before the answer is sent."""
        if not changing:
            with self._pool.connection() as connection:
                row = connection.execute("SELECT version FROM world WHERE id = 1").fetchone()
                if row is None or row[0] != self._loaded:
                    self._load(connection)
            yield Transaction()
            return
        try:
            with self._pool.connection() as connection, connection.transaction():
                version = int(self._locked_version(connection))
                if version != self._loaded:
                    self._load(connection)
                with self.store.within(connection):
                    yield Transaction()
                    self._save(connection, version + 1)
        except BaseException:
            self._loaded = None  # this process's world may now hold what the database does not: load it again
            raise
        with self.world.lock:
            if self._loaded is None or self._loaded < version + 1:
                self._loaded = version + 1

    def _locked_version(self, connection: Connection) -> int:
        row = connection.execute("SELECT version FROM world WHERE id = 1 FOR UPDATE").fetchone()
        if row is None:
            raise DatabaseError(f"the world row of {redacted(self.url)} is gone")
        return int(row[0])

    def _start(self, connection: Connection) -> None:
        """Create the world row when there is none, load it, and remove what no saved world names (blobs and
        uploads of requests that died before their world was committed)."""
        empty = pickle.dumps(Backends(), protocol=PICKLE_PROTOCOL)
        with connection.transaction():
            connection.execute(
                "INSERT INTO world (id, version, schema, ecr_mock_version, data) VALUES (1, 0, %s, %s, %b) "
                "ON CONFLICT (id) DO NOTHING",
                (STATE_SCHEMA, _version(), empty),
            )
            self._locked_version(connection)
            self._load(connection)
            self._remove_unnamed(connection)

    def _load(self, connection: Connection) -> None:
        row = connection.execute(
            "SELECT version, schema, ecr_mock_version, data FROM world WHERE id = 1", binary=True
        ).fetchone()
        if row is None:
            raise DatabaseError(f"the world row of {redacted(self.url)} is gone")
        version, schema, writer, data = int(row[0]), int(row[1]), str(row[2]), row[3]
        with self.world.lock:
            if self._loaded is not None and version <= self._loaded:
                return  # a newer world is here already
        if schema != STATE_SCHEMA and schema not in CONVERTED_STATE_SCHEMAS:
            raise DatabaseError(
                f"the world in {redacted(self.url)} was saved by ecr_mock {writer} with state schema {schema}; this "
                f"ecr_mock ({_version()}) reads schema {STATE_SCHEMA}: serve it with ecr_mock {writer}"
            )
        with loading_into(self.store):
            loaded = pickle.loads(data)
        if not isinstance(loaded, Backends):
            raise DatabaseError(f"the world in {redacted(self.url)} is a {type(loaded).__name__}, not a registry")
        with self.world.lock:
            if self._loaded is not None and version <= self._loaded:
                return
            self._replace(loaded)
            self._loaded = version
            self.loads += 1

    def _replace(self, loaded: Backends) -> None:
        """Serve ``loaded`` from this process's ``Backends`` (in place: the app holds it), keeping the writers of
        uploads this process is writing (their running hash)."""
        writers = {
            upload.writer.resume_key: upload.writer
            for backend in self.world.registries()
            for repository in backend.repositories.values()
            for upload in repository.uploads.values()
            if isinstance(upload.writer, PostgresBlobWriter)
        }
        self.world.__dict__.update(loaded.__getstate__())
        for backend in self.world.registries():
            backend.world = self.world
            for repository in backend.repositories.values():
                for upload in repository.uploads.values():
                    if upload.writer is None and upload.resume_key in writers:
                        upload.writer = writers[upload.resume_key]

    def _save(self, connection: Connection, version: int) -> None:
        with self.world.lock:
            data = pickle.dumps(self.world, protocol=PICKLE_PROTOCOL)
            named = self._named_blobs()
        self.store.collect_in(connection, named)
        connection.execute(
            "UPDATE world SET version = %s, schema = %s, ecr_mock_version = %s, saved_at = now(), data = %b "
            "WHERE id = 1",
            (version, STATE_SCHEMA, _version(), data),
        )
        self.saves += 1

    def _named_blobs(self) -> set[str]:
        """Every digest a repository of this process's world holds."""
        named: set[str] = set()
        for backend in self.world.registries():
            for repository in backend.repositories.values():
                named.update(repository.blobs)
        return named

    def _remove_unnamed(self, connection: Connection) -> None:
        blobs = self._named_blobs()
        uploads = {
            upload.resume_key
            for backend in self.world.registries()
            for repository in backend.repositories.values()
            for upload in repository.uploads.values()
            if upload.resume_key
        }
        connection.execute("DELETE FROM blobs WHERE NOT (digest = ANY(%s::text[]))", (sorted(blobs),))
        connection.execute("DELETE FROM uploads WHERE NOT (key = ANY(%s::text[]))", (sorted(uploads),))
        connection.execute("DELETE FROM chunks WHERE NOT EXISTS (SELECT 1 FROM blobs WHERE digest = owner)")
        connection.execute(_REMOVE_UNNAMED_PIECES)


_REMOVE_UNNAMED_PIECES = """
WITH RECURSIVE owners (upload) AS (  -- each key of pieces once, from the index (no row's bytes are read)
    (SELECT upload FROM pieces ORDER BY upload LIMIT 1)
    UNION ALL
    SELECT (SELECT upload FROM pieces WHERE upload > owners.upload ORDER BY upload LIMIT 1)
    FROM owners WHERE owners.upload IS NOT NULL
)
DELETE FROM pieces WHERE upload IN (
    SELECT upload FROM owners WHERE upload IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM blobs WHERE blobs.upload = owners.upload)
    AND NOT EXISTS (SELECT 1 FROM uploads WHERE uploads.key = owners.upload)
)
"""


def _version() -> str:
    from ecr_mock import __version__

    return __version__


__all__ = [
    "CHUNK",
    "DATABASE_SCHEMA",
    "MIGRATIONS",
    "DatabaseError",
    "PostgresBlobStore",
    "PostgresBlobWriter",
    "SharedWorld",
    "migrate",
    "redacted",
]

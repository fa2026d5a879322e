"""A served registry's state in SQLite, so a restart on the same data directory serves the same registry.

The whole world (``Backends``: every registry with its repositories, images, tags, policies, settings, templates
and rules; the issued tokens; the principals) is pickled into one row, in one transaction, after every request
that changed it and before that request is answered (``App``'s store, ``world.SaveOnChange``, under the backend
lock). Blobs pickle as digest and size: their bytes are the content-addressed files of the ``BlobStore``, written
and fsynced before any saved state names them, and removed (``BlobStore.collect``) only once a saved state no
longer names them.

SQLite runs in WAL mode with ``synchronous=FULL``: a commit is on disk when ``save`` returns, so a push that was
answered survives a ``kill -9`` or a power cut, and a crash mid-save leaves the previous state. The connection
holds the database exclusively (``locking_mode=EXCLUSIVE``): a second server on the same directory is refused.

The pickle is the layout of this version's classes, so the file records a schema number (``PRAGMA user_version``
and the row's ``schema``) and the ecr_mock version that wrote it; a file of a newer schema, or of an older one this
version's classes do not convert as they load (``CONVERTED``), is refused with a clear error rather than loaded into
classes that no longer match. The data directory is trusted: only ecr-mock
writes it (unpickling runs whatever the file says).
"""

from __future__ import annotations

import contextlib
import pickle
import sqlite3
import threading
import time
from pathlib import Path

from ecr_mock._backend import Backends
from ecr_mock._config import Behaviour
from ecr_mock._store.blobs import BlobStore, loading_into

SCHEMA = 4  # bump whenever a saved class changes shape (a field added, renamed or retyped)
# older schemas this version still loads, its saved classes converting them as they load (``__setstate__``):
# 2 kept an image's manifest in an object of its own and a lone tag in a tuple; 3 (and 2) kept the blobs a
# repository's images name in two indexes (``blob_refs``, ``blob_singles``), keyed by numbers
CONVERTED = frozenset({2, 3})
FILE_NAME = "state.sqlite3"
BLOBS_DIR = "blobs"
PICKLE_PROTOCOL = 5  # readable by every Python ecr_mock supports
_CREATE = """CREATE TABLE IF NOT EXISTS state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    schema INTEGER NOT NULL,
    ecr_mock_version TEXT NOT NULL,
    saved_at REAL NOT NULL,
    world BLOB NOT NULL
)"""


class StateError(Exception):
    """A data directory this ecr_mock cannot serve: written by another schema, unreadable, or in use."""


class SavedState:
    """The state file of one data directory, held open (and locked) by the one server that serves it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.saves = 0
        self.last_save_seconds = 0.0
        self.last_save_bytes = 0
        try:
            self._db = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StateError(f"cannot open the state file {self.path}: {error}") from None
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def _open(self) -> None:
        try:
            self._db.execute("PRAGMA locking_mode = EXCLUSIVE")
            self._db.execute("BEGIN IMMEDIATE")  # takes the write lock, held until the connection closes
        except sqlite3.OperationalError as error:
            raise StateError(
                f"{self.path} is in use by another ecr-mock serve (SQLite: {error}); "
                "stop it, or give this one another --data-dir"
            ) from None
        except sqlite3.DatabaseError as error:
            raise StateError(f"{self.path} is not an ecr-mock state file (SQLite: {error})") from None
        try:
            written = self._db.execute("PRAGMA user_version").fetchone()[0]
            _check_schema(self.path, written, self._writer())
            if written == 0:
                self._db.execute(_CREATE)
            if written != SCHEMA:  # new, or converted: the next save writes this schema
                self._db.execute(f"PRAGMA user_version = {SCHEMA}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")

    def _writer(self) -> str:
        """The ecr_mock version that wrote the saved state ("unknown" when there is none to say)."""
        with contextlib.suppress(sqlite3.Error):
            row = self._db.execute("SELECT ecr_mock_version FROM state WHERE id = 1").fetchone()
            if row is not None:
                return str(row[0])
        return "unknown"

    def load(self, store: BlobStore, behaviour: Behaviour) -> Backends | None:
        """The saved world, its blobs bound to ``store``, following ``behaviour`` (the server's flags, not the
        saved ones); None when nothing was saved yet. Upload sessions do not survive a restart."""
        with self._lock:
            row = self._db.execute("SELECT schema, ecr_mock_version, world FROM state WHERE id = 1").fetchone()
        if row is None:
            return None
        schema, version, data = row
        _check_schema(self.path, schema, version)
        try:
            with loading_into(store):
                world = pickle.loads(data)
        except Exception as error:
            raise StateError(
                f"cannot read the state in {self.path} (saved by ecr_mock {version}, schema {schema}): "
                f"{type(error).__name__}: {error}"
            ) from None
        if not isinstance(world, Backends):
            raise StateError(f"the state in {self.path} is a {type(world).__name__}, not an ecr-mock registry")
        world.behaviour = behaviour
        world.blob_store = store
        for registry in world.registries():
            for repository in registry.repositories.values():
                repository.uploads.clear()
        return world

    def save(self, world: Backends) -> None:
        """Write ``world`` in one transaction (the caller holds its lock), then remove the blob files that no
        repository holds any more: only now does no saved state name them."""
        started = time.perf_counter()
        data = pickle.dumps(world, protocol=PICKLE_PROTOCOL)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR REPLACE INTO state (id, schema, ecr_mock_version, saved_at, world) "
                    "VALUES (1, ?, ?, ?, ?)",
                    (SCHEMA, _version(), time.time(), data),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        world.blob_store.collect()
        self.saves += 1
        self.last_save_seconds = time.perf_counter() - started
        self.last_save_bytes = len(data)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_data_dir(directory: Path | str, behaviour: Behaviour) -> tuple[Backends, SavedState]:
    """The world a data directory holds (a new one when it holds none) and its open state file.

    Layout: ``<dir>/state.sqlite3`` (with its ``-wal`` file while served) and ``<dir>/blobs/`` (the blob files).
    Blob files no saved state names (pushed, but the server died before the state naming them was saved) and
    the spool files of interrupted uploads are removed here."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    state = SavedState(root / FILE_NAME)
    try:
        store = BlobStore(root / BLOBS_DIR)
        world = state.load(store, behaviour)
        if world is None:
            world = Backends(behaviour)
            world.blob_store = store
        remove_unsaved_blobs(store)
    except BaseException:
        state.close()
        raise
    return world, state


def remove_unsaved_blobs(store: BlobStore) -> int:
    """Remove the blob files no loaded blob names, and leftover upload spool files; how many were removed."""
    if store.directory is None:
        return 0
    removed = 0
    for algorithm_dir in store.directory.iterdir():
        if not algorithm_dir.is_dir():
            continue
        uploads = algorithm_dir.name == "uploads"
        for path in algorithm_dir.glob("*" if uploads else "*/*"):
            if path.is_file() and (uploads or store.get(f"{algorithm_dir.name}:{path.name}") is None):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


def _check_schema(path: Path, schema: int, version: str) -> None:
    if schema == 0 or schema == SCHEMA or schema in CONVERTED:
        return
    if schema > SCHEMA:
        raise StateError(
            f"{path} was written by ecr_mock {version} with state schema {schema}, newer than this ecr_mock "
            f"({_version()}) reads (schema {SCHEMA}): serve it with ecr_mock {version} or later, or use another "
            "--data-dir"
        )
    raise StateError(
        f"{path} was written by ecr_mock {version} with state schema {schema}; this ecr_mock ({_version()}) reads "
        f"schema {SCHEMA} and cannot convert it: serve it with ecr_mock {version}, or use another --data-dir"
    )


def _version() -> str:
    from ecr_mock import __version__

    return __version__


__all__ = ["CONVERTED", "FILE_NAME", "SCHEMA", "SavedState", "StateError", "open_data_dir", "remove_unsaved_blobs"]

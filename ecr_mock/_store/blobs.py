"""Blob bytes, stored once per digest however many repositories hold them, in memory or as content-addressed files.

A ``BlobStore`` without a directory keeps bytes in memory (the in-process mock). With one, every blob is a file
``<dir>/sha256/<first two hex>/<hex>``, written through a ``BlobWriter`` that spools the bytes to disk in pieces
while it hashes them, and is moved into place only when its digest is known: a crash leaves either the whole
file or none. A served registry (``ecr-mock serve``, ``mock.serve()``) uses one, so no blob is ever held whole in
memory; the layer API writes through the same writers.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

READ_CHUNK = 1 << 20  # what one read from a blob file hands out, and one read of a body being written
PIPELINE_BUFFERS = 8  # pieces of a body in flight between the thread reading it and the thread hashing it
SPARE_BUFFERS = 16  # read buffers kept for the next request body (fresh memory costs page faults every PATCH)
HASH_BEHIND = 1 << 20  # an in-memory write of at least this many bytes is hashed on a thread of its own
OTHER_ALGORITHMS = frozenset({"sha384", "sha512"})  # digests the registry API accepts besides sha256


class Blob:
    """One stored blob: its digest, its size, and its bytes (held here, or in ``path``). Held in memory, the bytes
    may be the pieces they were uploaded in (a layer's parts): joined only when the whole is asked for."""

    __slots__ = ("__weakref__", "_data", "digest", "path", "size")

    def __init__(
        self, digest: str, size: int, data: bytes | tuple[bytes, ...] | None = None, path: Path | None = None
    ) -> None:
        self.digest = digest
        self.size = size
        self._data = data
        self.path = path

    def __repr__(self) -> str:
        return f"Blob({self.digest!r}, {self.size} bytes)"

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        """Saved state names a blob by digest and size; loading binds it to the store it is loaded into."""
        return (_adopt, (self.digest, self.size))

    @property
    def data(self) -> bytes:
        """The whole blob (small blobs and in-process use; servers stream with ``chunks``)."""
        data = self._data
        if isinstance(data, tuple):  # pieces: joined once, and kept joined (the pieces go)
            data = self._data = b"".join(data)
        if data is not None:
            return data
        assert self.path is not None
        return self.path.read_bytes()

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start`` up to (not including) ``end``, in pieces."""
        stop = self.size if end is None else min(end, self.size)
        data = self._data
        if data is not None:
            at = 0  # where the current piece starts in the blob
            for piece in (data,) if isinstance(data, bytes) else data:
                view, ends = memoryview(piece), at + len(piece)
                for offset in range(max(start, at), min(stop, ends), READ_CHUNK):
                    yield bytes(view[offset - at : min(offset + READ_CHUNK, stop, ends) - at])
                at = ends
            return
        assert self.path is not None
        with self.path.open("rb") as file:
            yield from file_pieces(file, start, stop)


def file_pieces(file: IO[bytes], start: int, stop: int) -> Iterator[bytes]:
    """The bytes of an open file from ``start`` up to ``stop``, READ_CHUNK at a time (fewer if it is shorter)."""
    file.seek(start)
    left = stop - start
    while left > 0:
        piece = file.read(min(READ_CHUNK, left))
        if not piece:
            return
        left -= len(piece)
        yield piece


class BlobWriter:
    """An upload in progress: bytes appended in order, hashed as they arrive, spooled to a file when the store
    has a directory (else gathered in memory). ``commit`` turns it into a stored blob; ``abort`` drops it."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self._hasher = hashlib.sha256()
        self._lagging: _LaggingHash | None = None  # the hashing thread of a pipelined upload, while it runs
        self._behind: _Behind | None = None  # in memory: the last piece written, being hashed
        self._failure: BaseException | None = None  # what writing or hashing failed with: the upload is broken
        self.size = 0
        self._pieces: list[bytes] = []  # in memory: the bytes written, in pieces (big ones as they came)
        self._buffer: io.BytesIO | None = None  # in memory: small pieces after the last big one, in one buffer
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        if store.directory is not None:
            uploads = store.directory / "uploads"
            uploads.mkdir(parents=True, exist_ok=True)
            self._path = uploads / uuid.uuid4().hex
            self._file = self._path.open("wb")

    def write(self, data: bytes | memoryview) -> None:
        if not data:
            return
        self._settle()  # the bytes before these are hashed first: the hash follows the file's order
        if self._file is not None:
            try:
                self._file.write(data)
            except OSError as error:
                self._failure = error
                raise
            self._hasher.update(data)
            self.size += len(data)
            return
        self.size += len(data)
        kept = self._gather(data)
        if len(data) >= HASH_BEHIND:
            # hashed from the upload's own copy, on a thread of its own, while the caller goes on (an in-process
            # UploadLayerPart returns to botocore, which serialises the next part meanwhile); the next write, and
            # anything that reads the copy, waits for it. The caller's piece is not held a moment longer.
            end = len(data) if isinstance(kept, bytes) else kept.tell()
            self._behind = _Behind(self._hasher, kept, end - len(data), end)
        else:
            self._hasher.update(data)

    def _gather(self, data: bytes | memoryview) -> bytes | io.BytesIO:
        """In memory: a piece of bytes (a layer part: the first piece, or any of HASH_BEHIND bytes or more) kept
        as it came, neither copied nor joined later (the blob holds the pieces); smaller or borrowed pieces copied
        into one growing buffer, sealed into a piece when a kept one follows. Never two copies of an upload's
        bytes at once. What now holds ``data``: the piece itself, or the buffer (``data`` at its end)."""
        if type(data) is bytes and (len(data) >= HASH_BEHIND or (not self._pieces and self._buffer is None)):
            self._seal()
            self._pieces.append(data)
            return data
        if self._buffer is None:
            self._buffer = io.BytesIO()
        self._buffer.write(data)
        return self._buffer

    def _seal(self) -> None:
        """The buffer of small pieces becomes a piece (its bytes, not copied)."""
        if self._buffer is not None:
            self._pieces.append(self._buffer.getvalue())
            self._buffer = None

    def write_from(self, readinto: Callable[[bytearray], int | None]) -> None:
        """Append what ``readinto(buffer)`` delivers until it delivers nothing (a request body's ``readinto``).

        Spooled to a file, the bytes are pipelined: this thread reads each piece straight into one of the writer's
        PIPELINE_BUFFERS buffers and writes it to the file, while the writer's hashing thread hashes the pieces
        before it (reads, writes and hashing all release the GIL). The hash may lag behind when this returns: the
        next request's body (the next PATCH of a chunked upload) arrives while the last one's tail is hashed, and
        ``digest``, ``commit`` and ``abort`` wait for it. What arrived before an error (a client gone, a full disk)
        is kept, written and hashed, as with ``write``; a full disk is raised again by every later call (a broken
        upload is never committed).
        """
        if self._file is None:
            buffers = _spares.take(1)
            try:
                while count := readinto(buffers[0]):
                    self.write(memoryview(buffers[0])[:count])
            finally:
                _spares.give(buffers)
            return
        if self._failure is not None:
            raise self._failure
        lagging = self._lagging = _LaggingHash(self._hasher, after=self._lagging)
        file = self._file
        buffer = lagging.free.get()
        try:
            while count := readinto(buffer):
                try:
                    file.write(memoryview(buffer)[:count])
                except OSError as error:
                    self._failure = error
                    raise
                self.size += count
                lagging.pieces.put((buffer, count))  # only once written: the hash covers exactly what the file holds
                buffer = lagging.free.get()
        finally:
            lagging.free.put(buffer)
            lagging.close()

    def _settle(self) -> None:
        """Wait until every byte written so far is hashed (the hashing threads then end); raise what writing or
        hashing failed with, now and at every later call (a broken upload is never committed)."""
        for waiting in (self._lagging, self._behind):
            if waiting is not None:
                try:
                    waiting.wait()
                except BaseException as error:
                    self._failure = self._failure or error
        self._lagging = self._behind = None
        if self._failure is not None:
            raise self._failure

    @property
    def digest(self) -> str:
        """The sha256 digest of what was written so far (hashed as the bytes arrived)."""
        self._settle()
        return "sha256:" + self._hasher.hexdigest()

    def digest_in(self, algorithm: str) -> str:
        """The digest in ``algorithm`` (sha256 at once; sha384/sha512 by reading the bytes again: clients
        rarely ask for them, and hashing every upload twice would slow every push)."""
        if algorithm == "sha256":
            return self.digest
        if algorithm not in OTHER_ALGORITHMS:
            raise ValueError(f"unsupported digest algorithm {algorithm!r}")
        hasher = hashlib.new(algorithm)
        for piece in self._written():
            hasher.update(piece)
        return f"{algorithm}:{hasher.hexdigest()}"

    def _written(self) -> Iterator[bytes]:
        self._settle()
        if self._file is None:
            self._seal()
            yield from self._pieces
            return
        self._file.flush()
        assert self._path is not None
        with self._path.open("rb") as file:
            while piece := file.read(READ_CHUNK):
                yield piece

    def commit(self, digest: str | None = None) -> Blob:
        """Store what was written under its digest (``digest`` when the caller checked one in another
        algorithm); an identical stored blob is reused."""
        self._settle()
        digest = digest or self.digest
        if self._file is None:
            self._seal()
            pieces, self._pieces = self._pieces, []
            return self._store.intern_pieces(tuple(pieces) or (b"",), digest, self.size)  # no copy, no join
        self._file.close()
        self._file = None
        assert self._path is not None
        blob = self._store.adopt_file(self._path, digest, self.size)
        self._path = None
        return blob

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # a hashing error no longer matters: the bytes are dropped
            self._settle()
        self._pieces, self._buffer = [], None
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None

    def __del__(self) -> None:  # an upload never completed: no spool file is left behind
        with contextlib.suppress(Exception):  # interpreter shutdown
            self.abort()


class BlobStore:
    """Blobs by digest. A blob stays while some repository holds it (weakly held here) and is stored once.

    With a ``directory``, blob files that no repository holds any more are removed at ``collect()`` (called once
    the state that stopped naming them is saved, so a crash never leaves saved state naming a missing file).
    """

    def __init__(self, directory: Path | str | None = None, *, durable: bool = True) -> None:
        self._blobs: weakref.WeakValueDictionary[str, Blob] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()
        self._released: list[tuple[str, Path]] = []
        self.directory: Path | None = None
        self.durable = durable
        if directory is not None:
            self.use_directory(directory, durable=durable)

    def __len__(self) -> int:
        return len(self._blobs)

    def use_directory(self, directory: Path | str, *, durable: bool = True) -> None:
        """From now on, new blobs are files under ``directory`` (blobs held in memory stay there). ``durable``:
        each file (and its name) is fsynced before the blob is stored, for a directory that outlives the process
        (``--data-dir``); a temporary directory, gone with the process, skips that."""
        path = Path(directory)
        (path / "sha256").mkdir(parents=True, exist_ok=True)
        self.directory = path
        self.durable = durable

    def writer(self) -> BlobWriter:
        return BlobWriter(self)

    def resume(self, key: str) -> BlobWriter | None:
        """The writer of an upload another server process started, by its ``resume_key``: only a store shared
        by several processes has one (``ecr_mock._store.postgres``); here uploads end with their process."""
        return None

    def get(self, digest: str) -> Blob | None:
        return self._blobs.get(digest)

    def intern(self, data: bytes, digest: str | None = None) -> Blob:
        """The stored blob for ``data`` (hashed here unless the caller already verified ``digest``)."""
        return self.intern_pieces((data,), digest or sha256_digest(data), len(data))

    def intern_pieces(self, pieces: tuple[bytes, ...], digest: str, size: int) -> Blob:
        """The stored blob of ``size`` bytes in ``pieces`` (an in-memory upload's, as written), whose ``digest``
        the caller verified: in memory, the pieces as they are (joined only if the whole is asked for)."""
        with self._lock:
            blob = self._blobs.get(digest)
            if blob is not None:
                return blob
        if self.directory is None:
            return self._keep(Blob(digest, size, data=pieces[0] if len(pieces) == 1 else pieces))
        writer = self.writer()
        for piece in pieces:
            writer.write(piece)
        return writer.commit(digest)

    def adopt_file(self, spooled: Path, digest: str, size: int) -> Blob:
        """Move a fully written, hashed file into place as the blob ``digest`` (a copy already stored wins)."""
        with self._lock:
            blob = self._blobs.get(digest)
            target = self._path_of(digest)
            if blob is not None or target.exists():
                spooled.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                if self.durable:
                    _fsync(spooled)
                os.replace(spooled, target)
                if self.durable:
                    _fsync_directory(target.parent)  # the new name is on disk too, before saved state names it
        return blob or self._keep(Blob(digest, size, path=target))

    def adopt(self, digest: str, size: int) -> Blob:
        """The blob ``digest`` as saved state names it: its file when there is one (else a blob whose bytes are
        gone reads as empty; the backend treats that like a blob never uploaded)."""
        with self._lock:
            blob = self._blobs.get(digest)
        if blob is not None:
            return blob
        if self.directory is not None:
            return self._keep(Blob(digest, size, path=self._path_of(digest)))
        return self._keep(Blob(digest, size, data=b""))

    def collect(self) -> int:
        """Remove the files of blobs no repository holds any more; how many were removed."""
        with self._lock:
            released, self._released = self._released, []
            removed = 0
            for digest, path in released:
                if digest not in self._blobs:
                    path.unlink(missing_ok=True)
                    removed += 1
            return removed

    def _keep(self, blob: Blob) -> Blob:
        with self._lock:
            existing = self._blobs.get(blob.digest)
            if existing is not None:
                return existing
            self._blobs[blob.digest] = blob
            if blob.path is not None:
                weakref.finalize(blob, self._release, blob.digest, blob.path)
            return blob

    def _release(self, digest: str, path: Path) -> None:
        self._released.append((digest, path))

    def _path_of(self, digest: str) -> Path:
        assert self.directory is not None
        algorithm, _, hex_digest = digest.partition(":")
        return self.directory / algorithm / hex_digest[:2] / hex_digest


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class _Spares:
    """Read buffers of READ_CHUNK bytes, handed from one request body to the next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buffers: list[bytearray] = []

    def take(self, count: int) -> list[bytearray]:
        with self._lock:
            taken = [self._buffers.pop() for _ in range(min(count, len(self._buffers)))]
        return taken + [bytearray(READ_CHUNK) for _ in range(count - len(taken))]

    def give(self, buffers: list[bytearray]) -> None:
        with self._lock:
            room = SPARE_BUFFERS - len(self._buffers)
            self._buffers.extend(buffer for buffer in buffers[:room] if len(buffer) == READ_CHUNK)


_spares = _Spares()


class _LaggingHash:
    """The hashing thread of one request body: hashes each piece handed to ``pieces``, in order, and hands its
    buffer back to ``free``. It starts by waiting for the thread of the body before it (``after``), so a writer's
    bytes are hashed in the order they were written, and ends once ``close`` is called and the pieces are hashed,
    its buffers going back to the spares: no thread outlives its body's hashing, even for an abandoned upload."""

    def __init__(self, hasher: hashlib._Hash, after: _LaggingHash | None) -> None:
        self.pieces: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self.free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._buffers = _spares.take(PIPELINE_BUFFERS)
        for buffer in self._buffers:
            self.free.put(buffer)
        self.failed: list[BaseException] = []
        self._hasher = hasher
        self._thread = threading.Thread(target=self._run, args=(after,), name="ecr-mock-hash", daemon=True)
        self._thread.start()

    def _run(self, after: _LaggingHash | None) -> None:
        if after is not None:
            after._thread.join()
            self.failed.extend(after.failed)
            after = None
        while (piece := self.pieces.get()) is not None:
            buffer, count = piece
            try:
                if not self.failed:
                    self._hasher.update(memoryview(buffer)[:count])
            except BaseException as error:  # raised by wait(); buffers keep coming back meanwhile
                self.failed.append(error)
            self.free.put(buffer)
        _spares.give(self._buffers)

    def close(self) -> None:
        """No more pieces: the thread ends once it has hashed those it has."""
        self.pieces.put(None)

    def wait(self) -> None:
        self._thread.join()
        if self.failed:
            raise self.failed[0]


class _Behind:
    """Bytes ``start`` to ``end`` of an in-memory upload's copy hashed on a thread of its own; the writer waits
    for it before it changes or reads the copy."""

    def __init__(self, hasher: hashlib._Hash, kept: bytes | io.BytesIO, start: int, end: int) -> None:
        self.failed: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(hasher, kept, start, end), name="ecr-mock-hash", daemon=True
        )
        self._thread.start()

    def _run(self, hasher: hashlib._Hash, kept: bytes | io.BytesIO, start: int, end: int) -> None:
        try:
            with memoryview(kept) if isinstance(kept, bytes) else kept.getbuffer() as whole, whole[start:end] as piece:
                hasher.update(piece)
        except BaseException as error:  # raised by wait()
            self.failed.append(error)

    def wait(self) -> None:
        self._thread.join()
        if self.failed:
            raise self.failed[0]


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_loading = threading.local()  # the store that saved state is being loaded into (see ``loading_into``)


class loading_into:
    """While active, unpickled blobs are bound to ``store``."""

    def __init__(self, store: BlobStore) -> None:
        self._store = store

    def __enter__(self) -> BlobStore:
        _loading.store = self._store
        return self._store

    def __exit__(self, *_: object) -> None:
        _loading.store = None


def _adopt(digest: str, size: int) -> Blob:
    store: BlobStore | None = getattr(_loading, "store", None)
    if store is None:
        raise RuntimeError("a saved blob can only be loaded inside loading_into(store)")
    return store.adopt(digest, size)


def temporary_directory(prefix: str = "ecr-mock-blobs-") -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix)

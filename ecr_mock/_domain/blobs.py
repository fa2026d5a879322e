"""Layer and config blobs: content-addressed, digest-verified, their bytes held once however many repositories
hold them; and the state of an upload in progress (ecr-behaviour.md 3.3, 4.6)."""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass, field


class Blob:
    __slots__ = ("__weakref__", "data", "digest")

    def __init__(self, digest: str, data: bytes) -> None:
        self.digest = digest
        self.data = data

    def __repr__(self) -> str:
        return f"Blob({self.digest!r}, {self.size} bytes)"

    @property
    def size(self) -> int:
        return len(self.data)


class BlobStore:
    """Blobs by digest. A blob stays while some repository holds it, and is stored once."""

    def __init__(self) -> None:
        self._blobs: weakref.WeakValueDictionary[str, Blob] = weakref.WeakValueDictionary()

    def intern(self, data: bytes, digest: str | None = None) -> Blob:
        """The stored blob for ``data`` (hashed here unless the caller already verified ``digest``)."""
        digest = digest or sha256_digest(data)
        blob = self._blobs.get(digest)
        if blob is None:
            blob = self._blobs[digest] = Blob(digest, data)
        return blob

    def __len__(self) -> int:
        return len(self._blobs)


@dataclass(slots=True, eq=False)
class BlobRef:
    """A digest that manifests in a repository name, how often, and what they say about it."""

    count: int  # images naming it
    active: int  # of those, images not archived
    media_type: str | None


@dataclass(slots=True, eq=False)
class Upload:
    upload_id: str
    parts: list[bytes] = field(default_factory=list)
    last_byte: int = -1  # the last byte received so far; -1 before the first part


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def blob_key(digest: str) -> bytes | str:
    """A sha256 digest as its 32 raw bytes (a third of the text's memory, for indexes over every layer of every
    image); any other digest as it is."""
    if len(digest) == 71 and digest.startswith("sha256:"):
        try:
            return bytes.fromhex(digest[7:])
        except ValueError:
            pass
    return digest

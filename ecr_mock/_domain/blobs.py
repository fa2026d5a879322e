"""What a repository knows of blobs: the digests its manifests name (counted), and layer uploads in progress
(ecr-behaviour.md 3.3, 4.6). The bytes themselves live in ``ecr_mock._store.blobs``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecr_mock._store.blobs import BlobWriter


@dataclass(slots=True, eq=False)
class BlobRef:
    """A digest that manifests in a repository name, how often, and what they say about it."""

    count: int  # images naming it
    active: int  # of those, images not archived
    media_type: str | None


@dataclass(slots=True, eq=False)
class Upload:
    """A layer upload through the API: its bytes go straight into ``writer`` (hashed as they arrive)."""

    upload_id: str
    writer: BlobWriter | None = None  # None once the upload is gone, or loaded from saved state (see resume_key)
    part_sizes: list[int] = field(default_factory=list)
    last_byte: int = -1  # the last byte received so far; -1 before the first part
    resume_key: str | None = None  # a store shared by several servers: how another one resumes the writer

    def __reduce__(self) -> tuple[object, tuple[str, None, list[int], int, str | None]]:
        """Saved without the writer (its bytes are the store's); a shared store's writer is resumed by key."""
        key = self.resume_key or getattr(self.writer, "resume_key", None)
        return (Upload, (self.upload_id, None, self.part_sizes, self.last_byte, key))


def blob_key(digest: str) -> bytes | str:
    """A sha256 digest as its 32 raw bytes (a third of the text's memory, for indexes over every layer of every
    image); any other digest as it is."""
    if len(digest) == 71 and digest.startswith("sha256:"):
        try:
            return bytes.fromhex(digest[7:])
        except ValueError:
            pass
    return digest

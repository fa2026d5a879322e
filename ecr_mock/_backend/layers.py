"""The layer API: InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, BatchCheckLayerAvailability,
GetDownloadUrlForLayer (ecr-behaviour.md 3.3 and 4.6)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from ecr_mock import _config
from ecr_mock._backend.base import RegistryBase
from ecr_mock._domain.blobs import Upload
from ecr_mock._domain.endpoint import s3_download_url
from ecr_mock._domain.repository import Repository
from ecr_mock._errors import (
    DIGEST_PATTERN,
    FAILURE_REASONS,
    EmptyUploadException,
    InvalidLayerException,
    InvalidLayerPartException,
    LayerAlreadyExistsException,
    LayerInaccessibleException,
    LayerPartTooSmallException,
    LayersNotFoundException,
    LimitExceededException,
    UploadNotFoundException,
)
from ecr_mock._store.blobs import Blob, sha256_digest

_DIGEST = re.compile(DIGEST_PATTERN)
AVAILABLE, UNAVAILABLE, ARCHIVED = "AVAILABLE", "UNAVAILABLE", "ARCHIVED"


@dataclass(frozen=True, slots=True)
class LayerStatus:
    digest: str
    availability: str
    size: int | None
    media_type: str | None


@dataclass(frozen=True, slots=True)
class LayerFailure:
    digest: str
    code: str
    reason: str


class LayerOps(RegistryBase):
    """Blob uploads into a repository and what the repository can say about its blobs."""

    def initiate_layer_upload(self, name: str) -> tuple[Repository, Upload]:
        repository = self.repository_for_push(name)  # pushes start with layers: CREATE_ON_PUSH applies here too
        upload = Upload(str(uuid.uuid4()), self.world.blob_store.writer())
        repository.uploads[upload.upload_id] = upload
        return repository, upload

    def upload_layer_part(self, name: str, upload_id: str, first: int, last: int, data: bytes) -> Repository:
        repository = self.repository(name)
        upload = self._upload(repository, upload_id)
        fail = (name, self.registry_id, upload_id)
        if first != upload.last_byte + 1:
            raise InvalidLayerPartException.not_next(first, upload.last_byte, *fail)
        if last - first + 1 != len(data):
            raise InvalidLayerPartException.wrong_length(first, last, len(data), upload.last_byte, *fail)
        if len(upload.part_sizes) >= _config.MAX_LAYER_PARTS:
            raise LimitExceededException.layer_parts(_config.MAX_LAYER_PARTS, upload_id)
        assert upload.writer is not None  # _upload answers only uploads that still have one
        upload.writer.write(data)
        upload.part_sizes.append(len(data))
        upload.last_byte = last
        return repository

    def complete_layer_upload(self, name: str, upload_id: str, digests: Sequence[str]) -> tuple[Repository, Blob]:
        """Verify the upload and keep its bytes; the upload id is consumed only when this succeeds."""
        repository = self.repository(name)
        upload = self._upload(repository, upload_id)
        if not upload.part_sizes:
            raise EmptyUploadException.of(upload_id)
        if any(size < _config.MIN_LAYER_PART_SIZE for size in upload.part_sizes[:-1]):
            raise LayerPartTooSmallException.of()
        writer = upload.writer
        assert writer is not None
        computed = writer.digest
        if computed not in digests:
            raise InvalidLayerException.of(list(digests), computed)
        if computed in repository.blobs:
            raise LayerAlreadyExistsException.of(computed, name, self.registry_id)
        blob = repository.blobs[computed] = writer.commit()
        del repository.uploads[upload_id]
        return repository, blob

    def put_blob(self, name: str, data: bytes) -> str:
        """Store a blob in a repository directly (seeding state, e.g. an upstream registry); its digest."""
        repository = self.repository(name)
        blob = repository.blobs.get(sha256_digest(data)) or self.world.blob_store.intern(data)
        repository.blobs[blob.digest] = blob
        return blob.digest

    def batch_check_layer_availability(
        self, name: str, digests: Sequence[str]
    ) -> tuple[list[LayerStatus], list[LayerFailure]]:
        repository = self.repository(name)
        layers: list[LayerStatus] = []
        failures: list[LayerFailure] = []
        for digest in digests:
            code = "InvalidLayerDigest" if not _DIGEST.fullmatch(digest) else None
            status = None if code else self._layer_status(repository, digest)
            if status is None:
                code = code or "MissingLayerDigest"
                failures.append(LayerFailure(digest, code, FAILURE_REASONS[code]))
            else:
                layers.append(status)
        return layers, failures

    def layer_for_download(self, name: str, digest: str) -> tuple[Repository, Blob]:
        """A blob some image in the repository references (only those may be downloaded)."""
        repository = self.repository(name)
        blob = repository.blobs.get(digest)
        if blob is None:
            raise LayersNotFoundException.layer(digest, name, self.registry_id)
        if repository.blob_ref(digest) is None:
            raise LayerInaccessibleException.of(digest, name, self.registry_id)
        return repository, blob

    def get_download_url(self, name: str, digest: str) -> str:
        self.pull_through_layer(name, digest)
        self.layer_for_download(name, digest)
        if self.world.on_registry_use is not None:
            self.world.on_registry_use()
        endpoint = self.world.endpoint
        if endpoint is not None:
            return endpoint.download_url(self.registry_id, self.region, name, digest)
        return s3_download_url(self.registry_id, self.region, name, digest)

    def _upload(self, repository: Repository, upload_id: str) -> Upload:
        upload = repository.uploads.get(upload_id)
        if upload is not None and upload.writer is None and upload.resume_key is not None:
            upload.writer = self.world.blob_store.resume(upload.resume_key)  # started by another server process
        if upload is None or upload.writer is None:
            raise UploadNotFoundException.of(upload_id, repository.name, self.registry_id)
        return upload

    def _layer_status(self, repository: Repository, digest: str) -> LayerStatus | None:
        blob, ref = repository.blobs.get(digest), repository.blob_ref(digest)
        if blob is None and ref is None:
            return None
        media_type = ref.media_type if ref else None
        if blob is None:
            # named by a manifest whose blobs were never uploaded (default mode pushes manifests alone)
            return LayerStatus(digest, UNAVAILABLE, None, media_type)
        archived = ref is not None and ref.active == 0  # only archived images use it
        return LayerStatus(digest, ARCHIVED if archived else AVAILABLE, blob.size, media_type)

"""The registry API's view of a registry (ecr-behaviour.md section 5): what ``docker push`` and ``docker pull``
do, in ECR's terms. A manifest PUT is PutImage, a manifest GET is a pull (BatchGetImage), a blob upload is the
layer API's Initiate/Upload/Complete; the HTTP shapes live in ``ecr_mock._server.registry``.

Errors are ECR's exceptions; the server words them as the distribution spec's codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ecr_mock._backend.base import ImageRef
from ecr_mock._backend.images import ImageOps
from ecr_mock._backend.layers import LayerOps
from ecr_mock._domain.blobs import Upload
from ecr_mock._domain.manifest import Manifest
from ecr_mock._domain.repository import ACTIVE, Image, Repository
from ecr_mock._errors import (
    ImageAlreadyExistsException,
    ImageDigestDoesNotMatchException,
    ImageNotFoundException,
    InvalidLayerException,
    LayersNotFoundException,
    RepositoryNotFoundException,
)
from ecr_mock._store.blobs import Blob, sha256_digest

DIGEST_REFERENCE = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")


@dataclass(frozen=True, slots=True)
class Referrer:
    """One entry of a referrers answer: an image whose manifest names the subject."""

    digest: str
    media_type: str
    size: int
    artifact_type: str | None
    annotations: dict[str, str] | None


class DistributionOps(ImageOps, LayerOps):
    """Blobs and manifests by the registry API, over the same repositories the ECR API sees."""

    # --- blobs ---------------------------------------------------------------------------------------------

    def registry_blob(self, name: str, digest: str) -> Blob:
        """A blob of the repository (uploaded, mounted or cached), for ``GET``/``HEAD /v2/<name>/blobs/<d>``."""
        self.pull_through_layer(name, digest)
        repository = self.repository(name)
        blob = repository.blobs.get(digest)
        if blob is None:
            raise LayersNotFoundException.layer(digest, name, self.registry_id)
        return blob

    def open_registry_upload(self, name: str) -> tuple[Repository, Upload]:
        """``POST /v2/<name>/blobs/uploads/``: InitiateLayerUpload (creating the repository on push where a
        CREATE_ON_PUSH template applies)."""
        return self.initiate_layer_upload(name)

    def registry_upload(self, name: str, upload_id: str) -> Upload:
        return self._upload(self.repository(name), upload_id)

    def finish_registry_upload(self, name: str, upload_id: str, digest: str) -> Blob:
        """The final ``PUT``: the bytes must hash to ``digest``; an identical blob already held is kept."""
        upload = self.registry_upload(name, upload_id)
        writer = upload.writer
        assert writer is not None
        computed = writer.digest_in(digest.partition(":")[0])
        if computed != digest:
            raise InvalidLayerException.of([digest], computed)
        repository = self.repository(name)
        del repository.uploads[upload_id]
        blob = writer.commit(computed)
        upload.writer = None
        return repository.blobs.setdefault(blob.digest, blob)

    def cancel_registry_upload(self, name: str, upload_id: str) -> None:
        upload = self.registry_upload(name, upload_id)
        del self.repository(name).uploads[upload_id]
        if upload.writer is not None:
            upload.writer.abort()
            upload.writer = None

    def mount_blob(self, name: str, digest: str, source: str | None) -> Blob | None:
        """Cross-repository mount, ECR's way (ecr-behaviour.md 4.13): only with BLOB_MOUNTING ENABLED, within the
        registry, between repositories of the same encryption, of a blob some image of the source names. None
        when it cannot mount (the client then uploads)."""
        if self.settings.get("BLOB_MOUNTING") != "ENABLED" or not source or source == name:
            return None
        target = self.repository_for_push(name)
        origin = self.repositories.get(source)
        if origin is None or (origin.encryption_type, origin.kms_key) != (target.encryption_type, target.kms_key):
            return None
        blob = origin.blobs.get(digest)
        if blob is None or origin.blob_ref(digest) is None:
            return None
        return target.blobs.setdefault(digest, blob)

    def delete_registry_blob(self, name: str, digest: str) -> bool:
        """``DELETE /v2/<name>/blobs/<d>``: the repository forgets an uploaded blob; False (and nothing changes)
        while an image of the repository still names it."""
        repository = self.repository(name)
        if digest not in repository.blobs:
            raise LayersNotFoundException.layer(digest, name, self.registry_id)
        if repository.blob_ref(digest) is not None:
            return False
        del repository.blobs[digest]
        return True

    # --- manifests -----------------------------------------------------------------------------------------

    def push_manifest(
        self, name: str, reference: str, body: bytes, content_type: str | None, tags: Sequence[str] = ()
    ) -> tuple[Repository, Image]:
        """``PUT /v2/<name>/manifests/<tag or digest>``: PutImage with the blobs required (a registry refuses a
        manifest whose blobs it lacks, in every mode). Pushing what is already there succeeds, as registries do."""
        text = body.decode("utf-8")
        by_digest = DIGEST_REFERENCE.fullmatch(reference) is not None
        if by_digest and reference != sha256_digest(body):
            raise ImageDigestDoesNotMatchException.of(reference, sha256_digest(body))
        wanted: list[str | None] = list(dict.fromkeys(tags if by_digest else (reference,))) or [None]
        repository, image = self.repositories.get(name), None
        for tag in wanted:
            try:
                repository, image, _ = self.put_image(
                    name, text, tag=tag, media_type=content_type or None, require_blobs=True
                )
            except ImageAlreadyExistsException:
                repository = self.repository(name)
                image = repository.images.get(sha256_digest(body))
        assert repository is not None and image is not None
        return repository, image

    def pull_manifest(self, name: str, reference: str, accepted: Sequence[str] | None, count: bool) -> Image:
        """``GET`` (a pull, counted as BatchGetImage counts it) or ``HEAD`` (``count=False``) of a manifest."""
        ref = ImageRef(digest=reference) if DIGEST_REFERENCE.fullmatch(reference) else ImageRef(tag=reference)
        if count:
            repository, found, _ = self.batch_get_image(name, [ref], None)
            image = found[0][0] if found else None
        else:
            self.pull_through(name, [ref])
            repository = self.repository(name)
            image = repository.find(ref.digest, ref.tag)
            image = image if image is not None and image.status == ACTIVE else None
        if image is None or (accepted and not _acceptable(image.manifest, accepted)):
            raise ImageNotFoundException.of(ref.digest, ref.tag, name, self.registry_id)
        return image

    def delete_manifest(self, name: str, reference: str) -> str | None:
        """``DELETE /v2/<name>/manifests/<ref>``: by digest, the image and its tags (BatchDeleteImage); by tag,
        that tag alone (the distribution spec's tag delete), the image staying. The reason it was refused (an
        index still names the image), or None."""
        repository = self.repository(name)
        if DIGEST_REFERENCE.fullmatch(reference) is None:
            image = repository.find(None, reference)
            if image is None:
                raise ImageNotFoundException.of(None, reference, name, self.registry_id)
            repository.detach(image, reference)
            self.after_delete(repository, image.digest, reference)
            return None
        _, failures = self.batch_delete_image(name, [ImageRef(digest=reference)])
        if not failures:
            return None
        if failures[0].code == "ImageNotFound":
            raise ImageNotFoundException.of(reference, None, name, self.registry_id)
        return failures[0].reason

    # --- listings ------------------------------------------------------------------------------------------

    def registry_tags(self, name: str) -> list[str]:
        """Every tag of the repository, in lexical order (the distribution spec's order)."""
        return sorted(self.repository(name).tag_index)

    def catalog(self) -> list[str]:
        return sorted(repository.name for repository in self.repositories.values())

    def registry_referrers(self, name: str, subject: str, artifact_type: str | None) -> list[Referrer]:
        """Images of the repository whose ``subject`` is ``subject``; a missing repository has none."""
        repository = self.repositories.get(name)
        if repository is None:
            raise RepositoryNotFoundException.of(name, self.registry_id)
        found = []
        for digest in repository.referrers.get(subject, ()):
            image = repository.images.get(digest)
            if image is None or image.status != ACTIVE:
                continue
            kind = _artifact_type(image.manifest)
            if artifact_type is None or kind == artifact_type:
                manifest = image.manifest
                found.append(Referrer(digest, manifest.media_type, manifest.text_size, kind, manifest.annotations))
        return found


def _acceptable(manifest: Manifest, accepted: Sequence[str]) -> bool:
    return any(kind in ("*/*", manifest.media_type) for kind in accepted)


def _artifact_type(manifest: Manifest) -> str | None:
    if manifest.artifact_type:
        return manifest.artifact_type
    return None if manifest.is_list else manifest.config_media_type

"""PutImage, ListImages, DescribeImages, BatchGetImage, BatchDeleteImage: images within a repository."""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ecr_mock import _clock, _config
from ecr_mock._backend import leniency as _leniency
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import ImageRef, RegistryBase, no_paging_with, page
from ecr_mock._domain.image_tag import check_image_tag
from ecr_mock._domain.manifest import LIST_TYPES, Blobs, Descriptor, Manifest, descriptors, read
from ecr_mock._domain.repository import ACTIVATING, ACTIVE, ARCHIVED, Image, Repository
from ecr_mock._errors import (
    DIGEST_PATTERN,
    FAILURE_REASONS,
    ImageAlreadyExistsException,
    ImageDigestDoesNotMatchException,
    ImageStorageClassUpdateNotSupportedException,
    ImageTagAlreadyExistsException,
    LayersNotFoundException,
    LimitExceededException,
    ReferencedImagesNotFoundException,
    RepositoryNotFoundException,
)

_DIGEST = re.compile(DIGEST_PATTERN)
ImagePairs = tuple[list[str], list[str | None]]  # ListImages' (digest, tag) pairs as columns: digests, tags
TAGGED, UNTAGGED, ANY = "TAGGED", "UNTAGGED", "ANY"


@dataclass(frozen=True, slots=True)
class Failure:
    ref: ImageRef
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImageFilter:
    tag_status: str = ANY
    image_status: str = ACTIVE

    def admits(self, image: Image) -> bool:
        if self.image_status != ANY and image.status != self.image_status:
            return False
        if self.tag_status == TAGGED:
            return bool(image.tags)
        return not image.tags if self.tag_status == UNTAGGED else True


class ImageOps(RegistryBase):
    """The images of a registry's repositories: ecr-behaviour.md 3.2 and 4.1-4.5."""

    def put_image(
        self,
        name: str,
        manifest_text: str,
        *,
        tag: str | None = None,
        digest: str | None = None,
        media_type: str | None = None,
        require_blobs: bool = False,
    ) -> tuple[Repository, Image, str | None]:
        """Store a manifest (and tag it): ecr-behaviour.md 4.3. Returns where, the image and the tag applied.
        ``require_blobs``: refuse a manifest naming blobs never pushed whatever the mode (registry pushes)."""
        repository = self.repositories.get(name)
        if repository is None or repository.activating:  # missing (maybe created on push), or restores to settle
            repository = self.repository_for_push(name)
        manifest, document = read(manifest_text, media_type)
        if tag is not None:
            check_image_tag(tag)
        if digest is not None and digest != manifest.digest:
            manifest = self._given_digest(manifest, digest)
        existing = repository.images.get(manifest.digest)
        if existing is None and (require_blobs or self.world.behaviour.require_pushed_blobs):
            self._require_references(repository, manifest, descriptors(manifest, document))
        restoring = existing is not None and existing.status != ACTIVE  # pushing an archived image restores it
        if tag is None:
            if existing is None:
                return repository, self._add_image(repository, manifest, document), None
            if restoring or self.world.behaviour.untagged_repush_allowed:
                self._restore(repository, existing)
                return repository, existing, None
            raise ImageAlreadyExistsException.of(manifest.digest, None, name, self.registry_id)
        holder = repository.tag_index.get(tag)
        if holder == manifest.digest:
            if restoring:
                assert existing is not None
                self._restore(repository, existing)
                return repository, existing, tag
            raise ImageAlreadyExistsException.of(manifest.digest, tag, name, self.registry_id)
        if holder is not None and repository.tag_is_immutable(tag):
            raise ImageTagAlreadyExistsException.of(tag, name)
        if existing is not None and len(existing.tags) >= _config.MAX_TAGS_PER_IMAGE:
            raise LimitExceededException.tags_per_image(_config.MAX_TAGS_PER_IMAGE, manifest.digest)
        image = existing or self._add_image(repository, manifest, document)
        if image.status != ACTIVE:
            self._restore(repository, image)
        repository.attach(image, tag)
        if self.reacts_to_changes(repository):
            self.after_tag(repository, image, tag)
        return repository, image, tag

    def _given_digest(self, manifest: Manifest, digest: str) -> Manifest:
        """Strict: ECR's refusal. Default (moto's leniency): the image is stored under the digest the caller gave,
        when it is one (a digest no later call could name is refused in both modes)."""
        refusal = ImageDigestDoesNotMatchException.of(digest, manifest.digest)
        if not self.world.behaviour.trust_given_digest or not _DIGEST.fullmatch(digest):
            raise refusal
        asked = f"imageDigest '{digest}' for a manifest whose SHA-256 is '{manifest.digest}'"
        real = f"{refusal.code}: {refusal.message}"
        _leniency.record(self.world, _leniency.IMAGE_DIGEST_MISMATCH, "PutImage", asked, real)
        return dataclasses.replace(manifest, digest=digest)

    def _require_references(self, repository: Repository, manifest: Manifest, blobs: Blobs) -> None:
        """Strict mode: every blob an image names, and every image a list names, must already be pushed."""
        config, layers = blobs
        named = layers if config is None else (config, *layers)
        missing = [b.digest for b in named if b.digest not in repository.blobs and not _foreign(b)]
        if missing:
            raise LayersNotFoundException.of(dict.fromkeys(missing), repository.name, self.registry_id)
        children = [child for child in manifest.children if child not in repository.images]
        if children:
            raise ReferencedImagesNotFoundException.of(dict.fromkeys(children), repository.name, self.registry_id)

    def _restore(self, repository: Repository, image: Image) -> None:
        if image.status != ACTIVE:
            image.active_from = None
            repository.set_status(image, ACTIVE)
            image.last_activated_at = _clock.now()

    def _add_image(self, repository: Repository, manifest: Manifest, document: dict[str, Any]) -> Image:
        if len(repository.images) >= _config.MAX_IMAGES_PER_REPOSITORY:
            raise LimitExceededException.images(_config.MAX_IMAGES_PER_REPOSITORY, repository.name, self.registry_id)
        size = self._image_size(repository, manifest, document)
        image = repository.add(Image(manifest, _clock.epoch(), size), document)  # its blobs counted now
        if self.reacts_to_changes(repository):
            self.after_push(repository, image)
        return image

    def _image_size(self, repository: Repository, manifest: Manifest, document: dict[str, Any]) -> int:
        """ECR's size: the layers' stored (compressed) bytes; a list's largest child. Without the layers
        uploaded, the default mode keeps the seed's nominal size and strict mode trusts the manifest."""
        nominal = self.world.behaviour.nominal_image_size
        if manifest.media_type in LIST_TYPES:
            sizes = [child.size for child in map(repository.images.get, manifest.children) if child]
            return max(sizes, default=nominal or 0)
        if not repository.blobs and nominal is not None:  # nothing uploaded: no need to read the layers
            return nominal
        layers = descriptors(manifest, document).layers
        if repository.blobs:  # some layers were uploaded: maybe all of this image's
            stored = [repository.blobs.get(layer.digest) for layer in layers]
            if stored and all(stored):
                return sum(blob.size for blob in stored if blob)
        if nominal is None:
            return sum(layer.size for layer in layers)
        return nominal

    def list_images(
        self, name: str, image_filter: ImageFilter, max_results: int | None, next_token: str | None
    ) -> tuple[ImagePairs, str | None]:
        """One (digest, tag) pair per tag, (digest, None) for an untagged image, in push order: as two columns,
        the digests and the tags."""
        repository = self.repository(name)
        listing = repository.listing("images")
        seq, offset = _paging.decode(listing, next_token, 2) or (0, 0)
        limit = max_results or _config.DEFAULT_PAGE_SIZE
        if _every(repository, image_filter) and not offset:
            found = _one_tag_each(repository, seq, limit, listing)
            if found is not None:
                return found
        digests: list[str] = []
        tags: list[str | None] = []
        for image in repository.iter_from(seq):
            if not image_filter.admits(image):
                continue
            pairs: list[str | None] = list(image.tags) if image.tags else [None]
            for index in range(offset if image.seq == seq else 0, len(pairs)):
                if len(digests) == limit:
                    return (digests, tags), _paging.encode(listing, image.seq, index)
                digests.append(image.digest)
                tags.append(pairs[index])
        return (digests, tags), None

    def describe_images(
        self,
        name: str,
        refs: Sequence[ImageRef] | None,
        image_filter: ImageFilter,
        max_results: int | None,
        next_token: str | None,
        caller: str,
    ) -> tuple[Repository, list[Image], str | None]:
        repository = self._repository_seen_by(name, caller)
        if refs:
            no_paging_with("imageIds", max_results, next_token)
            if len(refs) == 1:  # the common question: one image
                return repository, [self.find_image(repository, refs[0])], None
            found = {id(image): image for image in (self.find_image(repository, ref) for ref in refs)}
            return repository, list(found.values()), None
        listing = repository.listing("image-details")
        start = _paging.decode(listing, next_token, 1)
        seq = start[0] if start else 0
        if _every(repository, image_filter):
            return (repository, *_slice(repository, seq, max_results or _config.DEFAULT_PAGE_SIZE, listing))
        images = (i for i in repository.iter_from(seq) if image_filter.admits(i))
        return (repository, *page(images, max_results, listing))

    def _repository_seen_by(self, name: str, caller: str) -> Repository:
        """The seed's DescribeImages found the caller's repository whatever registryId said (default mode), and
        named the given registry in its messages."""
        repository = self.repositories.get(name)
        if repository is None and caller != self.registry_id and self.world.behaviour.registry_fallback:
            repository = self.world.registry(caller, self.region).repositories.get(name)
            if repository is not None:
                self._record_fallback(name, caller)
        if repository is None:
            raise RepositoryNotFoundException.of(name, self.registry_id)
        if repository.activating:
            repository.settle(_clock.now())
        return repository

    def _record_fallback(self, name: str, caller: str) -> None:
        missing = RepositoryNotFoundException.of(name, self.registry_id)
        asked = f"repository '{name}' in registry '{self.registry_id}', found only in the caller's ('{caller}')"
        real = f"{missing.code}: {missing.message}"
        _leniency.record(self.world, _leniency.REGISTRY_FALLBACK, "DescribeImages", asked, real)

    def batch_get_image(
        self,
        name: str,
        refs: Sequence[ImageRef],
        accepted_media_types: Sequence[str] | None,
        principal: str | None = None,
    ) -> tuple[Repository, list[tuple[Image, ImageRef]], list[Failure]]:
        """Each found image with the identifier it was asked by; a pull, so ``last_pull`` moves, unless the
        calling ``principal`` is excluded from pull time updates."""
        self.pull_through(name, [ref for ref in refs if _malformed(ref) is None])
        repository = self.repository(name)
        images: list[tuple[Image, ImageRef]] = []
        failures: list[Failure] = []
        now = None if principal is not None and principal in self.pull_time_exclusions else _clock.now()
        for ref in refs:
            failure = _malformed(ref)
            image = None if failure else repository.find(ref.digest, ref.tag)
            if image is not None and accepted_media_types and image.manifest.media_type not in accepted_media_types:
                image = None  # ECR would translate formats; the mock serves only what is stored
            if image is not None and image.status != ACTIVE:
                image = None  # archived images cannot be pulled (failure code unconfirmed)
            if failure is None and image is None:
                failure = _failure(ref, "ImageNotFound")
            if failure is not None:
                failures.append(failure)
                continue
            assert image is not None
            image.last_pull = now or image.last_pull
            images.append((image, ref))
        return repository, images, failures

    def batch_delete_image(
        self, name: str, refs: Sequence[ImageRef]
    ) -> tuple[list[tuple[str, str | None]], list[Failure]]:
        """ecr-behaviour.md 4.5, entry by entry: the (digest, tag) pairs removed and the failures."""
        repository = self.repository(name)
        deleted: list[tuple[str, str | None]] = []
        failures: list[Failure] = []
        for ref in refs:
            outcome = self._delete_one(repository, ref)
            if isinstance(outcome, Failure):
                failures.append(outcome)
            else:
                deleted.extend(outcome)
        return deleted, failures

    def _delete_one(self, repository: Repository, ref: ImageRef) -> list[tuple[str, str | None]] | Failure:
        failure = _malformed(ref)
        if failure is not None:
            return failure
        image = repository.find(ref.digest, ref.tag)
        if image is None:
            return _failure(ref, "ImageNotFound")
        if ref.digest is None and ref.tag is not None and len(image.tags) > 1:
            repository.detach(image, ref.tag)
            self.after_delete(repository, image.digest, ref.tag)
            return [(image.digest, ref.tag)]
        parents = repository.parents.get(image.digest)
        if parents:
            return _failure(ref, "ImageReferencedByManifestList", parents=", ".join(sorted(parents)))
        removed: list[tuple[str, str | None]] = [(image.digest, t) for t in image.tags] or [(image.digest, None)]
        repository.remove(image)
        self.after_delete(repository, image.digest, None)
        return removed

    # --- storage class and referrers ------------------------------------------------------------------------

    def update_image_storage_class(self, name: str, ref: ImageRef, target: str) -> tuple[Repository, Image]:
        """STANDARD -> ARCHIVE at once; ARCHIVE -> STANDARD goes through ACTIVATING (ecr-behaviour.md 4.15)."""
        repository = self.repository(name)
        image = self.find_image(repository, ref)
        if target == "ARCHIVE":
            if image.status != ACTIVE:
                raise ImageStorageClassUpdateNotSupportedException.already(image.digest, "ARCHIVE")
            repository.set_status(image, ARCHIVED)
            image.last_archived_at = _clock.now()
        else:
            if image.status != ARCHIVED:
                raise ImageStorageClassUpdateNotSupportedException.already(image.digest, "STANDARD")
            image.active_from = _clock.now() + self.world.behaviour.durations.restore
            repository.set_status(image, ACTIVATING)
        return repository, image

    def list_image_referrers(
        self,
        name: str,
        subject: str,
        artifact_types: Sequence[str] | None,
        status: str,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[list[Image], str | None]:
        """Images of the repository whose manifest's ``subject`` is ``subject`` (OCI 1.1), in push order."""
        repository = self.repository(name)
        listing = repository.listing("referrers", subject)
        start = _paging.decode(listing, next_token, 1)
        after = start[0] if start else 0
        wanted = set(artifact_types or ())
        images = (
            image
            for image in map(repository.images.get, repository.referrers.get(subject, ()))
            if image is not None
            and image.seq >= after
            and (status == ANY or image.status == status)
            and (not wanted or referrer_artifact_type(image) in wanted)
        )
        return page(images, max_results or _config.DEFAULT_REFERRERS_PAGE_SIZE, listing)


_TAGGED = operator.attrgetter("tagged")
_DIGEST_OF = operator.attrgetter("digest")
_JUST_ONE = {str}  # an image's one tag is held as itself (Image.tagged)


def _one_tag_each(repository: Repository, seq: int, limit: int, listing: str) -> tuple[ImagePairs, str | None] | None:
    """ListImages of every image when each on the page has exactly one tag (a CI repository's usual shape): one
    pair per image, its columns taken from a slice of the order in C; None when some image has another number of
    tags."""
    images = repository.images.page_from(seq, limit + 1)
    after = images.pop() if len(images) > limit else None  # the first image of the next page
    tags: list[str | None] = list(map(_TAGGED, images))
    if images and set(map(type, tags)) != _JUST_ONE:
        return None
    pairs = (list(map(_DIGEST_OF, images)), tags)
    if after is not None:
        return pairs, _paging.encode(listing, after.seq, 0)
    return pairs, None


def _every(repository: Repository, image_filter: ImageFilter) -> bool:
    """Whether the filter admits every image of the repository (no tag status asked, and no status, or ACTIVE
    with none archived or being restored)."""
    status = image_filter.image_status
    return image_filter.tag_status == ANY and (status == ANY or (status == ACTIVE and not repository.inactive))


def _slice(repository: Repository, seq: int, limit: int, listing: str) -> tuple[list[Image], str | None]:
    """A page of every image from ``seq``: one slice of the order (what ``page`` gives, without its loop)."""
    images = repository.images.page_from(seq, limit + 1)
    if len(images) > limit:
        return images[:limit], _paging.encode(listing, images[limit].seq)
    return images, None


def _malformed(ref: ImageRef) -> Failure | None:
    if ref.digest is None and ref.tag is None:
        return _failure(ref, "MissingDigestAndTag")
    if ref.digest is not None and not _DIGEST.fullmatch(ref.digest):
        return _failure(ref, "InvalidImageDigest")
    return None


def _failure(ref: ImageRef, code: str, **details: str) -> Failure:
    return Failure(ref, code, FAILURE_REASONS[code].format(**details))


def _foreign(blob: Descriptor) -> bool:
    """Windows base layers (and OCI's non-distributable layers) are pulled from elsewhere and never pushed
    (unconfirmed that ECR exempts them; the OCI spec says a registry must not require them)."""
    kind = blob.media_type
    return kind is not None and (".foreign." in kind or ".nondistributable." in kind)


def referrer_artifact_type(image: Image) -> str | None:
    """OCI: the manifest's artifactType, else its config's media type; none for an index without one."""
    manifest = image.manifest
    if manifest.artifact_type:
        return manifest.artifact_type
    return None if manifest.is_list else manifest.config_media_type

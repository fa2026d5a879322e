"""A repository and its images: images by digest in push order, a tag -> digest index, list -> child links.

Pure data and index upkeep; the rules for what a call may do live in ``_backend``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import Any

from ecr_mock._domain.blobs import BlobRef, Upload, blob_key
from ecr_mock._domain.lifecycle import Decision, LifecyclePolicy
from ecr_mock._domain.manifest import (
    _COMMON_TYPES,
    DOCKER_V1,
    DOCKER_V1_SIGNED,
    Blobs,
    Manifest,
    _shared,
    blobs_of,
    descriptors,
)
from ecr_mock._domain.ordered import Ordered
from ecr_mock._store.blobs import Blob


@dataclass(slots=True, eq=False)
class Scan:
    """A basic scan of one image: started, then complete once ``done_at`` has passed."""

    started_at: datetime
    done_at: datetime
    findings: list[dict[str, Any]] = field(default_factory=list)  # basic findings, ECR's shape
    enhanced_findings: list[dict[str, Any]] = field(default_factory=list)  # Amazon Inspector's shape

    def complete(self, now: datetime) -> bool:
        return now >= self.done_at


@dataclass(frozen=True, slots=True)
class PreviewResult:
    """What a policy would do to one image, with the image as it was when the preview ran."""

    decision: Decision
    tags: tuple[str, ...]
    pushed_at: datetime
    storage_class: str  # STANDARD | ARCHIVE


@dataclass(slots=True, eq=False)
class Preview:
    """A lifecycle policy preview: the policy it ran and what it would do, reported once ``done_at`` passes."""

    policy: LifecyclePolicy
    results: list[PreviewResult]
    started_at: datetime
    done_at: datetime


MUTABLE = "MUTABLE"
IMMUTABLE = "IMMUTABLE"
IMMUTABLE_WITH_EXCLUSION = "IMMUTABLE_WITH_EXCLUSION"
MUTABLE_WITH_EXCLUSION = "MUTABLE_WITH_EXCLUSION"
EXCLUSION_MODES = frozenset({IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION})

ACTIVE = "ACTIVE"
ARCHIVED = "ARCHIVED"
ACTIVATING = "ACTIVATING"

_V1_TYPES = frozenset({DOCKER_V1, DOCKER_V1_SIGNED})
UNCOUNTED = 32  # images whose blobs may wait to be counted: what the next layer question counts at most


@dataclass(slots=True, eq=False)
class ImageMore:
    """What few images have (a pull, archive and restore times, a scan, replication and signing states), and
    what few manifests carry (an index's children, a subject, an artifactType, annotations), kept apart so that
    every other image is ten slots smaller."""

    children: tuple[str, ...] = ()  # the manifest's rare facts, as its ManifestMore said them
    subject: str | None = None
    artifact_type: str | None = None
    annotations: dict[str, str] | None = None
    last_pull: datetime | None = None
    last_archived_at: datetime | None = None
    last_activated_at: datetime | None = None
    active_from: datetime | None = None  # while ACTIVATING: when the restore completes
    scan: Scan | None = None
    replication: dict[tuple[str, str], tuple[str, str | None]] | None = None  # destination -> (status, failure)
    signing: dict[str, datetime] | None = None  # signing profile ARN -> when its signature is complete

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Saved state, also of a version whose ImageMore had no manifest facts (they were its manifest's)."""
        ImageMore.__init__(self)  # every slot its default first
        for name, value in state[1].items():
            setattr(self, name, value)


def _image_more(manifest: Manifest) -> ImageMore | None:
    """An image's ``more`` for its manifest's rare facts: None when it has none (most)."""
    rare = manifest.more
    if rare is None:
        return None
    children, subject, artifact_type, annotations = rare.children, rare.subject, rare.artifact_type, rare.annotations
    if not children and subject is None and artifact_type is None and annotations is None:
        return None  # an image's more with only the image's own facts
    return ImageMore(children, subject, artifact_type, annotations)


class Image(Manifest):
    """An image: its manifest's facts in its own slots (an image is its ``manifest``: one object each, not two)
    and what ECR keeps of the push. A tag is held as itself, several in a tuple (``tags`` reads either)."""

    __slots__ = ("pushed", "seq", "size", "status", "tagged")

    more: ImageMore | None  # made when one of its fields is first set (read them through the properties)
    pushed: float  # epoch seconds of the first push (a float: half a datetime's memory, for every image)
    size: int  # ECR's image size (the manifest's own is ``text_size``)
    tagged: str | tuple[str, ...]  # the image's one tag, else its tags (none, several) in the order attached
    status: str  # ACTIVE | ARCHIVED | ACTIVATING
    seq: int

    def __init__(self, manifest: Manifest, pushed: float, size: int) -> None:
        self.text = manifest.text
        self.digest = manifest.digest
        self.media_type = manifest.media_type
        self.config_media_type = manifest.config_media_type
        self.more = None if manifest.more is None else _image_more(manifest)
        self.pushed = pushed
        self.size = size
        self.tagged = ()
        self.status = ACTIVE
        self.seq = 0

    def __repr__(self) -> str:
        return f"Image(digest={self.digest!r}, tags={self.tags!r}, status={self.status!r}, seq={self.seq!r})"

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Saved state, also of a version that kept an image's manifest in a ``Manifest`` of its own and its
        tags as a tuple."""
        slots = dict(state[1])
        manifest = slots.pop("manifest", None)
        if manifest is not None:
            saved_more: ImageMore | None = slots.pop("more", None)
            Image.__init__(self, manifest, slots["pushed"], slots["size"])
            if saved_more is not None:
                facts = self.more
                if facts is not None:
                    saved_more.children, saved_more.subject = facts.children, facts.subject
                    saved_more.artifact_type, saved_more.annotations = facts.artifact_type, facts.annotations
                self.more = saved_more
        if "tags" in slots:
            self.tags = slots.pop("tags")
        for name, value in slots.items():
            setattr(self, name, value)

    @property
    def manifest(self) -> Manifest:
        """The image's manifest: the image itself."""
        return self

    @property
    def tags(self) -> tuple[str, ...]:
        """The image's tags in the order they were attached."""
        tagged = self.tagged
        return (tagged,) if isinstance(tagged, str) else tagged

    @tags.setter
    def tags(self, value: tuple[str, ...]) -> None:
        self.tagged = value[0] if len(value) == 1 else value

    def _more(self) -> ImageMore:
        if self.more is None:
            self.more = ImageMore()
        return self.more

    @property
    def last_pull(self) -> datetime | None:
        return None if self.more is None else self.more.last_pull

    @last_pull.setter
    def last_pull(self, value: datetime | None) -> None:
        if value is not None or self.more is not None:
            self._more().last_pull = value

    @property
    def last_archived_at(self) -> datetime | None:
        return None if self.more is None else self.more.last_archived_at

    @last_archived_at.setter
    def last_archived_at(self, value: datetime | None) -> None:
        if value is not None or self.more is not None:
            self._more().last_archived_at = value

    @property
    def last_activated_at(self) -> datetime | None:
        return None if self.more is None else self.more.last_activated_at

    @last_activated_at.setter
    def last_activated_at(self, value: datetime | None) -> None:
        if value is not None or self.more is not None:
            self._more().last_activated_at = value

    @property
    def active_from(self) -> datetime | None:
        return None if self.more is None else self.more.active_from

    @active_from.setter
    def active_from(self, value: datetime | None) -> None:
        if value is not None or self.more is not None:
            self._more().active_from = value

    @property
    def scan(self) -> Scan | None:
        return None if self.more is None else self.more.scan

    @scan.setter
    def scan(self, value: Scan | None) -> None:
        if value is not None or self.more is not None:
            self._more().scan = value

    @property
    def replication(self) -> dict[tuple[str, str], tuple[str, str | None]] | None:
        return None if self.more is None else self.more.replication

    @replication.setter
    def replication(self, value: dict[tuple[str, str], tuple[str, str | None]] | None) -> None:
        if value is not None or self.more is not None:
            self._more().replication = value

    @property
    def signing(self) -> dict[str, datetime] | None:
        return None if self.more is None else self.more.signing

    @signing.setter
    def signing(self, value: dict[str, datetime] | None) -> None:
        if value is not None or self.more is not None:
            self._more().signing = value

    @property
    def pushed_at(self) -> datetime:
        return datetime.fromtimestamp(self.pushed, timezone.utc)

    def restored_by(self, now: datetime) -> bool:
        """Whether a restore in progress has completed by ``now`` (ECR restores asynchronously)."""
        return self.status == ACTIVATING and self.active_from is not None and now >= self.active_from


@dataclass(slots=True, eq=False)
class Repository:
    name: str
    registry_id: str
    region: str
    created_at: datetime
    tag_mutability: str = MUTABLE
    exclusion_filters: tuple[str, ...] = ()  # WILDCARD patterns
    scan_on_push: bool = False
    encryption_type: str = "AES256"
    kms_key: str | None = None
    resource_tags: dict[str, str] = field(default_factory=dict)
    policy_text: str | None = None
    lifecycle: LifecyclePolicy | None = None
    lifecycle_evaluated_at: datetime | None = None
    preview: Preview | None = None
    images: Ordered[Image] = field(default_factory=Ordered)
    tag_index: dict[str, str] = field(default_factory=dict)  # tag -> digest
    parents: dict[str, set[str]] = field(default_factory=dict)  # child digest -> lists/indexes naming it
    referrers: dict[str, list[str]] = field(default_factory=dict)  # subject digest -> referrer digests, push order
    blobs: dict[str, Blob] = field(default_factory=dict)  # uploaded layer/config blobs
    # Blob digests the images' manifests name, keyed compactly (see _key), read through blob_ref(), in one dict:
    # a blob several images name as a BlobRef with their counts; one that a single image names (most: its config
    # and own layers) as a small int, no object of its own: its media type's number in blob_kinds, twice, plus
    # 1 while that image is active. One lookup answers either, and a push adds a blob with one more.
    blob_index: dict[int | bytes | str, BlobRef | int] = field(default_factory=dict)
    blob_kinds: list[str | None] = field(default_factory=list)  # the media types blob_index's ints number
    # images whose blobs are not yet counted (pushed without their document at hand): at most UNCOUNTED of them,
    # so that no call pays for many
    uncounted: dict[str, Image] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    activating: set[str] = field(default_factory=set)  # digests being restored from ARCHIVE
    seeded_findings: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = field(default_factory=dict)
    inactive: int = 0  # images not ACTIVE (archived or being restored): none, and a listing need not look
    seq: int = 0
    arn: str = field(init=False)  # name, registry and region never change: both are built once
    uri: str = field(init=False)

    def __post_init__(self) -> None:
        self.arn = f"arn:{partition(self.region)}:ecr:{self.region}:{self.registry_id}:repository/{self.name}"
        self.uri = f"{self.registry_id}.dkr.ecr.{self.region}.amazonaws.com/{self.name}"

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Saved state, also of schema 3, which kept the blobs the images name in two parts under the same keys:
        ``blob_refs`` (those several images name) and ``blob_singles`` (per media type, a set each of those one
        inactive and one active image names)."""
        slots = dict(state[1])
        refs: dict[int | bytes | str, BlobRef] | None = slots.pop("blob_refs", None)
        singles: dict[str | None, tuple[set[int | bytes | str], ...]] | None = slots.pop("blob_singles", None)
        for name, value in slots.items():
            setattr(self, name, value)
        if refs is None and singles is None:
            return
        self.blob_index, self.blob_kinds = {}, []
        for media_type, pair in (singles or {}).items():
            for active, keys in enumerate(pair):
                for key in keys:
                    self.blob_index[key] = self._single(media_type, active)
        for key, ref in (refs or {}).items():
            self.blob_index[key] = ref

    def listing(self, kind: str, *more: str) -> str:
        """What a page token of this repository's ``kind`` listing is bound to."""
        return ":".join((kind, self.registry_id, self.region, self.name, *more))

    # --- lookups -------------------------------------------------------------------------------------------

    def find(self, digest: str | None, tag: str | None) -> Image | None:
        """ImageIdentifier rule: digest only, tag only, or both (the image must have the digest and the tag)."""
        if tag is not None:
            tagged = self.tag_index.get(tag)
            if tagged is None or (digest is not None and digest != tagged):
                return None
            digest = tagged
        return None if digest is None else self.images.get(digest)

    def iter_from(self, seq: int) -> Iterator[Image]:
        return self.images.iter_from(seq)

    def blob_ref(self, digest: str) -> BlobRef | None:
        """What the images' manifests say of a blob digest, None when no image names it."""
        if self.uncounted:
            for image in self.uncounted.values():
                self._count(image, blobs_of(image))
            self.uncounted.clear()
        found = self.blob_index.get(_key(digest))
        if type(found) is int:  # one image names it
            return BlobRef(1, found & 1, self.blob_kinds[found >> 1])
        return found  # type: ignore[return-value]  # a BlobRef, or None

    def _single(self, media_type: str | None, active: int) -> int:
        """How ``blob_index`` holds a blob one image names: its media type's number, twice, plus ``active``."""
        kinds = self.blob_kinds
        try:
            return kinds.index(media_type) * 2 + active
        except ValueError:
            kinds.append(media_type)
            return len(kinds) * 2 - 2 + active

    def tag_is_immutable(self, tag: str) -> bool:
        mode = self.tag_mutability
        if mode == MUTABLE:
            return False
        if mode == IMMUTABLE:
            return True
        excluded = any(wildcard(pattern).fullmatch(tag) for pattern in self.exclusion_filters)
        return not excluded if mode == IMMUTABLE_WITH_EXCLUSION else excluded

    # --- changes -------------------------------------------------------------------------------------------

    def add(self, image: Image, document: dict[str, Any] | None = None) -> Image:
        """Store ``image`` and index what its manifest names. Its blobs are counted now when the push has the
        manifest's ``document`` at hand; otherwise (copies) noted as uncounted, and the oldest uncounted image is
        counted once more than UNCOUNTED wait, so the next layer question counts a few at most."""
        digest = image.digest
        self.images.add(digest, image)
        if image.more is not None:  # an index's children, a referrer's subject
            for child in image.children:
                self.parents.setdefault(child, set()).add(digest)
            if image.subject is not None:
                self.referrers.setdefault(image.subject, []).append(digest)
        if document is not None:
            self._count_document(image, document)
            return image
        uncounted = self.uncounted
        uncounted[digest] = image
        if len(uncounted) > UNCOUNTED:
            oldest = uncounted.pop(next(iter(uncounted)))
            self._count(oldest, blobs_of(oldest))
        return image

    def _count(self, image: Image, blobs: Blobs) -> None:
        """Add ``image``'s blobs to the blob index."""
        active = int(image.status == ACTIVE)
        index = self.blob_index
        config, layers = blobs
        for blob in layers if config is None else (config, *layers):
            key = _key(blob.digest)
            found = index.get(key)
            if found is None:
                index[key] = self._single(blob.media_type, active)
            else:
                self._named_again(key, found, active)

    def _count_document(self, image: Image, document: dict[str, Any]) -> None:
        """``_count`` of a pushed image, read straight from its manifest's JSON document (a push pays this): the
        config and layer descriptors as ``descriptors`` reads them, without building them."""
        if image.media_type in _V1_TYPES:  # blobSums, not descriptors: the general way
            self._count(image, descriptors(image, document))
            return
        # _key, _single and _named_again inlined for the usual case (sha256 digests): every push runs this loop
        # once a blob, inside boto3's own work, where each Python call costs twice what it does alone
        active = int(image.status == ACTIVE)
        index, kinds = self.blob_index, self.blob_kinds
        config, layers = document.get("config"), document.get("layers")
        named = layers if type(layers) is list else []
        for blob in named if type(config) is not dict else (config, *named):
            if type(blob) is not dict:
                continue
            digest = blob.get("digest")
            if type(digest) is not str:
                continue
            key: int | bytes | str
            if len(digest) == 71 and digest[:7] == "sha256:":
                try:
                    raw = _fromhex(digest[7:])
                except ValueError:
                    raw = b""
                key = _from_bytes(raw, "big") if len(raw) == 32 else _key(digest)
            else:
                key = _key(digest)
            found = index.get(key)
            if found is None:
                kind = blob.get("mediaType")
                kind = (_COMMON_TYPES.get(kind) or _shared(kind)) if type(kind) is str else None
                try:
                    index[key] = kinds.index(kind) * 2 + active
                except ValueError:
                    index[key] = self._single(kind, active)
            elif type(found) is int:  # a second image names it: it gets counts of its own
                index[key] = BlobRef(2, (found & 1) + active, kinds[found >> 1])
            else:
                found.count += 1  # type: ignore[union-attr]
                found.active += active  # type: ignore[union-attr]

    def _named_again(self, key: int | bytes | str, found: BlobRef | int, active: int) -> None:
        """One more image (``active``: 1 unless archived) names the blob ``blob_index`` holds as ``found``."""
        if isinstance(found, int):  # a second image names it: it gets counts of its own
            self.blob_index[key] = BlobRef(2, (found & 1) + active, self.blob_kinds[found >> 1])
        else:
            found.count += 1
            found.active += active

    def _uncount(self, key: int | bytes | str, count: int, active: int) -> None:
        """Change a counted blob's count and active count by ``count`` and ``active`` (each -1, 0 or +1, the
        count never up): one image naming it removed, or archived or restored."""
        index = self.blob_index
        found = index.get(key)
        assert found is not None, "a blob some counted image names is in the index"
        if type(found) is int:  # the one image naming it: gone, or its active bit flipped
            if count:
                del index[key]
            else:
                index[key] = found + active
            return
        ref: BlobRef = found  # type: ignore[assignment]
        ref.count += count
        ref.active += active
        if ref.count == 1 and ref.active in (0, 1):  # one image names it again: back to a single
            index[key] = self._single(ref.media_type, ref.active)
        elif not ref.count:
            del index[key]

    def attach(self, image: Image, tag: str) -> None:
        """Point ``tag`` at ``image``, taking it off the image that had it (which stays, maybe untagged)."""
        digest = image.digest
        previous = self.tag_index.get(tag)
        if previous == digest:
            return
        if previous is not None:
            holder = self.images.get(previous)
            assert holder is not None
            holder.tags = tuple(t for t in holder.tags if t != tag)
        self.tag_index[tag] = digest
        tagged = image.tagged
        image.tagged = (*image.tags, tag) if tagged else tag  # most images have one tag: itself, no tuple

    def settle(self, now: datetime) -> None:
        """Complete the restores whose time has come."""
        for digest in list(self.activating):
            image = self.images.get(digest)
            if image is None or image.restored_by(now):
                self.activating.discard(digest)
            if image is not None and image.restored_by(now):
                image.last_activated_at, image.active_from = image.active_from, None
                self.set_status(image, ACTIVE)

    def set_status(self, image: Image, status: str) -> None:
        """Move an image between ACTIVE and ARCHIVED/ACTIVATING, keeping the blob index's counts true."""
        change = int(status == ACTIVE) - int(image.status == ACTIVE)
        if change and image.digest not in self.uncounted:  # uncounted: counted later, as it is then
            for blob in image.blobs:
                self._uncount(_key(blob.digest), 0, change)
        self.inactive -= int(status == ACTIVE) - int(image.status == ACTIVE)
        image.status = status
        if status == ACTIVATING:
            self.activating.add(image.digest)
        else:
            self.activating.discard(image.digest)

    def detach(self, image: Image, tag: str) -> None:
        image.tags = tuple(t for t in image.tags if t != tag)
        del self.tag_index[tag]

    def remove(self, image: Image) -> None:
        self.inactive -= image.status != ACTIVE
        for tag in image.tags:
            del self.tag_index[tag]
        manifest = image.manifest
        for child in manifest.children:
            names = self.parents.get(child)
            if names is not None:
                names.discard(image.digest)
                if not names:
                    del self.parents[child]
        if manifest.subject is not None:
            _drop(self.referrers, manifest.subject, image.digest)
        if self.uncounted.pop(manifest.digest, None) is not None:
            self.images.pop(manifest.digest)
            return
        for blob in manifest.blobs:
            self._uncount(_key(blob.digest), -1, -int(image.status == ACTIVE))
        self.images.pop(image.digest)

    def clear(self) -> None:
        """Forget every image, blob and upload (the repository is being deleted)."""
        for index in (self.tag_index, self.parents, self.referrers, self.blobs, self.blob_index, self.uploads):
            index.clear()
        self.blob_kinds.clear()
        self.uncounted.clear()
        self.activating.clear()
        self.images.clear()
        self.inactive = 0


_fromhex = bytes.fromhex
_from_bytes = int.from_bytes


def _key(digest: str) -> int | bytes | str:
    """A blob digest as an index key: a sha256 digest as the number its 32 bytes spell (smaller than the bytes,
    and a third of the text), any other as ``blob_key`` keeps it."""
    if len(digest) == 71 and digest.startswith("sha256:"):
        try:
            raw = bytes.fromhex(digest[7:])
        except ValueError:
            return digest
        if len(raw) == 32:  # not fewer, spaces between the digits: only 64 digits are this key
            return int.from_bytes(raw, "big")
    return blob_key(digest)


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _drop(index: dict[str, list[str]], key: str, value: str) -> None:
    values = index[key]
    values.remove(value)
    if not values:
        del index[key]


@cache
def wildcard(pattern: str) -> re.Pattern[str]:
    """ECR's WILDCARD filter: ``*`` is any run of characters, everything else literal, whole tag."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))

"""A repository and its images: images by digest in push order, a tag -> digest index, list -> child links.

Pure data and index upkeep; the rules for what a call may do live in ``_backend``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from ecr_mock._manifest import Manifest
from ecr_mock._ordered import Ordered

MUTABLE = "MUTABLE"
IMMUTABLE = "IMMUTABLE"
IMMUTABLE_WITH_EXCLUSION = "IMMUTABLE_WITH_EXCLUSION"
MUTABLE_WITH_EXCLUSION = "MUTABLE_WITH_EXCLUSION"
EXCLUSION_MODES = frozenset({IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION})

ACTIVE = "ACTIVE"


@dataclass(slots=True, eq=False)
class Image:
    manifest: Manifest
    pushed_at: datetime
    size: int
    tags: list[str] = field(default_factory=list)  # in the order they were attached
    last_pull: datetime | None = None
    status: str = ACTIVE  # ACTIVE | ARCHIVED | ACTIVATING
    last_archived_at: datetime | None = None
    last_activated_at: datetime | None = None
    seq: int = 0

    @property
    def digest(self) -> str:
        return self.manifest.digest


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
    images: Ordered[Image] = field(default_factory=Ordered)
    tag_index: dict[str, str] = field(default_factory=dict)  # tag -> digest
    parents: dict[str, set[str]] = field(default_factory=dict)  # child digest -> lists/indexes naming it
    seq: int = 0

    @property
    def arn(self) -> str:
        return f"arn:aws:ecr:{self.region}:{self.registry_id}:repository/{self.name}"

    @property
    def uri(self) -> str:
        return f"{self.registry_id}.dkr.ecr.{self.region}.amazonaws.com/{self.name}"

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

    def tag_is_immutable(self, tag: str) -> bool:
        mode = self.tag_mutability
        if mode == MUTABLE:
            return False
        if mode == IMMUTABLE:
            return True
        excluded = any(_wildcard(pattern).fullmatch(tag) for pattern in self.exclusion_filters)
        return not excluded if mode == IMMUTABLE_WITH_EXCLUSION else excluded

    # --- changes -------------------------------------------------------------------------------------------

    def add(self, image: Image) -> Image:
        self.images.add(image.digest, image)
        for child in image.manifest.children:
            self.parents.setdefault(child, set()).add(image.digest)
        return image

    def attach(self, image: Image, tag: str) -> None:
        """Point ``tag`` at ``image``, taking it off the image that had it (which stays, maybe untagged)."""
        previous = self.tag_index.get(tag)
        if previous == image.digest:
            return
        if previous is not None:
            self.images.get(previous).tags.remove(tag)  # type: ignore[union-attr]
        self.tag_index[tag] = image.digest
        image.tags.append(tag)

    def detach(self, image: Image, tag: str) -> None:
        image.tags.remove(tag)
        del self.tag_index[tag]

    def remove(self, image: Image) -> None:
        for tag in image.tags:
            del self.tag_index[tag]
        for child in image.manifest.children:
            names = self.parents.get(child)
            if names is not None:
                names.discard(image.digest)
                if not names:
                    del self.parents[child]
        self.images.pop(image.digest)

    def clear_images(self) -> None:
        self.images.clear()
        self.tag_index.clear()
        self.parents.clear()


@cache
def _wildcard(pattern: str) -> re.Pattern[str]:
    """ECR's WILDCARD filter: ``*`` is any run of characters, everything else literal, whole tag."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))

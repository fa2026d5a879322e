"""What every area of a registry shares: its identity, its repositories, and the paging helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._domain.ordered import Ordered, Sequenced
from ecr_mock._domain.repository import Image, Repository
from ecr_mock._errors import (
    DIGEST_PATTERN,
    ImageNotFoundException,
    InvalidParameterException,
    RepositoryNotFoundException,
)

if TYPE_CHECKING:
    from ecr_mock._backend import Backends
    from ecr_mock._backend.exclusions import PullTimeExclusion
    from ecr_mock._backend.pull_through import PullThroughRule
    from ecr_mock._backend.replication import Backfill
    from ecr_mock._backend.signing import SigningConfiguration
    from ecr_mock._backend.templates import Template

_T = TypeVar("_T", bound=Sequenced)
_S = TypeVar("_S")
_DIGEST = re.compile(DIGEST_PATTERN)


class ImageRef(NamedTuple):
    """An image identifier as the caller wrote it (a named tuple: calls build one per identifier they name)."""

    digest: str | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class ReplicationRule:
    destinations: tuple[tuple[str, str], ...]  # (region, registry id)
    filters: tuple[str, ...]  # PREFIX_MATCH repository name prefixes; none = every repository
    delete_replication: bool = False


@dataclass(frozen=True, slots=True)
class ScanningRule:
    frequency: str  # SCAN_ON_PUSH | CONTINUOUS_SCAN | MANUAL
    filters: tuple[str, ...]  # WILDCARD repository name patterns


@dataclass(frozen=True, slots=True)
class ScanningConfiguration:
    scan_type: str = "BASIC"
    rules: tuple[ScanningRule, ...] = ()


class RegistryBase:
    """One registry: the repositories of one account in one region. Areas add their operations as mixins."""

    def __init__(self, world: Backends, account_id: str, region: str) -> None:
        self.world = world
        self.registry_id = account_id
        self.region = region
        self.repositories: Ordered[Repository] = Ordered()
        self.registry_policy: str | None = None
        self.settings: dict[str, str] = {name: default for name, (default, _) in _config.ACCOUNT_SETTINGS.items()}
        self.scanning = ScanningConfiguration()
        self.replication_rules: tuple[ReplicationRule, ...] = ()
        self.backfills: dict[str, Backfill] = {}
        self.pull_through_rules: dict[str, PullThroughRule] = {}
        self.templates: Ordered[Template] = Ordered()  # by prefix without its trailing "/"
        self.signing: SigningConfiguration | None = None
        self.pull_time_exclusions: Ordered[PullTimeExclusion] = Ordered()  # by principal ARN

    # Hooks: areas that react to changes (scanning, signing, replication) extend these, calling super() first.

    def reacts_to_changes(self, repository: Repository) -> bool:
        """Whether ``after_push``/``after_tag`` have anything to do for ``repository`` (the composed registry
        answers precisely; here, always)."""
        return True

    def after_push(self, repository: Repository, image: Image) -> None:
        """A new image is stored."""

    def after_tag(self, repository: Repository, image: Image, tag: str) -> None:
        """``tag`` now points at ``image`` (a new push or a re-tag)."""

    def after_delete(self, repository: Repository, digest: str, tag: str | None) -> None:
        """BatchDeleteImage removed ``tag`` from ``digest`` (None: the whole image)."""

    def pull_through(self, name: str, refs: Sequence[ImageRef]) -> None:
        """Before a pull: a pull-through-cache repository fetches what it lacks (the cache area extends this)."""

    def pull_through_layer(self, name: str, digest: str) -> None:
        """Before a layer download: likewise for one blob."""

    def create_repository_from_template(self, name: str, applied_for: str) -> Repository | None:
        """A repository ECR creates itself (replication, pull through cache, create on push), set up by the
        matching repository creation template; None when no template applies (templates extend this)."""
        return None

    def repository_for_push(self, name: str) -> Repository:
        """The repository a push stores into (CREATE_ON_PUSH templates extend this to create a missing one)."""
        return self.repository(name)

    def find_image(self, repository: Repository, ref: ImageRef) -> Image:
        """The image an identifier names, or ECR's error (a malformed digest, or ImageNotFoundException)."""
        if ref.digest is not None and not _DIGEST.fullmatch(ref.digest):
            raise InvalidParameterException.at("imageDigest", f"must satisfy regular expression '{DIGEST_PATTERN}'")
        image = repository.find(ref.digest, ref.tag)
        if image is None:
            raise ImageNotFoundException.of(ref.digest, ref.tag, repository.name, self.registry_id)
        return image

    def repository(self, name: str) -> Repository:
        repository = self.repositories.get(name)
        if repository is None:
            raise RepositoryNotFoundException.of(name, self.registry_id)
        if repository.activating:
            repository.settle(_clock.now())
        return repository


def no_paging_with(member: str, max_results: int | None, next_token: str | None) -> None:
    if max_results is not None or next_token is not None:
        # unconfirmed wording
        raise InvalidParameterException.at(
            "maxResults" if max_results is not None else "nextToken",
            f"Cannot be specified together with {member}",
        )


def page(items: Iterator[_T], max_results: int | None, listing: str) -> tuple[list[_T], str | None]:
    limit = max_results or _config.DEFAULT_PAGE_SIZE
    page: list[_T] = []
    for item in items:
        if len(page) == limit:
            return page, _paging.encode(listing, item.seq)
        page.append(item)
    return page, None


def page_slice(
    items: Sequence[_S], listing: str, max_results: int | None, next_token: str | None, size: int | None = None
) -> tuple[list[_S], str | None]:
    """One page of a list computed per call (small listings: rules, findings, preview results)."""
    start = (_paging.decode(listing, next_token, 1) or (0,))[0]
    end = start + (max_results or size or _config.DEFAULT_PAGE_SIZE)
    return list(items[start:end]), _paging.encode(listing, end) if end < len(items) else None


def copy_image(target: Repository, source: Repository, image: Image, tags: Iterable[str]) -> Image:
    """Copy ``image`` and whatever of its blobs ``source`` holds into ``target`` (the bytes are shared), and point
    ``tags`` at it there: how replication and pull-through caching bring images in. Pushes nothing, so no
    push reactions run in ``target``."""
    for blob in image.manifest.blobs:
        stored = source.blobs.get(blob.digest)
        if stored is not None:
            target.blobs.setdefault(blob.digest, stored)
    copy = target.images.get(image.digest)
    if copy is None:
        copy = target.add(Image(manifest=image.manifest, pushed=_clock.epoch(), size=image.size))
    for tag in tags:
        target.attach(copy, tag)
    return copy

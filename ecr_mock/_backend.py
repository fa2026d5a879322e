"""ECR's semantics: one ``EcrBackend`` per (account, region), all of them held by ``Backends``.

No wire format here: methods take Python values and return model objects; handlers turn those into shapes.
Every method checks everything before it changes anything, so a refused call leaves no trace.
"""

from __future__ import annotations

import re
import secrets
import threading
from base64 import b64encode
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from dateutil.tz import tzlocal

from ecr_mock import _clock, _config, _paging
from ecr_mock._config import Behaviour
from ecr_mock._errors import (
    DIGEST_PATTERN,
    FAILURE_REASONS,
    ImageAlreadyExistsException,
    ImageDigestDoesNotMatchException,
    ImageNotFoundException,
    ImageTagAlreadyExistsException,
    InvalidParameterException,
    InvalidTagParameterException,
    LimitExceededException,
    RepositoryAlreadyExistsException,
    RepositoryNotEmptyException,
    RepositoryNotFoundException,
    TooManyTagsException,
)
from ecr_mock._manifest import Manifest, parse
from ecr_mock._ordered import Ordered
from ecr_mock._repository import ACTIVE, EXCLUSION_MODES, MUTABLE, Image, Repository

_DIGEST = re.compile(DIGEST_PATTERN)
TAGGED, UNTAGGED, ANY = "TAGGED", "UNTAGGED", "ANY"
_T = TypeVar("_T", Image, Repository)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image identifier as the caller wrote it."""

    digest: str | None = None
    tag: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    ref: ImageRef
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class AuthorizationData:
    token: str
    expires_at: datetime
    proxy_endpoint: str


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


class Backends:
    """Every registry the mock holds, the behaviour they follow, and the lock every call runs under."""

    def __init__(self, behaviour: Behaviour = _config.DEFAULT) -> None:
        self.lock = threading.RLock()
        self.behaviour = behaviour
        self._registries: dict[tuple[str, str], EcrBackend] = {}
        self.issued_tokens: dict[str, tuple[str, datetime]] = {}  # password -> (registry id, expiry)

    def registry(self, account_id: str, region: str) -> EcrBackend:
        key = (account_id, region)
        backend = self._registries.get(key)
        if backend is None:
            backend = self._registries[key] = EcrBackend(self, account_id, region)
        return backend

    def registries(self) -> list[EcrBackend]:
        return list(self._registries.values())

    def reset(self) -> None:
        with self.lock:
            self._registries.clear()
            self.issued_tokens.clear()

    def authorization_data(
        self, caller: str, region: str, registry_ids: Sequence[str] | None
    ) -> list[AuthorizationData]:
        """One token per registry asked for (the caller's when none); the seed's fixed token by default."""
        result = []
        for registry_id in registry_ids or [caller]:
            endpoint = f"https://{registry_id}.dkr.ecr.{region}.amazonaws.com"
            if self.behaviour.seed_auth_token:
                password, expires = f"{registry_id}-auth-token", datetime(2015, 1, 1, tzinfo=tzlocal())
            else:
                password, expires = secrets.token_urlsafe(96), _clock.now() + _config.AUTH_TOKEN_LIFETIME
                self.issued_tokens[password] = (registry_id, expires)
            token = b64encode(f"AWS:{password}".encode()).decode()
            result.append(AuthorizationData(token, expires, endpoint))
        return result


class EcrBackend:
    """One registry: the repositories of one account in one region."""

    def __init__(self, world: Backends, account_id: str, region: str) -> None:
        self.world = world
        self.registry_id = account_id
        self.region = region
        self.repositories: Ordered[Repository] = Ordered()

    # --- repositories ---------------------------------------------------------------------------------------

    def repository(self, name: str) -> Repository:
        repository = self.repositories.get(name)
        if repository is None:
            raise RepositoryNotFoundException.of(name, self.registry_id)
        return repository

    def create_repository(
        self,
        name: str,
        *,
        tags: Iterable[tuple[str, str]] = (),
        tag_mutability: str = MUTABLE,
        exclusion_filters: Sequence[str] | None = None,
        scan_on_push: bool = False,
        encryption_type: str = "AES256",
        kms_key: str | None = None,
    ) -> Repository:
        if name in self.repositories:
            raise RepositoryAlreadyExistsException.of(name, self.registry_id)
        resource_tags = _check_tags({}, tags)
        filters = _check_mutability(tag_mutability, exclusion_filters)
        kms_key = self._check_encryption(encryption_type, kms_key)
        if len(self.repositories) >= _config.MAX_REPOSITORIES:
            raise LimitExceededException.repositories(_config.MAX_REPOSITORIES, self.registry_id)
        repository = Repository(
            name=name,
            registry_id=self.registry_id,
            region=self.region,
            created_at=_clock.now(),
            tag_mutability=tag_mutability,
            exclusion_filters=filters,
            scan_on_push=scan_on_push,
            encryption_type=encryption_type,
            kms_key=kms_key,
            resource_tags=resource_tags,
        )
        return self.repositories.add(name, repository)

    def describe_repositories(
        self, names: Sequence[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[Repository], str | None]:
        if names:
            _no_paging_with("repositoryNames", max_results, next_token)
            return [self.repository(name) for name in dict.fromkeys(names)], None
        start = _paging.decode("repositories", next_token, 1)
        return _page(self.repositories.iter_from(start[0] if start else 0), max_results, "repositories")

    def delete_repository(self, name: str, force: bool) -> Repository:
        repository = self.repository(name)
        if len(repository.images) and not force:
            raise RepositoryNotEmptyException.of(name, self.registry_id)
        self.repositories.pop(name)
        repository.clear_images()
        return repository

    # --- images ---------------------------------------------------------------------------------------------

    def put_image(
        self,
        name: str,
        manifest_text: str,
        *,
        tag: str | None = None,
        digest: str | None = None,
        media_type: str | None = None,
    ) -> tuple[Repository, Image, str | None]:
        """Store a manifest (and tag it): ecr-behaviour.md 4.3. Returns where, the image and the tag applied."""
        repository = self.repository(name)
        manifest = parse(manifest_text, media_type)
        if digest is not None and digest != manifest.digest:
            raise ImageDigestDoesNotMatchException.of(digest, manifest.digest)
        existing = repository.images.get(manifest.digest)
        if tag is None:
            if existing is None:
                return repository, self._add_image(repository, manifest), None
            if self.world.behaviour.untagged_repush_allowed:
                return repository, existing, None
            raise ImageAlreadyExistsException.of(manifest.digest, None, name, self.registry_id)
        holder = repository.tag_index.get(tag)
        if holder == manifest.digest:
            raise ImageAlreadyExistsException.of(manifest.digest, tag, name, self.registry_id)
        if holder is not None and repository.tag_is_immutable(tag):
            raise ImageTagAlreadyExistsException.of(tag, name)
        if existing is not None and len(existing.tags) >= _config.MAX_TAGS_PER_IMAGE:
            raise LimitExceededException.tags_per_image(_config.MAX_TAGS_PER_IMAGE, manifest.digest)
        image = existing or self._add_image(repository, manifest)
        repository.attach(image, tag)
        return repository, image, tag

    def _add_image(self, repository: Repository, manifest: Manifest) -> Image:
        if len(repository.images) >= _config.MAX_IMAGES_PER_REPOSITORY:
            raise LimitExceededException.images(_config.MAX_IMAGES_PER_REPOSITORY, repository.name, self.registry_id)
        size = self._image_size(repository, manifest)
        return repository.add(Image(manifest=manifest, pushed_at=_clock.now(), size=size))

    def _image_size(self, repository: Repository, manifest: Manifest) -> int:
        nominal = self.world.behaviour.nominal_image_size
        if manifest.is_list:
            sizes = [child.size for child in map(repository.images.get, manifest.children) if child]
            return max(sizes, default=nominal or 0)
        return manifest.layer_size if nominal is None else nominal

    def list_images(
        self, name: str, image_filter: ImageFilter, max_results: int | None, next_token: str | None
    ) -> tuple[list[tuple[str, str | None]], str | None]:
        """One (digest, tag) pair per tag, (digest, None) for an untagged image, in push order."""
        repository = self.repository(name)
        seq, offset = _paging.decode("images", next_token, 2) or (0, 0)
        limit = max_results or _config.DEFAULT_PAGE_SIZE
        entries: list[tuple[str, str | None]] = []
        for image in repository.iter_from(seq):
            if not image_filter.admits(image):
                continue
            pairs: list[str | None] = list(image.tags) if image.tags else [None]
            for index in range(offset if image.seq == seq else 0, len(pairs)):
                if len(entries) == limit:
                    return entries, _paging.encode("images", image.seq, index)
                entries.append((image.digest, pairs[index]))
        return entries, None

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
            _no_paging_with("imageIds", max_results, next_token)
            found = {id(image): image for image in (self._describe_one(repository, ref) for ref in refs)}
            return repository, list(found.values()), None
        start = _paging.decode("image-details", next_token, 1)
        images = (i for i in repository.iter_from(start[0] if start else 0) if image_filter.admits(i))
        return (repository, *_page(images, max_results, "image-details"))

    def _repository_seen_by(self, name: str, caller: str) -> Repository:
        """The seed's DescribeImages found the caller's repository whatever registryId said (default mode)."""
        repository = self.repositories.get(name)
        if repository is None and caller != self.registry_id and self.world.behaviour.describe_images_registry_fallback:
            repository = self.world.registry(caller, self.region).repositories.get(name)
        if repository is None:
            raise RepositoryNotFoundException.of(name, self.registry_id)
        return repository

    def _describe_one(self, repository: Repository, ref: ImageRef) -> Image:
        if ref.digest is not None and not _DIGEST.fullmatch(ref.digest):
            raise InvalidParameterException.at("imageDigest", f"must satisfy regular expression '{DIGEST_PATTERN}'")
        image = repository.find(ref.digest, ref.tag)
        if image is None:
            raise ImageNotFoundException.of(ref.digest, ref.tag, repository.name, self.registry_id)
        return image

    def batch_get_image(
        self, name: str, refs: Sequence[ImageRef], accepted_media_types: Sequence[str] | None
    ) -> tuple[Repository, list[tuple[Image, ImageRef]], list[Failure]]:
        """Each found image with the identifier it was asked by; a pull, so ``last_pull`` moves."""
        repository = self.repository(name)
        images: list[tuple[Image, ImageRef]] = []
        failures: list[Failure] = []
        now = _clock.now()
        for ref in refs:
            failure = _malformed(ref)
            image = None if failure else repository.find(ref.digest, ref.tag)
            if image is not None and accepted_media_types and image.manifest.media_type not in accepted_media_types:
                image = None  # ECR would translate formats; the mock serves only what is stored
            if failure is None and image is None:
                failure = _failure(ref, "ImageNotFound")
            if failure is not None:
                failures.append(failure)
                continue
            assert image is not None
            image.last_pull = now
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
            return [(image.digest, ref.tag)]
        parents = repository.parents.get(image.digest)
        if parents:
            return _failure(ref, "ImageReferencedByManifestList", parents=", ".join(sorted(parents)))
        removed: list[tuple[str, str | None]] = [(image.digest, t) for t in image.tags] or [(image.digest, None)]
        repository.remove(image)
        return removed

    # --- helpers --------------------------------------------------------------------------------------------

    def _check_encryption(self, encryption_type: str, kms_key: str | None) -> str | None:
        if encryption_type == "AES256":
            if kms_key is not None:
                # unconfirmed wording
                raise InvalidParameterException.at(
                    "encryptionConfiguration.kmsKey", "KMS key must not be specified for AES256 encryption"
                )
            return None
        # KMS without a key uses the AWS-managed key for ECR (its exact ARN is unconfirmed).
        return kms_key or f"arn:aws:kms:{self.region}:{self.registry_id}:alias/aws/ecr"


def _check_tags(current: dict[str, str], tags: Iterable[tuple[str, str]]) -> dict[str, str]:
    merged = dict(current)
    for key, value in tags:
        if len(key) > _config.MAX_TAG_KEY_LENGTH:
            raise InvalidTagParameterException.too_long("key", key, _config.MAX_TAG_KEY_LENGTH)
        if len(value) > _config.MAX_TAG_VALUE_LENGTH:
            raise InvalidTagParameterException.too_long("value", value, _config.MAX_TAG_VALUE_LENGTH)
        merged[key] = value
    if len(merged) > _config.MAX_RESOURCE_TAGS:
        raise TooManyTagsException.over(len(merged), _config.MAX_RESOURCE_TAGS)
    return merged


def _check_mutability(mode: str, filters: Sequence[str] | None) -> tuple[str, ...]:
    """The cross-field rule the model cannot say: exclusion filters go with the *_WITH_EXCLUSION modes only."""
    member = "imageTagMutabilityExclusionFilters"
    if mode in EXCLUSION_MODES and not filters:
        raise InvalidParameterException.at(
            member,
            f"ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as {mode}",
        )
    if mode not in EXCLUSION_MODES and filters:
        # unconfirmed wording
        raise InvalidParameterException.at(
            member,
            f"ImageTagMutabilityExclusionFilters can't be set when imageTagMutability is set as {mode}",
        )
    return tuple(dict.fromkeys(filters or ()))


def _no_paging_with(member: str, max_results: int | None, next_token: str | None) -> None:
    if max_results is not None or next_token is not None:
        # unconfirmed wording
        raise InvalidParameterException.at(
            "maxResults" if max_results is not None else "nextToken",
            f"Cannot be specified together with {member}",
        )


def _page(items: Iterator[_T], max_results: int | None, listing: str) -> tuple[list[_T], str | None]:
    limit = max_results or _config.DEFAULT_PAGE_SIZE
    page: list[_T] = []
    for item in items:
        if len(page) == limit:
            return page, _paging.encode(listing, item.seq)
        page.append(item)
    return page, None


def _malformed(ref: ImageRef) -> Failure | None:
    if ref.digest is None and ref.tag is None:
        return _failure(ref, "MissingDigestAndTag")
    if ref.digest is not None and not _DIGEST.fullmatch(ref.digest):
        return _failure(ref, "InvalidImageDigest")
    return None


def _failure(ref: ImageRef, code: str, **details: str) -> Failure:
    return Failure(ref, code, FAILURE_REASONS[code].format(**details))

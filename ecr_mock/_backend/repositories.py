"""CreateRepository, DescribeRepositories, DeleteRepository: the repository set of a registry."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import RegistryBase, no_paging_with, page
from ecr_mock._domain.repository import EXCLUSION_MODES, MUTABLE, Repository, partition
from ecr_mock._errors import (
    InvalidParameterException,
    InvalidTagParameterException,
    LimitExceededException,
    RepositoryAlreadyExistsException,
    RepositoryNotEmptyException,
    TooManyTagsException,
)


class RepositoryOps(RegistryBase):
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
        resource_tags = check_tags({}, tags)
        filters = check_mutability(tag_mutability, exclusion_filters)
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
            no_paging_with("repositoryNames", max_results, next_token)
            return [self.repository(name) for name in dict.fromkeys(names)], None
        listing = f"repositories:{self.registry_id}:{self.region}"
        start = _paging.decode(listing, next_token, 1)
        return page(self.repositories.iter_from(start[0] if start else 0), max_results, listing)

    def delete_repository(self, name: str, force: bool) -> Repository:
        repository = self.repository(name)
        if len(repository.images) and not force:
            raise RepositoryNotEmptyException.of(name, self.registry_id)
        self.repositories.pop(name)
        repository.clear()
        return repository

    def create_repository_for(self, name: str, applied_for: str) -> Repository:
        """A repository ECR creates itself: through the matching creation template, else with the defaults."""
        created = self.create_repository_from_template(name, applied_for)
        return created if created is not None else self.create_repository(name)

    def put_image_tag_mutability(self, name: str, mode: str, exclusion_filters: Sequence[str] | None) -> Repository:
        """The new rule applies to later pushes; existing tags stay. Plain modes drop stored filters."""
        repository = self.repository(name)
        filters = check_mutability(mode, exclusion_filters)
        repository.tag_mutability, repository.exclusion_filters = mode, filters
        return repository

    def tag_repository(self, name: str, tags: Iterable[tuple[str, str]]) -> None:
        repository = self.repository(name)
        repository.resource_tags = check_tags(repository.resource_tags, tags)

    def untag_repository(self, name: str, keys: Iterable[str]) -> None:
        repository = self.repository(name)
        for key in keys:
            if len(key) > _config.MAX_TAG_KEY_LENGTH:
                raise InvalidTagParameterException.too_long("key", key, _config.MAX_TAG_KEY_LENGTH)
        for key in keys:
            repository.resource_tags.pop(key, None)  # an absent key is not an error (unconfirmed)

    def _check_encryption(self, encryption_type: str, kms_key: str | None) -> str | None:
        if encryption_type == "AES256":
            if kms_key is not None:
                # unconfirmed wording
                raise InvalidParameterException.at(
                    "encryptionConfiguration.kmsKey", "KMS key must not be specified for AES256 encryption"
                )
            return None
        return kms_key or managed_key_arn(self.registry_id, self.region)


# The namespace the mock derives each account and region's AWS-managed ECR key id from.
_MANAGED_KEYS = uuid.UUID("5d1c5b8e-6f0a-4f55-9d0e-ec7c0de0a1e5")


def managed_key_arn(account_id: str, region: str) -> str:
    """KMS or KMS_DSSE without a key: ECR encrypts with the AWS-managed ``aws/ecr`` key and reports it by key ARN,
    ``arn:aws:kms:<region>:<account>:key/<uuid>`` (Terraform's acceptance tests against AWS expect ``key/<UUID>``);
    one stable key id per account and region."""
    key_id = uuid.uuid5(_MANAGED_KEYS, f"{account_id}/{region}")
    return f"arn:{partition(region)}:kms:{region}:{account_id}:key/{key_id}"


def check_tags(current: dict[str, str], tags: Iterable[tuple[str, str]]) -> dict[str, str]:
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


def check_mutability(mode: str, filters: Sequence[str] | None) -> tuple[str, ...]:
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

"""What every area of a registry shares: its identity, its repositories, and the paging helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

from ecr_mock import _clock, _config, _paging
from ecr_mock._errors import InvalidParameterException, RepositoryNotFoundException
from ecr_mock._ordered import Ordered, Sequenced
from ecr_mock._repository import Repository

if TYPE_CHECKING:
    from ecr_mock._backend import Backends

_T = TypeVar("_T", bound=Sequenced)


class RegistryBase:
    """One registry: the repositories of one account in one region. Areas add their operations as mixins."""

    def __init__(self, world: Backends, account_id: str, region: str) -> None:
        self.world = world
        self.registry_id = account_id
        self.region = region
        self.repositories: Ordered[Repository] = Ordered()

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

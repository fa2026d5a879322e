"""Lifecycle policies: Put/Get/Delete, previews, and really applying them (ecr-behaviour.md 3.5, 4.7).

Preview and expiry run the same pure ``_lifecycle.evaluate``; expiry then deletes or archives what it chose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import ImageRef, RegistryBase, no_paging_with
from ecr_mock._domain.lifecycle import Decision, LifecyclePolicy, evaluate, parse_policy
from ecr_mock._domain.repository import ACTIVE, ARCHIVED, Preview, PreviewResult, Repository
from ecr_mock._errors import (
    LifecyclePolicyNotFoundException,
    LifecyclePolicyPreviewInProgressException,
    LifecyclePolicyPreviewNotFoundException,
)

TAGGED, UNTAGGED = "TAGGED", "UNTAGGED"


@dataclass(frozen=True, slots=True)
class PreviewPage:
    policy: LifecyclePolicy
    status: str
    results: list[PreviewResult]
    all_results: list[PreviewResult]


@dataclass(frozen=True, slots=True)
class Applied:
    """One thing a lifecycle run did: which image, by which rule, EXPIRE or TRANSITION."""

    repository: str
    digest: str
    tags: tuple[str, ...]
    rule_priority: int
    action: str


class LifecycleOps(RegistryBase):
    def put_lifecycle_policy(self, name: str, text: str) -> Repository:
        repository = self.repository(name)
        repository.lifecycle = parse_policy(text)
        return repository

    def get_lifecycle_policy(self, name: str) -> tuple[Repository, LifecyclePolicy]:
        repository = self.repository(name)
        if repository.lifecycle is None:
            raise LifecyclePolicyNotFoundException.of(name, self.registry_id)
        return repository, repository.lifecycle

    def delete_lifecycle_policy(self, name: str) -> tuple[Repository, LifecyclePolicy]:
        repository, policy = self.get_lifecycle_policy(name)
        repository.lifecycle = None
        return repository, policy

    def start_lifecycle_policy_preview(self, name: str, text: str | None) -> tuple[Repository, LifecyclePolicy]:
        """Evaluate now, report later: IN_PROGRESS here, COMPLETE once the preview's time has passed."""
        repository = self.repository(name)
        now = _clock.now()
        if repository.preview is not None and now < repository.preview.done_at:
            raise LifecyclePolicyPreviewInProgressException.of(name, self.registry_id)
        if text is not None:
            policy = parse_policy(text)
        elif repository.lifecycle is not None:
            policy = repository.lifecycle
        else:
            raise LifecyclePolicyNotFoundException.of(name, self.registry_id)
        results = []
        for decision in _decisions(repository, policy, now):
            image = repository.images.get(decision.digest)
            assert image is not None
            results.append(PreviewResult(decision, tuple(image.tags), image.pushed_at, _storage_class(image.status)))
        repository.preview = Preview(policy, results, now, now + self.world.behaviour.durations.lifecycle_preview)
        return repository, policy

    def get_lifecycle_policy_preview(
        self,
        name: str,
        refs: Sequence[ImageRef] | None,
        tag_status: str | None,
        max_results: int | None,
        next_token: str | None,
    ) -> tuple[Repository, PreviewPage, str | None]:
        repository = self.repository(name)
        preview = repository.preview
        if preview is None:
            raise LifecyclePolicyPreviewNotFoundException.of(name, self.registry_id)
        if _clock.now() < preview.done_at:
            return repository, PreviewPage(preview.policy, "IN_PROGRESS", [], []), None
        if refs:
            no_paging_with("imageIds", max_results, next_token)
        selected = [r for r in preview.results if _admits(r, refs, tag_status)]
        listing = repository.listing("preview")
        start = (_paging.decode(listing, next_token, 1) or (0,))[0]
        end = start + (max_results or _config.LIFECYCLE_PREVIEW_PAGE_SIZE)
        token = _paging.encode(listing, end) if end < len(selected) else None
        return repository, PreviewPage(preview.policy, "COMPLETE", selected[start:end], preview.results), token

    def apply_lifecycle_policies(self, now: datetime | None = None) -> list[Applied]:
        """What ECR does in the background: run every repository's policy, expiring and archiving images."""
        now = now or _clock.now()
        applied: list[Applied] = []
        for repository in list(self.repositories.values()):
            if repository.lifecycle is not None:
                applied.extend(self._apply(repository, repository.lifecycle, now))
                repository.lifecycle_evaluated_at = now
        return applied

    def _apply(self, repository: Repository, policy: LifecyclePolicy, now: datetime) -> list[Applied]:
        applied = []
        for decision in _decisions(repository, policy, now):
            image = repository.images.get(decision.digest)
            assert image is not None
            applied.append(
                Applied(repository.name, image.digest, tuple(image.tags), decision.rule_priority, decision.action)
            )
            if decision.action == "EXPIRE":
                repository.remove(image)
            else:
                repository.set_status(image, ARCHIVED)
                image.last_archived_at = now
        return applied


def _decisions(repository: Repository, policy: LifecyclePolicy, now: datetime) -> list[Decision]:
    """What the policy does, for preview and expiry alike: an image a manifest list in the repository still
    names is left alone (BatchDeleteImage refuses it the same way)."""
    return [d for d in evaluate(policy, list(repository.images.values()), now) if d.digest not in repository.parents]


def _storage_class(status: str) -> str:
    return "STANDARD" if status == ACTIVE else "ARCHIVE"


def _admits(result: PreviewResult, refs: Sequence[ImageRef] | None, tag_status: str | None) -> bool:
    if tag_status == TAGGED and not result.tags:
        return False
    if tag_status == UNTAGGED and result.tags:
        return False
    if not refs:
        return True
    return any(
        (ref.digest is None or ref.digest == result.decision.digest) and (ref.tag is None or ref.tag in result.tags)
        for ref in refs
    )

"""Replication: the registry's configuration, copies made on push, replication status, and backfills
(ecr-behaviour.md 3.7, 4.9).

A push to a repository a rule matches copies the image (manifest, tags and blobs, whose bytes are shared) to each
destination registry in the mock, creating the repository there (through a REPLICATION creation template when one
matches). A cross-account destination must allow the source account ``ecr:ReplicateImage`` (and
``ecr:CreateRepository`` when the repository is missing) in its registry policy, as ECR requires. Replicas do not
replicate again, and pushes into a destination do not run that registry's push reactions (scans, signing).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecr_mock import _clock, _config
from ecr_mock._backend.base import ImageRef, ReplicationRule, copy_image, page_slice
from ecr_mock._backend.repositories import RepositoryOps
from ecr_mock._domain.repository import Image, Repository
from ecr_mock._errors import (
    InvalidParameterException,
    LimitExceededException,
    ReplicationBackfillInProgressException,
    ReplicationBackfillInvalidStatusException,
    ReplicationBackfillNotFoundException,
    ValidationException,
)

if TYPE_CHECKING:
    from ecr_mock._backend import EcrBackend

Destination = tuple[str, str]  # (region, registry id)
TERMINAL = frozenset({"COMPLETE", "FAILED", "STOPPED"})


@dataclass(slots=True, eq=False)
class Backfill:
    backfill_id: str
    destination: Destination
    started_at: datetime
    done_at: datetime
    pending: list[tuple[str, str]]  # (repository name, digest) still to replicate
    status: str = "PREPARING"
    ended_at: datetime | None = None
    results: list[tuple[str, str, tuple[str, ...], str, str | None]] = field(default_factory=list)
    seq: int = 0


class ReplicationOps(RepositoryOps):
    def put_replication_configuration(self, rules: Sequence[ReplicationRule]) -> tuple[ReplicationRule, ...]:
        for rule in rules:
            if (self.region, self.registry_id) in rule.destinations:
                raise InvalidParameterException.at(
                    "replicationConfiguration", "Replication destination cannot be the same as the source registry"
                )
        self.replication_rules = tuple(rules)
        return self.replication_rules

    def destinations_for(self, name: str) -> list[Destination]:
        """Every destination a rule sends ``name`` to, once each, in rule order."""
        found: dict[Destination, None] = {}
        for rule in self.replication_rules:
            if _matches(rule, name):
                found.update(dict.fromkeys(rule.destinations))
        return list(found)

    # --- on push ------------------------------------------------------------------------------------------

    def after_push(self, repository: Repository, image: Image) -> None:
        super().after_push(repository, image)
        if self.replication_rules:
            self._replicate(repository, image, self.destinations_for(repository.name))

    def after_tag(self, repository: Repository, image: Image, tag: str) -> None:
        super().after_tag(repository, image, tag)
        if not self.replication_rules:
            return
        for destination in self.destinations_for(repository.name):
            if (image.replication or {}).get(destination, ("", None))[0] == "COMPLETE":
                self._replica_registry(destination).receive_tag(repository.name, image.digest, tag)

    def after_delete(self, repository: Repository, digest: str, tag: str | None) -> None:
        super().after_delete(repository, digest, tag)
        for rule in self.replication_rules:
            if rule.delete_replication and _matches(rule, repository.name):
                for destination in rule.destinations:
                    self._replica_registry(destination).receive_delete(repository.name, digest, tag)

    def _replicate(self, repository: Repository, image: Image, destinations: Iterable[Destination]) -> None:
        for destination in destinations:
            _record(image, destination, self._send(repository, image, destination))

    def _send(self, repository: Repository, image: Image, destination: Destination) -> str | None:
        """Copy ``image`` to ``destination``; the failure code when the destination refuses it."""
        target = self._replica_registry(destination)
        if target.registry_id != self.registry_id:
            needs_create = repository.name not in target.repositories
            if not target.allows_replication_from(self.registry_id, needs_create):
                return _config.REPLICATION_ACCESS_DENIED
        target.receive_replica(repository, image)
        return None

    def _replica_registry(self, destination: Destination) -> EcrBackend:
        region, registry_id = destination
        return self.world.registry(registry_id, region)

    # --- as a destination ---------------------------------------------------------------------------------

    def allows_replication_from(self, source_account: str, needs_create: bool) -> bool:
        """Whether this registry's policy lets ``source_account`` replicate in (and create repositories)."""
        needed = {"ecr:ReplicateImage"} | ({"ecr:CreateRepository"} if needs_create else set())
        return needed <= _granted_actions(self.registry_policy, source_account)

    def receive_replica(self, source: Repository, image: Image) -> None:
        repository = self.repositories.get(source.name) or self.create_repository_for(source.name, "REPLICATION")
        copy_image(repository, source, image, image.tags)

    def receive_tag(self, name: str, digest: str, tag: str) -> None:
        repository = self.repositories.get(name)
        replica = repository.images.get(digest) if repository else None
        if repository is not None and replica is not None:
            repository.attach(replica, tag)

    def receive_delete(self, name: str, digest: str, tag: str | None) -> None:
        repository = self.repositories.get(name)
        replica = repository.images.get(digest) if repository else None
        if repository is None or replica is None:
            return
        if tag is not None and tag in replica.tags and len(replica.tags) > 1:
            repository.detach(replica, tag)
        elif replica.digest not in repository.parents:
            repository.remove(replica)

    # --- status -------------------------------------------------------------------------------------------

    def describe_image_replication_status(
        self, name: str, ref: ImageRef
    ) -> tuple[Repository, Image, list[tuple[Destination, str, str | None]]]:
        repository = self.repository(name)
        image = self.find_image(repository, ref)
        statuses = [(destination, status, code) for destination, (status, code) in (image.replication or {}).items()]
        return repository, image, statuses

    # --- backfill -----------------------------------------------------------------------------------------

    def start_replication_backfill(self, destination: Destination) -> Backfill:
        if not any(destination in rule.destinations for rule in self.replication_rules):
            raise ValidationException.unconfigured_destination(*destination)
        running = [b for b in self.backfills.values() if self._settle(b) not in TERMINAL]
        if any(b.destination[0] == destination[0] for b in running):
            raise ReplicationBackfillInProgressException.of(destination[0])
        if len(running) >= _config.MAX_RUNNING_BACKFILLS:
            raise LimitExceededException.backfills(_config.MAX_RUNNING_BACKFILLS)
        now = _clock.now()
        pending = [
            (repository.name, image.digest)
            for repository in self.repositories.values()
            if destination in self.destinations_for(repository.name)
            for image in repository.images.values()
        ]
        backfill = Backfill(str(uuid.uuid4()), destination, now, now + self.world.behaviour.durations.backfill, pending)
        backfill.seq = len(self.backfills) + 1
        self.backfills[backfill.backfill_id] = backfill
        return backfill

    def replication_backfill(self, backfill_id: str) -> Backfill:
        backfill = self.backfills.get(backfill_id)
        if backfill is None:
            raise ReplicationBackfillNotFoundException.of(backfill_id, self.registry_id)
        self._settle(backfill)
        return backfill

    def replication_backfill_results(
        self, backfill_id: str, status: str | None, max_results: int | None, next_token: str | None
    ) -> tuple[Backfill, list[tuple[str, str, tuple[str, ...], str, str | None]], str | None]:
        backfill = self.replication_backfill(backfill_id)
        results = [r for r in backfill.results if status is None or r[3] == status]
        listing = f"backfill-results:{self.registry_id}:{self.region}:{backfill_id}"
        return (backfill, *page_slice(results, listing, max_results, next_token))

    def list_replication_backfills(
        self, max_results: int | None, next_token: str | None
    ) -> tuple[list[Backfill], str | None]:
        backfills = list(self.backfills.values())
        for backfill in backfills:
            self._settle(backfill)
        listing = f"backfills:{self.registry_id}:{self.region}"
        return page_slice(backfills, listing, max_results, next_token, _config.DEFAULT_BACKFILL_PAGE_SIZE)

    def stop_replication_backfill(self, backfill_id: str) -> Backfill:
        backfill = self.replication_backfill(backfill_id)
        if backfill.status in TERMINAL:
            raise ReplicationBackfillInvalidStatusException.of(backfill_id, backfill.status)
        backfill.status, backfill.ended_at, backfill.pending = "STOPPED", _clock.now(), []
        return backfill

    def _settle(self, backfill: Backfill) -> str:
        """Run a backfill whose time has come: replicate what it found, record a result per image."""
        if backfill.status in TERMINAL:
            return backfill.status
        now = _clock.now()
        if now < backfill.done_at:
            backfill.status = "IN_PROGRESS"
            return backfill.status
        for name, digest in backfill.pending:
            repository = self.repositories.get(name)
            image = repository.images.get(digest) if repository else None
            if repository is None or image is None:
                continue  # deleted since the backfill started
            failure = self._send(repository, image, backfill.destination)
            _record(image, backfill.destination, failure)
            backfill.results.append((name, digest, tuple(image.tags), "FAILED" if failure else "COMPLETE", failure))
        failed = any(result[3] == "FAILED" for result in backfill.results)
        backfill.status, backfill.ended_at, backfill.pending = ("FAILED" if failed else "COMPLETE"), now, []
        return backfill.status


def _record(image: Image, destination: Destination, failure: str | None) -> None:
    statuses = image.replication if image.replication is not None else {}
    statuses[destination] = ("FAILED", failure) if failure else ("COMPLETE", None)
    image.replication = statuses


def _matches(rule: ReplicationRule, name: str) -> bool:
    return not rule.filters or any(name.startswith(prefix) for prefix in rule.filters)


def _granted_actions(policy_text: str | None, account: str) -> set[str]:
    """The ecr: actions a registry policy allows ``account`` (Allow statements naming it, or "*")."""
    if policy_text is None:
        return set()
    granted: set[str] = set()
    for statement in _statements(json.loads(policy_text)):
        if statement.get("Effect") == "Allow" and _names_account(statement.get("Principal"), account):
            actions = statement.get("Action", [])
            for action in [actions] if isinstance(actions, str) else actions:
                granted |= {"ecr:ReplicateImage", "ecr:CreateRepository"} if action in ("*", "ecr:*") else {action}
    return granted


def _statements(document: Any) -> list[dict[str, Any]]:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [statements] if isinstance(statements, dict) else [s for s in statements if isinstance(s, dict)]


def _names_account(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    values = principal.get("AWS", []) if isinstance(principal, dict) else []
    values = [values] if isinstance(values, str) else values
    return any(v in (account, f"arn:aws:iam::{account}:root", "*") for v in values)

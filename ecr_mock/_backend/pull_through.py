"""Pull through cache: rules, and pulls that fetch from an upstream registry inside the mock
(ecr-behaviour.md 3.8, 4.10).

An ``ecr`` upstream is another registry of the mock (its URL names the account and region). Any other upstream is a
registry the test seeds through ``EcrMock.upstream(url)``. Nothing touches the network. The first pull of
``<prefix>/<path>`` creates the repository (through a PULL_THROUGH_CACHE creation template when one matches) and
imports the image with its blobs; later pulls by tag follow the upstream tag.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from ecr_mock import _clock, _config
from ecr_mock._backend.base import ImageRef, copy_image, no_paging_with, page_slice
from ecr_mock._backend.repositories import RepositoryOps
from ecr_mock._domain.repository import Image, Repository
from ecr_mock._errors import (
    LimitExceededException,
    PullThroughCacheRuleAlreadyExistsException,
    PullThroughCacheRuleNotFoundException,
    UnableToAccessSecretException,
    UnableToGetUpstreamImageException,
    UnableToGetUpstreamLayerException,
    UnsupportedUpstreamRegistryException,
    ValidationException,
)

if TYPE_CHECKING:
    from ecr_mock._backend import EcrBackend

ROOT = "ROOT"
_ECR_HOST = re.compile(r"^(?:https://)?(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/?$")
_SECRET = re.compile(r"^arn:aws(?:-\w+)*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):secret:")


@dataclass(frozen=True, slots=True)
class PullThroughRule:
    prefix: str  # without a trailing "/", or ROOT
    upstream_registry: str
    upstream_url: str
    credential_arn: str | None
    custom_role_arn: str | None
    upstream_prefix: str
    created_at: datetime
    updated_at: datetime

    def upstream_name(self, name: str) -> str:
        rest = name if self.prefix == ROOT else name[len(self.prefix) + 1 :]
        return rest if self.upstream_prefix == ROOT else f"{self.upstream_prefix}/{rest}"


class PullThroughOps(RepositoryOps):
    # --- rules --------------------------------------------------------------------------------------------

    def create_pull_through_cache_rule(
        self,
        prefix: str,
        url: str,
        upstream_registry: str | None = None,
        credential_arn: str | None = None,
        custom_role_arn: str | None = None,
        upstream_prefix: str | None = None,
    ) -> PullThroughRule:
        prefix = _normalise(prefix)
        if prefix in self.pull_through_rules:
            raise PullThroughCacheRuleAlreadyExistsException.of(prefix, self.registry_id)
        if len(self.pull_through_rules) >= _config.MAX_PULL_THROUGH_RULES:
            raise LimitExceededException.pull_through_rules(_config.MAX_PULL_THROUGH_RULES)
        registry = _upstream_registry(url, upstream_registry)
        self._check_credentials(registry, credential_arn, custom_role_arn)
        if upstream_prefix is not None and upstream_prefix != ROOT and prefix == ROOT:
            raise ValidationException("upstreamRepositoryPrefix can only be set when ecrRepositoryPrefix is not ROOT")
        now = _clock.now()
        rule = PullThroughRule(
            prefix, registry, url, credential_arn, custom_role_arn, _normalise(upstream_prefix or ROOT), now, now
        )
        self.pull_through_rules[prefix] = rule
        return rule

    def describe_pull_through_cache_rules(
        self, prefixes: Sequence[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[PullThroughRule], str | None]:
        if prefixes:
            no_paging_with("ecrRepositoryPrefixes", max_results, next_token)
            return [self.pull_through_rule(prefix) for prefix in prefixes], None
        rules = list(self.pull_through_rules.values())
        return page_slice(rules, f"ptc-rules:{self.registry_id}:{self.region}", max_results, next_token)

    def pull_through_rule(self, prefix: str) -> PullThroughRule:
        rule = self.pull_through_rules.get(_normalise(prefix))
        if rule is None:
            raise PullThroughCacheRuleNotFoundException.of(prefix, self.registry_id)
        return rule

    def update_pull_through_cache_rule(
        self, prefix: str, credential_arn: str | None, custom_role_arn: str | None
    ) -> PullThroughRule:
        rule = self.pull_through_rule(prefix)
        credential_arn = credential_arn or rule.credential_arn
        custom_role_arn = custom_role_arn or rule.custom_role_arn
        self._check_credentials(rule.upstream_registry, credential_arn, custom_role_arn)
        updated = replace(rule, credential_arn=credential_arn, custom_role_arn=custom_role_arn, updated_at=_clock.now())
        self.pull_through_rules[rule.prefix] = updated
        return updated

    def delete_pull_through_cache_rule(self, prefix: str) -> PullThroughRule:
        rule = self.pull_through_rule(prefix)
        del self.pull_through_rules[rule.prefix]
        return rule

    def validate_pull_through_cache_rule(self, prefix: str) -> tuple[PullThroughRule, str | None]:
        """The rule and why it cannot work (None when it can): an ECR upstream must exist in the mock."""
        rule = self.pull_through_rule(prefix)
        match = _ECR_HOST.match(rule.upstream_url)
        if match and (match["account"], match["region"]) not in self.world.registry_keys():
            return rule, f"The upstream registry '{rule.upstream_url}' could not be reached"
        return rule, None

    def _check_credentials(self, registry: str, credential_arn: str | None, custom_role_arn: str | None) -> None:
        if registry in _config.UPSTREAMS_NEEDING_SECRETS and credential_arn is None:
            raise ValidationException(f"A credentialArn is required for the upstream registry {registry}")
        if registry == "ecr" and custom_role_arn is None:
            raise ValidationException("A customRoleArn is required for an ECR upstream registry")
        secret = _SECRET.match(credential_arn or "")
        if secret and (secret["account"], secret["region"]) != (self.registry_id, self.region):
            raise UnableToAccessSecretException.of(str(credential_arn))

    # --- pulls --------------------------------------------------------------------------------------------

    def rule_for(self, name: str) -> PullThroughRule | None:
        """The rule with the longest prefix of ``name``; ROOT for a name no other rule covers."""
        best = None
        for prefix, rule in self.pull_through_rules.items():
            if prefix != ROOT and name.startswith(prefix + "/") and (best is None or len(prefix) > len(best.prefix)):
                best = rule
        return best or self.pull_through_rules.get(ROOT)

    def pull_through(self, name: str, refs: Sequence[ImageRef]) -> None:
        """Before a pull: fetch from upstream what a pull-through repository lacks (creating it first)."""
        rule = self.rule_for(name)
        if rule is None:
            return
        repository = self.repositories.get(name)
        source = self._source(rule, name)
        wanted = [ref for ref in refs if repository is None or _stale(repository, ref, source)]
        if not wanted:
            return
        upstream_name = rule.upstream_name(name)
        found = [(ref, source.find(ref.digest, ref.tag) if source else None) for ref in wanted]
        missing = [ref for ref, image in found if image is None]
        if missing:
            raise UnableToGetUpstreamImageException.of(
                upstream_name, missing[0].digest, missing[0].tag, rule.upstream_url
            )
        repository = repository or self.create_repository_for(name, "PULL_THROUGH_CACHE")
        for ref, image in found:
            assert image is not None and source is not None
            self._import(repository, source, image, ref.tag)

    def pull_through_layer(self, name: str, digest: str) -> None:
        """Before a layer download: fetch the blob from upstream when the cached repository lacks it."""
        rule = self.rule_for(name)
        repository = self.repositories.get(name)
        if rule is None or repository is None or digest in repository.blobs:
            return
        source = self._source(rule, name)
        blob = source.blobs.get(digest) if source else None
        if blob is None:
            raise UnableToGetUpstreamLayerException.of(digest, rule.upstream_name(name), rule.upstream_url)
        repository.blobs[digest] = blob

    def _source(self, rule: PullThroughRule, name: str) -> Repository | None:
        match = _ECR_HOST.match(rule.upstream_url)
        upstream: EcrBackend = (
            self.world.registry(match["account"], match["region"]) if match else self.world.upstream(rule.upstream_url)
        )
        return upstream.repositories.get(rule.upstream_name(name))

    def _import(self, repository: Repository, source: Repository, image: Image, tag: str | None) -> None:
        for child in image.manifest.children:
            upstream_child = source.images.get(child)
            if upstream_child is not None:
                self._import(repository, source, upstream_child, None)
        copy_image(repository, source, image, () if tag is None else (tag,))


def _stale(repository: Repository, ref: ImageRef, source: Repository | None) -> bool:
    """Whether a pull of ``ref`` must go upstream: missing here, or a tag the upstream has since moved."""
    local = repository.find(ref.digest, ref.tag)
    if local is None:
        return True
    if ref.tag is None or ref.digest is not None or source is None:
        return False
    upstream = source.find(None, ref.tag)
    return upstream is not None and upstream.digest != local.digest


def _normalise(prefix: str) -> str:
    return prefix if prefix == ROOT else prefix.rstrip("/")


def _upstream_registry(url: str, given: str | None) -> str:
    """The upstream registry kind a URL is (ecr-behaviour.md 4.10), checked against the one given."""
    host = url.removeprefix("https://").rstrip("/")
    kind = _config.UPSTREAM_HOSTS.get(host)
    if kind is None and _ECR_HOST.match(host):
        kind = "ecr"
    if kind is None and host.endswith(".azurecr.io"):
        kind = "azure-container-registry"
    if kind is None or (given is not None and given != kind):
        raise UnsupportedUpstreamRegistryException.of(url)
    return kind

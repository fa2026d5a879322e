"""Managed signing: the registry's signing configuration and each image's signing status (ecr-behaviour.md
3.10, 4.14).

On every push a rule matches, ECR signs the image with the rule's AWS Signer profile, asynchronously. The mock
records, at push time, one status per distinct profile whose rule matched: IN_PROGRESS until the mock's signing
duration (``mock_ecr(durations={"signing": ...})``, zero by default) has passed, then COMPLETE. A rule without
filters matches every repository; a WILDCARD_MATCH filter matches the whole name, ``*`` standing for any run of
characters.

The mock does not create the signature artifacts ECR stores as OCI referrers next to the image: the repository's
image set stays exactly what was pushed (so listings, counts and lifecycle rules see only pushed images).
Deleting the configuration stops future signing only; recorded statuses stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecr_mock import _clock
from ecr_mock._backend.base import ImageRef, RegistryBase
from ecr_mock._domain.repository import Image, Repository, wildcard
from ecr_mock._errors import SigningConfigurationNotFoundException


@dataclass(frozen=True, slots=True)
class SigningRule:
    profile_arn: str
    filters: tuple[str, ...] = ()  # WILDCARD_MATCH repository name patterns; none: every repository

    def matches(self, name: str) -> bool:
        return not self.filters or any(wildcard(pattern).fullmatch(name) for pattern in self.filters)


@dataclass(frozen=True, slots=True)
class SigningConfiguration:
    rules: tuple[SigningRule, ...] = ()


@dataclass(frozen=True, slots=True)
class SigningStatus:
    profile_arn: str
    status: str  # IN_PROGRESS | COMPLETE


class SigningOps(RegistryBase):
    def put_signing_configuration(self, rules: Sequence[SigningRule]) -> SigningConfiguration:
        """Creates or replaces the configuration; it applies to later pushes."""
        self.signing = SigningConfiguration(tuple(rules))
        return self.signing

    def get_signing_configuration(self) -> SigningConfiguration:
        if self.signing is None:
            raise SigningConfigurationNotFoundException.of(self.registry_id)
        return self.signing

    def delete_signing_configuration(self) -> SigningConfiguration:
        configuration = self.get_signing_configuration()
        self.signing = None
        return configuration

    def signing_profiles_for(self, name: str) -> list[str]:
        """The distinct profiles whose rules match a repository name, in rule order."""
        rules = self.signing.rules if self.signing is not None else ()
        return list(dict.fromkeys(rule.profile_arn for rule in rules if rule.matches(name)))

    def after_push(self, repository: Repository, image: Image) -> None:
        super().after_push(repository, image)
        if self.signing is None:
            return
        profiles = self.signing_profiles_for(repository.name)
        if profiles:
            image.signing = dict.fromkeys(profiles, _clock.now() + self.world.behaviour.durations.signing)

    def describe_image_signing_status(self, name: str, ref: ImageRef) -> tuple[Repository, Image, list[SigningStatus]]:
        repository = self.repository(name)
        image = self.find_image(repository, ref)
        now = _clock.now()
        statuses = [
            SigningStatus(profile, "COMPLETE" if now >= done_at else "IN_PROGRESS")
            for profile, done_at in (image.signing or {}).items()
        ]
        return repository, image, statuses

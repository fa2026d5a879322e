"""Repository creation templates: Create/Describe/Update/DeleteRepositoryCreationTemplate, and the repositories
ECR creates from them (ecr-behaviour.md 3.9, 4.11).

A template holds the settings ECR gives a repository it creates itself: on a push to a missing repository
(CREATE_ON_PUSH), on replication (REPLICATION), on a pull-through-cache pull (PULL_THROUGH_CACHE). The template
that applies is, among those for the scenario, the one whose prefix (with its implied trailing "/") is the longest
prefix of the new name; ``ROOT`` serves every name no other template does. "prod" and "prod/" are one template.
Templates never apply to CreateRepository, and creating or changing one leaves existing repositories alone.
``customRoleArn`` is kept and echoed; that KMS keys and resource tags need it is not enforced (unconfirmed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import page
from ecr_mock._backend.repositories import RepositoryOps, check_mutability, check_tags
from ecr_mock._domain.lifecycle import LifecyclePolicy, parse_policy
from ecr_mock._domain.policy import check_repository_policy
from ecr_mock._domain.repository import EXCLUSION_MODES, MUTABLE, Repository
from ecr_mock._errors import (
    InvalidParameterException,
    InvalidTagParameterException,
    LimitExceededException,
    TemplateAlreadyExistsException,
    TemplateNotFoundException,
    TooManyTagsException,
)

ROOT = "ROOT"
CREATE_ON_PUSH = "CREATE_ON_PUSH"


@dataclass(frozen=True, slots=True)
class TemplateSettings:
    """What a template gives the repositories created from it; its policies are already validated."""

    applied_for: tuple[str, ...] = ()
    description: str | None = None
    encryption_type: str = "AES256"
    kms_key: str | None = None  # None: the AWS-managed key when the type is KMS or KMS_DSSE
    resource_tags: tuple[tuple[str, str], ...] = ()
    tag_mutability: str = MUTABLE
    exclusion_filters: tuple[str, ...] = ()  # WILDCARD tag patterns
    repository_policy: str | None = None
    lifecycle_policy: LifecyclePolicy | None = None
    custom_role_arn: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateInput:
    """The settings a Create/UpdateRepositoryCreationTemplate call names. None: not given (Update keeps the
    current value); an empty string clears an optional text (description, policies, KMS key, role)."""

    applied_for: Sequence[str] | None = None
    description: str | None = None
    encryption: tuple[str, str | None] | None = None  # (encryptionType, kmsKey)
    resource_tags: Sequence[tuple[str, str]] | None = None
    tag_mutability: str | None = None
    exclusion_filters: Sequence[str] | None = None
    repository_policy: str | None = None
    lifecycle_policy: str | None = None
    custom_role_arn: str | None = None


@dataclass(slots=True, eq=False)
class Template:
    prefix: str  # as the caller wrote it when creating the template
    settings: TemplateSettings
    created_at: datetime
    updated_at: datetime
    seq: int = 0


class TemplateOps(RepositoryOps):
    def create_repository_creation_template(self, prefix: str, given: TemplateInput) -> Template:
        key = _key(prefix)
        if key in self.templates:
            raise TemplateAlreadyExistsException.of(prefix, self.registry_id)
        settings = self._settled(TemplateSettings(), given)
        if len(self.templates) >= _config.MAX_REPOSITORY_CREATION_TEMPLATES:
            raise LimitExceededException.templates(_config.MAX_REPOSITORY_CREATION_TEMPLATES, self.registry_id)
        now = _clock.now()
        return self.templates.add(key, Template(prefix, settings, now, now))

    def describe_repository_creation_templates(
        self, prefixes: Sequence[str] | None, max_results: int | None, next_token: str | None
    ) -> tuple[list[Template], str | None]:
        """Every template in creation order, or those ``prefixes`` name (an unknown prefix is simply absent)."""
        listing = f"templates:{self.registry_id}:{self.region}"
        start = (_paging.decode(listing, next_token, 1) or (0,))[0]
        wanted = {_key(prefix) for prefix in prefixes} if prefixes else None
        found = (t for t in self.templates.iter_from(start) if wanted is None or _key(t.prefix) in wanted)
        return page(found, max_results, listing)

    def update_repository_creation_template(self, prefix: str, given: TemplateInput) -> Template:
        """What the call names replaces the template's value; what it leaves out stays."""
        template = self._template(prefix)
        template.settings = self._settled(template.settings, given)
        template.updated_at = _clock.now()
        return template

    def delete_repository_creation_template(self, prefix: str) -> Template:
        template = self._template(prefix)
        self.templates.pop(_key(prefix))
        return template

    def template_for(self, name: str, applied_for: str) -> Template | None:
        """The template for ``applied_for`` with the longest prefix of ``name``, else ROOT's, else None."""
        candidates = [
            (reach, template)
            for template in self.templates.values()
            if applied_for in template.settings.applied_for and (reach := _reach(template.prefix, name)) is not None
        ]
        return max(candidates, key=lambda candidate: candidate[0])[1] if candidates else None

    def create_repository_from_template(self, name: str, applied_for: str) -> Repository | None:
        template = self.template_for(name, applied_for)
        if template is None:
            return super().create_repository_from_template(name, applied_for)
        settings = template.settings
        repository = self.create_repository(
            name,
            tags=settings.resource_tags,
            tag_mutability=settings.tag_mutability,
            exclusion_filters=settings.exclusion_filters,
            encryption_type=settings.encryption_type,
            kms_key=settings.kms_key,
        )
        repository.policy_text = settings.repository_policy
        repository.lifecycle = settings.lifecycle_policy
        return repository

    def repository_for_push(self, name: str) -> Repository:
        """A push to a missing repository creates it when a CREATE_ON_PUSH template applies. As in ECR, the
        repository exists from the start of the push: it stays even if the push itself is then refused."""
        if name not in self.repositories:
            created = self.create_repository_from_template(name, CREATE_ON_PUSH)
            if created is not None:
                return created
        return super().repository_for_push(name)

    def _template(self, prefix: str) -> Template:
        template = self.templates.get(_key(prefix))
        if template is None:
            raise TemplateNotFoundException.of(prefix, self.registry_id)
        return template

    def _settled(self, current: TemplateSettings, given: TemplateInput) -> TemplateSettings:
        """``current`` with what ``given`` names, each value checked as CreateRepository checks it."""
        encryption_type, kms_key = current.encryption_type, current.kms_key
        if given.encryption is not None:
            encryption_type, kms_key = given.encryption[0], given.encryption[1] or None
            self._check_encryption(encryption_type, kms_key)
        mode, filters = _mutability(current, given)
        return TemplateSettings(
            applied_for=current.applied_for if given.applied_for is None else _scenarios(given.applied_for),
            description=_text(given.description, current.description),
            encryption_type=encryption_type,
            kms_key=kms_key,
            resource_tags=current.resource_tags if given.resource_tags is None else _tags(given.resource_tags),
            tag_mutability=mode,
            exclusion_filters=filters,
            repository_policy=_repository_policy(given.repository_policy, current.repository_policy),
            lifecycle_policy=_lifecycle_policy(given.lifecycle_policy, current.lifecycle_policy),
            custom_role_arn=_text(given.custom_role_arn, current.custom_role_arn),
        )


def _key(prefix: str) -> str:
    """Where a template is kept: its prefix without the trailing "/" ECR implies anyway."""
    return prefix if prefix == ROOT else prefix.rstrip("/")


def _reach(prefix: str, name: str) -> int | None:
    """How much of ``name`` the prefix covers (ROOT: 0), None when it does not apply to ``name``."""
    key = _key(prefix)
    if key == ROOT:
        return 0
    return len(key) + 1 if name.startswith(key + "/") else None


def _scenarios(applied_for: Sequence[str]) -> tuple[str, ...]:
    if not applied_for:
        # unconfirmed: the model sets no minimum, but a template for no scenario could never apply
        raise InvalidParameterException.at("appliedFor", "Member must have length greater than or equal to 1")
    return tuple(dict.fromkeys(applied_for))


def _tags(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """CreateRepository's tag rules, reported as InvalidParameterException: the template operations do not
    model InvalidTagParameterException or TooManyTagsException (wording unconfirmed)."""
    try:
        return tuple(check_tags({}, pairs).items())
    except (InvalidTagParameterException, TooManyTagsException) as error:
        raise InvalidParameterException.at("resourceTags", error.message) from None


def _mutability(current: TemplateSettings, given: TemplateInput) -> tuple[str, tuple[str, ...]]:
    """The mode and its filters; a plain mode drops stored filters, an exclusion mode keeps them if none given."""
    mode = given.tag_mutability or current.tag_mutability
    filters = given.exclusion_filters
    if filters is None:
        filters = current.exclusion_filters if mode in EXCLUSION_MODES else ()
    return mode, check_mutability(mode, filters)


def _text(given: str | None, current: str | None) -> str | None:
    return current if given is None else given or None


def _repository_policy(given: str | None, current: str | None) -> str | None:
    if not given:
        return _text(given, current)
    check_repository_policy(given)
    return given


def _lifecycle_policy(given: str | None, current: LifecyclePolicy | None) -> LifecyclePolicy | None:
    if given is None:
        return current
    return parse_policy(given) if given else None

"""Pull through cache, replication backfills, creation templates, signing, pull-time exclusions."""

from __future__ import annotations

from ecr_mock._errors.base import EcrError, image_id

# --- pull through cache -----------------------------------------------------------------------------------
# unconfirmed wordings


class PullThroughCacheRuleAlreadyExistsException(EcrError):
    code = "PullThroughCacheRuleAlreadyExistsException"

    @classmethod
    def of(cls, prefix: str, registry_id: str) -> PullThroughCacheRuleAlreadyExistsException:
        return cls(
            f"A pull through cache rule with the ECR repository prefix '{prefix}' already exists "
            f"in the registry with id '{registry_id}'"
        )


class PullThroughCacheRuleNotFoundException(EcrError):
    code = "PullThroughCacheRuleNotFoundException"

    @classmethod
    def of(cls, prefix: str, registry_id: str) -> PullThroughCacheRuleNotFoundException:
        return cls(
            f"The pull through cache rule with the ECR repository prefix '{prefix}' does not exist "
            f"in the registry with id '{registry_id}'"
        )


class UnsupportedUpstreamRegistryException(EcrError):
    code = "UnsupportedUpstreamRegistryException"

    @classmethod
    def of(cls, url: str) -> UnsupportedUpstreamRegistryException:
        return cls(f"The upstream registry URL '{url}' is not supported")


class UnableToAccessSecretException(EcrError):
    code = "UnableToAccessSecretException"

    @classmethod
    def of(cls, arn: str) -> UnableToAccessSecretException:
        return cls(f"Unable to access the secret '{arn}': it must be in the same account and region as the rule")


class UnableToGetUpstreamImageException(EcrError):
    code = "UnableToGetUpstreamImageException"

    @classmethod
    def of(cls, name: str, digest: str | None, tag: str | None, url: str) -> UnableToGetUpstreamImageException:
        return cls(
            f"The image with imageId {image_id(digest, tag)} could not be found in the upstream repository "
            f"'{name}' of the upstream registry '{url}'"
        )


class UnableToGetUpstreamLayerException(EcrError):
    code = "UnableToGetUpstreamLayerException"

    @classmethod
    def of(cls, digest: str, name: str, url: str) -> UnableToGetUpstreamLayerException:
        return cls(
            f"The layer with digest '{digest}' could not be found in the upstream repository '{name}' "
            f"of the upstream registry '{url}'"
        )


# --- replication ----------------------------------------------------------------------------------------
# unconfirmed wordings


class ReplicationBackfillInProgressException(EcrError):
    code = "ReplicationBackfillInProgressException"

    @classmethod
    def of(cls, region: str) -> ReplicationBackfillInProgressException:
        return cls(f"A replication backfill is already in progress for the destination region '{region}'")


class ReplicationBackfillNotFoundException(EcrError):
    code = "ReplicationBackfillNotFoundException"

    @classmethod
    def of(cls, backfill_id: str, registry_id: str) -> ReplicationBackfillNotFoundException:
        return cls(
            f"The replication backfill with id '{backfill_id}' does not exist in the registry with id '{registry_id}'"
        )


class ReplicationBackfillInvalidStatusException(EcrError):
    code = "ReplicationBackfillInvalidStatusException"

    @classmethod
    def of(cls, backfill_id: str, status: str) -> ReplicationBackfillInvalidStatusException:
        return cls(f"The replication backfill with id '{backfill_id}' cannot be stopped because it is {status}")


# --- repository creation templates, managed signing, pull-time update exclusions ------------------------
# unconfirmed wordings (ecr-behaviour.md 2.4: name the prefix / principal and the registry id)


class TemplateAlreadyExistsException(EcrError):
    code = "TemplateAlreadyExistsException"

    @classmethod
    def of(cls, prefix: str, registry_id: str) -> TemplateAlreadyExistsException:
        return cls(
            f"The repository creation template with prefix '{prefix}' already exists in the registry "
            f"with id '{registry_id}'"
        )


class TemplateNotFoundException(EcrError):
    code = "TemplateNotFoundException"

    @classmethod
    def of(cls, prefix: str, registry_id: str) -> TemplateNotFoundException:
        return cls(
            f"The repository creation template with prefix '{prefix}' does not exist in the registry "
            f"with id '{registry_id}'"
        )


class SigningConfigurationNotFoundException(EcrError):
    code = "SigningConfigurationNotFoundException"

    @classmethod
    def of(cls, registry_id: str) -> SigningConfigurationNotFoundException:
        return cls(f"Signing configuration does not exist in the registry with id '{registry_id}'")


class ExclusionAlreadyExistsException(EcrError):
    code = "ExclusionAlreadyExistsException"

    @classmethod
    def of(cls, principal_arn: str, registry_id: str) -> ExclusionAlreadyExistsException:
        return cls(
            f"The pull time update exclusion for the principal '{principal_arn}' already exists in the registry "
            f"with id '{registry_id}'"
        )


class ExclusionNotFoundException(EcrError):
    code = "ExclusionNotFoundException"

    @classmethod
    def of(cls, principal_arn: str, registry_id: str) -> ExclusionNotFoundException:
        return cls(
            f"The pull time update exclusion for the principal '{principal_arn}' does not exist in the registry "
            f"with id '{registry_id}'"
        )

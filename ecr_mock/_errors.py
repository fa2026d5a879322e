"""ECR's errors: one class per exception the mock raises, with ECR's own wording.

Texts come from ``shared/ecr-behaviour.md`` (section 2.4 and the operation sections). Where the reference says a
text is unconfirmed, the wording below is ours, in ECR's style, and lives only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

NULL = "null"  # how ECR prints an identifier member that was not supplied


class EcrError(Exception):
    """An error ECR answers with: ``code`` becomes ``__type``, ``message`` the text, ``fields`` extra members."""

    code: ClassVar[str] = "ServerException"
    status: ClassVar[int] = 400

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields: dict[str, Any] = fields

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _or_null(value: str | None) -> str:
    return NULL if value is None else value


def _image_id(digest: str | None, tag: str | None) -> str:
    return f"{{imageDigest:'{_or_null(digest)}', imageTag:'{_or_null(tag)}'}}"


# --- protocol level (not in the model: the JSON-1.1 front door) -------------------------------------------


class SerializationException(EcrError):
    code = "SerializationException"


class UnknownOperationException(EcrError):
    code = "UnknownOperationException"


class InternalFailure(EcrError):
    """Never raised on purpose: what the dispatcher answers if a handler itself crashes."""

    code = "InternalFailure"
    status = 500


# --- parameters -----------------------------------------------------------------------------------------


class InvalidParameterException(EcrError):
    code = "InvalidParameterException"

    @classmethod
    def at(cls, member: str, constraint: str) -> InvalidParameterException:
        return cls(f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'")


class ValidationException(EcrError):
    """Coral's generic frame, used by the newer operations whose model lists ValidationException."""

    code = "ValidationException"

    @classmethod
    def detected(cls, clauses: list[str]) -> ValidationException:
        noun = "error" if len(clauses) == 1 else "errors"
        return cls(f"{len(clauses)} validation {noun} detected: " + "; ".join(clauses))

    @classmethod
    def unconfigured_destination(cls, region: str, registry_id: str) -> ValidationException:
        # unconfirmed wording
        return cls(
            f"The destination with region '{region}' and registry id '{registry_id}' is not configured "
            "in the registry's replication configuration"
        )


class InvalidTagParameterException(EcrError):
    code = "InvalidTagParameterException"

    @classmethod
    def too_long(cls, what: str, value: str, limit: int) -> InvalidTagParameterException:
        # unconfirmed wording
        return cls(f"Tag {what} '{value}' is longer than the maximum of {limit} characters")


class TooManyTagsException(EcrError):
    code = "TooManyTagsException"

    @classmethod
    def over(cls, count: int, limit: int) -> TooManyTagsException:
        # unconfirmed wording
        return cls(f"The resource would have {count} tags, more than the maximum of {limit}")


class LimitExceededException(EcrError):
    code = "LimitExceededException"

    # unconfirmed wordings, in the style of ECR's quota messages
    @classmethod
    def repositories(cls, limit: int, registry_id: str) -> LimitExceededException:
        return cls(
            f"The maximum number of repositories ({limit}) in the registry with id '{registry_id}' has been reached"
        )

    @classmethod
    def images(cls, limit: int, name: str, registry_id: str) -> LimitExceededException:
        return cls(
            f"The maximum number of images ({limit}) in the repository with name '{name}' "
            f"in the registry with id '{registry_id}' has been reached"
        )

    @classmethod
    def scan_quota(cls) -> LimitExceededException:
        return cls("The scan quota per image has been exceeded. Wait and try again.")

    @classmethod
    def templates(cls, limit: int, registry_id: str) -> LimitExceededException:
        return cls(
            f"The maximum number of repository creation templates ({limit}) in the registry with id "
            f"'{registry_id}' has been reached"
        )

    @classmethod
    def pull_time_exclusions(cls, limit: int, registry_id: str) -> LimitExceededException:
        return cls(
            f"The maximum number of pull time update exclusions ({limit}) in the registry with id "
            f"'{registry_id}' has been reached"
        )

    @classmethod
    def pull_through_rules(cls, limit: int) -> LimitExceededException:
        return cls(f"The maximum number of pull through cache rules ({limit}) has been reached")

    @classmethod
    def backfills(cls, limit: int) -> LimitExceededException:
        return cls(f"The maximum number of replication backfills in progress ({limit}) has been reached")

    @classmethod
    def layer_parts(cls, limit: int, upload_id: str) -> LimitExceededException:
        return cls(f"The upload with id '{upload_id}' has reached the maximum number of layer parts ({limit})")

    @classmethod
    def tags_per_image(cls, limit: int, digest: str) -> LimitExceededException:
        return cls(f"The maximum number of tags ({limit}) for the image with digest '{digest}' has been reached")


class ServerException(EcrError):
    code = "ServerException"
    status = 500


# --- repositories ---------------------------------------------------------------------------------------


class RepositoryNotFoundException(EcrError):
    code = "RepositoryNotFoundException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> RepositoryNotFoundException:
        return cls(f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'")


class RepositoryAlreadyExistsException(EcrError):
    code = "RepositoryAlreadyExistsException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> RepositoryAlreadyExistsException:
        return cls(f"The repository with name '{name}' already exists in the registry with id '{registry_id}'")


class RepositoryNotEmptyException(EcrError):
    code = "RepositoryNotEmptyException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> RepositoryNotEmptyException:
        return cls(
            f"The repository with name '{name}' in registry with id '{registry_id}' "
            "cannot be deleted because it still contains images"
        )


# --- images ---------------------------------------------------------------------------------------------


class ImageNotFoundException(EcrError):
    code = "ImageNotFoundException"

    @classmethod
    def of(cls, digest: str | None, tag: str | None, name: str, registry_id: str) -> ImageNotFoundException:
        return cls(
            f"The image with imageId {_image_id(digest, tag)} does not exist within the repository "
            f"with name '{name}' in the registry with id '{registry_id}'"
        )


class ImageAlreadyExistsException(EcrError):
    code = "ImageAlreadyExistsException"

    @classmethod
    def of(cls, digest: str, tag: str | None, name: str, registry_id: str) -> ImageAlreadyExistsException:
        return cls(
            f"Image with digest '{digest}' and tag '{_or_null(tag)}' already exists in the repository "
            f"with name '{name}' in registry with id '{registry_id}'"
        )


class ImageTagAlreadyExistsException(EcrError):
    code = "ImageTagAlreadyExistsException"

    @classmethod
    def of(cls, tag: str, name: str) -> ImageTagAlreadyExistsException:
        return cls(
            f"The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten "
            "because the repository is immutable."
        )


class ImageDigestDoesNotMatchException(EcrError):
    code = "ImageDigestDoesNotMatchException"

    @classmethod
    def of(cls, given: str, computed: str) -> ImageDigestDoesNotMatchException:
        # unconfirmed wording
        return cls(f"Provided digest '{given}' does not match the calculated digest '{computed}'")


class LayersNotFoundException(EcrError):
    code = "LayersNotFoundException"

    @classmethod
    def of(cls, digests: Iterable[str], name: str, registry_id: str) -> LayersNotFoundException:
        return cls(
            f"Layers with digests '[{', '.join(digests)}]' required for pushing image into repository "
            f"with name '{name}' in the registry with id '{registry_id}' do not exist"
        )

    @classmethod
    def layer(cls, digest: str, name: str, registry_id: str) -> LayersNotFoundException:
        # GetDownloadUrlForLayer; unconfirmed wording
        return cls(
            f"The layer with digest '{digest}' does not exist in the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class ReferencedImagesNotFoundException(EcrError):
    code = "ReferencedImagesNotFoundException"

    @classmethod
    def of(cls, digests: Iterable[str], name: str, registry_id: str) -> ReferencedImagesNotFoundException:
        # unconfirmed wording, after the variant seen in the wild
        return cls(
            f"Images with digests '[{', '.join(digests)}]' required for pushing image into repository "
            f"with name '{name}' in the registry with id '{registry_id}' do not exist"
        )


class ImageStorageClassUpdateNotSupportedException(EcrError):
    code = "ImageStorageClassUpdateNotSupportedException"

    @classmethod
    def already(cls, digest: str, storage_class: str) -> ImageStorageClassUpdateNotSupportedException:
        # unconfirmed wording
        return cls(f"The image with digest '{digest}' is already in the {storage_class} storage class")

    @classmethod
    def unsupported(cls, digest: str, media_type: str) -> ImageStorageClassUpdateNotSupportedException:
        # unconfirmed wording
        return cls(f"The image with digest '{digest}' and media type '{media_type}' cannot be archived")


class ImageArchivedException(EcrError):
    code = "ImageArchivedException"

    @classmethod
    def of(cls, digest: str, name: str, registry_id: str) -> ImageArchivedException:
        # unconfirmed wording
        return cls(
            f"The image with digest '{digest}' in the repository with name '{name}' in the registry with id "
            f"'{registry_id}' is archived. Restore it before using it."
        )


# --- governance: policies, lifecycle, scanning -----------------------------------------------------------


class RepositoryPolicyNotFoundException(EcrError):
    code = "RepositoryPolicyNotFoundException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> RepositoryPolicyNotFoundException:
        return cls(
            f"Repository policy does not exist for the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class RegistryPolicyNotFoundException(EcrError):
    code = "RegistryPolicyNotFoundException"

    @classmethod
    def of(cls, registry_id: str) -> RegistryPolicyNotFoundException:
        return cls(f"Registry policy does not exist in the registry with id '{registry_id}'")


class LifecyclePolicyNotFoundException(EcrError):
    code = "LifecyclePolicyNotFoundException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> LifecyclePolicyNotFoundException:
        return cls(
            f"Lifecycle policy does not exist for the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class LifecyclePolicyPreviewNotFoundException(EcrError):
    code = "LifecyclePolicyPreviewNotFoundException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> LifecyclePolicyPreviewNotFoundException:
        # unconfirmed wording
        return cls(
            f"There is no lifecycle policy preview for the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class LifecyclePolicyPreviewInProgressException(EcrError):
    code = "LifecyclePolicyPreviewInProgressException"

    @classmethod
    def of(cls, name: str, registry_id: str) -> LifecyclePolicyPreviewInProgressException:
        # unconfirmed wording
        return cls(
            f"A lifecycle policy preview is already in progress for the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class ScanNotFoundException(EcrError):
    code = "ScanNotFoundException"

    @classmethod
    def of(cls, digest: str | None, tag: str | None, name: str, registry_id: str) -> ScanNotFoundException:
        return cls(
            f"Image scan does not exist for the image with '{_image_id(digest, tag)}' in the repository "
            f"with name '{name}' in the registry with id '{registry_id}'"
        )


class UnsupportedImageTypeException(EcrError):
    code = "UnsupportedImageTypeException"

    @classmethod
    def of(cls, media_type: str) -> UnsupportedImageTypeException:
        # unconfirmed wording
        return cls(f"The image with media type '{media_type}' is not supported for scanning")


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
            f"The image with imageId {_image_id(digest, tag)} could not be found in the upstream repository "
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


# --- layers ---------------------------------------------------------------------------------------------
# Apart from LayerPartTooSmallException (observed), these wordings are unconfirmed (ecr-behaviour.md 2.4).


class UploadNotFoundException(EcrError):
    code = "UploadNotFoundException"

    @classmethod
    def of(cls, upload_id: str, name: str, registry_id: str) -> UploadNotFoundException:
        return cls(
            f"The upload with id '{upload_id}' does not exist in the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class InvalidLayerPartException(EcrError):
    code = "InvalidLayerPartException"

    @classmethod
    def not_next(
        cls, first: int, last_received: int, name: str, registry_id: str, upload_id: str
    ) -> InvalidLayerPartException:
        return cls._with(
            f"Invalid layer part: first byte {first} is not consecutive to last byte received {last_received}",
            last_received,
            name,
            registry_id,
            upload_id,
        )

    @classmethod
    def wrong_length(
        cls, first: int, last: int, size: int, last_received: int, name: str, registry_id: str, upload_id: str
    ) -> InvalidLayerPartException:
        return cls._with(
            f"Invalid layer part: bytes {first}-{last} do not match the part's length of {size} bytes",
            last_received,
            name,
            registry_id,
            upload_id,
        )

    @classmethod
    def _with(
        cls, message: str, last_received: int, name: str, registry_id: str, upload_id: str
    ) -> InvalidLayerPartException:
        fields = {"registryId": registry_id, "repositoryName": name, "uploadId": upload_id}
        if last_received >= 0:
            fields["lastValidByteReceived"] = last_received  # type: ignore[assignment]
        return cls(message, **fields)


class LayerPartTooSmallException(EcrError):
    code = "LayerPartTooSmallException"

    @classmethod
    def of(cls) -> LayerPartTooSmallException:
        return cls("All layer parts except the last part should be at least 5MB")


class EmptyUploadException(EcrError):
    code = "EmptyUploadException"

    @classmethod
    def of(cls, upload_id: str) -> EmptyUploadException:
        return cls(f"Upload with id '{upload_id}' has no layer parts")


class InvalidLayerException(EcrError):
    code = "InvalidLayerException"

    @classmethod
    def of(cls, given: list[str], computed: str) -> InvalidLayerException:
        shown = given[0] if len(given) == 1 else "[" + ", ".join(given) + "]"
        return cls(f"Layer digest '{shown}' does not match computed digest '{computed}'")


class LayerAlreadyExistsException(EcrError):
    code = "LayerAlreadyExistsException"

    @classmethod
    def of(cls, digest: str, name: str, registry_id: str) -> LayerAlreadyExistsException:
        return cls(
            f"The layer with digest '{digest}' already exists in the repository with name '{name}' "
            f"in the registry with id '{registry_id}'"
        )


class LayerInaccessibleException(EcrError):
    code = "LayerInaccessibleException"

    @classmethod
    def of(cls, digest: str, name: str, registry_id: str) -> LayerInaccessibleException:
        return cls(
            f"The layer with digest '{digest}' is not referenced by any image in the repository with name "
            f"'{name}' in the registry with id '{registry_id}'"
        )


# --- per-entry failures (BatchGetImage / BatchDeleteImage): data, not exceptions -----------------------

DIGEST_PATTERN = "[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+"

FAILURE_REASONS: Mapping[str, str] = {
    "MissingDigestAndTag": "Invalid request parameters: both tag and digest cannot be null",
    "InvalidImageDigest": f"Invalid request parameters: image digest should satisfy the regex '{DIGEST_PATTERN}'",
    "InvalidImageTag": "Invalid request parameters: image tag should not be empty",  # unconfirmed wording
    "ImageNotFound": "Requested image not found",
    "InvalidLayerDigest": "Invalid request parameters: layer digest should satisfy the regex '" + DIGEST_PATTERN + "'",
    "MissingLayerDigest": "Could not find layer",
    # unconfirmed wording
    "ImageReferencedByManifestList": "Requested image referenced by manifest list: [{parents}]",
}

# Every error class defined here, by code: the protocol layer and the model test read it.
ERRORS_BY_CODE: Mapping[str, type[EcrError]] = {cls.code: cls for cls in EcrError.__subclasses__()}

PROTOCOL_CODES = frozenset({"SerializationException", "UnknownOperationException", "InternalFailure"})

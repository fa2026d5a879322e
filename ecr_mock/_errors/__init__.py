"""ECR's errors: one class per exception the mock raises, with ECR's own wording, by area.

Texts come from ``shared/ecr-behaviour.md`` (section 2.4 and the operation sections). Where the reference says a
text is unconfirmed, the wording is ours, in ECR's style, and lives only in this package.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecr_mock._errors.base import (
    DIGEST_PATTERN,
    FAILURE_REASONS,
    NULL,
    EcrError,
    InternalFailure,
    InvalidParameterException,
    InvalidTagParameterException,
    LimitExceededException,
    MissingAuthenticationTokenException,
    SerializationException,
    ServerException,
    TooManyTagsException,
    UnknownOperationException,
    ValidationException,
    image_id,
    or_null,
)
from ecr_mock._errors.governance import (
    LifecyclePolicyNotFoundException,
    LifecyclePolicyPreviewInProgressException,
    LifecyclePolicyPreviewNotFoundException,
    RegistryPolicyNotFoundException,
    RepositoryPolicyNotFoundException,
    ScanNotFoundException,
    UnsupportedImageTypeException,
)
from ecr_mock._errors.images import (
    ImageAlreadyExistsException,
    ImageArchivedException,
    ImageDigestDoesNotMatchException,
    ImageNotFoundException,
    ImageStorageClassUpdateNotSupportedException,
    ImageTagAlreadyExistsException,
    LayersNotFoundException,
    ReferencedImagesNotFoundException,
    RepositoryAlreadyExistsException,
    RepositoryNotEmptyException,
    RepositoryNotFoundException,
)
from ecr_mock._errors.layers import (
    EmptyUploadException,
    InvalidLayerException,
    InvalidLayerPartException,
    LayerAlreadyExistsException,
    LayerInaccessibleException,
    LayerPartTooSmallException,
    UploadNotFoundException,
)
from ecr_mock._errors.registries import (
    ExclusionAlreadyExistsException,
    ExclusionNotFoundException,
    PullThroughCacheRuleAlreadyExistsException,
    PullThroughCacheRuleNotFoundException,
    ReplicationBackfillInProgressException,
    ReplicationBackfillInvalidStatusException,
    ReplicationBackfillNotFoundException,
    SigningConfigurationNotFoundException,
    TemplateAlreadyExistsException,
    TemplateNotFoundException,
    UnableToAccessSecretException,
    UnableToGetUpstreamImageException,
    UnableToGetUpstreamLayerException,
    UnsupportedUpstreamRegistryException,
)

# Every error class, by code: the protocol layer and the model test read it.
ERRORS_BY_CODE: Mapping[str, type[EcrError]] = {cls.code: cls for cls in EcrError.__subclasses__()}
PROTOCOL_CODES = frozenset(
    {"SerializationException", "UnknownOperationException", "InternalFailure", "MissingAuthenticationTokenException"}
)

__all__ = [
    "DIGEST_PATTERN",
    "ERRORS_BY_CODE",
    "FAILURE_REASONS",
    "NULL",
    "PROTOCOL_CODES",
    "EcrError",
    "EmptyUploadException",
    "ExclusionAlreadyExistsException",
    "ExclusionNotFoundException",
    "ImageAlreadyExistsException",
    "ImageArchivedException",
    "ImageDigestDoesNotMatchException",
    "ImageNotFoundException",
    "ImageStorageClassUpdateNotSupportedException",
    "ImageTagAlreadyExistsException",
    "InternalFailure",
    "InvalidLayerException",
    "InvalidLayerPartException",
    "InvalidParameterException",
    "InvalidTagParameterException",
    "LayerAlreadyExistsException",
    "LayerInaccessibleException",
    "LayerPartTooSmallException",
    "LayersNotFoundException",
    "LifecyclePolicyNotFoundException",
    "LifecyclePolicyPreviewInProgressException",
    "LifecyclePolicyPreviewNotFoundException",
    "LimitExceededException",
    "MissingAuthenticationTokenException",
    "PullThroughCacheRuleAlreadyExistsException",
    "PullThroughCacheRuleNotFoundException",
    "ReferencedImagesNotFoundException",
    "RegistryPolicyNotFoundException",
    "ReplicationBackfillInProgressException",
    "ReplicationBackfillInvalidStatusException",
    "ReplicationBackfillNotFoundException",
    "RepositoryAlreadyExistsException",
    "RepositoryNotEmptyException",
    "RepositoryNotFoundException",
    "RepositoryPolicyNotFoundException",
    "ScanNotFoundException",
    "SerializationException",
    "ServerException",
    "SigningConfigurationNotFoundException",
    "TemplateAlreadyExistsException",
    "TemplateNotFoundException",
    "TooManyTagsException",
    "UnableToAccessSecretException",
    "UnableToGetUpstreamImageException",
    "UnableToGetUpstreamLayerException",
    "UnknownOperationException",
    "UnsupportedImageTypeException",
    "UnsupportedUpstreamRegistryException",
    "UploadNotFoundException",
    "ValidationException",
    "image_id",
    "or_null",
]

"""The error base class, the protocol and parameter errors, and per-entry failure reasons."""

from __future__ import annotations

from collections.abc import Mapping
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


def or_null(value: str | None) -> str:
    return NULL if value is None else value


def image_id(digest: str | None, tag: str | None) -> str:
    return f"{{imageDigest:'{or_null(digest)}', imageTag:'{or_null(tag)}'}}"


# --- protocol level (not in the model: the JSON-1.1 front door) -------------------------------------------


class SerializationException(EcrError):
    code = "SerializationException"


class UnknownOperationException(EcrError):
    code = "UnknownOperationException"


class MissingAuthenticationTokenException(EcrError):
    """An unsigned request to a strict server (what AWS's front door answers a request with no signature)."""

    code = "MissingAuthenticationTokenException"
    status = 403

    @classmethod
    def of(cls) -> MissingAuthenticationTokenException:
        return cls("Missing Authentication Token")


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

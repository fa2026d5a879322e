"""The layer upload and download API."""

from __future__ import annotations

from ecr_mock._errors.base import EcrError

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

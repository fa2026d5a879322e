"""Repositories and images: not found, already exists, not empty, missing layers, archive."""

from __future__ import annotations

from collections.abc import Iterable

from ecr_mock._errors.base import EcrError, image_id, or_null

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
            f"The image with imageId {image_id(digest, tag)} does not exist within the repository "
            f"with name '{name}' in the registry with id '{registry_id}'"
        )


class ImageAlreadyExistsException(EcrError):
    code = "ImageAlreadyExistsException"

    @classmethod
    def of(cls, digest: str, tag: str | None, name: str, registry_id: str) -> ImageAlreadyExistsException:
        return cls(
            f"Image with digest '{digest}' and tag '{or_null(tag)}' already exists in the repository "
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

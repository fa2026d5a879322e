"""Policies, lifecycle policies and previews, scans."""

from __future__ import annotations

from ecr_mock._errors.base import EcrError, image_id

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
            f"Image scan does not exist for the image with '{image_id(digest, tag)}' in the repository "
            f"with name '{name}' in the registry with id '{registry_id}'"
        )


class UnsupportedImageTypeException(EcrError):
    code = "UnsupportedImageTypeException"

    @classmethod
    def of(cls, media_type: str) -> UnsupportedImageTypeException:
        # unconfirmed wording
        return cls(f"The image with media type '{media_type}' is not supported for scanning")

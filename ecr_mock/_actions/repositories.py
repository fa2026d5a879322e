"""CreateRepository, DescribeRepositories, DeleteRepository."""

from __future__ import annotations

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action


def _exclusion_filters(params: Params) -> list[str] | None:
    filters = params.get("imageTagMutabilityExclusionFilters")
    return None if filters is None else [f["filter"] for f in filters]


@action("CreateRepository")
def create_repository(ctx: Context, params: Params) -> Result:
    encryption = params.get("encryptionConfiguration") or {}
    repository = ctx.registry(params.get("registryId")).create_repository(
        params["repositoryName"],
        tags=[(tag["Key"], tag["Value"]) for tag in params.get("tags") or ()],
        tag_mutability=params.get("imageTagMutability", "MUTABLE"),
        exclusion_filters=_exclusion_filters(params),
        scan_on_push=(params.get("imageScanningConfiguration") or {}).get("scanOnPush", False),
        encryption_type=encryption.get("encryptionType", "AES256"),
        kms_key=encryption.get("kmsKey"),
    )
    return {"repository": views.repository(repository, ctx.backends.repository_uri(repository))}


@action("DescribeRepositories")
def describe_repositories(ctx: Context, params: Params) -> Result:
    repositories, token = ctx.registry(params.get("registryId")).describe_repositories(
        params.get("repositoryNames"), params.get("maxResults"), params.get("nextToken")
    )
    return {"repositories": views.repositories(repositories, ctx.backends.repository_uri), "nextToken": token}


@action("DeleteRepository")
def delete_repository(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).delete_repository(
        params["repositoryName"], params.get("force", False)
    )
    return {"repository": views.repository(repository, ctx.backends.repository_uri(repository))}


@action("PutImageTagMutability")
def put_image_tag_mutability(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).put_image_tag_mutability(
        params["repositoryName"], params["imageTagMutability"], _exclusion_filters(params)
    )
    view = views.repository(repository, ctx.backends.repository_uri(repository))
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageTagMutability": view["imageTagMutability"],
        "imageTagMutabilityExclusionFilters": view.get("imageTagMutabilityExclusionFilters"),
    }

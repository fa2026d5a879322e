"""PutImage, ListImages, DescribeImages, BatchGetImage, BatchDeleteImage."""

from __future__ import annotations

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend import ANY, ImageFilter
from ecr_mock._domain.repository import ACTIVE

_NO_FILTER = ImageFilter(ANY, ACTIVE)


def _filter(params: Params) -> ImageFilter:
    given = params.get("filter")
    if not given:
        return _NO_FILTER
    return ImageFilter(given.get("tagStatus", ANY), given.get("imageStatus", ACTIVE))


@action("PutImage")
def put_image(ctx: Context, params: Params) -> Result:
    repository, image, tag = ctx.registry_for(params).put_image(
        params["repositoryName"],
        params["imageManifest"],
        tag=params.get("imageTag"),
        digest=params.get("imageDigest"),
        media_type=params.get("imageManifestMediaType"),
    )
    return {"image": views.image(repository, image, tag)}


@action("ListImages")
def list_images(ctx: Context, params: Params) -> Result:
    pairs, token = ctx.registry(params.get("registryId")).list_images(
        params["repositoryName"], _filter(params), params.get("maxResults"), params.get("nextToken")
    )
    return {"imageIds": views.image_ids(pairs), "nextToken": token}


@action("DescribeImages")
def describe_images(ctx: Context, params: Params) -> Result:
    repository, images, token = ctx.registry(params.get("registryId")).describe_images(
        params["repositoryName"],
        views.image_refs(params.get("imageIds")),
        _filter(params),
        params.get("maxResults"),
        params.get("nextToken"),
        caller=ctx.account_id,
    )
    return {"imageDetails": views.image_details(repository, images, ctx.behaviour), "nextToken": token}


@action("BatchGetImage")
def batch_get_image(ctx: Context, params: Params) -> Result:
    registry = ctx.registry_for(params)
    repository, found, failures = registry.batch_get_image(
        params["repositoryName"],
        views.image_refs(params["imageIds"]) or [],
        params.get("acceptedMediaTypes"),
        principal=ctx.principal if registry.pull_time_exclusions else None,  # whom to exclude, if anyone
    )
    return {
        "images": [views.image(repository, image, ref.tag) for image, ref in found],
        "failures": [views.failure(f) for f in failures],
    }


@action("BatchDeleteImage")
def batch_delete_image(ctx: Context, params: Params) -> Result:
    deleted, failures = ctx.registry_for(params).batch_delete_image(
        params["repositoryName"], views.image_refs(params["imageIds"]) or []
    )
    return {
        "imageIds": [views.image_id(digest, tag) for digest, tag in deleted],
        "failures": [views.failure(f) for f in failures],
    }


@action("UpdateImageStorageClass")
def update_image_storage_class(ctx: Context, params: Params) -> Result:
    repository, image = ctx.registry_for(params).update_image_storage_class(
        params["repositoryName"], views.image_ref(params["imageId"]), params["targetStorageClass"]
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": views.image_id(image.digest, params["imageId"].get("imageTag")),
        "imageStatus": image.status,
    }


@action("ListImageReferrers")
def list_image_referrers(ctx: Context, params: Params) -> Result:
    given = params.get("filter") or {}
    referrers, token = ctx.registry_for(params).list_image_referrers(
        params["repositoryName"],
        params["subjectId"]["imageDigest"],
        given.get("artifactTypes"),
        given.get("artifactStatus", ACTIVE),
        params.get("maxResults"),
        params.get("nextToken"),
    )
    return {"referrers": [views.referrer(image) for image in referrers], "nextToken": token}

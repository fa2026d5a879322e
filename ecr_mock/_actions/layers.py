"""InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload, BatchCheckLayerAvailability, GetDownloadUrlForLayer."""

from __future__ import annotations

from ecr_mock import _config
from ecr_mock._actions._base import Context, Params, Result, action


@action("InitiateLayerUpload")
def initiate_layer_upload(ctx: Context, params: Params) -> Result:
    _, upload = ctx.registry_for(params).initiate_layer_upload(params["repositoryName"])
    return {"uploadId": upload.upload_id, "partSize": _config.LAYER_PART_SIZE}


@action("UploadLayerPart")
def upload_layer_part(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).upload_layer_part(
        params["repositoryName"],
        params["uploadId"],
        params["partFirstByte"],
        params["partLastByte"],
        params["layerPartBlob"],
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "uploadId": params["uploadId"],
        "lastByteReceived": params["partLastByte"],
    }


@action("CompleteLayerUpload")
def complete_layer_upload(ctx: Context, params: Params) -> Result:
    repository, blob = ctx.registry_for(params).complete_layer_upload(
        params["repositoryName"], params["uploadId"], params["layerDigests"]
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "uploadId": params["uploadId"],
        "layerDigest": blob.digest,
    }


@action("BatchCheckLayerAvailability")
def batch_check_layer_availability(ctx: Context, params: Params) -> Result:
    layers, failures = ctx.registry_for(params).batch_check_layer_availability(
        params["repositoryName"], params["layerDigests"]
    )
    return {
        "layers": [
            {
                "layerDigest": layer.digest,
                "layerAvailability": layer.availability,
                "layerSize": layer.size,
                "mediaType": layer.media_type,
            }
            for layer in layers
        ],
        "failures": [{"layerDigest": f.digest, "failureCode": f.code, "failureReason": f.reason} for f in failures],
    }


@action("GetDownloadUrlForLayer")
def get_download_url_for_layer(ctx: Context, params: Params) -> Result:
    url = ctx.registry_for(params).get_download_url(params["repositoryName"], params["layerDigest"])
    return {"downloadUrl": url, "layerDigest": params["layerDigest"]}

"""PutSigningConfiguration, GetSigningConfiguration, DeleteSigningConfiguration, DescribeImageSigningStatus."""

from __future__ import annotations

from typing import Any

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend.signing import SigningConfiguration, SigningRule


def _rule(rule: SigningRule) -> dict[str, Any]:
    view: dict[str, Any] = {"signingProfileArn": rule.profile_arn}
    if rule.filters:
        view["repositoryFilters"] = [{"filter": f, "filterType": "WILDCARD_MATCH"} for f in rule.filters]
    return view


def _configuration(configuration: SigningConfiguration) -> dict[str, Any]:
    return {"rules": [_rule(rule) for rule in configuration.rules]}


@action("PutSigningConfiguration")
def put_signing_configuration(ctx: Context, params: Params) -> Result:
    rules = [
        SigningRule(rule["signingProfileArn"], tuple(f["filter"] for f in rule.get("repositoryFilters") or ()))
        for rule in params["signingConfiguration"]["rules"]
    ]
    return {"signingConfiguration": _configuration(ctx.registry().put_signing_configuration(rules))}


@action("GetSigningConfiguration")
def get_signing_configuration(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    configuration = registry.get_signing_configuration()
    return {"registryId": registry.registry_id, "signingConfiguration": _configuration(configuration)}


@action("DeleteSigningConfiguration")
def delete_signing_configuration(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    configuration = registry.delete_signing_configuration()
    return {"registryId": registry.registry_id, "signingConfiguration": _configuration(configuration)}


@action("DescribeImageSigningStatus")
def describe_image_signing_status(ctx: Context, params: Params) -> Result:
    repository, image, statuses = ctx.registry_for(params).describe_image_signing_status(
        params["repositoryName"], views.image_ref(params["imageId"])
    )
    return {
        "repositoryName": repository.name,
        "imageId": views.image_id(image.digest, params["imageId"].get("imageTag")),
        "registryId": repository.registry_id,
        "signingStatuses": [{"signingProfileArn": s.profile_arn, "status": s.status} for s in statuses],
    }

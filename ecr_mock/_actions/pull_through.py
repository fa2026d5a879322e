"""Create/Describe/Update/Delete/ValidatePullThroughCacheRule."""

from __future__ import annotations

from typing import Any

from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend.pull_through import PullThroughRule


def _rule(rule: PullThroughRule, registry_id: str, *fields: str) -> dict[str, Any]:
    view = {
        "ecrRepositoryPrefix": rule.prefix,
        "upstreamRegistryUrl": rule.upstream_url,
        "createdAt": rule.created_at,
        "registryId": registry_id,
        "credentialArn": rule.credential_arn,
        "customRoleArn": rule.custom_role_arn,
        "upstreamRepositoryPrefix": rule.upstream_prefix,
        "upstreamRegistry": rule.upstream_registry,
        "updatedAt": rule.updated_at,
    }
    return {name: view[name] for name in fields} if fields else view


@action("CreatePullThroughCacheRule")
def create_pull_through_cache_rule(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    rule = registry.create_pull_through_cache_rule(
        params["ecrRepositoryPrefix"],
        params["upstreamRegistryUrl"],
        params.get("upstreamRegistry"),
        params.get("credentialArn"),
        params.get("customRoleArn"),
        params.get("upstreamRepositoryPrefix"),
    )
    view = _rule(rule, registry.registry_id)
    del view["updatedAt"]
    return view


@action("DescribePullThroughCacheRules")
def describe_pull_through_cache_rules(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    rules, token = registry.describe_pull_through_cache_rules(
        params.get("ecrRepositoryPrefixes"), params.get("maxResults"), params.get("nextToken")
    )
    return {"pullThroughCacheRules": [_rule(rule, registry.registry_id) for rule in rules], "nextToken": token}


@action("UpdatePullThroughCacheRule")
def update_pull_through_cache_rule(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    rule = registry.update_pull_through_cache_rule(
        params["ecrRepositoryPrefix"], params.get("credentialArn"), params.get("customRoleArn")
    )
    fields = ("ecrRepositoryPrefix", "registryId", "updatedAt", "credentialArn", "customRoleArn")
    return _rule(rule, registry.registry_id, *fields, "upstreamRepositoryPrefix")


@action("DeletePullThroughCacheRule")
def delete_pull_through_cache_rule(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    view = _rule(registry.delete_pull_through_cache_rule(params["ecrRepositoryPrefix"]), registry.registry_id)
    del view["updatedAt"], view["upstreamRegistry"]
    return view


@action("ValidatePullThroughCacheRule")
def validate_pull_through_cache_rule(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    rule, failure = registry.validate_pull_through_cache_rule(params["ecrRepositoryPrefix"])
    view = _rule(rule, registry.registry_id)
    del view["createdAt"], view["updatedAt"], view["upstreamRegistry"]
    return {**view, "isValid": failure is None, "failure": failure}

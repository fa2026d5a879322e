"""Repository policies, the registry policy, account settings."""

from __future__ import annotations

from ecr_mock._actions._base import Context, Params, Result, action


@action("SetRepositoryPolicy")
def set_repository_policy(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).set_repository_policy(
        params["repositoryName"], params["policyText"], params.get("force", False)
    )
    return {"registryId": repository.registry_id, "repositoryName": repository.name, "policyText": params["policyText"]}


@action("GetRepositoryPolicy")
def get_repository_policy(ctx: Context, params: Params) -> Result:
    repository, text = ctx.registry_for(params).get_repository_policy(params["repositoryName"])
    return {"registryId": repository.registry_id, "repositoryName": repository.name, "policyText": text}


@action("DeleteRepositoryPolicy")
def delete_repository_policy(ctx: Context, params: Params) -> Result:
    repository, text = ctx.registry_for(params).delete_repository_policy(params["repositoryName"])
    return {"registryId": repository.registry_id, "repositoryName": repository.name, "policyText": text}


@action("PutRegistryPolicy")
def put_registry_policy(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    return {"registryId": registry.registry_id, "policyText": registry.put_registry_policy(params["policyText"])}


@action("GetRegistryPolicy")
def get_registry_policy(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    return {"registryId": registry.registry_id, "policyText": registry.get_registry_policy()}


@action("DeleteRegistryPolicy")
def delete_registry_policy(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    return {"registryId": registry.registry_id, "policyText": registry.delete_registry_policy()}


@action("PutAccountSetting")
def put_account_setting(ctx: Context, params: Params) -> Result:
    name, value = ctx.registry().put_account_setting(params["name"], params["value"])
    return {"name": name, "value": value}


@action("GetAccountSetting")
def get_account_setting(ctx: Context, params: Params) -> Result:
    name, value = ctx.registry().get_account_setting(params["name"])
    return {"name": name, "value": value}

"""RegisterPullTimeUpdateExclusion, DeregisterPullTimeUpdateExclusion, ListPullTimeUpdateExclusions."""

from __future__ import annotations

from ecr_mock._actions._base import Context, Params, Result, action


@action("RegisterPullTimeUpdateExclusion")
def register_pull_time_update_exclusion(ctx: Context, params: Params) -> Result:
    exclusion = ctx.registry().register_pull_time_update_exclusion(params["principalArn"])
    return {"principalArn": exclusion.principal_arn, "createdAt": exclusion.created_at}


@action("DeregisterPullTimeUpdateExclusion")
def deregister_pull_time_update_exclusion(ctx: Context, params: Params) -> Result:
    exclusion = ctx.registry().deregister_pull_time_update_exclusion(params["principalArn"])
    return {"principalArn": exclusion.principal_arn}


@action("ListPullTimeUpdateExclusions")
def list_pull_time_update_exclusions(ctx: Context, params: Params) -> Result:
    exclusions, token = ctx.registry().list_pull_time_update_exclusions(
        params.get("maxResults"), params.get("nextToken")
    )
    return {"pullTimeUpdateExclusions": [e.principal_arn for e in exclusions], "nextToken": token}

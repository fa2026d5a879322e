"""TagResource, UntagResource, ListTagsForResource (repository ARNs)."""

from __future__ import annotations

from ecr_mock._actions._base import Context, Params, Result, action


@action("TagResource")
def tag_resource(ctx: Context, params: Params) -> Result:
    backend, name = ctx.backends.by_arn(params["resourceArn"])
    backend.tag_repository(name, [(tag["Key"], tag["Value"]) for tag in params["tags"]])
    return {}


@action("UntagResource")
def untag_resource(ctx: Context, params: Params) -> Result:
    backend, name = ctx.backends.by_arn(params["resourceArn"])
    backend.untag_repository(name, params["tagKeys"])
    return {}


@action("ListTagsForResource")
def list_tags_for_resource(ctx: Context, params: Params) -> Result:
    backend, name = ctx.backends.by_arn(params["resourceArn"])
    tags = backend.repository(name).resource_tags
    return {"tags": [{"Key": key, "Value": value} for key, value in tags.items()]}

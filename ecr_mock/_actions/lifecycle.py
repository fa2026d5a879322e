"""PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy, StartLifecyclePolicyPreview,
GetLifecyclePolicyPreview."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._domain.lifecycle import LifecyclePolicy
from ecr_mock._domain.repository import PreviewResult, Repository

# What real ECR reports as lastEvaluatedAt for a policy it never evaluated (observed): epoch 0, not nothing.
NEVER_EVALUATED = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _policy(repository: Repository, policy: LifecyclePolicy) -> Result:
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "lifecyclePolicyText": policy.text,
        "lastEvaluatedAt": repository.lifecycle_evaluated_at or NEVER_EVALUATED,
    }


@action("PutLifecyclePolicy")
def put_lifecycle_policy(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).put_lifecycle_policy(
        params["repositoryName"], params["lifecyclePolicyText"]
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "lifecyclePolicyText": params["lifecyclePolicyText"],
    }


@action("GetLifecyclePolicy")
def get_lifecycle_policy(ctx: Context, params: Params) -> Result:
    return _policy(*ctx.registry_for(params).get_lifecycle_policy(params["repositoryName"]))


@action("DeleteLifecyclePolicy")
def delete_lifecycle_policy(ctx: Context, params: Params) -> Result:
    return _policy(*ctx.registry_for(params).delete_lifecycle_policy(params["repositoryName"]))


@action("StartLifecyclePolicyPreview")
def start_lifecycle_policy_preview(ctx: Context, params: Params) -> Result:
    repository, policy = ctx.registry_for(params).start_lifecycle_policy_preview(
        params["repositoryName"], params.get("lifecyclePolicyText")
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "lifecyclePolicyText": policy.text,
        "status": "IN_PROGRESS",
    }


def _result(result: PreviewResult) -> dict[str, Any]:
    decision = result.decision
    action_view: dict[str, Any] = {"type": decision.action}
    if decision.target_storage_class is not None:
        action_view["targetStorageClass"] = decision.target_storage_class
    return {
        "imageTags": list(result.tags) or None,
        "imageDigest": decision.digest,
        "imagePushedAt": result.pushed_at,
        "action": action_view,
        "appliedRulePriority": decision.rule_priority,
        "storageClass": result.storage_class,
    }


@action("GetLifecyclePolicyPreview")
def get_lifecycle_policy_preview(ctx: Context, params: Params) -> Result:
    repository, preview, token = ctx.registry_for(params).get_lifecycle_policy_preview(
        params["repositoryName"],
        views.image_refs(params.get("imageIds")),
        (params.get("filter") or {}).get("tagStatus"),
        params.get("maxResults"),
        params.get("nextToken"),
    )
    expiring = sum(r.decision.action == "EXPIRE" for r in preview.all_results)
    transitioning = sum(r.decision.action == "TRANSITION" for r in preview.all_results)
    summary: dict[str, Any] = {"expiringImageTotalCount": expiring}
    if transitioning:
        summary["transitioningImageTotalCounts"] = [{"targetStorageClass": "ARCHIVE", "imageTotalCount": transitioning}]
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "lifecyclePolicyText": preview.policy.text,
        "status": preview.status,
        "nextToken": token,
        "previewResults": [_result(r) for r in preview.results],
        "summary": summary,
    }

"""PutReplicationConfiguration, DescribeRegistry, DescribeImageReplicationStatus and replication backfills."""

from __future__ import annotations

from typing import Any

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend.base import ReplicationRule
from ecr_mock._backend.replication import Backfill


def _rule(rule: ReplicationRule) -> dict[str, Any]:
    view: dict[str, Any] = {
        "destinations": [{"region": region, "registryId": registry} for region, registry in rule.destinations],
    }
    if rule.filters:
        view["repositoryFilters"] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in rule.filters]
    if rule.delete_replication:
        view["deleteReplication"] = {"enabled": True}
    return view


def _parse_rule(rule: dict[str, Any]) -> ReplicationRule:
    return ReplicationRule(
        destinations=tuple((d["region"], d["registryId"]) for d in rule["destinations"]),
        filters=tuple(f["filter"] for f in rule.get("repositoryFilters") or ()),
        delete_replication=(rule.get("deleteReplication") or {}).get("enabled", False),
    )


@action("PutReplicationConfiguration")
def put_replication_configuration(ctx: Context, params: Params) -> Result:
    rules = ctx.registry().put_replication_configuration(
        [_parse_rule(rule) for rule in params["replicationConfiguration"]["rules"]]
    )
    return {"replicationConfiguration": {"rules": [_rule(rule) for rule in rules]}}


@action("DescribeRegistry")
def describe_registry(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    return {
        "registryId": registry.registry_id,
        "replicationConfiguration": {"rules": [_rule(rule) for rule in registry.replication_rules]},
    }


@action("DescribeImageReplicationStatus")
def describe_image_replication_status(ctx: Context, params: Params) -> Result:
    repository, image, statuses = ctx.registry_for(params).describe_image_replication_status(
        params["repositoryName"], views.image_ref(params["imageId"])
    )
    return {
        "repositoryName": repository.name,
        "imageId": views.image_id(image.digest, params["imageId"].get("imageTag")),
        "replicationStatuses": [
            {"region": region, "registryId": registry, "status": status, "failureCode": code}
            for (region, registry), status, code in statuses
        ],
    }


def _backfill(backfill: Backfill) -> dict[str, Any]:
    failed = [r for r in backfill.results if r[3] == "FAILED"]
    region, registry = backfill.destination
    return {
        "replicationBackfillId": backfill.backfill_id,
        "destination": {"region": region, "registryId": registry},
        "status": backfill.status,
        "failureCode": failed[0][4] if failed and backfill.status == "FAILED" else None,
        "progress": {
            "totalReplicationCount": len(backfill.results) + len(backfill.pending),
            "completedReplicationCount": len(backfill.results) - len(failed),
            "failedReplicationCount": len(failed),
            "failureCodes": sorted({str(r[4]) for r in failed}),
        },
        "startedAt": backfill.started_at,
        "endedAt": backfill.ended_at,
    }


@action("StartReplicationBackfill")
def start_replication_backfill(ctx: Context, params: Params) -> Result:
    destination = params["destination"]
    registry = ctx.registry(params.get("registryId"))
    backfill = registry.start_replication_backfill((destination["region"], destination["registryId"]))
    view = _backfill(backfill)
    return {
        "registryId": registry.registry_id,
        **{k: view[k] for k in ("replicationBackfillId", "destination", "status", "startedAt")},
    }


@action("DescribeReplicationBackfillResults")
def describe_replication_backfill_results(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    backfill, results, token = registry.replication_backfill_results(
        params["replicationBackfillId"],
        params.get("resultStatusFilter"),
        params.get("maxResults"),
        params.get("nextToken"),
    )
    return {
        "registryId": registry.registry_id,
        **_backfill(backfill),
        "results": [
            {
                "repositoryName": name,
                "imageId": views.image_id(digest, tags[0] if tags else None),
                "status": status,
                "failureCode": code,
            }
            for name, digest, tags, status, code in results
        ],
        "nextToken": token,
    }


@action("ListReplicationBackfills")
def list_replication_backfills(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    backfills, token = registry.list_replication_backfills(params.get("maxResults"), params.get("nextToken"))
    return {"registryId": registry.registry_id, "backfills": [_backfill(b) for b in backfills], "nextToken": token}


@action("StopReplicationBackfill")
def stop_replication_backfill(ctx: Context, params: Params) -> Result:
    registry = ctx.registry(params.get("registryId"))
    view = _backfill(registry.stop_replication_backfill(params["replicationBackfillId"]))
    return {
        "registryId": registry.registry_id,
        **{k: view[k] for k in ("replicationBackfillId", "destination", "status", "startedAt")},
    }

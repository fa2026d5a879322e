"""Scanning configuration (repository and registry), StartImageScan, DescribeImageScanFindings."""

from __future__ import annotations

from typing import Any

from ecr_mock._actions import _views as views
from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend.base import ScanningConfiguration


def _configuration(config: ScanningConfiguration) -> dict[str, Any]:
    rules = [
        {
            "scanFrequency": rule.frequency,
            "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in rule.filters],
        }
        for rule in config.rules
    ]
    return {"scanType": config.scan_type, "rules": rules}


@action("PutImageScanningConfiguration")
def put_image_scanning_configuration(ctx: Context, params: Params) -> Result:
    repository = ctx.registry_for(params).put_image_scanning_configuration(
        params["repositoryName"], params["imageScanningConfiguration"].get("scanOnPush", False)
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageScanningConfiguration": {"scanOnPush": repository.scan_on_push},
    }


@action("PutRegistryScanningConfiguration")
def put_registry_scanning_configuration(ctx: Context, params: Params) -> Result:
    rules = [
        (rule["scanFrequency"], [f["filter"] for f in rule["repositoryFilters"]]) for rule in params.get("rules") or ()
    ]
    config = ctx.registry().put_registry_scanning_configuration(params.get("scanType", "BASIC"), rules)
    return {"registryScanningConfiguration": _configuration(config)}


@action("GetRegistryScanningConfiguration")
def get_registry_scanning_configuration(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    return {"registryId": registry.registry_id, "scanningConfiguration": _configuration(registry.scanning)}


@action("BatchGetRepositoryScanningConfiguration")
def batch_get_repository_scanning_configuration(ctx: Context, params: Params) -> Result:
    found, failures = ctx.registry().batch_get_repository_scanning(params["repositoryNames"])
    return {
        "scanningConfigurations": [
            {
                "repositoryArn": item.repository.arn,
                "repositoryName": item.repository.name,
                "scanOnPush": item.scan_on_push,
                "scanFrequency": item.frequency,
                "appliedScanFilters": [{"filter": f, "filterType": "WILDCARD"} for f in item.applied_filters],
            }
            for item in found
        ],
        "failures": [
            {"repositoryName": name, "failureCode": code, "failureReason": reason} for name, code, reason in failures
        ],
    }


@action("StartImageScan")
def start_image_scan(ctx: Context, params: Params) -> Result:
    repository, image = ctx.registry_for(params).start_image_scan(
        params["repositoryName"], views.image_ref(params["imageId"])
    )
    return {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": views.image_id(image.digest, params["imageId"].get("imageTag")),
        "imageScanStatus": {"status": "IN_PROGRESS"},
    }


@action("DescribeImageScanFindings")
def describe_image_scan_findings(ctx: Context, params: Params) -> Result:
    repository, image, scan, token = ctx.registry_for(params).describe_image_scan_findings(
        params["repositoryName"], views.image_ref(params["imageId"]), params.get("maxResults"), params.get("nextToken")
    )
    result: dict[str, Any] = {
        "registryId": repository.registry_id,
        "repositoryName": repository.name,
        "imageId": views.image_id(image.digest, params["imageId"].get("imageTag")),
        "imageScanStatus": views.scan_status(scan.status),
        "nextToken": token,
    }
    if scan.status == "COMPLETE":
        result["imageScanFindings"] = {
            **views.scan_summary(scan.scan, scan.severity_counts),
            "findings": scan.findings,
            "enhancedFindings": scan.enhanced_findings,
        }
    return result

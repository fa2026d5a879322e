"""CreateRepositoryCreationTemplate, DescribeRepositoryCreationTemplates, UpdateRepositoryCreationTemplate,
DeleteRepositoryCreationTemplate."""

from __future__ import annotations

from typing import Any

from ecr_mock._actions._base import Context, Params, Result, action
from ecr_mock._backend.templates import Template, TemplateInput


def _given(params: Params) -> TemplateInput:
    encryption = params.get("encryptionConfiguration")
    tags = params.get("resourceTags")
    filters = params.get("imageTagMutabilityExclusionFilters")
    return TemplateInput(
        applied_for=params.get("appliedFor"),
        description=params.get("description"),
        encryption=None if encryption is None else (encryption["encryptionType"], encryption.get("kmsKey")),
        resource_tags=None if tags is None else [(tag["Key"], tag["Value"]) for tag in tags],
        tag_mutability=params.get("imageTagMutability"),
        exclusion_filters=None if filters is None else [f["filter"] for f in filters],
        repository_policy=params.get("repositoryPolicy"),
        lifecycle_policy=params.get("lifecyclePolicy"),
        custom_role_arn=params.get("customRoleArn"),
    )


def _view(template: Template) -> dict[str, Any]:
    settings = template.settings
    encryption = {"encryptionType": settings.encryption_type}
    if settings.kms_key is not None:
        encryption["kmsKey"] = settings.kms_key
    filters = [{"filterType": "WILDCARD", "filter": pattern} for pattern in settings.exclusion_filters]
    lifecycle = settings.lifecycle_policy
    return {
        "prefix": template.prefix,
        "description": settings.description,
        "encryptionConfiguration": encryption,
        "resourceTags": [{"Key": key, "Value": value} for key, value in settings.resource_tags],
        "imageTagMutability": settings.tag_mutability,
        "imageTagMutabilityExclusionFilters": filters or None,
        "repositoryPolicy": settings.repository_policy,
        "lifecyclePolicy": None if lifecycle is None else lifecycle.text,
        "appliedFor": list(settings.applied_for),
        "customRoleArn": settings.custom_role_arn,
        "createdAt": template.created_at,
        "updatedAt": template.updated_at,
    }


@action("CreateRepositoryCreationTemplate")
def create_repository_creation_template(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    template = registry.create_repository_creation_template(params["prefix"], _given(params))
    return {"registryId": registry.registry_id, "repositoryCreationTemplate": _view(template)}


@action("DescribeRepositoryCreationTemplates")
def describe_repository_creation_templates(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    templates, token = registry.describe_repository_creation_templates(
        params.get("prefixes"), params.get("maxResults"), params.get("nextToken")
    )
    return {
        "registryId": registry.registry_id,
        "repositoryCreationTemplates": [_view(t) for t in templates],
        "nextToken": token,
    }


@action("UpdateRepositoryCreationTemplate")
def update_repository_creation_template(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    template = registry.update_repository_creation_template(params["prefix"], _given(params))
    return {"registryId": registry.registry_id, "repositoryCreationTemplate": _view(template)}


@action("DeleteRepositoryCreationTemplate")
def delete_repository_creation_template(ctx: Context, params: Params) -> Result:
    registry = ctx.registry()
    template = registry.delete_repository_creation_template(params["prefix"])
    return {"registryId": registry.registry_id, "repositoryCreationTemplate": _view(template)}

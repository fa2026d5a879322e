"""Repository and registry policies: the IAM resource-policy grammar ECR accepts (ecr-behaviour.md 3.1, 3.7, 4.8).

A policy ECR refuses is answered "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid
repository policy provided'" (or "registry"), whatever the fault; the mock checks the structure IAM requires.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ecr_mock._errors import InvalidParameterException

VERSIONS = frozenset({"2008-10-17", "2012-10-17"})
_TOP_LEVEL = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
)
_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$")
# Under REGISTRY_POLICY_SCOPE V1 a registry policy may only grant these (V2, the default, allows any ecr: action).
REGISTRY_V1_ACTIONS = frozenset({"ecr:ReplicateImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"})


def check_repository_policy(text: str) -> None:
    if not _valid(text, registry_scope=None):
        raise InvalidParameterException.at("PolicyText", "Invalid repository policy provided")


def check_registry_policy(text: str, scope: str) -> None:
    if not _valid(text, registry_scope=scope):
        raise InvalidParameterException.at("PolicyText", "Invalid registry policy provided")


def _valid(text: str, registry_scope: str | None) -> bool:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return False
    if not isinstance(document, dict) or not set(document) <= _TOP_LEVEL:
        return False
    if "Version" in document and (type(document["Version"]) is not str or document["Version"] not in VERSIONS):
        return False
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return False
    return all(_valid_statement(s, registry_scope) for s in statements)


def _valid_statement(statement: Any, registry_scope: str | None) -> bool:
    if not isinstance(statement, dict) or not set(statement) <= _STATEMENT_KEYS:
        return False
    if statement.get("Effect") not in ("Allow", "Deny"):
        return False
    if ("Principal" in statement) == ("NotPrincipal" in statement):
        return False  # a resource policy names whom it is about, one way
    if not _valid_principal(statement.get("Principal", statement.get("NotPrincipal"))):
        return False
    if ("Action" in statement) == ("NotAction" in statement):
        return False
    actions = _strings(statement.get("Action", statement.get("NotAction")))
    if actions is None or not all(_ACTION.match(action) for action in actions):
        return False
    if "Condition" in statement and not isinstance(statement["Condition"], dict):
        return False
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        return False
    for key in ("Resource", "NotResource"):
        if key in statement and _strings(statement[key]) is None:
            return False
    return registry_scope is None or _registry_actions_allowed(actions, registry_scope)


def _valid_principal(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict) or not principal:
        return False
    return all(
        key in ("AWS", "Service", "Federated", "CanonicalUser") and _strings(value) is not None
        for key, value in principal.items()
    )


def _registry_actions_allowed(actions: list[str], scope: str) -> bool:
    if scope == "V1":
        return all(action in REGISTRY_V1_ACTIONS for action in actions)
    return all(action.startswith("ecr:") for action in actions)


def _strings(value: Any) -> list[str] | None:
    """A string or a non-empty list of strings, as a list; None for anything else."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return list(value)
    return None

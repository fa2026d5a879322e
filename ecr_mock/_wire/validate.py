"""One validator over the input shape: required, length, pattern, enum and numeric ranges.

botocore checks only required members, types and minimums on the client, and not at all with
``parameter_validation=False``; ECR checks the rest and answers in its own frame (ecr-behaviour.md 1.4-1.5):
``InvalidParameterException`` "Invalid parameter at '<member>' failed to satisfy constraint: '<text>'" for the
classic operations, Coral's ``ValidationException`` "N validation error(s) detected: ..." for operations whose
model lists only that. Input has already been type-checked by the protocol layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecr_mock._errors import EcrError, InvalidParameterException, ValidationException

# ECR still quotes its older repository-name regex in this message, without Coral's "Member " prefix (obs).
_REPOSITORY_NAME_PATTERN_TEXT = (
    "must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'"
)
# Shapes ECR reports in its own words, without Coral's "Member " prefix, and as themselves even inside a list
# (a bad name in DescribeRepositories' repositoryNames is reported at 'repositoryName', obs 2024).
_UNPREFIXED_SHAPES = {"RepositoryName": "repositoryName"}
# Enum value sets ECR prints in an order other than the model's (observed wording, reference 1.5).
_ENUM_TEXT = {"ImageTagMutability": "[IMMUTABLE, MUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]"}
# Shapes the default mode does not check (the seed sends registry ids ECR would refuse).
REGISTRY_ID_SHAPES = frozenset({"RegistryId"})


@dataclass(frozen=True)
class Violation:
    path: str  # Coral's path: members dotted, list entries as ".<n>.member"
    member: str  # the member name ECR's InvalidParameterException frame prints
    value: Any
    constraint: str  # "Member must ..."
    shape_name: str

    def parameter_text(self) -> str:
        if self.shape_name in _UNPREFIXED_SHAPES:
            if self.constraint.startswith("Member must satisfy regular expression"):
                return _REPOSITORY_NAME_PATTERN_TEXT
            return self.constraint.removeprefix("Member ")
        return self.constraint

    def coral_clause(self) -> str:
        return f"Value {_coral_value(self.value)}at '{self.path}' failed to satisfy constraint: {self.constraint}"


def validate(operation: OperationModel, params: dict[str, Any], *, registry_ids: bool) -> None:
    """Raise ECR's error for the first violation (all of them for the ValidationException frame).

    The slow, exact walk: the protocol layer first runs the checks ``constraint`` compiles into its decoder and
    comes here only when one fails, to say which member and how.
    """
    shape = operation.input_shape
    if shape is None:
        return
    violations = _walk_structure(shape, params, "", frozenset() if registry_ids else REGISTRY_ID_SHAPES)
    first = next(violations, None)
    if first is None:
        return
    raise _error_for(operation, first, violations)


def _error_for(operation: OperationModel, first: Violation, rest: Iterator[Violation]) -> EcrError:
    if _uses_coral_frame(operation):
        return ValidationException.detected([first.coral_clause()] + [v.coral_clause() for v in rest])
    return InvalidParameterException.at(first.member, first.parameter_text())


@cache
def _uses_coral_frame(operation: OperationModel) -> bool:
    codes = {shape.name for shape in operation.error_shapes}
    return "InvalidParameterException" not in codes and "ValidationException" in codes


def _walk_structure(
    shape: StructureShape, value: dict[str, Any], prefix: str, skip: frozenset[str]
) -> Iterator[Violation]:
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            yield Violation(prefix + name, name, None, "Member must not be null", members[name].name)
    for name, item in value.items():
        member = members.get(name)
        if member is None or item is None:
            continue
        yield from _walk(member, item, prefix + name, name, skip)


def _walk(shape: Shape, value: Any, path: str, member: str, skip: frozenset[str]) -> Iterator[Violation]:
    if shape.name in skip:
        return
    if isinstance(shape, StructureShape):
        yield from _walk_structure(shape, value, path + ".", skip)
        return
    own = _own_violation(shape, value)
    if own is not None:
        yield Violation(path, member, value, own, shape.name)
    if isinstance(shape, ListShape):
        yield from _walk_list(shape, value, path, member, skip)
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            yield from _walk(shape.key, key, f"{path}.{key}.key", member, skip)
            yield from _walk(shape.value, item, f"{path}.{key}.value", member, skip)


def _walk_list(shape: ListShape, value: list[Any], path: str, member: str, skip: frozenset[str]) -> Iterator[Violation]:
    inner = shape.member
    for index, item in enumerate(value, start=1):
        if isinstance(inner, StructureShape | ListShape | MapShape):
            yield from _walk(inner, item, f"{path}.{index}.member", member, skip)
            continue
        if inner.name in skip:
            return
        text = _own_violation(inner, item)
        if text is not None and inner.name in _UNPREFIXED_SHAPES:
            yield Violation(f"{path}.{index}.member", _UNPREFIXED_SHAPES[inner.name], item, text, inner.name)
            return
        if text is not None:
            yield Violation(path, member, value, f"Member must satisfy constraint: [{text}]", shape.name)
            return


def _own_violation(shape: Shape, value: Any) -> str | None:
    """The constraint text for the first rule ``value`` breaks on ``shape`` itself, or None."""
    meta = shape.metadata
    if not meta:
        return None
    type_name = shape.type_name
    if type_name in ("string", "list", "map", "blob"):
        size = len(value)
        if "min" in meta and size < meta["min"]:
            return f"Member must have length greater than or equal to {meta['min']}"
        if "max" in meta and size > meta["max"]:
            return f"Member must have length less than or equal to {meta['max']}"
    elif type_name in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            return f"Member must have value greater than or equal to {meta['min']}"
        if "max" in meta and value > meta["max"]:
            return f"Member must have value less than or equal to {meta['max']}"
    if type_name == "string":
        if "enum" in meta and value not in meta["enum"]:
            values = _ENUM_TEXT.get(shape.name) or f"[{', '.join(meta['enum'])}]"
            return f"Member must satisfy enum value set: {values}"
        if "pattern" in meta and _pattern(meta["pattern"]).fullmatch(value) is None:
            return f"Member must satisfy regular expression pattern: {meta['pattern']}"
    return None


@cache
def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _coral_value(value: Any) -> str:
    if value is None:
        return "null "
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "] "
    return f"'{value}' "


# --- the rules of one shape, for the compiled decoders ------------------------------------------------------

_SIZED = frozenset({"string", "list", "map", "blob"})
_NUMERIC = frozenset({"integer", "long", "float", "double"})


@dataclass(frozen=True)
class Rules:
    """What ``_own_violation`` checks on a shape itself: a length (``sized``) or value range, an enum, a pattern."""

    sized: bool
    low: int | float | None
    high: int | float | None
    enum: frozenset[str] | None
    pattern: re.Pattern[str] | None


@cache
def rules(shape: Shape) -> Rules | None:
    """The rules of ``shape`` itself, or None when it has none (members and items are checked on their own)."""
    meta = shape.metadata
    type_name = shape.type_name
    ranged = type_name in _SIZED or type_name in _NUMERIC
    low = meta.get("min") if ranged else None
    high = meta.get("max") if ranged else None
    enum = frozenset(meta["enum"]) if type_name == "string" and "enum" in meta else None
    pattern = _pattern(meta["pattern"]) if type_name == "string" and "pattern" in meta else None
    if low is None and high is None and enum is None and pattern is None:
        return None
    return Rules(type_name in _SIZED, low, high, enum, pattern)

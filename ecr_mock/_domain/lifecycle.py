"""Lifecycle policies, pure: ECR's validation of the policy JSON, and which images a policy acts on.

``parse_policy`` checks a policy as ECR does (a JSON-schema pass in ECR's json-schema wording, then the documented
per-rule and cross-rule rules) and raises ``InvalidParameterException``. ``evaluate`` runs the documented evaluation
against any images (``Candidate``) at a given time; the backend applies or previews the decisions.
Reference: ``shared/ecr-behaviour.md`` 3.5, 4.7, 4.15.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any, Protocol, TypeVar

from ecr_mock._errors import InvalidParameterException

MAX_RULES = 50  # unconfirmed quota (reference 4.16)
MAX_WILDCARDS = 4
ARCHIVE_MINIMUM_DAYS = 90

TAGGED, UNTAGGED, ANY = "tagged", "untagged", "any"
STANDARD, ARCHIVE = "standard", "archive"
IMAGE_COUNT_MORE_THAN = "imageCountMoreThan"
SINCE_PUSHED, SINCE_PULLED, SINCE_TRANSITIONED = "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"
EXPIRE, TRANSITION = "expire", "transition"
DAYS = "days"

_STATUS_OF_CLASS = {STANDARD: "ACTIVE", ARCHIVE: "ARCHIVED"}

# --- detail strings: what follows "Lifecycle policy validation failure: " -------------------------------------
# json-schema wording, as ECR answers (reference 4.7). Several schema errors are joined with newlines.
NOT_A_POLICY = "Could not map policyString into LifecyclePolicy."
NO_SINGLE_BRANCH = "instance failed to match exactly one schema (matched 0 out of 2)"
MISSING = "object has missing required properties ({names})"
UNKNOWN = "object instance has properties which are not allowed by the schema: ({names})"
WRONG_TYPE = 'instance type ({found}) does not match any allowed primitive type (allowed: ["{allowed}"])'
NOT_IN_ENUM = "instance value ({value}) not found in enum :(possible values: {names})"
BELOW_MINIMUM = "numeric instance is lower than the required minimum (minimum: {minimum}, found: {found})"
TOO_LONG = "array is too long: must have at most {limit} elements but instance has {count} elements"
TOO_SHORT = "array is too short: must have at least {limit} elements but instance has {count} elements"  # ours
# ECR's wording for semantic rules as seen in deploy logs (not in the reference; unconfirmed).
UNTAGGED_TWICE = "Only one rule can select Untagged images per storage class."
ANY_NOT_LAST = "Rule for tagStatus=ANY must have the lowest priority per storage class"
TAGGED_WITHOUT_FILTER = "Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED."
# Ours, in the same style (unconfirmed).
BOTH_FILTERS = "Cannot specify both tagPrefixList and tagPatternList in one rule."
FILTER_NOT_TAGGED = "tagPrefixList and tagPatternList can only be used when tagStatus=TAGGED."
TOO_MANY_WILDCARDS = "Tag pattern '{pattern}' has more than 4 wildcards (*)."
DUPLICATE_PRIORITY = "Rule priorities must be unique: rulePriority {priority} is used more than once."
DUPLICATE_PREFIXES = "Tag prefix lists must be unique per storage class: {names} is used more than once."
ARCHIVE_NEEDS_TRANSITIONED = "Rules for storageClass=ARCHIVE must use countType=sinceImageTransitioned."
TRANSITIONED_NEEDS_ARCHIVE = "countType=sinceImageTransitioned can only be used when storageClass=ARCHIVE."
TRANSITION_FROM_ARCHIVE = "Action transition can only be used when storageClass=STANDARD."
ARCHIVE_TOO_YOUNG = "Images in storageClass=ARCHIVE can only be expired after 90 days: countNumber must be at least 90."


def _failure(detail: str) -> InvalidParameterException:
    return InvalidParameterException.at("LifecyclePolicyText", f"Lifecycle policy validation failure: {detail}")


def _names(names: Iterable[object]) -> str:
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


# --- the policy ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    tag_status: str  # tagged | untagged | any
    tag_prefixes: tuple[str, ...]
    tag_patterns: tuple[str, ...]
    storage_class: str  # standard | archive
    count_type: str
    count_unit: str | None
    count_number: int


@dataclass(frozen=True)
class Rule:
    priority: int
    description: str | None
    selection: Selection
    action: str  # expire | transition
    target_storage_class: str | None  # archive, for transition only


@dataclass(frozen=True)
class LifecyclePolicy:
    text: str
    rules: tuple[Rule, ...]  # by priority, first evaluated first


# --- the schema pass ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    kind: str  # the JSON type the value must have
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    max_items: int | None = None
    items: _Field | None = None
    members: Mapping[str, _Field] | None = None
    one_of: Callable[[Mapping[str, Any]], bool] | None = None  # does exactly one branch of the object's oneOf hold?
    in_one_of: bool = False  # the member lives in the oneOf branches: a null fails the oneOf, not the type


_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return next(name for kind, name in _JSON_TYPES.items() if isinstance(value, kind))


def _errors(value: object, spec: _Field) -> list[str]:
    """json-schema style: the member's own error, else the errors of what it contains."""
    found = _json_type(value)
    if found != spec.kind:
        return [WRONG_TYPE.format(found=found, allowed=spec.kind)]
    if spec.enum and value not in spec.enum:
        return [NOT_IN_ENUM.format(value=value, names=_names(spec.enum))]
    if spec.minimum is not None and isinstance(value, int) and value < spec.minimum:
        return [BELOW_MINIMUM.format(minimum=spec.minimum, found=value)]
    if isinstance(value, list):
        return _array_errors(value, spec)
    if isinstance(value, dict):
        return _object_errors(value, spec)
    return []


def _array_errors(value: list[object], spec: _Field) -> list[str]:
    if not value:
        return [TOO_SHORT.format(limit=1, count=0)]
    if spec.max_items is not None and len(value) > spec.max_items:
        return [TOO_LONG.format(limit=spec.max_items, count=len(value))]
    item = spec.items
    return [] if item is None else [error for element in value for error in _errors(element, item)]


def _object_errors(value: dict[str, object], spec: _Field) -> list[str]:
    members = spec.members or {}
    errors: list[str] = []
    unknown = sorted(set(value) - set(members))
    if unknown:
        errors.append(UNKNOWN.format(names=_names(unknown)))
    missing = sorted(name for name, member in members.items() if member.required and name not in value)
    if missing:
        errors.append(MISSING.format(names=_names(missing)))
    for name, member in members.items():
        if name in value and not (value[name] is None and member.in_one_of):
            errors.extend(_errors(value[name], member))
    if not errors and spec.one_of is not None and not spec.one_of(value):
        errors.append(NO_SINGLE_BRANCH)
    return errors


def _count_branch(selection: Mapping[str, Any]) -> bool:
    """countUnit is required for the since* counts and not allowed for imageCountMoreThan."""
    if selection["countType"] == IMAGE_COUNT_MORE_THAN:
        return "countUnit" not in selection
    return selection.get("countUnit") is not None


def _action_branch(action: Mapping[str, Any]) -> bool:
    """targetStorageClass is required for transition and not allowed for expire."""
    if action["type"] == EXPIRE:
        return "targetStorageClass" not in action
    return action.get("targetStorageClass") is not None


_STRINGS = _Field("array", items=_Field("string"))
_SELECTION = {
    "tagStatus": _Field("string", required=True, enum=(ANY, TAGGED, UNTAGGED)),
    "tagPatternList": _STRINGS,
    "tagPrefixList": _STRINGS,
    "storageClass": _Field("string", enum=(ARCHIVE, STANDARD)),
    "countType": _Field(
        "string", required=True, enum=(IMAGE_COUNT_MORE_THAN, SINCE_PULLED, SINCE_PUSHED, SINCE_TRANSITIONED)
    ),
    "countUnit": _Field("string", enum=(DAYS,), in_one_of=True),
    "countNumber": _Field("integer", required=True, minimum=1),
}
_ACTION = {
    "type": _Field("string", required=True, enum=(EXPIRE, TRANSITION)),
    "targetStorageClass": _Field("string", enum=(ARCHIVE,), in_one_of=True),
}
_RULE = {
    "rulePriority": _Field("integer", required=True, minimum=1),
    "description": _Field("string"),
    "selection": _Field("object", required=True, members=_SELECTION, one_of=_count_branch),
    "action": _Field("object", required=True, members=_ACTION, one_of=_action_branch),
}
_POLICY = _Field(
    "object",
    members={"rules": _Field("array", required=True, max_items=MAX_RULES, items=_Field("object", members=_RULE))},
)


# --- parsing ------------------------------------------------------------------------------------------------


def parse_policy(text: str) -> LifecyclePolicy:
    """The policy, or ECR's ``InvalidParameterException`` naming what is wrong with it."""
    document = _load(text)
    errors = _errors(document, _POLICY)
    if errors:
        raise _failure("\n".join(errors))
    rules = sorted((_rule(raw) for raw in document["rules"]), key=lambda rule: rule.priority)
    problem = next(filter(None, map(_rule_problem, rules)), None) or _policy_problem(rules)
    if problem is not None:
        raise _failure(problem)
    return LifecyclePolicy(text=text, rules=tuple(rules))


def _reject_constant(name: str) -> object:
    raise ValueError(f"not JSON: {name}")


def _load(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise _failure(NOT_A_POLICY) from None
    if not isinstance(document, dict):
        raise _failure(NOT_A_POLICY)
    return document


def _rule(raw: Mapping[str, Any]) -> Rule:
    action = raw["action"]
    return Rule(
        priority=raw["rulePriority"],
        description=raw.get("description"),
        selection=_selection(raw["selection"]),
        action=action["type"],
        target_storage_class=action.get("targetStorageClass"),
    )


def _selection(raw: Mapping[str, Any]) -> Selection:
    return Selection(
        tag_status=raw["tagStatus"],
        tag_prefixes=tuple(raw.get("tagPrefixList", ())),
        tag_patterns=tuple(raw.get("tagPatternList", ())),
        storage_class=raw.get("storageClass", STANDARD),
        count_type=raw["countType"],
        count_unit=raw.get("countUnit"),
        count_number=raw["countNumber"],
    )


def _rule_problem(rule: Rule) -> str | None:
    return _filter_problem(rule.selection) or _storage_problem(rule)


def _filter_problem(selection: Selection) -> str | None:
    prefixes, patterns = selection.tag_prefixes, selection.tag_patterns
    if prefixes and patterns:
        return BOTH_FILTERS
    if selection.tag_status == TAGGED and not (prefixes or patterns):
        return TAGGED_WITHOUT_FILTER
    if selection.tag_status != TAGGED and (prefixes or patterns):
        return FILTER_NOT_TAGGED
    wild = next((pattern for pattern in patterns if pattern.count("*") > MAX_WILDCARDS), None)
    return None if wild is None else TOO_MANY_WILDCARDS.format(pattern=wild)


def _storage_problem(rule: Rule) -> str | None:
    selection = rule.selection
    archived = selection.storage_class == ARCHIVE
    if archived != (selection.count_type == SINCE_TRANSITIONED):
        return ARCHIVE_NEEDS_TRANSITIONED if archived else TRANSITIONED_NEEDS_ARCHIVE
    if archived and rule.action == TRANSITION:
        return TRANSITION_FROM_ARCHIVE
    if archived and selection.count_number < ARCHIVE_MINIMUM_DAYS:
        return ARCHIVE_TOO_YOUNG
    return None


def _policy_problem(rules: Sequence[Rule]) -> str | None:
    """Cross-rule checks; ``rules`` by priority. Scoped per storage class, as ECR's own messages say."""
    duplicate = _first_duplicate(rule.priority for rule in rules)
    if duplicate is not None:
        return DUPLICATE_PRIORITY.format(priority=duplicate)
    for storage_class in (STANDARD, ARCHIVE):
        problem = _class_problem([rule.selection for rule in rules if rule.selection.storage_class == storage_class])
        if problem is not None:
            return problem
    return None


def _class_problem(selections: Sequence[Selection]) -> str | None:
    statuses = [selection.tag_status for selection in selections]
    if statuses.count(UNTAGGED) > 1:
        return UNTAGGED_TWICE
    if ANY in statuses[:-1]:
        return ANY_NOT_LAST
    duplicate = _first_duplicate(frozenset(s.tag_prefixes) for s in selections if s.tag_prefixes)
    return None if duplicate is None else DUPLICATE_PREFIXES.format(names=_names(sorted(duplicate)))


_H = TypeVar("_H", bound=Hashable)


def _first_duplicate(values: Iterable[_H]) -> _H | None:
    seen: set[_H] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


# --- evaluation ---------------------------------------------------------------------------------------------


class Candidate(Protocol):
    """What evaluation reads of an image (``_repository.Image`` fits)."""

    @property
    def digest(self) -> str: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def pushed_at(self) -> datetime: ...
    @property
    def last_pull(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...  # ACTIVE | ARCHIVED | ACTIVATING
    @property
    def last_archived_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Decision:
    digest: str
    rule_priority: int
    action: str  # EXPIRE | TRANSITION (upper case, as previews show it)
    target_storage_class: str | None  # ARCHIVE for TRANSITION


def evaluate(policy: LifecyclePolicy, images: Iterable[Candidate], now: datetime) -> list[Decision]:
    """What the policy does to ``images`` at ``now``: by rule priority, then push time (oldest first).

    A rule's candidates are the images its selection matches; lower-priority rules still count them (for
    imageCountMoreThan) but can no longer act on them, so each image is acted on by at most one rule.
    """
    pool = tuple(images)
    protected: set[str] = set()
    decisions: list[Decision] = []
    for rule in policy.rules:
        candidates = [image for image in pool if selects(rule.selection, image)]
        chosen = _chosen(rule.selection, candidates, _utc(now))
        decisions.extend(_decision(rule, image.digest) for image in chosen if image.digest not in protected)
        protected.update(image.digest for image in candidates)
    return decisions


def selects(selection: Selection, image: Candidate) -> bool:
    """Whether the rule looks at ``image`` at all: storage class by status, then tags."""
    if image.status != _STATUS_OF_CLASS[selection.storage_class]:
        return False
    tags = image.tags
    if selection.tag_status == ANY:
        return True
    if selection.tag_status == UNTAGGED:
        return not tags
    if selection.tag_prefixes:
        return all(any(tag.startswith(prefix) for tag in tags) for prefix in selection.tag_prefixes)
    return bool(selection.tag_patterns) and all(
        any(_wildcard(pattern).fullmatch(tag) for tag in tags) for pattern in selection.tag_patterns
    )


def _chosen(selection: Selection, candidates: Sequence[Candidate], now: datetime) -> list[Candidate]:
    """The candidates the rule's count picks, oldest first (equal push times: by digest)."""
    ordered = sorted(candidates, key=lambda image: (_utc(image.pushed_at), image.digest))
    if selection.count_type == IMAGE_COUNT_MORE_THAN:
        return ordered[: max(len(ordered) - selection.count_number, 0)]
    limit = timedelta(days=selection.count_number)
    return [image for image in ordered if _older_than(_timestamp(selection.count_type, image), now, limit)]


def _timestamp(count_type: str, image: Candidate) -> datetime | None:
    if count_type == SINCE_PULLED:
        return image.last_pull or image.pushed_at  # never pulled: push time (unconfirmed)
    if count_type == SINCE_TRANSITIONED:
        return image.last_archived_at
    return image.pushed_at


def _older_than(moment: datetime | None, now: datetime, limit: timedelta) -> bool:
    return moment is not None and now - _utc(moment) > limit


def _decision(rule: Rule, digest: str) -> Decision:
    if rule.action == TRANSITION:
        return Decision(digest, rule.priority, "TRANSITION", (rule.target_storage_class or ARCHIVE).upper())
    return Decision(digest, rule.priority, "EXPIRE", None)


def _utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is read as local time, as ``datetime.astimezone`` does."""
    return moment.astimezone(timezone.utc)


@cache
def _wildcard(pattern: str) -> re.Pattern[str]:
    """``*`` is any run of characters, everything else literal; the whole tag must match."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)

"""The lifecycle-policy engine on its own: ECR's validation messages, the evaluation rules, and properties.

Pure unit tests of ``ecr_mock._domain.lifecycle`` with small fake images; no boto3. Scenarios follow AWS's documented
lifecycle-policy examples and evaluation rules (shared/ecr-behaviour.md 4.7).
"""

from __future__ import annotations

import fnmatch
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from ecr_mock._domain.lifecycle import (
    Candidate,
    Decision,
    LifecyclePolicy,
    Rule,
    Selection,
    evaluate,
    parse_policy,
)
from ecr_mock._domain.repository import Image
from ecr_mock._errors import InvalidParameterException

FRAME = (
    "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: {}'"
)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
DROP = object()  # a member to leave out


def _image_is_a_candidate(image: Image) -> Candidate:
    return image  # mypy checks that the backend's Image satisfies the Protocol


# --- building policies --------------------------------------------------------------------------------------


def sel(**members: Any) -> dict[str, Any]:
    """A selection: untagged images pushed more than 14 days ago, changed by ``members`` (DROP removes one)."""
    base: dict[str, Any] = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days"}
    base["countNumber"] = 14
    base.update(members)
    return {key: value for key, value in base.items() if value is not DROP}


def raw_rule(priority: Any = 1, selection: Any = None, action: Any = None, **members: Any) -> dict[str, Any]:
    rule = {"rulePriority": priority, "selection": sel() if selection is None else selection}
    rule["action"] = {"type": "expire"} if action is None else action
    rule.update(members)
    return {key: value for key, value in rule.items() if value is not DROP}


def policy(*rules: dict[str, Any], **top: Any) -> str:
    return json.dumps({"rules": list(rules), **top})


def tagged(priority: int, prefixes: list[str], number: int = 1) -> dict[str, Any]:
    selection = {"tagStatus": "tagged", "tagPrefixList": prefixes, "countType": "imageCountMoreThan"}
    return raw_rule(priority, {**selection, "countNumber": number})


def archived_expiry(priority: int, status: str = "any", days: int = 90) -> dict[str, Any]:
    selection = sel(tagStatus=status, storageClass="archive", countType="sinceImageTransitioned", countNumber=days)
    return raw_rule(priority, selection)


TRANSITION = {"type": "transition", "targetStorageClass": "archive"}


# --- (a) validation -----------------------------------------------------------------------------------------

INVALID = [
    # not a policy at all
    ("not-json", "{rules: [", "Could not map policyString into LifecyclePolicy."),
    ("array", "[]", "Could not map policyString into LifecyclePolicy."),
    ("string", '"rules"', "Could not map policyString into LifecyclePolicy."),
    ("nan", '{"rules": NaN}', "Could not map policyString into LifecyclePolicy."),
    # the top object
    ("no-rules", "{}", 'object has missing required properties (["rules"])'),
    (
        "rules-null",
        '{"rules": null}',
        'instance type (null) does not match any allowed primitive type (allowed: ["array"])',
    ),
    (
        "rules-object",
        '{"rules": {}}',
        'instance type (object) does not match any allowed primitive type (allowed: ["array"])',
    ),
    (
        "rules-string",
        '{"rules": "x"}',
        'instance type (string) does not match any allowed primitive type (allowed: ["array"])',
    ),
    ("rules-empty", '{"rules": []}', "array is too short: must have at least 1 elements but instance has 0 elements"),
    (
        "51-rules",
        policy(*(tagged(n, [f"t{n}"]) for n in range(1, 52))),
        "array is too long: must have at most 50 elements but instance has 51 elements",
    ),
    (
        "rule-not-object",
        '{"rules": [1]}',
        'instance type (integer) does not match any allowed primitive type (allowed: ["object"])',
    ),
    (
        "top-unknown",
        policy(raw_rule(), extra=1),
        'object instance has properties which are not allowed by the schema: (["extra"])',
    ),
    (
        "top-unknown-sorted",
        policy(raw_rule(), b=1, a=2),
        'object instance has properties which are not allowed by the schema: (["a", "b"])',
    ),
    # a rule
    ("no-priority", policy(raw_rule(DROP)), 'object has missing required properties (["rulePriority"])'),
    (
        "empty-rule",
        '{"rules": [{}]}',
        'object has missing required properties (["action", "rulePriority", "selection"])',
    ),
    (
        "rule-unknown",
        policy(raw_rule(name="x")),
        'object instance has properties which are not allowed by the schema: (["name"])',
    ),
    ("priority-0", policy(raw_rule(0)), "numeric instance is lower than the required minimum (minimum: 1, found: 0)"),
    (
        "priority-neg",
        policy(raw_rule(-3)),
        "numeric instance is lower than the required minimum (minimum: 1, found: -3)",
    ),
    (
        "priority-string",
        policy(raw_rule("1")),
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        "priority-float",
        policy(raw_rule(1.5)),
        'instance type (number) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        "priority-bool",
        policy(raw_rule(True)),
        'instance type (boolean) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        "priority-null",
        policy(raw_rule(None)),
        'instance type (null) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        "description-int",
        policy(raw_rule(description=5)),
        'instance type (integer) does not match any allowed primitive type (allowed: ["string"])',
    ),
    (
        "description-null",
        policy(raw_rule(description=None)),
        'instance type (null) does not match any allowed primitive type (allowed: ["string"])',
    ),
    (
        "selection-null",
        '{"rules": [{"rulePriority": 1, "selection": null, "action": {"type": "expire"}}]}',
        'instance type (null) does not match any allowed primitive type (allowed: ["object"])',
    ),
    (
        "selection-empty",
        policy(raw_rule(selection={})),
        'object has missing required properties (["countNumber", "countType", "tagStatus"])',
    ),
    (
        "selection-unknown",
        policy(raw_rule(selection=sel(countDays=3))),
        'object instance has properties which are not allowed by the schema: (["countDays"])',
    ),
    # enums
    (
        "tag-status",
        policy(raw_rule(selection=sel(tagStatus="unknown"))),
        'instance value (unknown) not found in enum :(possible values: ["any", "tagged", "untagged"])',
    ),
    (
        "tag-status-case",
        policy(raw_rule(selection=sel(tagStatus="UNTAGGED"))),
        'instance value (UNTAGGED) not found in enum :(possible values: ["any", "tagged", "untagged"])',
    ),
    (
        "count-type",
        policy(raw_rule(selection=sel(countType="sinceImageCreated"))),
        "instance value (sinceImageCreated) not found in enum :(possible values: "
        '["imageCountMoreThan", "sinceImagePulled", "sinceImagePushed", "sinceImageTransitioned"])',
    ),
    (
        "count-unit",
        policy(raw_rule(selection=sel(countUnit="hours"))),
        'instance value (hours) not found in enum :(possible values: ["days"])',
    ),
    (
        "storage-class",
        policy(raw_rule(selection=sel(storageClass="glacier"))),
        'instance value (glacier) not found in enum :(possible values: ["archive", "standard"])',
    ),
    (
        "action-type",
        policy(raw_rule(action={"type": "delete"})),
        'instance value (delete) not found in enum :(possible values: ["expire", "transition"])',
    ),
    (
        "target-class",
        policy(raw_rule(action={"type": "transition", "targetStorageClass": "glacier"})),
        'instance value (glacier) not found in enum :(possible values: ["archive"])',
    ),
    # countNumber
    (
        "count-0",
        policy(raw_rule(selection=sel(countNumber=0))),
        "numeric instance is lower than the required minimum (minimum: 1, found: 0)",
    ),
    (
        "count-string",
        policy(raw_rule(selection=sel(countNumber="5"))),
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        "count-null",
        policy(raw_rule(selection=sel(countNumber=None))),
        'instance type (null) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    # the oneOf branches: countType/countUnit and type/targetStorageClass
    (
        "since-without-unit",
        policy(raw_rule(selection=sel(countUnit=DROP))),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        "count-with-unit",
        policy(raw_rule(selection=sel(countType="imageCountMoreThan"))),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        "unit-null",
        policy(raw_rule(selection=sel(countUnit=None))),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        "transition-without-target",
        policy(raw_rule(action={"type": "transition"})),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        "expire-with-target",
        policy(raw_rule(action={"type": "expire", "targetStorageClass": "archive"})),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        "target-null",
        policy(raw_rule(action={"type": "expire", "targetStorageClass": None})),
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    ("action-empty", policy(raw_rule(action={})), 'object has missing required properties (["type"])'),
    (
        "action-unknown",
        policy(raw_rule(action={"type": "expire", "days": 3})),
        'object instance has properties which are not allowed by the schema: (["days"])',
    ),
    # tag lists
    (
        "prefixes-null",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPrefixList=None))),
        'instance type (null) does not match any allowed primitive type (allowed: ["array"])',
    ),
    (
        "prefixes-string",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPrefixList="prod"))),
        'instance type (string) does not match any allowed primitive type (allowed: ["array"])',
    ),
    (
        "prefixes-empty",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPrefixList=[]))),
        "array is too short: must have at least 1 elements but instance has 0 elements",
    ),
    (
        "prefix-int",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPrefixList=["prod", 1]))),
        'instance type (integer) does not match any allowed primitive type (allowed: ["string"])',
    ),
    (
        "both-lists-null",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPatternList=None, tagPrefixList=None))),
        'instance type (null) does not match any allowed primitive type (allowed: ["array"])\n'
        'instance type (null) does not match any allowed primitive type (allowed: ["array"])',
    ),
    # several schema errors at once, one per line
    (
        "unknown-and-missing",
        policy(raw_rule(selection=sel(countNumber=DROP, extra=1))),
        'object instance has properties which are not allowed by the schema: (["extra"])\n'
        'object has missing required properties (["countNumber"])',
    ),
    (
        "two-members",
        policy(raw_rule(selection=sel(tagStatus="x", countNumber=0))),
        'instance value (x) not found in enum :(possible values: ["any", "tagged", "untagged"])\n'
        "numeric instance is lower than the required minimum (minimum: 1, found: 0)",
    ),
    (
        "two-rules",
        policy(raw_rule(0), raw_rule(2, selection={})),
        "numeric instance is lower than the required minimum (minimum: 1, found: 0)\n"
        'object has missing required properties (["countNumber", "countType", "tagStatus"])',
    ),
    # per-rule semantics
    (
        "tagged-no-list",
        policy(raw_rule(selection=sel(tagStatus="tagged"))),
        "Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.",
    ),
    (
        "tagged-both-lists",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPrefixList=["a"], tagPatternList=["b*"]))),
        "Cannot specify both tagPrefixList and tagPatternList in one rule.",
    ),
    (
        "untagged-with-prefixes",
        policy(raw_rule(selection=sel(tagPrefixList=["prod"]))),
        "tagPrefixList and tagPatternList can only be used when tagStatus=TAGGED.",
    ),
    (
        "any-with-patterns",
        policy(raw_rule(selection=sel(tagStatus="any", tagPatternList=["prod*"]))),
        "tagPrefixList and tagPatternList can only be used when tagStatus=TAGGED.",
    ),
    (
        "five-wildcards",
        policy(raw_rule(selection=sel(tagStatus="tagged", tagPatternList=["ok*", "test*1*2*3*4*5*6"]))),
        "Tag pattern 'test*1*2*3*4*5*6' has more than 4 wildcards (*).",
    ),
    (
        "archive-pushed",
        policy(raw_rule(selection=sel(storageClass="archive", countNumber=120))),
        "Rules for storageClass=ARCHIVE must use countType=sinceImageTransitioned.",
    ),
    (
        "standard-transitioned",
        policy(raw_rule(selection=sel(countType="sinceImageTransitioned"))),
        "countType=sinceImageTransitioned can only be used when storageClass=ARCHIVE.",
    ),
    (
        "transition-from-archive",
        policy({**archived_expiry(1), "action": TRANSITION}),
        "Action transition can only be used when storageClass=STANDARD.",
    ),
    (
        "archive-89-days",
        policy(archived_expiry(1, days=89)),
        "Images in storageClass=ARCHIVE can only be expired after 90 days: countNumber must be at least 90.",
    ),
    # cross-rule semantics
    (
        "duplicate-priority",
        policy(tagged(3, ["a"]), tagged(3, ["b"])),
        "Rule priorities must be unique: rulePriority 3 is used more than once.",
    ),
    (
        "two-untagged",
        policy(raw_rule(1), raw_rule(2, sel(countType="imageCountMoreThan", countUnit=DROP))),
        "Only one rule can select Untagged images per storage class.",
    ),
    (
        "any-not-last",
        policy(raw_rule(1, sel(tagStatus="any")), tagged(2, ["prod"])),
        "Rule for tagStatus=ANY must have the lowest priority per storage class",
    ),
    (
        "two-any",
        policy(raw_rule(1, sel(tagStatus="any")), raw_rule(2, sel(tagStatus="any", countNumber=30))),
        "Rule for tagStatus=ANY must have the lowest priority per storage class",
    ),
    (
        "same-prefix-set",
        policy(tagged(1, ["b", "a"]), tagged(2, ["a", "b"], number=5)),
        'Tag prefix lists must be unique per storage class: ["a", "b"] is used more than once.',
    ),
    (
        "two-untagged-archive",
        policy(archived_expiry(1, "untagged"), archived_expiry(2, "untagged", 120)),
        "Only one rule can select Untagged images per storage class.",
    ),
]


@pytest.mark.parametrize(("text", "detail"), [pytest.param(t, d, id=i) for i, t, d in INVALID])
def test_invalid_policy_is_rejected_with_ecrs_message(text: str, detail: str) -> None:
    with pytest.raises(InvalidParameterException) as caught:
        parse_policy(text)
    assert caught.value.message == FRAME.format(detail)
    assert caught.value.code == "InvalidParameterException"


def test_there_are_enough_validation_cases() -> None:
    assert len(INVALID) >= 40
    assert len({case[0] for case in INVALID}) == len(INVALID)


DOC_EXAMPLES = {
    # Filtering on image age: expire untagged images older than 14 days.
    "image-age": (
        '{"rules": [{"rulePriority": 1, "description": "Expire images older than 14 days", '
        '"selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", '
        '"countNumber": 14}, "action": {"type": "expire"}}]}',
        [1],
    ),
    # Filtering on image count: keep only one untagged image.
    "image-count": (policy(raw_rule(1, sel(countType="imageCountMoreThan", countUnit=DROP, countNumber=1))), [1]),
    # Multiple rules: keep one prod and one beta image.
    "multiple-rules": (policy(tagged(1, ["prod"]), tagged(2, ["beta"])), [1, 2]),
    # Multiple tags in one rule: images tagged both alpha and beta, older than 5 days.
    "multiple-tags": (
        policy(raw_rule(1, sel(tagStatus="tagged", tagPrefixList=["alpha", "beta"], countNumber=5))),
        [1],
    ),
    # Filtering on all images: untagged older than a day, then keep one image of any kind.
    "all-images": (
        policy(
            raw_rule(1, sel(countNumber=1)),
            raw_rule(2, sel(tagStatus="any", countType="imageCountMoreThan", countUnit=DROP, countNumber=1)),
        ),
        [1, 2],
    ),
    # Tag patterns, up to four wildcards per pattern.
    "patterns": (
        policy(raw_rule(1, sel(tagStatus="tagged", tagPatternList=["prod*", "*test*1*2*3", "test*1*2*3*"]))),
        [1],
    ),
    # Archive: move images not pulled for 90 days to archive, delete them 90 days after archival.
    "archive": (
        policy(
            raw_rule(1, sel(tagStatus="any", countType="sinceImagePulled", countNumber=90), TRANSITION),
            archived_expiry(2),
        ),
        [1, 2],
    ),
    # Priorities need not be sequential nor in order; rules come back sorted.
    "out-of-order": (
        policy(tagged(10, ["c"]), tagged(2, ["a"]), raw_rule(5), raw_rule(99, sel(tagStatus="any"))),
        [2, 5, 10, 99],
    ),
    # Per storage class: an untagged rule and an any rule (or prefix set) on each side.
    "per-class": (
        policy(
            raw_rule(1),
            tagged(2, ["p"]),
            raw_rule(3, sel(tagStatus="any", countNumber=30)),
            archived_expiry(4, "untagged"),
            raw_rule(
                5,
                sel(
                    tagStatus="tagged",
                    tagPrefixList=["p"],
                    storageClass="archive",
                    countType="sinceImageTransitioned",
                    countNumber=100,
                ),
            ),
            archived_expiry(6, days=200),
        ),
        [1, 2, 3, 4, 5, 6],
    ),
    "fifty-rules": (policy(*(tagged(n, [f"t{n}"]) for n in range(50, 0, -1))), list(range(1, 51))),
}


@pytest.mark.parametrize(("text", "priorities"), list(DOC_EXAMPLES.values()), ids=list(DOC_EXAMPLES))
def test_documented_policies_parse_with_rules_by_priority(text: str, priorities: list[int]) -> None:
    parsed = parse_policy(text)
    assert parsed.text == text
    assert [rule.priority for rule in parsed.rules] == priorities


def test_parsed_rules_carry_every_member() -> None:
    parsed = parse_policy(DOC_EXAMPLES["image-age"][0])
    selection = Selection("untagged", (), (), "standard", "sinceImagePushed", "days", 14)
    assert parsed.rules == (Rule(1, "Expire images older than 14 days", selection, "expire", None),)
    archive = parse_policy(DOC_EXAMPLES["archive"][0]).rules
    assert (archive[0].action, archive[0].target_storage_class) == ("transition", "archive")
    assert archive[1].selection == Selection("any", (), (), "archive", "sinceImageTransitioned", "days", 90)
    patterns = parse_policy(DOC_EXAMPLES["patterns"][0]).rules[0].selection
    assert patterns.tag_patterns == ("prod*", "*test*1*2*3", "test*1*2*3*")
    assert patterns.count_unit == "days"


# --- (b) evaluation -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Img:
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime
    last_pull: datetime | None = None
    status: str = "ACTIVE"
    last_archived_at: datetime | None = None


def _ago(days: float | None) -> datetime | None:
    return None if days is None else NOW - timedelta(days=days)


def img(
    digest: str,
    *tags: str,
    age: float,
    pulled: float | None = None,
    status: str = "ACTIVE",
    archived: float | None = None,
) -> Img:
    """An image pushed ``age`` days before NOW (pulled / archived: days before NOW too)."""
    return Img(digest, tags, NOW - timedelta(days=age), _ago(pulled), status, _ago(archived))


def rule(
    priority: int,
    status: str,
    count: str,
    number: int,
    *,
    prefixes: tuple[str, ...] = (),
    patterns: tuple[str, ...] = (),
    transition: bool = False,
    archive: bool = False,
) -> dict[str, Any]:
    """count: more (imageCountMoreThan), pushed, pulled or transitioned (since..., in days)."""
    selection: dict[str, Any] = {"tagStatus": status}
    if prefixes:
        selection["tagPrefixList"] = list(prefixes)
    if patterns:
        selection["tagPatternList"] = list(patterns)
    if archive:
        selection["storageClass"] = "archive"
    if count == "more":
        selection["countType"] = "imageCountMoreThan"
    else:
        selection.update(countType="sinceImage" + count.capitalize(), countUnit="days")
    selection["countNumber"] = number
    return raw_rule(priority, selection, TRANSITION if transition else None)


def run(rules: list[dict[str, Any]], images: list[Img]) -> list[tuple[str, int, str]]:
    decisions = evaluate(parse_policy(policy(*rules)), images, NOW)
    return [(d.digest, d.rule_priority, d.action) for d in decisions]


E, T = "EXPIRE", "TRANSITION"
STEP = 1 / 86400  # one second, in days

SCENARIOS: list[tuple[str, list[dict[str, Any]], list[Img], list[tuple[str, int, str]]]] = [
    ("empty-repository", [rule(1, "any", "more", 1)], [], []),
    (
        "untagged-older-than-14-days",
        [rule(1, "untagged", "pushed", 14)],
        [img("u1", age=20), img("u2", age=10), img("t1", "v1", age=30)],
        [("u1", 1, E)],
    ),
    ("exactly-14-days-is-kept", [rule(1, "untagged", "pushed", 14)], [img("u", age=14)], []),
    ("14-days-and-a-second", [rule(1, "untagged", "pushed", 14)], [img("u", age=14 + STEP)], [("u", 1, E)]),
    (
        "keep-last-3-prod",
        [rule(1, "tagged", "more", 3, prefixes=("prod",))],
        [img(f"p{n}", f"prod-{n}", age=n) for n in range(1, 6)] + [img("b", "beta", age=50)],
        [("p5", 1, E), ("p4", 1, E)],
    ),
    ("fewer-than-count", [rule(1, "any", "more", 5)], [img("a", age=9), img("b", age=8)], []),
    ("exactly-count", [rule(1, "any", "more", 2)], [img("a", age=9), img("b", "x", age=8)], []),
    (
        "keep-one-of-any",
        [rule(1, "any", "more", 1)],
        [img("new", age=1), img("old", "v1", age=9), img("mid", age=5)],
        [("old", 1, E), ("mid", 1, E)],
    ),
    (
        "prod-then-beta",
        [rule(1, "tagged", "more", 1, prefixes=("prod",)), rule(2, "tagged", "more", 1, prefixes=("beta",))],
        [img("a", "prod-a", age=5), img("b", "prod-b", age=4), img("c", "beta-c", age=3), img("d", "beta-d", age=2)],
        [("a", 1, E), ("c", 2, E)],
    ),
    (
        "prod-and-beta-first-rule-only",
        [rule(1, "tagged", "more", 1, prefixes=("prod",)), rule(2, "tagged", "more", 1, prefixes=("beta",))],
        [img("x", "prod", "beta", age=10), img("y", "prod", age=5), img("z", "beta", age=3), img("w", "beta", age=1)],
        [("x", 1, E), ("z", 2, E)],
    ),
    (
        "kept-by-earlier-rule-is-protected",
        [rule(1, "tagged", "more", 5, prefixes=("prod",)), rule(2, "any", "more", 1)],
        [img("p1", "prod", age=10), img("p2", "prod1", age=9), img("u", age=8), img("v", age=1)],
        [("u", 2, E)],
    ),
    (
        "all-prefixes-required",
        [rule(1, "tagged", "pushed", 5, prefixes=("alpha", "beta"))],
        [
            img("a", "alpha-1", "beta-1", age=10),
            img("b", "alpha-1", age=10),
            img("c", "beta", age=10),
            img("d", "alpha", "beta", age=1),
        ],
        [("a", 1, E)],
    ),
    (
        "prefix-is-not-substring",
        [rule(1, "tagged", "pushed", 1, prefixes=("prod",))],
        [img("a", "preprod", age=5), img("b", "prod", age=5), img("c", "PROD", age=5)],
        [("b", 1, E)],
    ),
    (
        "pattern-prod-star",
        [rule(1, "tagged", "pushed", 1, patterns=("prod*",))],
        [img("a", "prod", age=5), img("b", "prod1", age=4), img("c", "preprod", age=3), img("d", "xprod1", age=2)],
        [("a", 1, E), ("b", 1, E)],
    ),
    (
        "pattern-several-stars",
        [rule(1, "tagged", "pushed", 1, patterns=("*test*1*2*3",))],
        [
            img("a", "mytest-1-2-3", age=5),
            img("b", "test123", age=4),
            img("c", "test-1-2-3-x", age=3),
            img("d", "tes-1-2-3", age=2),
        ],
        [("a", 1, E), ("b", 1, E)],
    ),
    (
        "pattern-without-star-is-exact",
        [rule(1, "tagged", "pushed", 1, patterns=("latest",))],
        [img("a", "latest", age=5), img("b", "latest2", age=5), img("c", "my-latest", age=5)],
        [("a", 1, E)],
    ),
    (
        "pattern-is-not-a-regex",
        [rule(1, "tagged", "pushed", 1, patterns=("v1.*",))],
        [img("a", "v1.2", age=5), img("b", "v1x2", age=5), img("c", "v1.", age=5)],
        [("a", 1, E), ("c", 1, E)],
    ),
    (
        "all-patterns-required",
        [rule(1, "tagged", "pushed", 1, patterns=("prod*", "*-stable"))],
        [img("a", "prod-1", "v-stable", age=5), img("b", "prod-1", age=5), img("c", "prod-stable", age=5)],
        [("a", 1, E), ("c", 1, E)],
    ),
    (
        "any-rule-last",
        [rule(1, "untagged", "pushed", 1), rule(2, "any", "more", 1)],
        [img("u1", age=3), img("u2", age=0.5), img("t1", "v1", age=2), img("t2", "v2", age=1)],
        [("u1", 1, E), ("t1", 2, E), ("t2", 2, E)],
    ),
    (
        "since-pulled",
        [rule(1, "any", "pulled", 30)],
        [img("a", age=100, pulled=10), img("b", age=100, pulled=40), img("c", age=50), img("d", age=10)],
        [("b", 1, E), ("c", 1, E)],
    ),
    (
        "since-pulled-boundary",
        [rule(1, "any", "pulled", 30)],
        [img("a", age=60, pulled=30), img("b", age=60, pulled=30 + STEP)],
        [("b", 1, E)],
    ),
    (
        "transition-to-archive",
        [rule(1, "any", "pushed", 30, transition=True)],
        [img("a", age=40), img("b", age=40, status="ARCHIVED"), img("c", age=40, status="ACTIVATING")],
        [("a", 1, T)],
    ),
    (
        "archive-expiry-after-90-days",
        [rule(1, "any", "transitioned", 90, archive=True)],
        [
            img("a", age=300, status="ARCHIVED", archived=91),
            img("b", age=300, status="ARCHIVED", archived=90),
            img("c", age=300, status="ARCHIVED"),
            img("d", age=300, archived=200),
        ],
        [("a", 1, E)],
    ),
    (
        "archive-then-delete",
        [rule(1, "any", "pulled", 90, transition=True), rule(2, "any", "transitioned", 90, archive=True)],
        [img("a", age=100), img("b", age=400, status="ARCHIVED", archived=100), img("c", age=10)],
        [("a", 1, T), ("b", 2, E)],
    ),
    (
        "archive-untagged-only",
        [rule(1, "untagged", "transitioned", 120, archive=True)],
        [img("a", age=400, status="ARCHIVED", archived=200), img("b", "v1", age=400, status="ARCHIVED", archived=200)],
        [("a", 1, E)],
    ),
    (
        "count-ties-by-digest",
        [rule(1, "any", "more", 1)],
        [img("c", age=5), img("a", age=5), img("b", age=5)],
        [("a", 1, E), ("b", 1, E)],
    ),
    (
        "since-ties-by-digest",
        [rule(1, "untagged", "pushed", 1)],
        [img("z", age=5), img("m", age=5), img("a", age=6)],
        [("a", 1, E), ("m", 1, E), ("z", 1, E)],
    ),
    (
        "tagged-star-skips-untagged",
        [rule(1, "tagged", "more", 1, patterns=("*",))],
        [img("t1", "a", age=3), img("t2", "b", age=2), img("u", age=5)],
        [("t1", 1, E)],
    ),
    (
        "activating-is-never-selected",
        [rule(1, "any", "pushed", 1)],
        [img("a", age=9, status="ACTIVATING", archived=100), img("b", age=9)],
        [("b", 1, E)],
    ),
    (
        "rule-order-before-age",
        [rule(1, "tagged", "pushed", 1, prefixes=("prod",)), rule(2, "any", "pushed", 1)],
        [img("x", age=50), img("p", "prod", age=2)],
        [("p", 1, E), ("x", 2, E)],
    ),
    (
        "young-candidate-still-protected",
        [rule(1, "tagged", "pushed", 30, prefixes=("prod",)), rule(2, "any", "pushed", 5)],
        [img("p", "prod", age=10), img("q", age=10)],
        [("q", 2, E)],
    ),
    (
        "priorities-not-in-text-order",
        [rule(7, "any", "more", 1), rule(3, "tagged", "more", 1, prefixes=("prod",))],
        [img("p1", "prod", age=4), img("p2", "prod", age=3), img("u", age=2), img("n", age=1)],
        [("p1", 3, E), ("u", 7, E)],
    ),
    (
        "untagged-count",
        [rule(1, "untagged", "more", 2)],
        [img(f"u{n}", age=n) for n in range(1, 5)] + [img("t", "v", age=9)],
        [("u4", 1, E), ("u3", 1, E)],
    ),
    (
        "one-matching-tag-is-enough",
        [rule(1, "tagged", "pushed", 1, prefixes=("rel",))],
        [img("a", "x", "y", "release-1", age=3)],
        [("a", 1, E)],
    ),
    (
        "pulled-transition-keeps-recently-pulled",
        [rule(1, "tagged", "pulled", 60, patterns=("*",), transition=True), rule(2, "untagged", "pushed", 7)],
        [img("t1", "v1", age=90, pulled=70), img("t2", "v2", age=90, pulled=1), img("u", age=8)],
        [("t1", 1, T), ("u", 2, E)],
    ),
]


@pytest.mark.parametrize(
    ("rules", "images", "expected"), [pytest.param(r, i, e, id=name) for name, r, i, e in SCENARIOS]
)
def test_evaluation_scenarios(
    rules: list[dict[str, Any]], images: list[Img], expected: list[tuple[str, int, str]]
) -> None:
    assert run(rules, images) == expected


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 30
    assert len({case[0] for case in SCENARIOS}) == len(SCENARIOS)


def test_decisions_carry_the_target_storage_class() -> None:
    rules = [rule(1, "any", "pushed", 30, transition=True), rule(2, "any", "transitioned", 90, archive=True)]
    images = [img("a", age=40), img("b", age=400, status="ARCHIVED", archived=100)]
    decisions = evaluate(parse_policy(policy(*rules)), images, NOW)
    assert decisions == [Decision("a", 1, "TRANSITION", "ARCHIVE"), Decision("b", 2, "EXPIRE", None)]


def test_evaluate_accepts_any_iterable_and_naive_times_read_as_local() -> None:
    parsed = parse_policy(policy(rule(1, "untagged", "pushed", 14)))
    local_now = NOW.astimezone().replace(tzinfo=None)
    images = iter([img("a", age=20), img("b", age=1)])
    assert [d.digest for d in evaluate(parsed, images, local_now)] == ["a"]


# --- (c) properties -----------------------------------------------------------------------------------------

TAGS = (
    "prod",
    "prod-1",
    "prod-2",
    "preprod",
    "beta",
    "beta-1",
    "v1.0",
    "v1.0-beta",
    "latest",
    "latest-1",
    "alpha-stable",
)
PREFIXES = ("prod", "beta", "v1", "alpha", "p", "latest")
PATTERNS = ("prod*", "*-1", "*", "beta*", "v*.*", "latest", "*a*", "*-stable")
STATUSES = ("ACTIVE",) * 4 + ("ARCHIVED",) * 2 + ("ACTIVATING",)


@st.composite
def images(draw: st.DrawFn) -> list[Img]:
    count = draw(st.integers(0, 12))
    result = []
    for n in range(count):
        age = draw(st.integers(0, 400)) + draw(st.sampled_from((0, 0, 0.5)))
        pulled = draw(st.none() | st.integers(0, int(age)))
        archived = draw(st.none() | st.integers(0, 300))
        tag_list = draw(st.lists(st.sampled_from(TAGS), max_size=3, unique=True))
        status = draw(st.sampled_from(STATUSES))
        result.append(img(f"sha256:{n:02d}", *tag_list, age=age, pulled=pulled, status=status, archived=archived))
    return result


@st.composite
def rule_dicts(draw: st.DrawFn, priority: int) -> dict[str, Any]:
    archive = draw(st.booleans()) and draw(st.booleans())
    if archive:
        count, number, transition = "transitioned", draw(st.integers(90, 200)), False
    else:
        count = draw(st.sampled_from(("more", "pushed", "pulled")))
        number = draw(st.integers(1, 4) if count == "more" else st.integers(1, 150))
        transition = draw(st.booleans())
    status = draw(st.sampled_from(("tagged", "tagged", "untagged", "any")))
    prefixes: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    if status == "tagged" and draw(st.booleans()):
        prefixes = tuple(draw(st.lists(st.sampled_from(PREFIXES), min_size=1, max_size=2, unique=True)))
    elif status == "tagged":
        patterns = tuple(draw(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2, unique=True)))
    return rule(
        priority, status, count, number, prefixes=prefixes, patterns=patterns, transition=transition, archive=archive
    )


@st.composite
def policies(draw: st.DrawFn) -> LifecyclePolicy:
    priorities = draw(st.lists(st.integers(1, 60), min_size=1, max_size=4, unique=True))
    text = policy(*(draw(rule_dicts(priority)) for priority in priorities))
    try:
        return parse_policy(text)
    except InvalidParameterException:
        reject()


def _oracle_selects(selection: Selection, image: Img) -> bool:
    """An independent reading of the documented selection rules (fnmatch for patterns: the pools have no [?)."""
    if image.status != ("ARCHIVED" if selection.storage_class == "archive" else "ACTIVE"):
        return False
    if selection.tag_status in ("any", "untagged"):
        return selection.tag_status == "any" or not image.tags
    if selection.tag_prefixes:
        return all(any(tag.startswith(p) for tag in image.tags) for p in selection.tag_prefixes)
    return all(any(fnmatch.fnmatchcase(tag, p) for tag in image.tags) for p in selection.tag_patterns)


def _oracle_counts(selection: Selection, image: Img, candidates: list[Img]) -> bool:
    if selection.count_type == "imageCountMoreThan":
        newer = [other for other in candidates if (other.pushed_at, other.digest) > (image.pushed_at, image.digest)]
        return len(newer) >= selection.count_number
    moment = {
        "sinceImagePushed": image.pushed_at,
        "sinceImagePulled": image.last_pull or image.pushed_at,
        "sinceImageTransitioned": image.last_archived_at,
    }[selection.count_type]
    return moment is not None and NOW - moment > timedelta(days=selection.count_number)


def _expected(parsed: LifecyclePolicy, pool: list[Img]) -> dict[str, Rule]:
    """Each image is up to the first rule that selects it (later rules may not act on it)."""
    expected = {}
    for image in pool:
        first = next((r for r in parsed.rules if _oracle_selects(r.selection, image)), None)
        if first is None:
            continue
        candidates = [other for other in pool if _oracle_selects(first.selection, other)]
        if _oracle_counts(first.selection, image, candidates):
            expected[image.digest] = first
    return expected


@settings(max_examples=200, deadline=None)
@given(parsed=policies(), pool=images(), seed=st.randoms())
def test_decisions_follow_the_documented_rules(parsed: LifecyclePolicy, pool: list[Img], seed: random.Random) -> None:
    decisions = evaluate(parsed, pool, NOW)
    digests = [d.digest for d in decisions]
    assert len(digests) == len(set(digests))
    by_digest = {image.digest: image for image in pool}
    rules = {r.priority: r for r in parsed.rules}
    for decision in decisions:
        chosen_by = rules[decision.rule_priority]
        assert _oracle_selects(chosen_by.selection, by_digest[decision.digest])
        assert decision.action == chosen_by.action.upper()
        assert decision.target_storage_class == ("ARCHIVE" if chosen_by.action == "transition" else None)
    selected = {i.digest for i in pool for r in parsed.rules if _oracle_selects(r.selection, i)}
    assert set(digests) <= selected
    expected = _expected(parsed, pool)
    assert {d.digest: d.rule_priority for d in decisions} == {k: r.priority for k, r in expected.items()}
    order = [(d.rule_priority, by_digest[d.digest].pushed_at, d.digest) for d in decisions]
    assert order == sorted(order)
    shuffled = list(pool)
    seed.shuffle(shuffled)
    assert evaluate(parsed, shuffled, NOW) == decisions
    assert evaluate(parsed, pool, NOW) == decisions

"""Lifecycle-policy scenarios for the boto3 end-to-end tests: images, a policy, and what ECR does to them.

Each ``Case`` is written from AWS's documented lifecycle examples and evaluation rules (shared/ecr-behaviour.md
4.7; docs.aws.amazon.com/AmazonECR/latest/userguide/{lifecycle_policy_examples,LifecyclePolicies}.html), not
from the mock's code. ``expired`` / ``transitioned`` name every image the policy acts on, with the priority of the
rule that acts on it; every other image must be left exactly as it was. tests/test_lifecycle.py builds each case
through boto3 (pushes, pulls and archiving at frozen times) and checks the preview and the real expiry against it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
SECOND = 1 / 86400  # one second, in days


@dataclass(frozen=True)
class Image:
    """One image of a case. Times are days before ``NOW``.

    ``tags`` are attached at push time, in order (a tag another image already has moves to this one).
    ``pulls``: when BatchGetImage fetched it. ``archived``: when UpdateImageStorageClass moved it to ARCHIVE.
    ``children``: this image is a manifest list naming those images (pushed before it).
    """

    name: str
    age: float
    tags: tuple[str, ...] = ()
    pulls: tuple[float, ...] = ()
    archived: float | None = None
    children: tuple[str, ...] = ()


def img(
    name: str,
    age: float,
    *tags: str,
    pulls: tuple[float, ...] = (),
    archived: float | None = None,
    children: tuple[str, ...] = (),
) -> Image:
    return Image(name, age, tags, pulls, archived, children)


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
    """A rule in the documented JSON. ``count``: more (imageCountMoreThan) or pushed / pulled / transitioned
    (sinceImage..., in days). ``archive`` selects the archive storage class; ``transition`` moves to archive."""
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
        selection["countType"] = {
            "pushed": "sinceImagePushed",
            "pulled": "sinceImagePulled",
            "transitioned": "sinceImageTransitioned",
        }[count]
        selection["countUnit"] = "days"
    selection["countNumber"] = number
    action: dict[str, Any] = (
        {"type": "transition", "targetStorageClass": "archive"} if transition else {"type": "expire"}
    )
    return {"rulePriority": priority, "description": f"rule {priority}", "selection": selection, "action": action}


def policy_text(rules: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> str:
    return json.dumps({"rules": list(rules)}, indent=2)


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # where the expectation comes from
    rules: tuple[dict[str, Any], ...]
    images: tuple[Image, ...]
    expired: Mapping[str, int] = field(default_factory=dict)  # image name -> rulePriority that expires it
    transitioned: Mapping[str, int] = field(default_factory=dict)  # image name -> rulePriority that archives it

    @property
    def text(self) -> str:
        return policy_text(self.rules)


DOC_EXAMPLES = "AWS lifecycle_policy_examples"
EVALUATION = "AWS LifecyclePolicies evaluation rules (reference 4.7)"
ARCHIVE_DOC = "AWS archive-image + lifecycle_policy_parameters (reference 4.7, 4.15)"

CASES: tuple[Case, ...] = (
    Case(
        "empty-repository",
        EVALUATION,
        (rule(1, "any", "more", 1),),
        (),
    ),
    Case(
        "doc-untagged-older-than-14-days",
        DOC_EXAMPLES + " (filtering on image age, untagged)",
        (rule(1, "untagged", "pushed", 14),),
        (img("u20", 20), img("u15", 15), img("u10", 10), img("tagged-old", 30, "v1")),
        expired={"u20": 1, "u15": 1},
    ),
    Case(
        "age-boundary-is-strictly-older",
        EVALUATION + " (older than countNumber days)",
        (rule(1, "untagged", "pushed", 14),),
        (img("exactly-14", 14), img("14-and-a-second", 14 + SECOND), img("almost-14", 14 - SECOND)),
        expired={"14-and-a-second": 1},
    ),
    Case(
        "doc-prod-pattern-older-than-14-days",
        DOC_EXAMPLES + " (tagPatternList prod*, sinceImagePushed 14)",
        (rule(1, "tagged", "pushed", 14, patterns=("prod*",)),),
        (
            img("prod-old", 20, "prod-1"),
            img("prod-new", 10, "prod-2"),
            img("production", 15, "production"),
            img("preprod", 30, "preprod"),
            img("dev", 30, "dev-1"),
            img("untagged", 30),
        ),
        expired={"prod-old": 1, "production": 1},
    ),
    Case(
        "doc-keep-one-untagged",
        DOC_EXAMPLES + " (filtering on image count, untagged)",
        (rule(1, "untagged", "more", 1),),
        (img("u1", 5), img("u2", 4), img("u3", 3), img("latest", 9, "latest")),
        expired={"u1": 1, "u2": 1},
    ),
    Case(
        "keep-last-5-prod-really-leaves-five",
        DOC_EXAMPLES + " (keep the last N tagged images)",
        (rule(1, "tagged", "more", 5, patterns=("prod-*",)),),
        (
            *(img(f"p{n}", 9 - n, f"prod-{n}") for n in range(1, 9)),
            img("dev", 20, "dev-1"),
            img("untagged", 20),
        ),
        expired={"p1": 1, "p2": 1, "p3": 1},
    ),
    Case(
        "doc-multiple-rules-example-a",
        DOC_EXAMPLES + " (multiple rules, first example)",
        (rule(1, "tagged", "more", 1, prefixes=("prod",)), rule(2, "tagged", "more", 1, prefixes=("beta",))),
        (img("A", 10, "beta-1", "prod-1"), img("B", 9, "beta-2", "prod-2"), img("C", 8, "beta-3")),
        expired={"A": 1},
    ),
    Case(
        "doc-multiple-rules-example-b",
        DOC_EXAMPLES + " (multiple rules, second example)",
        (rule(1, "tagged", "more", 1, prefixes=("prod",)), rule(2, "tagged", "more", 1, prefixes=("beta",))),
        (
            img("A", 10, "beta-1", "prod-1"),
            img("B", 9, "beta-2", "prod-2"),
            img("C", 8, "beta-3", "prod-3"),
            img("D", 7, "beta-4"),
        ),
        expired={"A": 1, "B": 1},
    ),
    Case(
        "doc-multiple-prefixes-by-age",
        DOC_EXAMPLES + " (multiple tags in a single rule, sinceImagePushed)",
        (rule(1, "tagged", "pushed", 5, prefixes=("alpha", "beta")),),
        (
            img("A", 12, "alpha-1"),
            img("B", 11, "beta-1"),
            img("C", 10, "alpha-2", "beta-2"),
            img("D", 4, "alpha-3"),
            img("E", 3, "beta-3"),
            img("F", 2, "alpha-4", "beta-4"),
        ),
        expired={"C": 1},
    ),
    Case(
        "doc-multiple-prefixes-by-count",
        DOC_EXAMPLES + " (multiple tags in a single rule, imageCountMoreThan)",
        (rule(1, "tagged", "more", 1, prefixes=("alpha", "beta")),),
        (
            img("A", 12, "alpha-1"),
            img("B", 11, "beta-1"),
            img("C", 10, "alpha-2", "beta-2"),
            img("D", 4, "alpha-3"),
            img("E", 3, "beta-3"),
            img("F", 2, "alpha-4", "beta-4"),
        ),
        expired={"C": 1},
    ),
    Case(
        "doc-all-images-one-rule",
        DOC_EXAMPLES + " (filtering on all images, one rule)",
        (rule(1, "any", "more", 1),),
        (img("A", 4, "alpha-1"), img("B", 3, "beta-1"), img("C", 2), img("D", 1, "alpha-2")),
        expired={"A": 1, "B": 1, "C": 1},
    ),
    Case(
        "doc-all-images-three-rules",
        DOC_EXAMPLES + " (filtering on all images, three rules: seen images are not re-evaluated)",
        (
            rule(1, "tagged", "more", 1, prefixes=("alpha",)),
            rule(2, "untagged", "more", 1),
            rule(3, "any", "more", 1),
        ),
        (img("A", 4, "alpha-1"), img("B", 3, "beta-1"), img("C", 2), img("D", 1, "alpha-2")),
        expired={"A": 1, "B": 3},
    ),
    Case(
        "any-rule-last-counts-protected-images",
        EVALUATION + " (a later rule still counts images an earlier rule selected)",
        (rule(1, "untagged", "pushed", 7), rule(2, "any", "more", 3)),
        (
            img("u-old", 10),
            img("u-new", 3),
            img("t1", 9, "v1"),
            img("t2", 6, "v2"),
            img("t3", 2, "v3"),
            img("t4", 1, "v4"),
        ),
        expired={"u-old": 1, "t1": 2, "t2": 2},
    ),
    Case(
        "selected-by-earlier-rule-is-never-seen-later",
        EVALUATION + " (an image a rule selects is not evaluated by lower-priority rules)",
        (rule(1, "tagged", "pushed", 30, prefixes=("release",)), rule(2, "any", "pushed", 7)),
        (img("release", 10, "release-1"), img("feature", 10, "feature-1"), img("fresh", 3)),
        expired={"feature": 2},
    ),
    Case(
        "rule-priority-not-text-order",
        EVALUATION + " (rules run by rulePriority, lowest first)",
        (rule(9, "any", "more", 1), rule(2, "tagged", "more", 1, prefixes=("prod",))),
        (img("p1", 5, "prod-1"), img("p2", 4, "prod-2"), img("u", 3), img("n", 1, "dev")),
        expired={"p1": 2, "u": 9},
    ),
    Case(
        "prefix-list-needs-every-prefix",
        EVALUATION + " (tagPrefixList: every prefix must match a tag)",
        (rule(1, "tagged", "pushed", 1, prefixes=("app", "stable")),),
        (
            img("both", 5, "app-1", "stable"),
            img("app-only", 5, "app-2"),
            img("stable-only", 5, "stable-2"),
            img("one-tag", 5, "app-stable"),
        ),
        expired={"both": 1},
    ),
    Case(
        "prefix-is-a-case-sensitive-prefix",
        DOC_EXAMPLES + " (tagPrefixList prod)",
        (rule(1, "tagged", "pushed", 1, prefixes=("prod",)),),
        (img("preprod", 5, "preprod"), img("prod", 5, "prod"), img("upper", 5, "PROD-1"), img("long", 5, "production")),
        expired={"prod": 1, "long": 1},
    ),
    Case(
        "pattern-dot-is-literal",
        EVALUATION + " (tagPatternList: '*' wildcard, everything else literal)",
        (rule(1, "tagged", "pushed", 1, patterns=("v1.*",)),),
        (img("v1.2", 5, "v1.2"), img("v1x2", 5, "v1x2"), img("v1.", 5, "v1."), img("v10", 5, "v10")),
        expired={"v1.2": 1, "v1.": 1},
    ),
    Case(
        "pattern-without-star-is-the-whole-tag",
        EVALUATION + " (tagPatternList matches the whole tag)",
        (rule(1, "tagged", "pushed", 1, patterns=("latest",)),),
        (img("latest", 5, "latest"), img("latest-1", 5, "latest-1"), img("my-latest", 5, "my-latest")),
        expired={"latest": 1},
    ),
    Case(
        "doc-pattern-several-wildcards",
        DOC_EXAMPLES + " (*test*1*2*3)",
        (rule(1, "tagged", "pushed", 1, patterns=("*test*1*2*3",)),),
        (
            img("mytest", 5, "mytest-1-2-3"),
            img("compact", 5, "test123"),
            img("suffix", 5, "test-1-2-3-x"),
            img("typo", 5, "tes-1-2-3"),
        ),
        expired={"mytest": 1, "compact": 1},
    ),
    Case(
        "pattern-star-selects-every-tagged-image",
        DOC_EXAMPLES + " (tagPatternList ['*'] with tagStatus tagged)",
        (rule(1, "tagged", "more", 1, patterns=("*",)),),
        (img("t-old", 3, "a"), img("t-new", 2, "b"), img("untagged", 5)),
        expired={"t-old": 1},
    ),
    Case(
        "pattern-list-needs-every-pattern",
        DOC_EXAMPLES + " (several tagPatternList entries must all match)",
        (rule(1, "tagged", "pushed", 1, patterns=("prod*", "*-stable")),),
        (
            img("two-tags", 5, "prod-1", "v1-stable"),
            img("prod-only", 5, "prod-2"),
            img("one-tag-both", 5, "prod-stable"),
            img("stable-only", 5, "x-stable"),
        ),
        expired={"two-tags": 1, "one-tag-both": 1},
    ),
    Case(
        "since-pulled-uses-batch-get-image",
        EVALUATION + " (sinceImagePulled: lastRecordedPullTime)",
        (rule(1, "any", "pulled", 30),),
        (
            img("pulled-recently", 100, pulls=(10,)),
            img("pulled-long-ago", 100, "v1", pulls=(40,)),
            img("pulled-at-boundary", 100, "v2", pulls=(30,)),
            img("pulled-before-boundary", 100, "v3", pulls=(30 + SECOND,)),
            img("young-never-pulled", 10, "v4"),
        ),
        expired={"pulled-long-ago": 1, "pulled-before-boundary": 1},
    ),
    Case(
        "since-pulled-counts-the-last-pull",
        EVALUATION + " (every BatchGetImage refreshes lastRecordedPullTime)",
        (rule(1, "any", "pulled", 14),),
        (
            img("pulled-twice", 60, "v1", pulls=(30, 2)),
            img("pulled-once", 60, "v2", pulls=(30,)),
            img("untagged-pulled", 60, pulls=(3,)),
        ),
        expired={"pulled-once": 1},
    ),
    Case(
        "since-pulled-never-pulled-uses-push-time",
        "reference 4.7: never pulled falls back to the push time (unconfirmed; the mock's documented choice)",
        (rule(1, "untagged", "pulled", 30),),
        (img("old-never-pulled", 50), img("young-never-pulled", 20)),
        expired={"old-never-pulled": 1},
    ),
    Case(
        "doc-transition-not-pulled-to-archive",
        ARCHIVE_DOC + " (transition images not pulled for 90 days)",
        (rule(1, "any", "pulled", 90, transition=True),),
        (
            img("stale", 200, "v1", pulls=(100,)),
            img("in-use", 200, "v2", pulls=(10,)),
            img("young", 30),
        ),
        transitioned={"stale": 1},
    ),
    Case(
        "archive-expiry-after-90-days",
        ARCHIVE_DOC + " (90-day minimum in archive; sinceImageTransitioned)",
        (rule(1, "any", "transitioned", 90, archive=True),),
        (
            img("archived-100", 300, "v1", archived=100),
            img("archived-90", 300, "v2", archived=90),
            img("archived-90s", 300, archived=90 + SECOND),
            img("archived-30", 300, "v3", archived=30),
            img("standard", 300, "v4"),
        ),
        expired={"archived-100": 1, "archived-90s": 1},
    ),
    Case(
        "transition-and-archive-expiry-together",
        ARCHIVE_DOC + " (one rule per storage class)",
        (
            rule(1, "tagged", "pushed", 30, patterns=("*",), transition=True),
            rule(2, "any", "transitioned", 120, archive=True),
        ),
        (
            img("old-tagged", 60, "v1"),
            img("new-tagged", 10, "v2"),
            img("old-untagged", 60),
            img("archived-long-ago", 400, "v0", archived=200),
            img("archived-recently", 400, "v00", archived=100),
        ),
        expired={"archived-long-ago": 2},
        transitioned={"old-tagged": 1},
    ),
    Case(
        "standard-rules-ignore-archived-images",
        ARCHIVE_DOC + " (storageClass defaults to standard)",
        (rule(1, "any", "pushed", 1),),
        (img("archived", 10, "v1", archived=5), img("active", 10, "v2")),
        expired={"active": 1},
    ),
    Case(
        "archive-rule-untagged-only",
        ARCHIVE_DOC + " (tagStatus applies in the archive class too)",
        (rule(1, "untagged", "transitioned", 120, archive=True),),
        (img("untagged", 400, archived=200), img("tagged", 400, "v1", archived=200)),
        expired={"untagged": 1},
    ),
    Case(
        "manifest-list-children-kept",
        "reference 4.5/4.7: an image a manifest list in the repository names is not expired while the list stays",
        (rule(1, "untagged", "pushed", 1),),
        (
            img("child-amd64", 10),
            img("child-arm64", 10),
            img("list", 10, "multi", children=("child-amd64", "child-arm64")),
            img("orphan", 10),
        ),
        expired={"orphan": 1},
    ),
    Case(
        "manifest-list-is-an-image-like-any-other",
        EVALUATION + " (a tagged manifest list is selected and counted by its tags)",
        (rule(1, "tagged", "more", 1, prefixes=("multi",)),),
        (
            img("c1", 20, "c1-amd64"),
            img("c2", 20, "c2-arm64"),
            img("list-old", 20, "multi-1", children=("c1", "c2")),
            img("c3", 5, "c3-amd64"),
            img("c4", 5, "c4-arm64"),
            img("list-new", 5, "multi-2", children=("c3", "c4")),
        ),
        expired={"list-old": 1},
    ),
    Case(
        "moved-tag-leaves-an-untagged-image",
        "reference 4.3 + 4.7: a moved tag leaves the old image untagged, which untagged rules then select",
        (rule(1, "untagged", "pushed", 7),),
        (img("old-latest", 30, "latest"), img("new-latest", 1, "latest"), img("kept", 30, "v1")),
        expired={"old-latest": 1},
    ),
    Case(
        "fewer-images-than-count",
        EVALUATION + " (imageCountMoreThan keeps the newest countNumber)",
        (rule(1, "any", "more", 5),),
        (img("a", 30, "a"), img("b", 20), img("c", 10, "c")),
    ),
    Case(
        "any-older-than-30-days",
        DOC_EXAMPLES + " (tagStatus any, sinceImagePushed)",
        (rule(1, "any", "pushed", 30),),
        (img("tagged-old", 40, "v1"), img("untagged-old", 31), img("young", 29, "v2")),
        expired={"tagged-old": 1, "untagged-old": 1},
    ),
    Case(
        "untagged-release-then-age",
        EVALUATION + " (three rules: counts first, an any-age rule last)",
        (
            rule(1, "untagged", "more", 1),
            rule(2, "tagged", "more", 2, prefixes=("release",)),
            rule(3, "any", "pushed", 90),
        ),
        (
            img("u1", 100),
            img("u2", 50),
            img("u3", 1),
            img("r1", 200, "release-1"),
            img("r2", 150, "release-2"),
            img("r3", 100, "release-3"),
            img("r4", 1, "release-4"),
            img("f-old", 120, "feature-x"),
            img("f-new", 10, "feature-y"),
        ),
        expired={"u1": 1, "u2": 1, "r1": 2, "r2": 2, "f-old": 3},
    ),
    Case(
        "one-matching-tag-is-enough",
        EVALUATION + " (an image is selected if any of its tags matches)",
        (rule(1, "tagged", "pushed", 1, prefixes=("rel",)),),
        (img("many-tags", 3, "x", "y", "release-1"), img("other", 3, "z")),
        expired={"many-tags": 1},
    ),
    Case(
        "pulled-transition-then-untagged-expiry",
        ARCHIVE_DOC + " (transition tagged, expire untagged)",
        (rule(1, "tagged", "pulled", 60, patterns=("*",), transition=True), rule(2, "untagged", "pushed", 7)),
        (
            img("stale", 90, "v1", pulls=(70,)),
            img("in-use", 90, "v2", pulls=(1,)),
            img("untagged-old", 8),
            img("untagged-new", 2),
        ),
        expired={"untagged-old": 2},
        transitioned={"stale": 1},
    ),
    Case(
        "count-rule-transitions-the-oldest",
        ARCHIVE_DOC + " (imageCountMoreThan with a transition action)",
        (rule(1, "tagged", "more", 2, prefixes=("nightly",), transition=True),),
        tuple(img(f"n{n}", 5 - n, f"nightly-{n}") for n in range(1, 5)),
        transitioned={"n1": 1, "n2": 1},
    ),
    Case(
        "pattern-rules-per-environment",
        DOC_EXAMPLES + " (one count rule per tag family)",
        (rule(1, "tagged", "more", 2, patterns=("prod-*",)), rule(2, "tagged", "more", 1, patterns=("dev-*",))),
        (
            img("p1", 6, "prod-1"),
            img("p2", 5, "prod-2"),
            img("p3", 4, "prod-3"),
            img("d1", 3, "dev-1"),
            img("d2", 2, "dev-2"),
            img("d3", 1, "dev-3"),
            img("other", 9, "qa-1"),
        ),
        expired={"p1": 1, "d1": 2, "d2": 2},
    ),
)

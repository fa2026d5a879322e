"""Tag mutability through boto3: PutImageTagMutability in its four modes with WILDCARD exclusion filters, what
PutImage then allows, and what DescribeRepositories reports (shared/ecr-behaviour.md 3.1, 4.3, 4.4).

M-ITAE and M-IAE are ECR's texts (reference 2.4); the enum frame is the observed one (1.5). The "can't be null"
cross-field text is moto's (the reference quotes it); the "can't be set" one is unconfirmed: pinned as the mock's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import digest_of, docker_manifest
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
REPO = "team/app"
OLD = docker_manifest(1)
NEW = docker_manifest(2)
MODES = ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"]


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def invalid(member: str, constraint: str) -> tuple[str, str]:
    return "InvalidParameterException", f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'"


def tag_exists(tag: str, name: str = REPO) -> tuple[str, str]:
    return (
        "ImageTagAlreadyExistsException",
        f"The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten because the "
        "repository is immutable.",
    )


def filters(*patterns: str) -> list[dict[str, str]]:
    return [{"filterType": "WILDCARD", "filter": pattern} for pattern in patterns]


def set_mode(client: Any, mode: str, *patterns: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"repositoryName": REPO, "imageTagMutability": mode}
    if patterns:
        kwargs["imageTagMutabilityExclusionFilters"] = filters(*patterns)
    answer = client.put_image_tag_mutability(**kwargs)
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def described(client: Any) -> dict[str, Any]:
    repository: dict[str, Any] = client.describe_repositories(repositoryNames=[REPO])["repositories"][0]
    return repository


def tags_of(client: Any) -> dict[str, str]:
    """tag -> digest, for every tag in the repository."""
    pages = client.get_paginator("list_images").paginate(repositoryName=REPO, filter={"tagStatus": "TAGGED"})
    return {i["imageTag"]: i["imageDigest"] for page in pages for i in page["imageIds"]}


def push(client: Any, manifest: str, tag: str) -> None:
    client.put_image(repositoryName=REPO, imageManifest=manifest, imageTag=tag)


def moves(client: Any, tag: str) -> bool:
    """Push OLD with ``tag``, then try to move the tag to NEW: True if it moved, False if ECR refused."""
    push(client, OLD, tag)
    try:
        push(client, NEW, tag)
    except ClientError as error:
        details = error.response["Error"]
        assert (details["Code"], details["Message"]) == tag_exists(tag)
        assert tags_of(client)[tag] == digest_of(OLD)  # the refused push left the tag where it was
        return False
    assert tags_of(client)[tag] == digest_of(NEW)
    return True


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        yield client


@pytest.fixture
def unvalidated() -> Iterator[Any]:
    """botocore checks no enum; parameter_validation=False lets through what it would refuse too."""
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION, config=Config(parameter_validation=False))
        client.create_repository(repositoryName=REPO)
        yield client


# --- the response and DescribeRepositories ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["MUTABLE", "IMMUTABLE"])
def test_plain_modes(ecr: Any, mode: str) -> None:
    assert set_mode(ecr, mode) == {"registryId": ACCOUNT, "repositoryName": REPO, "imageTagMutability": mode}
    repository = described(ecr)
    assert repository["imageTagMutability"] == mode
    assert "imageTagMutabilityExclusionFilters" not in repository


@pytest.mark.parametrize("mode", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
def test_exclusion_modes_report_their_filters(ecr: Any, mode: str) -> None:
    answer = set_mode(ecr, mode, "dev-*", "latest", "release-v*.*")
    assert answer == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageTagMutability": mode,
        "imageTagMutabilityExclusionFilters": filters("dev-*", "latest", "release-v*.*"),
    }
    repository = described(ecr)
    assert repository["imageTagMutability"] == mode
    assert repository["imageTagMutabilityExclusionFilters"] == filters("dev-*", "latest", "release-v*.*")


@pytest.mark.parametrize("plain", ["MUTABLE", "IMMUTABLE"])
def test_switching_to_a_plain_mode_drops_the_filters(ecr: Any, plain: str) -> None:
    set_mode(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*")
    set_mode(ecr, plain)
    assert "imageTagMutabilityExclusionFilters" not in described(ecr)
    # the dropped filter no longer applies
    assert moves(ecr, "dev-1") is (plain == "MUTABLE")


def test_new_filters_replace_the_old_ones(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*")
    set_mode(ecr, "MUTABLE_WITH_EXCLUSION", "release-*")
    assert described(ecr)["imageTagMutabilityExclusionFilters"] == filters("release-*")
    assert moves(ecr, "dev-1") is True
    assert moves(ecr, "release-1") is False


def test_unknown_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_image_tag_mutability(repositoryName="missing", imageTagMutability="IMMUTABLE")
    assert error_of(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )


# --- cross-field and value rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["MUTABLE", "IMMUTABLE"])
def test_filters_with_a_plain_mode_are_refused(ecr: Any, mode: str) -> None:
    set_mode(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*")
    with pytest.raises(ClientError) as exc:
        set_mode(ecr, mode, "latest")
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters",
        f"ImageTagMutabilityExclusionFilters can't be set when imageTagMutability is set as {mode}",
    )
    repository = described(ecr)  # unchanged
    assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert repository["imageTagMutabilityExclusionFilters"] == filters("dev-*")


@pytest.mark.parametrize("mode", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
def test_exclusion_mode_needs_filters(ecr: Any, mode: str) -> None:
    with pytest.raises(ClientError) as exc:
        set_mode(ecr, mode)
    assert error_of(exc) == invalid(
        "imageTagMutabilityExclusionFilters",
        f"ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as {mode}",
    )
    assert described(ecr)["imageTagMutability"] == "MUTABLE"


def test_bad_mode_enum(unvalidated: Any) -> None:
    with pytest.raises(ClientError) as exc:
        unvalidated.put_image_tag_mutability(repositoryName=REPO, imageTagMutability="READ_ONLY")
    assert error_of(exc) == invalid(
        "imageTagMutability",
        "Member must satisfy enum value set: [IMMUTABLE, MUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION]",
    )


@pytest.mark.parametrize(
    ("given", "member", "constraint"),
    [
        ([], "imageTagMutabilityExclusionFilters", "Member must have length greater than or equal to 1"),
        (
            filters(*(f"f{n}-*" for n in range(6))),
            "imageTagMutabilityExclusionFilters",
            "Member must have length less than or equal to 5",
        ),
        ([{"filterType": "REGEX", "filter": "dev-*"}], "filterType", "Member must satisfy enum value set: [WILDCARD]"),
        (filters("dev/*"), "filter", "Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$"),
        (filters("dev?"), "filter", "Member must satisfy regular expression pattern: ^[0-9a-zA-Z._*-]{1,128}$"),
        (filters("a" * 129), "filter", "Member must have length less than or equal to 128"),
    ],
    ids=["empty", "six", "regex-type", "slash", "question-mark", "too-long"],
)
def test_bad_filters(unvalidated: Any, given: list[dict[str, str]], member: str, constraint: str) -> None:
    with pytest.raises(ClientError) as exc:
        unvalidated.put_image_tag_mutability(
            repositoryName=REPO,
            imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters=given,
        )
    assert error_of(exc) == invalid(member, constraint)


def test_five_filters_are_accepted(ecr: Any) -> None:
    patterns = [f"f{n}-*" for n in range(5)]
    assert set_mode(ecr, "MUTABLE_WITH_EXCLUSION", *patterns)["imageTagMutabilityExclusionFilters"] == filters(
        *patterns
    )


# --- what PutImage allows -----------------------------------------------------------------------------------


def test_mutable_tags_move_and_the_old_image_stays_untagged(ecr: Any) -> None:
    assert moves(ecr, "latest") is True
    images = {d["imageDigest"]: d.get("imageTags") for d in ecr.describe_images(repositoryName=REPO)["imageDetails"]}
    assert images == {digest_of(OLD): None, digest_of(NEW): ["latest"]}


def test_immutable_tags_cannot_move(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE")
    assert moves(ecr, "v1") is False


def test_immutable_still_allows_new_tags_and_deletes(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE")
    push(ecr, OLD, "v1")
    push(ecr, OLD, "v1-alias")  # an unused tag may be attached to an existing image
    push(ecr, NEW, "v2")
    assert tags_of(ecr) == {"v1": digest_of(OLD), "v1-alias": digest_of(OLD), "v2": digest_of(NEW)}
    deleted = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "v1"}])
    assert deleted["failures"] == []
    push(ecr, NEW, "v1")  # once removed, the tag is unused again
    assert tags_of(ecr)["v1"] == digest_of(NEW)


def test_immutable_repush_of_the_same_tag_is_image_already_exists(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE")
    push(ecr, OLD, "v1")
    with pytest.raises(ClientError) as exc:
        push(ecr, OLD, "v1")
    assert error_of(exc) == (
        "ImageAlreadyExistsException",
        f"Image with digest '{digest_of(OLD)}' and tag 'v1' already exists in the repository with name '{REPO}' "
        f"in registry with id '{ACCOUNT}'",
    )


def test_switching_mode_leaves_existing_tags_untouched(ecr: Any) -> None:
    push(ecr, OLD, "v1")
    push(ecr, OLD, "latest")
    push(ecr, NEW, "dev-1")
    before = tags_of(ecr)
    for mode, patterns in [
        ("IMMUTABLE", ()),
        ("IMMUTABLE_WITH_EXCLUSION", ("latest",)),
        ("MUTABLE_WITH_EXCLUSION", ("v*",)),
        ("MUTABLE", ()),
    ]:
        set_mode(ecr, mode, *patterns)
        assert tags_of(ecr) == before
        assert len(ecr.describe_images(repositoryName=REPO)["imageDetails"]) == 2


def test_immutable_then_mutable_again(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE")
    push(ecr, OLD, "latest")
    with pytest.raises(ClientError) as exc:
        push(ecr, NEW, "latest")
    assert error_of(exc) == tag_exists("latest")
    set_mode(ecr, "MUTABLE")
    push(ecr, NEW, "latest")
    assert tags_of(ecr) == {"latest": digest_of(NEW)}


def test_message_names_the_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName="other/locked", imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName="other/locked", imageManifest=OLD, imageTag="v1")
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="other/locked", imageManifest=NEW, imageTag="v1")
    assert error_of(exc) == tag_exists("v1", "other/locked")


# Exclusion filters: '*' is any run of characters (including none), everything else literal, whole tag.
# (tag, filter, matches)
FILTER_CASES = [
    ("dev-1", "dev-*", True),
    ("dev-", "dev-*", True),  # '*' matches the empty run
    ("my-dev-1", "dev-*", False),  # whole tag, not a substring
    ("dev", "dev-*", False),
    ("latest", "latest", True),
    ("latest2", "latest", False),  # no implicit trailing wildcard (moto's re.match would say yes)
    ("my-latest", "latest", False),
    ("v1.0", "v1.0", True),
    ("v1x0", "v1.0", False),  # '.' is literal, never a regex dot
    ("v1.5", "v1.*", True),
    ("v1x5", "v1.*", False),
    ("version", "v*", True),  # glob, not regex: regex 'v*' would not fullmatch 'version'
    ("vvv", "v*", True),
    ("release-v2-rc1", "release-*-rc*", True),
    ("release-v2", "release-*-rc*", False),
    ("anything_at.all-1", "*", True),
    ("a.b", "a*b", True),
    ("ab", "a*b", True),
    ("abc", "a*b", False),
    ("Latest", "latest", False),  # case-sensitive
]


@pytest.mark.parametrize(("tag", "pattern", "matches"), FILTER_CASES)
def test_immutable_with_exclusion(ecr: Any, tag: str, pattern: str, matches: bool) -> None:
    """IMMUTABLE_WITH_EXCLUSION: immutable, except tags a filter matches (those may move)."""
    set_mode(ecr, "IMMUTABLE_WITH_EXCLUSION", pattern)
    assert moves(ecr, tag) is matches


@pytest.mark.parametrize(("tag", "pattern", "matches"), FILTER_CASES)
def test_mutable_with_exclusion(ecr: Any, tag: str, pattern: str, matches: bool) -> None:
    """MUTABLE_WITH_EXCLUSION: mutable, except tags a filter matches (those are immutable)."""
    set_mode(ecr, "MUTABLE_WITH_EXCLUSION", pattern)
    assert moves(ecr, tag) is not matches


def test_any_of_several_filters_is_enough(ecr: Any) -> None:
    set_mode(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*", "latest", "*-snapshot")
    outcomes = {}
    for n, tag in enumerate(["dev-1", "latest", "1.0-snapshot", "v1.0", "prod-1"]):
        old, new = docker_manifest(10 + 2 * n), docker_manifest(11 + 2 * n)
        push(ecr, old, tag)
        try:
            push(ecr, new, tag)
            outcomes[tag] = True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ImageTagAlreadyExistsException"
            outcomes[tag] = False
    assert outcomes == {"dev-1": True, "latest": True, "1.0-snapshot": True, "v1.0": False, "prod-1": False}


def test_create_repository_with_exclusion_mode_enforces_it(ecr: Any) -> None:
    ecr.create_repository(
        repositoryName="created",
        imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=filters("release-*"),
    )
    ecr.put_image(repositoryName="created", imageManifest=OLD, imageTag="release-1")
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="created", imageManifest=NEW, imageTag="release-1")
    assert error_of(exc) == tag_exists("release-1", "created")
    ecr.put_image(repositoryName="created", imageManifest=OLD, imageTag="latest")
    ecr.put_image(repositoryName="created", imageManifest=NEW, imageTag="latest")


@pytest.mark.parametrize("mode", MODES)
def test_untagged_pushes_are_never_blocked(ecr: Any, mode: str) -> None:
    set_mode(ecr, mode, *(["*"] if "EXCLUSION" in mode else []))
    ecr.put_image(repositoryName=REPO, imageManifest=OLD)
    ecr.put_image(repositoryName=REPO, imageManifest=NEW)
    assert len(ecr.describe_images(repositoryName=REPO)["imageDetails"]) == 2

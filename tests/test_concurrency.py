"""Concurrency: threads hammer shared repositories at once, each with its own boto3 client made in that thread.

Every thread first races the others to create the shared repositories (exactly one CreateRepository per name may
win), then runs a fixed, seeded plan of put / describe / list / batch-delete calls on the shared repositories with
manifests and tags only it uses. Since no two threads touch the same image or tag, the final state is the union
of what each thread's plan leaves when run alone, whatever the interleaving: the test computes that serially and
compares. Every answer a thread gets about its own images is predicted too (a lost write, a doubled image or a tag
on the wrong image fails at once), and cross-thread reads must always be self-consistent.
"""

from __future__ import annotations

import contextlib
import json
import random
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from _manifests import sha256_of
from _reliability import PROFILES, REPORT, Profile
from botocore.config import Config
from botocore.exceptions import ClientError

from ecr_mock import mock_ecr

REGION = "us-east-1"
SHARED = tuple(f"shared/repo-{i}" for i in range(4))
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = Config(retries={"total_max_attempts": 1}, max_pool_connections=1)


def manifest(thread: int, n: int) -> str:
    """A manifest only ``thread`` pushes: no layers, so both modes accept it without uploads."""
    return json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": [], "annotations": {"t": f"{thread}-{n}"}}
    )


# --- a thread's plan and its serial model ----------------------------------------------------------------


@dataclass
class Owned:
    """One thread's view of one shared repository: its images and its tags there."""

    images: dict[str, str] = field(default_factory=dict)  # digest -> manifest
    tags: dict[str, str] = field(default_factory=dict)  # tag -> digest

    def tags_of(self, digest: str) -> set[str]:
        return {tag for tag, target in self.tags.items() if target == digest}

    def pairs(self) -> list[tuple[str, str | None]]:
        """What ListImages shows of these images: (digest, tag) per tag, (digest, None) when untagged."""
        pairs: list[tuple[str, str | None]] = []
        for digest in self.images:
            pairs += [(digest, tag) for tag in sorted(self.tags_of(digest))] or [(digest, None)]
        return pairs


KINDS = {  # step kind -> weight
    "push": 25,  # a new manifest with a new tag
    "untagged": 4,  # a new manifest without a tag
    "tag": 8,  # one of my images again, with one more tag
    "move": 6,  # one of my tags onto another image of mine
    "delete-tag": 14,
    "delete-digest": 14,
    "describe-own": 15,  # DescribeImages of one of my images: exactly its tags
    "list-page": 6,  # one page of ListImages: whatever the others do, no tag twice
    "describe-page": 6,  # one page of DescribeImages: likewise
    "full-scan": 2,  # every page of both: each of my images exactly once, with exactly my tags
}


@dataclass(frozen=True)
class Step:
    kind: str
    repository: str
    digest: str = ""
    manifest: str = ""
    tag: str = ""


def plan(thread: int, calls: int) -> list[Step]:
    """``calls`` steps for ``thread``: seeded, each chosen from the state the previous ones leave."""
    rng = random.Random(thread)
    state = {name: Owned() for name in SHARED}
    steps = []
    for n in range(calls):
        name = rng.choice(SHARED)
        own = state[name]
        kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        if kind in ("tag", "move", "delete-tag", "delete-digest", "describe-own") and not own.tags:
            kind = "push"
        step = _step(kind, name, own, thread, n, rng)
        advance(own, step)
        steps.append(step)
    return steps


def _step(kind: str, name: str, own: Owned, thread: int, n: int, rng: random.Random) -> Step:
    new = manifest(thread, n)
    if kind == "push":
        return Step(kind, name, sha256_of(new.encode()), new, f"t{thread}-{n}")
    if kind == "untagged":
        return Step(kind, name, sha256_of(new.encode()), new)
    if kind == "tag":
        digest = rng.choice(sorted(own.images))
        return Step(kind, name, digest, own.images[digest], f"t{thread}-{n}")
    if kind == "move":
        tag = rng.choice(sorted(own.tags))
        others = sorted(set(own.images) - {own.tags[tag]})
        text = own.images[rng.choice(others)] if others else new
        return Step(kind, name, sha256_of(text.encode()), text, tag)
    if kind == "delete-tag":
        tag = rng.choice(sorted(own.tags))
        return Step(kind, name, own.tags[tag], tag=tag)
    if kind in ("delete-digest", "describe-own"):
        return Step(kind, name, rng.choice(sorted(own.images)))
    return Step(kind, name)


def advance(own: Owned, step: Step) -> list[tuple[str, str | None]]:
    """The step's effect on the thread's state; for a delete, the (digest, tag) pairs it removes."""
    if step.kind in ("push", "untagged", "tag", "move"):
        own.images.setdefault(step.digest, step.manifest)
        if step.tag:
            own.tags[step.tag] = step.digest
        return []
    if step.kind == "delete-tag":
        if len(own.tags_of(step.digest)) > 1:
            del own.tags[step.tag]
            return [(step.digest, step.tag)]
        return _remove(own, step.digest)
    if step.kind == "delete-digest":
        return _remove(own, step.digest)
    return []


def _remove(own: Owned, digest: str) -> list[tuple[str, str | None]]:
    tags = sorted(own.tags_of(digest))
    for tag in tags:
        del own.tags[tag]
    del own.images[digest]
    return [(digest, tag) for tag in tags] or [(digest, None)]


# --- running a plan -------------------------------------------------------------------------------------


class Worker:
    """One thread: its own client, its plan, and a check of every answer about its own images."""

    def __init__(self, thread: int, steps: list[Step], barrier: threading.Barrier) -> None:
        self.thread = thread
        self.steps = steps
        self.barrier = barrier
        self.state = {name: Owned() for name in SHARED}
        self.created: list[str] = []
        self.calls = 0
        self.error: str | None = None

    def run(self) -> None:
        try:
            client = boto3.session.Session().client("ecr", region_name=REGION, config=CONFIG)
            self.barrier.wait(timeout=60)
            for name in SHARED:  # everyone races to create every shared repository
                self._create(client, name)
            self.barrier.wait(timeout=60)
            for step in self.steps:
                self._do(client, step)
        except BaseException:
            self.error = f"thread {self.thread}:\n{traceback.format_exc()}"
            self.barrier.abort()

    def _create(self, client: Any, name: str) -> None:
        self.calls += 1
        try:
            client.create_repository(repositoryName=name)
            self.created.append(name)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "RepositoryAlreadyExistsException", error.response

    def _do(self, client: Any, step: Step) -> None:
        own = self.state[step.repository]
        self.calls += 1
        if step.kind in ("push", "untagged", "tag", "move"):
            params = {"repositoryName": step.repository, "imageManifest": step.manifest}
            answer = client.put_image(**params, **({"imageTag": step.tag} if step.tag else {}))["image"]
            assert answer["imageId"]["imageDigest"] == step.digest, (step, answer["imageId"])
            advance(own, step)
        elif step.kind in ("delete-tag", "delete-digest"):
            image_id = {"imageTag": step.tag} if step.kind == "delete-tag" else {"imageDigest": step.digest}
            answer = client.batch_delete_image(repositoryName=step.repository, imageIds=[image_id])
            removed = advance(own, step)
            assert answer["failures"] == [], (step, answer["failures"])
            got = [(i["imageDigest"], i.get("imageTag")) for i in answer["imageIds"]]
            assert sorted(got, key=str) == sorted(removed, key=str), (step, got, removed)
        elif step.kind == "describe-own":
            details = client.describe_images(repositoryName=step.repository, imageIds=[{"imageDigest": step.digest}])
            (detail,) = details["imageDetails"]
            assert set(detail.get("imageTags", [])) == own.tags_of(step.digest), (step, detail)
        elif step.kind == "list-page":
            page = client.list_images(repositoryName=step.repository, maxResults=20)["imageIds"]
            tags = [i["imageTag"] for i in page if "imageTag" in i]
            assert len(tags) == len(set(tags)), page
        elif step.kind == "describe-page":
            details = client.describe_images(repositoryName=step.repository, maxResults=20)["imageDetails"]
            digests = [d["imageDigest"] for d in details]
            assert len(digests) == len(set(digests)), digests
        else:
            self.calls += self._full_scan(client, step.repository, own)

    def _full_scan(self, client: Any, name: str, own: Owned) -> int:
        pairs, calls = list_all(client, name)
        details, more = describe_all(client, name)
        mine = [(d, t) for d, t in pairs if d in own.images]
        assert sorted(mine, key=str) == sorted(own.pairs(), key=str), (name, mine, own.pairs())
        described = {d: tags for d, tags in details.items() if d in own.images}
        assert described == {d: own.tags_of(d) for d in own.images}, (name, described)
        return calls + more - 1


def list_all(client: Any, name: str) -> tuple[list[tuple[str, str | None]], int]:
    pairs: list[tuple[str, str | None]] = []
    params: dict[str, Any] = {"repositoryName": name, "maxResults": 100}
    calls = 0
    while True:
        calls += 1
        page = client.list_images(**params)
        pairs += [(i["imageDigest"], i.get("imageTag")) for i in page["imageIds"]]
        if not page.get("nextToken"):
            return pairs, calls
        params["nextToken"] = page["nextToken"]


def describe_all(client: Any, name: str) -> tuple[dict[str, set[str]], int]:
    details: dict[str, set[str]] = {}
    params: dict[str, Any] = {"repositoryName": name, "maxResults": 100}
    calls = 0
    while True:
        calls += 1
        page = client.describe_images(**params)
        for detail in page["imageDetails"]:
            assert detail["imageDigest"] not in details, f"{detail['imageDigest']} described twice"
            details[detail["imageDigest"]] = set(detail.get("imageTags", []))
        if not page.get("nextToken"):
            return details, calls
        params["nextToken"] = page["nextToken"]


# --- the test ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def fine_grained_switching() -> Iterator[None]:
    """Let the interpreter switch threads every 20 µs (default 5 ms) so calls interleave inside botocore and
    the mock's entry points, not only between whole calls."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(2e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


@pytest.mark.parametrize("profile", PROFILES)
def test_threads_end_in_the_state_a_serial_model_predicts(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    modes = [False] if profile.name == "quick" else [False, True]
    for strict in modes:
        run_threads(profile, strict)


def run_threads(profile: Profile, strict: bool) -> None:
    plans = [plan(thread, profile.calls_per_thread) for thread in range(profile.threads)]
    expected: dict[str, set[tuple[str, str | None]]] = {name: set() for name in SHARED}
    for steps in plans:  # the serial model: each plan alone, then the union (plans share no image or tag)
        state = {name: Owned() for name in SHARED}
        for step in steps:
            advance(state[step.repository], step)
        for name, own in state.items():
            expected[name] |= set(own.pairs())
    barrier = threading.Barrier(profile.threads)
    workers = [Worker(thread, steps, barrier) for thread, steps in enumerate(plans)]
    with mock_ecr(strict=strict), fine_grained_switching():
        threads = [threading.Thread(target=w.run, name=f"ecr-worker-{w.thread}") for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        errors = [w.error for w in workers if w.error]
        assert not any(t.is_alive() for t in threads), "a worker thread is stuck"
        assert not errors, "\n".join(errors)
        client = boto3.client("ecr", region_name=REGION)
        created = sorted(name for w in workers for name in w.created)
        assert created == sorted(SHARED), f"each shared repository created exactly once, got {created}"
        found = {name: list_all(client, name)[0] for name in SHARED}
        described = {name: describe_all(client, name)[0] for name in SHARED}
    calls = sum(w.calls for w in workers)
    lost = {name: expected[name] - set(pairs) for name, pairs in found.items()}
    extra = {name: set(pairs) - expected[name] for name, pairs in found.items()}
    doubled = {name: len(pairs) - len(set(pairs)) for name, pairs in found.items()}
    images = sum(len(d) for d in described.values())
    REPORT.concurrency.append(
        f"{'strict' if strict else 'default'} mode: {profile.threads} threads x {profile.calls_per_thread} steps "
        f"({calls} calls) on {len(SHARED)} shared repositories; final {images} images; "
        f"lost {sum(map(len, lost.values()))}, unexpected {sum(map(len, extra.values()))}, "
        f"doubled {sum(doubled.values())}"
    )
    assert not any(lost.values()), f"images or tags lost: {lost}"
    assert not any(extra.values()), f"images or tags nobody left: {extra}"
    assert not any(doubled.values()), f"listed twice: {doubled}"
    for name in SHARED:
        by_digest: dict[str, set[str]] = {}
        for digest, tag in expected[name]:
            by_digest.setdefault(digest, set()).update([tag] if tag else [])
        assert described[name] == by_digest, f"{name}: DescribeImages disagrees with the serial model"

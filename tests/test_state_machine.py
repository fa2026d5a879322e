"""A stateful model test through boto3: random sequences of pushes, tag moves, tag-mutability changes, batch deletes
by tag and by digest, repository deletes, layer uploads and lifecycle runs, checked step by step against a small
reference model (repository -> images {digest: manifest text} and tags {tag: digest}).

Every call's outcome (answer or error code, and what it removed) is predicted by the model. After every step:
every tag points to exactly one image; ListImages and DescribeImages agree with each other and with the model;
BatchGetImage returns the exact manifest text; each digest is "sha256:" + sha256 of the manifest bytes; and no
image is gone unless a call (or a lifecycle run) removed it. Runs in both modes: default (the seed's) and strict
(PutImage needs the layers uploaded first, an untagged re-push is refused).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from _manifests import DOCKER_CONFIG, DOCKER_LAYER, DOCKER_V2, oci_index, sha256_of
from _reliability import PROFILES, REPORT, Profile
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ecr_mock import EcrMock, mock_ecr

REGION = "us-east-1"
REPOSITORIES = ("sm/alpha", "sm/beta")
TAGS = ("t1", "t2", "t3", "latest")
POOL_SIZE = 5


@dataclass(frozen=True)
class PoolImage:
    manifest: str
    blobs: tuple[bytes, bytes]  # config, layer

    @property
    def digest(self) -> str:
        return sha256_of(self.manifest.encode())


def _pool_image(n: int) -> PoolImage:
    config = f'{{"architecture": "amd64", "os": "linux", "n": {n}}}'.encode()
    layer = f"layer of image {n} ".encode() * (n + 1)

    def descriptor(media_type: str, data: bytes) -> dict[str, Any]:
        return {"mediaType": media_type, "size": len(data), "digest": sha256_of(data)}

    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2,
        "config": descriptor(DOCKER_CONFIG, config),
        "layers": [descriptor(DOCKER_LAYER, layer)],
    }
    return PoolImage(json.dumps(document, indent=n % 3 + 1), (config, layer))


POOL = tuple(_pool_image(n) for n in range(POOL_SIZE))


def index_of(members: tuple[int, ...]) -> str:
    return oci_index([POOL[n].manifest for n in members])


def lifecycle_text(status: str, count: int) -> str:
    selection: dict[str, Any] = {"tagStatus": status, "countType": "imageCountMoreThan", "countNumber": count}
    if status == "tagged":
        selection["tagPrefixList"] = ["t"]
    rule = {"rulePriority": 1, "description": f"keep {count} {status} images", "selection": selection}
    return json.dumps({"rules": [{**rule, "action": {"type": "expire"}}]}).ljust(100)


# --- the reference model --------------------------------------------------------------------------------


@dataclass
class RepoModel:
    images: dict[str, str] = field(default_factory=dict)  # digest -> manifest text
    tags: dict[str, str] = field(default_factory=dict)  # tag -> digest
    pushed: dict[str, int] = field(default_factory=dict)  # digest -> push sequence (lifecycle order)
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)  # index digest -> child digests
    blobs: set[str] = field(default_factory=set)
    immutable: bool = False
    lifecycle: tuple[str, int] | None = None

    def tags_of(self, digest: str) -> set[str]:
        return {tag for tag, target in self.tags.items() if target == digest}

    def parents(self) -> set[str]:
        """Digests some present index names: BatchDeleteImage and lifecycle leave them alone."""
        return {child for index in self.images for child in self.children.get(index, ())}

    def remove(self, digest: str) -> list[tuple[str, str | None]]:
        tags = sorted(self.tags_of(digest))
        for tag in tags:
            del self.tags[tag]
        del self.images[digest]
        return [(digest, tag) for tag in tags] or [(digest, None)]


class Expected(Exception):
    """The model predicts this error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_clients: list[Any] = []


def machine_client() -> Any:
    """One client for every run, made inside the first run's mock (so it holds the fake credentials): a mock
    answers clients made before it started, and each activation would hand boto3.client() a fresh default
    session, ~0.1 s to build."""
    if not _clients:
        _clients.append(boto3.Session().client("ecr", region_name=REGION))
    return _clients[0]


class EcrMachine(RuleBasedStateMachine):
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).runs += 1
        REPORT.machine_runs += 1
        self.mock: EcrMock = mock_ecr().start()
        self.strict_mock: EcrMock | None = None
        self.client: Any = machine_client()
        self.repos: dict[str, RepoModel] = {}
        self.strict = False
        self.sequence = 0

    def teardown(self) -> None:
        if self.strict_mock is not None:
            self.strict_mock.stop()
        self.mock.stop()

    # --- calls ------------------------------------------------------------------------------------------

    def call(self, operation: str, expected: str | None = None, /, **params: Any) -> dict[str, Any]:
        """Call ``operation``; it must fail with ``expected`` (an error code) or, when None, succeed."""
        REPORT.machine_calls += 1
        try:
            response: dict[str, Any] = getattr(self.client, operation)(**params)
        except ClientError as error:
            code = error.response["Error"]["Code"]
            self.check(code == expected, f"{operation}({params}) failed with {code}, the model expected {expected}")
            return {}
        self.check(expected is None, f"{operation}({params}) succeeded, the model expected {expected}")
        return response

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            REPORT.invariant_violations.append(message[:500])
            raise AssertionError(message)

    # --- rules --------------------------------------------------------------------------------------------

    @initialize(strict=st.booleans(), uploaded=st.sets(st.integers(0, POOL_SIZE - 1), max_size=3))
    def start(self, strict: bool, uploaded: set[int]) -> None:
        """Both repositories exist at first (rules delete and create them again); the layers of a few pool
        images are already in the first one."""
        if strict:
            self.strict_mock = mock_ecr(strict=True).start()  # nested: the same registries, real-ECR rules
        self.strict = strict
        for name in REPOSITORIES:
            self.create_repository(name)
        for n in sorted(uploaded):
            for which in (0, 1):
                self.upload_layer(REPOSITORIES[0], n, which)

    @rule(name=st.sampled_from(REPOSITORIES))
    def create_repository(self, name: str) -> None:
        REPORT.machine_steps += 1
        if name in self.repos:
            self.call("create_repository", "RepositoryAlreadyExistsException", repositoryName=name)
            return
        self.call("create_repository", repositoryName=name)
        self.repos[name] = RepoModel()

    @rule(name=st.sampled_from(REPOSITORIES), force=st.booleans())
    def delete_repository(self, name: str, force: bool) -> None:
        REPORT.machine_steps += 1
        repo = self.repos.get(name)
        expected = None
        if repo is None:
            expected = "RepositoryNotFoundException"
        elif repo.images and not force:
            expected = "RepositoryNotEmptyException"
        self.call("delete_repository", expected, repositoryName=name, force=force)
        if expected is None:
            del self.repos[name]

    @rule(name=st.sampled_from(REPOSITORIES), n=st.integers(0, POOL_SIZE - 1), which=st.sampled_from([0, 1]))
    def upload_layer(self, name: str, n: int, which: int) -> None:
        """InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload for one blob of pool image ``n``."""
        REPORT.machine_steps += 1
        repo = self.repos.get(name)
        if repo is None:
            self.call("initiate_layer_upload", "RepositoryNotFoundException", repositoryName=name)
            return
        blob = POOL[n].blobs[which]
        upload = self.call("initiate_layer_upload", repositoryName=name)["uploadId"]
        part = {"partFirstByte": 0, "partLastByte": len(blob) - 1, "layerPartBlob": blob}
        self.call("upload_layer_part", repositoryName=name, uploadId=upload, **part)
        digest = sha256_of(blob)
        expected = "LayerAlreadyExistsException" if digest in repo.blobs else None
        done = self.call("complete_layer_upload", expected, repositoryName=name, uploadId=upload, layerDigests=[digest])
        if expected is None:
            self.check(done["layerDigest"] == digest, f"CompleteLayerUpload answered {done}")
            repo.blobs.add(digest)

    @rule(name=st.sampled_from(REPOSITORIES), n=st.integers(0, POOL_SIZE - 1), tag=st.sampled_from(TAGS))
    def push_tagged(self, name: str, n: int, tag: str) -> None:
        REPORT.machine_steps += 1
        image = POOL[n]
        self._push(name, image.manifest, tag, blobs={sha256_of(blob) for blob in image.blobs}, children=())

    @rule(name=st.sampled_from(REPOSITORIES), n=st.integers(0, POOL_SIZE - 1))
    def push_untagged(self, name: str, n: int) -> None:
        REPORT.machine_steps += 1
        image = POOL[n]
        self._push(name, image.manifest, None, blobs={sha256_of(blob) for blob in image.blobs}, children=())

    @precondition(lambda self: any(repo.images for repo in self.repos.values()))
    @rule(data=st.data(), tag=st.sampled_from(TAGS))
    def retag(self, data: st.DataObject, tag: str) -> None:
        """Push the manifest of an image the repository holds again, with a tag: a new tag, or one moved."""
        REPORT.machine_steps += 1
        name = data.draw(st.sampled_from(sorted(name for name, repo in self.repos.items() if repo.images)))
        repo = self.repos[name]
        digest = data.draw(st.sampled_from(sorted(repo.images)))
        self._push(name, repo.images[digest], tag, blobs=set(), children=repo.children[digest])

    @rule(
        name=st.sampled_from(REPOSITORIES),
        members=st.lists(st.integers(0, POOL_SIZE - 1), min_size=1, max_size=2, unique=True).map(tuple),
        tag=st.none() | st.sampled_from(TAGS),
    )
    def push_index(self, name: str, members: tuple[int, ...], tag: str | None) -> None:
        REPORT.machine_steps += 1
        children = tuple(POOL[n].digest for n in members)
        self._push(name, index_of(members), tag, blobs=set(), children=children)

    def _push(self, name: str, manifest: str, tag: str | None, blobs: set[str], children: tuple[str, ...]) -> None:
        digest = sha256_of(manifest.encode())
        params: dict[str, Any] = {"repositoryName": name, "imageManifest": manifest}
        if tag is not None:
            params["imageTag"] = tag
        try:
            change = self._predict_push(name, digest, tag, blobs, children)
        except Expected as expected:
            self.call("put_image", expected.code, **params)
            return
        answer = self.call("put_image", **params)["image"]
        self.check(answer["imageManifest"] == manifest, "PutImage did not echo the manifest text")
        self.check(answer["imageId"]["imageDigest"] == digest, f"PutImage digest {answer['imageId']} != {digest}")
        change(manifest)

    def _predict_push(self, name: str, digest: str, tag: str | None, blobs: set[str], children: tuple[str, ...]) -> Any:
        """What PutImage does (a function applying it to the model), or the Expected error."""
        repo = self.repos.get(name)
        if repo is None:
            raise Expected("RepositoryNotFoundException")
        existing = digest in repo.images
        if not existing and self.strict:
            if blobs - repo.blobs:
                raise Expected("LayersNotFoundException")
            if set(children) - set(repo.images):
                raise Expected("ReferencedImagesNotFoundException")
        if tag is None:
            if existing and self.strict:
                raise Expected("ImageAlreadyExistsException")
        elif repo.tags.get(tag) == digest:
            raise Expected("ImageAlreadyExistsException")
        elif tag in repo.tags and repo.immutable:
            raise Expected("ImageTagAlreadyExistsException")

        def apply(manifest: str) -> None:
            if not existing:
                self.sequence += 1
                repo.images[digest] = manifest
                repo.pushed[digest] = self.sequence
                repo.children[digest] = children
            if tag is not None:
                repo.tags[tag] = digest  # moved off whichever image had it; that image stays

        return apply

    @rule(name=st.sampled_from(REPOSITORIES), immutable=st.booleans())
    def set_tag_mutability(self, name: str, immutable: bool) -> None:
        REPORT.machine_steps += 1
        mode = "IMMUTABLE" if immutable else "MUTABLE"
        repo = self.repos.get(name)
        expected = None if repo is not None else "RepositoryNotFoundException"
        self.call("put_image_tag_mutability", expected, repositoryName=name, imageTagMutability=mode)
        if repo is not None:
            repo.immutable = immutable

    @rule(
        name=st.sampled_from(REPOSITORIES),
        refs=st.lists(
            st.tuples(
                st.sampled_from(["tag", "digest", "both"]),
                st.sampled_from(TAGS),
                st.integers(0, POOL_SIZE + 1),  # beyond the pool: the digest of an index
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def batch_delete(self, name: str, refs: list[tuple[str, str, int]]) -> None:
        REPORT.machine_steps += 1
        image_ids = [_image_id(kind, tag, n) for kind, tag, n in refs]
        repo = self.repos.get(name)
        if repo is None:
            self.call("batch_delete_image", "RepositoryNotFoundException", repositoryName=name, imageIds=image_ids)
            return
        removed: list[tuple[str, str | None]] = []
        failures: list[tuple[dict[str, str], str]] = []
        for image_id in image_ids:
            outcome = self._delete_one(repo, image_id)
            if isinstance(outcome, str):
                failures.append((image_id, outcome))
            else:
                removed += outcome
        answer = self.call("batch_delete_image", repositoryName=name, imageIds=image_ids)
        got_removed = [(i["imageDigest"], i.get("imageTag")) for i in answer["imageIds"]]
        got_failures = [(f["imageId"], f["failureCode"]) for f in answer["failures"]]
        same = sorted(got_removed, key=str) == sorted(removed, key=str)  # an image's tags: in the order attached
        self.check(same, f"BatchDeleteImage removed {got_removed}, the model {removed}")
        self.check(got_failures == failures, f"BatchDeleteImage failures {got_failures}, the model {failures}")

    def _delete_one(self, repo: RepoModel, image_id: dict[str, str]) -> list[tuple[str, str | None]] | str:
        digest, tag = image_id.get("imageDigest"), image_id.get("imageTag")
        found = repo.tags.get(tag) if tag is not None else digest
        if found is None or found not in repo.images or (digest is not None and digest != found):
            return "ImageNotFound"
        if digest is None and tag is not None and len(repo.tags_of(found)) > 1:
            del repo.tags[tag]  # the image keeps its other tags
            return [(found, tag)]
        if found in repo.parents():
            return "ImageReferencedByManifestList"
        return repo.remove(found)

    @rule(
        name=st.sampled_from(REPOSITORIES),
        status=st.sampled_from(["untagged", "any", "tagged"]),
        count=st.integers(1, 3),
    )
    def put_lifecycle_policy(self, name: str, status: str, count: int) -> None:
        REPORT.machine_steps += 1
        repo = self.repos.get(name)
        expected = None if repo is not None else "RepositoryNotFoundException"
        self.call(
            "put_lifecycle_policy", expected, repositoryName=name, lifecyclePolicyText=lifecycle_text(status, count)
        )
        if repo is not None:
            repo.lifecycle = (status, count)

    @rule()
    def apply_lifecycle_policies(self) -> None:
        """What ECR does in the background; the model predicts which images expire, oldest first."""
        REPORT.machine_steps += 1
        expected: list[tuple[str, str]] = []
        for name, repo in self.repos.items():
            expected += [(name, digest) for digest in _expiring(repo)]
        applied = self.mock.apply_lifecycle_policies()
        got = [(a.repository, a.digest) for a in applied if a.repository in self.repos]
        self.check(sorted(got) == sorted(expected), f"lifecycle expired {got}, the model {expected}")
        self.check(all(a.action == "EXPIRE" for a in applied), f"lifecycle did {applied}")
        for name, digest in expected:
            self.repos[name].remove(digest)

    # --- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def registry_matches_the_model(self) -> None:
        REPORT.invariant_checks += 1
        names = [r["repositoryName"] for r in self.call("describe_repositories")["repositories"]]
        self.check(sorted(names) == sorted(self.repos), f"repositories {names}, the model {sorted(self.repos)}")
        for name, repo in self.repos.items():
            self._check_repository(name, repo)

    def _check_repository(self, name: str, repo: RepoModel) -> None:
        pairs = [(i["imageDigest"], i.get("imageTag")) for i in self._list_images(name)]
        tags = [tag for _, tag in pairs if tag is not None]
        self.check(len(tags) == len(set(tags)), f"{name}: a tag points to two images: {pairs}")
        expected = {(d, t) for d in repo.images for t in repo.tags_of(d)} | {
            (d, None) for d in repo.images if not repo.tags_of(d)
        }
        self.check(set(pairs) == expected and len(pairs) == len(expected), f"{name}: ListImages {pairs} != {expected}")
        details = self.call("describe_images", repositoryName=name)["imageDetails"]
        described = {d["imageDigest"]: set(d.get("imageTags", [])) for d in details}
        listed: dict[str, set[str]] = {}
        for digest, tag in pairs:
            listed.setdefault(digest, set()).update([tag] if tag else [])
        self.check(len(details) == len(described), f"{name}: DescribeImages lists an image twice")
        self.check(described == listed, f"{name}: DescribeImages {described} != ListImages {listed}")
        if not repo.images:
            return
        image_ids = [{"imageDigest": digest} for digest in repo.images]
        got = self.call("batch_get_image", repositoryName=name, imageIds=image_ids)
        self.check(got["failures"] == [], f"{name}: BatchGetImage failures {got['failures']}")
        manifests = {i["imageId"]["imageDigest"]: i["imageManifest"] for i in got["images"]}
        self.check(manifests == repo.images, f"{name}: BatchGetImage manifests differ from the pushed bytes")
        for digest, text in manifests.items():
            computed = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
            self.check(digest == computed, f"{name}: digest {digest} is not sha256 of the manifest ({computed})")

    def _list_images(self, name: str) -> list[dict[str, str]]:
        ids: list[dict[str, str]] = []
        params: dict[str, Any] = {"repositoryName": name, "maxResults": 7}  # a few pages, tokens included
        while True:
            page = self.call("list_images", **params)
            ids += page["imageIds"]
            if not page.get("nextToken"):
                return ids
            params["nextToken"] = page["nextToken"]


def _image_id(kind: str, tag: str, n: int) -> dict[str, str]:
    digest = POOL[n].digest if n < POOL_SIZE else sha256_of(index_of((0, 1) if n == POOL_SIZE else (2,)).encode())
    if kind == "tag":
        return {"imageTag": tag}
    if kind == "digest":
        return {"imageDigest": digest}
    return {"imageDigest": digest, "imageTag": tag}


def _expiring(repo: RepoModel) -> list[str]:
    """imageCountMoreThan: of the selected images, all but the newest ``count``; never an index's child."""
    if repo.lifecycle is None:
        return []
    status, count = repo.lifecycle
    selected = [
        digest
        for digest in sorted(repo.images, key=repo.pushed.__getitem__)
        if status == "any"
        or (status == "untagged" and not repo.tags_of(digest))
        or (status == "tagged" and any(tag.startswith("t") for tag in repo.tags_of(digest)))
    ]
    parents = repo.parents()
    return [digest for digest in selected[: max(len(selected) - count, 0)] if digest not in parents]


@pytest.mark.parametrize("profile", PROFILES)
def test_registry_follows_the_model(profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    EcrMachine.runs = 0
    run_state_machine_as_test(
        EcrMachine,
        settings=settings(
            max_examples=profile.machine_runs,
            stateful_step_count=profile.machine_steps,
            derandomize=profile.derandomize,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert EcrMachine.runs >= profile.machine_runs

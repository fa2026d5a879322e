"""``ecr-mock serve --data-dir``: a restart on the same directory serves the same registry (repositories, images,
tags, blobs, settings, issued tokens); a ``kill -9`` mid-push loses no push that was answered; a directory written
by a newer ecr_mock, or in use, is refused with a clear message. And the saved state itself: every part of a
registry survives a save and a load, in-process."""

from __future__ import annotations

import base64
import json
import pickle
import shutil
import signal
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from _manifests import OCI_MANIFEST, blob_content, docker_image, oci_image, sha256_of
from _registry import TARGET, signed
from _serve_process import REQUEST_TIMEOUT, Client, Launcher, files_under
from werkzeug.test import Client as WsgiClient

import ecr_mock
from ecr_mock import _config
from ecr_mock._backend import Backends
from ecr_mock._config import behaviour_for
from ecr_mock._domain.manifest import Manifest, ManifestMore
from ecr_mock._domain.repository import ARCHIVED, Image, ImageMore
from ecr_mock._server.app import App, ServerSettings
from ecr_mock._store import state
from ecr_mock._store.blobs import BlobStore

ACCOUNT = "012345678910"
LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5},
                "action": {"type": "expire"},
            }
        ]
    }
)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "pull",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["ecr:BatchGetImage"],
            }
        ],
    }
)


@pytest.fixture
def launch() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.close()


def described(client: Client, name: str) -> dict[str, Any]:
    """What the ECR API says of a repository and its images (URIs name the port, which changes on restart)."""
    ecr = client.ecr
    repository = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    repository["repositoryUri"] = repository["repositoryUri"].partition("/")[2]
    images = sorted(ecr.describe_images(repositoryName=name)["imageDetails"], key=lambda image: image["imageDigest"])
    return {
        "repository": repository,
        "images": images,
        "lifecycle": ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"],
        "policy": ecr.get_repository_policy(repositoryName=name)["policyText"],
        "tags": ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"],
        "mounting": ecr.get_account_setting(name="BLOB_MOUNTING")["value"],
    }


def push_repository(client: Client) -> dict[str, bytes]:
    """A repository with settings and two images pushed through /v2/; the blobs' bytes by digest."""
    ecr = client.ecr
    ecr.create_repository(
        repositoryName="team/app",
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "team", "Value": "platform"}],
    )
    ecr.put_lifecycle_policy(repositoryName="team/app", lifecyclePolicyText=LIFECYCLE)
    ecr.set_repository_policy(repositoryName="team/app", policyText=POLICY)
    ecr.put_account_setting(name="BLOB_MOUNTING", value="ENABLED")
    blobs: dict[str, bytes] = {}
    for n, tag in [(1, "v1"), (2, "v2")]:
        built = oci_image(n)
        client.push_image("team/app", tag, built)
        blobs.update({sha256_of(blob): blob for blob in built.blobs})
    return blobs


# --- restart -------------------------------------------------------------------------------------------------


def test_a_restart_on_the_same_data_dir_serves_the_same_registry(launch: Launcher, tmp_path: Path) -> None:
    data_dir = tmp_path / "registry"
    first = launch.serve("--strict", "--data-dir", str(data_dir)).started()
    assert first.printed[3] == f"  data:     {data_dir} (kept: a restart on it serves the same registry)"
    client = launch.connect(first.url)
    client.login()  # strict mode: a random token, remembered by the server
    blobs = push_repository(client)
    manifest = client.manifest("team/app", "v1")  # a pull: its time is saved too
    before = described(client, "team/app")
    assert first.stop() == 0
    assert sorted(path.name for path in data_dir.iterdir()) == ["blobs", "state.sqlite3"]
    assert sorted(path.name for path in files_under(data_dir / "blobs")) == sorted(d[7:] for d in blobs)

    second = launch.serve("--strict", "--data-dir", str(data_dir)).started()
    assert second.url != first.url
    again = launch.connect(second.url)
    assert again.authorization is None
    assert client.authorization is not None
    again.use_token(client.authorization.removeprefix("Basic "))  # the token issued before the restart
    assert again.request("GET", "/v2/team/app/tags/list").json() == {"name": "team/app", "tags": ["v1", "v2"]}
    assert described(again, "team/app") == before
    repository = again.ecr.describe_repositories()["repositories"][0]
    assert repository["repositoryUri"] == f"{second.address}/team/app"  # where this server is
    for digest, data in blobs.items():
        assert again.blob("team/app", digest) == data  # byte-exact
    pulled = again.manifest("team/app", "v1")
    assert pulled.content == manifest.content
    assert pulled.headers["Docker-Content-Digest"] == manifest.headers["Docker-Content-Digest"]
    again.push_image("team/app", "v3", oci_image(3))  # and it goes on taking pushes
    assert second.stop() == 0

    third = launch.serve("--strict", "--data-dir", str(data_dir)).started()
    last = launch.connect(third.url)
    last.login()
    assert last.request("GET", "/v2/team/app/tags/list").json()["tags"] == ["v1", "v2", "v3"]
    assert third.stop(signal.SIGINT) == 0


def test_the_restarted_server_follows_its_own_flags_not_the_saved_ones(launch: Launcher, tmp_path: Path) -> None:
    strict = launch.serve("--strict", "--data-dir", str(tmp_path)).started()
    launch.connect(strict.url).ecr.create_repository(repositoryName="app")
    assert strict.stop() == 0
    lenient = launch.serve("--data-dir", str(tmp_path)).started()
    headers = {"X-Amz-Target": TARGET + "DescribeRepositories", "Content-Type": "application/x-amz-json-1.1"}
    answer = requests.post(lenient.url + "/", data="{}", headers=headers, timeout=REQUEST_TIMEOUT)  # unsigned
    assert answer.status_code == 200, answer.text
    assert [repository["repositoryName"] for repository in answer.json()["repositories"]] == ["app"]
    assert lenient.stop() == 0


def test_a_deleted_blob_file_goes_once_the_state_without_it_is_saved(launch: Launcher, tmp_path: Path) -> None:
    server = launch.serve("--data-dir", str(tmp_path)).started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    digest = client.push_blob("app", blob_content("dropped", 4096))
    path = tmp_path / "blobs" / "sha256" / digest[7:9] / digest[7:]
    assert path.is_file()
    response = client.request("DELETE", f"/v2/app/blobs/{digest}")
    assert response.status_code == 202, response.text
    assert not path.exists()
    assert server.stop() == 0
    restarted = launch.serve("--data-dir", str(tmp_path)).started()
    again = launch.connect(restarted.url)
    again.login()
    response = again.request("GET", f"/v2/app/blobs/{digest}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "BLOB_UNKNOWN"
    assert restarted.stop() == 0


# --- crashes -------------------------------------------------------------------------------------------------


def test_kill_9_in_the_middle_of_a_blob_patch_leaves_the_registry_readable(launch: Launcher, tmp_path: Path) -> None:
    server = launch.serve("--data-dir", str(tmp_path)).started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    pushed = oci_image(1)
    digest = client.push_image("app", "v1", pushed)  # acknowledged
    location = client.start_upload("app")
    piece = blob_content("never-finished", 1 << 20)
    halfway, resume = threading.Event(), threading.Event()

    def body() -> Iterator[bytes]:  # 64 MiB announced piece by piece; the server dies after 8
        for index in range(64):
            if index == 8:
                halfway.set()
                resume.wait(timeout=REQUEST_TIMEOUT)
            yield piece

    failures: list[BaseException] = []

    def patch() -> None:
        try:
            client.patch(location, body())
        except requests.ConnectionError as error:
            failures.append(error)

    patching = threading.Thread(target=patch)
    patching.start()
    try:
        assert halfway.wait(timeout=REQUEST_TIMEOUT)
        assert list(files_under(tmp_path / "blobs" / "uploads"))  # the upload is being spooled
        server.kill()
    finally:
        resume.set()
        patching.join(timeout=REQUEST_TIMEOUT)
    assert len(failures) == 1

    restarted = launch.serve("--data-dir", str(tmp_path)).started()
    again = launch.connect(restarted.url)
    again.login()
    assert again.request("GET", "/v2/app/tags/list").json() == {"name": "app", "tags": ["v1"]}
    assert again.manifest("app", "v1").content == pushed.manifest.encode()
    for blob in pushed.blobs:
        assert again.blob("app", sha256_of(blob)) == blob
    images = again.ecr.describe_images(repositoryName="app")["imageDetails"]
    assert [(image["imageDigest"], image["imageTags"]) for image in images] == [(digest, ["v1"])]
    status = again.request("GET", location)  # upload sessions do not survive a restart
    assert status.status_code == 404
    assert status.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    assert not list(files_under(tmp_path / "blobs" / "uploads"))  # its spool file is gone
    stored = sorted(path.name for path in files_under(tmp_path / "blobs"))
    assert stored == sorted(sha256_of(blob)[7:] for blob in pushed.blobs)
    again.push_image("app", "v2", oci_image(2))
    assert restarted.stop() == 0


def test_kill_9_between_pushes_loses_no_push_that_was_answered(launch: Launcher, tmp_path: Path) -> None:
    server = launch.serve("--data-dir", str(tmp_path)).started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    base = oci_image(1)
    for blob in base.blobs:
        client.push_blob("app", blob)
    answered: list[str] = []
    enough = threading.Event()

    def push() -> None:  # manifests over the same blobs, one tag each, until the server dies (at most 500)
        for n in range(500):
            text = oci_image(1, annotations={"n": str(n)}).manifest
            try:
                response = client.request(
                    "PUT", f"/v2/app/manifests/t{n}", data=text.encode(), headers={"Content-Type": OCI_MANIFEST}
                )
            except requests.ConnectionError:
                return
            if response.status_code != 201:
                return
            answered.append(f"t{n}")
            if len(answered) == 20:
                enough.set()

    pushing = threading.Thread(target=push)
    pushing.start()
    try:
        assert enough.wait(timeout=120)
        server.kill()
    finally:
        pushing.join(timeout=REQUEST_TIMEOUT)
    assert not pushing.is_alive()

    restarted = launch.serve("--data-dir", str(tmp_path)).started()
    again = launch.connect(restarted.url)
    again.login()
    tags = set(again.request("GET", "/v2/app/tags/list").json()["tags"])
    assert set(answered) <= tags  # every answered push is there
    assert len(tags - set(answered)) <= 1  # at most the one in flight besides
    assert restarted.stop() == 0


# --- refusals ------------------------------------------------------------------------------------------------


def test_a_state_file_of_a_newer_schema_is_refused(launch: Launcher, tmp_path: Path) -> None:
    server = launch.serve("--data-dir", str(tmp_path)).started()
    launch.connect(server.url).ecr.create_repository(repositoryName="app")
    assert server.stop() == 0
    path = tmp_path / "state.sqlite3"
    newer = state.SCHEMA + 1
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {newer}")
        db.execute("UPDATE state SET schema = ?, ecr_mock_version = '99.0.0'", (newer,))
    db.close()
    refused = launch.serve("--data-dir", str(tmp_path))
    assert refused.exited() == 1
    assert (
        f"ecr-mock serve: {path} was written by ecr_mock 99.0.0 with state schema {newer}, newer than this "
        f"ecr_mock ({ecr_mock.__version__}) reads (schema {state.SCHEMA}): serve it with ecr_mock 99.0.0 or later, "
        "or use another --data-dir"
    ) in refused.stderr
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == newer  # left as it was
    db.close()


def test_a_state_file_of_an_older_schema_is_converted_or_refused(launch: Launcher, tmp_path: Path) -> None:
    """Schema 2 (an image's manifest in an object of its own) loads and is saved as this schema; one before it,
    which this version cannot convert, is refused and left as it was."""
    server = launch.serve("--data-dir", str(tmp_path)).started()
    launch.connect(server.url).ecr.create_repository(repositoryName="app")
    assert server.stop() == 0
    path = tmp_path / "state.sqlite3"
    assert state.SCHEMA == 4
    assert {2, 3} <= state.CONVERTED
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 2")
        db.execute("UPDATE state SET schema = 2, ecr_mock_version = '0.0.9'")
    db.close()
    server = launch.serve("--data-dir", str(tmp_path)).started()
    client = launch.connect(server.url).ecr
    assert [r["repositoryName"] for r in client.describe_repositories()["repositories"]] == ["app"]
    client.create_repository(repositoryName="web")
    assert server.stop() == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == state.SCHEMA
    assert db.execute("SELECT schema FROM state").fetchone()[0] == state.SCHEMA
    db.execute("PRAGMA user_version = 1")
    db.execute("UPDATE state SET schema = 1, ecr_mock_version = '0.0.1'")
    db.commit()
    db.close()
    refused = launch.serve("--data-dir", str(tmp_path))
    assert refused.exited() == 1
    assert (
        f"ecr-mock serve: {path} was written by ecr_mock 0.0.1 with state schema 1; this ecr_mock "
        f"({ecr_mock.__version__}) reads schema {state.SCHEMA} and cannot convert it: serve it with ecr_mock 0.0.1, "
        "or use another --data-dir"
    ) in refused.stderr


def test_a_schema_3_data_dir_answers_of_its_blobs_as_the_version_that_wrote_it(tmp_path: Path) -> None:
    """tests/data/state-schema3 was written by the last version of schema 3 (its make.py says how), with what that
    version answered of every blob its images name (expected.json): shared by three images, one of them archived;
    uploaded or not; named in two repositories or one; named by none. Loaded here, converted from the indexes it
    kept, asked again: the same answers, then the same after an image goes and one is restored."""
    source = Path(__file__).parent / "data" / "state-schema3"
    shutil.copytree(source, tmp_path / "dir", ignore=shutil.ignore_patterns("*.py", "*.json"))
    expected = json.loads((source / "expected.json").read_text())
    world, saved = state.open_data_dir(tmp_path / "dir", behaviour_for(False))
    api = Api(world)
    digests = [layer["layerDigest"] for layer in expected["app"]["layers"]]
    digests += [failure["layerDigest"] for failure in expected["app"]["failures"]]

    def answers(name: str) -> dict[str, Any]:
        answer = api.call("BatchCheckLayerAvailability", repositoryName=name, layerDigests=digests)
        return {"layers": answer["layers"], "failures": answer["failures"]}

    assert answers("app") == expected["app"]
    assert answers("web") == expected["web"]
    saved.save(world)
    saved.close()
    db = sqlite3.connect(tmp_path / "dir" / "state.sqlite3")
    assert db.execute("SELECT schema FROM state").fetchone()[0] == state.SCHEMA == 4
    db.close()
    # the converted counts keep counting: image 1 goes (its own layer and config with it; the base layer stays,
    # named by images 0 and 2), image 2 is restored (its config, uploaded, AVAILABLE again)
    api.call("BatchDeleteImage", repositoryName="app", imageIds=[{"imageTag": "v1"}])
    api.call("UpdateImageStorageClass", repositoryName="app", imageId={"imageTag": "v2"}, targetStorageClass="STANDARD")
    restored = api.call("DescribeImages", repositoryName="app", imageIds=[{"imageTag": "v2"}])["imageDetails"][0]
    assert restored["imageStatus"] == "ACTIVE"  # this server restores at once
    after = answers("app")
    by_digest = {layer["layerDigest"]: layer["layerAvailability"] for layer in after["layers"]}
    base, config0, own0, config1, own1, config2, own2, unknown = digests
    assert by_digest == {
        base: "AVAILABLE",
        config0: "AVAILABLE",
        own0: "UNAVAILABLE",
        config2: "AVAILABLE",
        own2: "UNAVAILABLE",
    }
    assert [failure["layerDigest"] for failure in after["failures"]] == [config1, own1, unknown]


def test_a_second_server_on_the_same_data_dir_is_refused(launch: Launcher, tmp_path: Path) -> None:
    first = launch.serve("--data-dir", str(tmp_path)).started()
    second = launch.serve("--data-dir", str(tmp_path))
    assert second.exited() == 1
    assert f"ecr-mock serve: {tmp_path / 'state.sqlite3'} is in use by another ecr-mock serve" in second.stderr
    assert first.stop() == 0


def test_files_no_saved_state_names_are_removed_at_start(launch: Launcher, tmp_path: Path) -> None:
    server = launch.serve("--data-dir", str(tmp_path)).started()
    client = launch.connect(server.url)
    client.ecr.create_repository(repositoryName="app")
    client.login()
    kept = client.push_blob("app", blob_content("kept", 1000))
    assert server.stop() == 0
    stray = tmp_path / "blobs" / "sha256" / "ab" / ("ab" + "0" * 62)  # pushed, but no saved state names it
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"orphan")
    spool = tmp_path / "blobs" / "uploads" / "0123abcd"
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_bytes(b"half an upload")
    restarted = launch.serve("--data-dir", str(tmp_path)).started()
    assert not stray.exists()
    assert not spool.exists()
    assert [path.name for path in files_under(tmp_path / "blobs")] == [kept[7:]]
    assert restarted.stop() == 0


# --- the saved state, in-process -------------------------------------------------------------------------------


class Api:
    """ECR's API on an app over ``world``, through werkzeug's test client (signed as boto3 would be)."""

    def __init__(self, world: Backends) -> None:
        self.client = WsgiClient(App(world, ServerSettings(ACCOUNT, "us-east-1")))

    def call(self, operation: str, region: str = "us-east-1", **params: Any) -> dict[str, Any]:
        headers = {"X-Amz-Target": TARGET + operation, "Authorization": signed(region=region)}
        response = self.client.post("/", data=json.dumps(params), headers=headers)
        answer: dict[str, Any] = json.loads(response.get_data())
        assert response.status_code == 200, answer
        return answer

    def upload(self, name: str, data: bytes) -> str:
        upload_id = self.call("InitiateLayerUpload", repositoryName=name)["uploadId"]
        part = base64.b64encode(data).decode()
        self.call(
            "UploadLayerPart",
            repositoryName=name,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=len(data) - 1,
            layerPartBlob=part,
        )
        digest = sha256_of(data)
        self.call("CompleteLayerUpload", repositoryName=name, uploadId=upload_id, layerDigests=[digest])
        return digest


def build_registry(api: Api) -> None:
    """Something of every area: repositories and their settings, images (one archived, scanned on push), policies,
    lifecycle and its preview, replication, scanning rules, pull-through rules, templates, exclusions, tokens."""
    api.call(
        "CreateRepository",
        repositoryName="team/app",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest*"}],
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "team", "Value": "platform"}],
    )
    api.call("CreateRepository", repositoryName="web", encryptionConfiguration={"encryptionType": "KMS"})
    api.call(
        "PutReplicationConfiguration",
        replicationConfiguration={"rules": [{"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}]}]},
    )
    for n in range(3):
        built = docker_image(n)
        for blob in built.blobs:
            api.upload("team/app", blob)
        api.call("PutImage", repositoryName="team/app", imageManifest=built.manifest, imageTag=f"v{n}")
    api.call("PutImage", repositoryName="team/app", imageManifest=docker_image(0).manifest, imageTag="latest")
    api.call(
        "UpdateImageStorageClass", repositoryName="team/app", imageId={"imageTag": "v0"}, targetStorageClass="ARCHIVE"
    )
    api.call("PutLifecyclePolicy", repositoryName="team/app", lifecyclePolicyText=LIFECYCLE)
    api.call("StartLifecyclePolicyPreview", repositoryName="team/app")
    api.call("SetRepositoryPolicy", repositoryName="team/app", policyText=POLICY)
    api.call(
        "PutRegistryPolicy",
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "replicate",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                        "Action": ["ecr:ReplicateImage"],
                        "Resource": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/*",
                    }
                ],
            }
        ),
    )
    api.call(
        "PutRegistryScanningConfiguration",
        scanType="BASIC",
        rules=[{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "web*", "filterType": "WILDCARD"}]}],
    )
    api.call("CreatePullThroughCacheRule", ecrRepositoryPrefix="ecr-public", upstreamRegistryUrl="public.ecr.aws")
    api.call(
        "CreateRepositoryCreationTemplate",
        prefix="pushed",
        appliedFor=["CREATE_ON_PUSH"],
        imageTagMutability="IMMUTABLE",
        resourceTags=[{"Key": "made", "Value": "on-push"}],
    )
    api.call("PutAccountSetting", name="BLOB_MOUNTING", value="ENABLED")
    api.call("RegisterPullTimeUpdateExclusion", principalArn=f"arn:aws:iam::{ACCOUNT}:role/ci")
    api.call("InitiateLayerUpload", repositoryName="web")  # an upload left open: not kept


def observed(api: Api) -> dict[str, Any]:
    """What the read operations answer about the registry built by ``build_registry``."""
    name = {"repositoryName": "team/app"}
    arn = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/app"
    return {
        "repositories": api.call("DescribeRepositories"),
        "images": api.call("DescribeImages", **name),
        "image ids": api.call("ListImages", **name),
        "manifests": api.call("BatchGetImage", **name, imageIds=[{"imageTag": "v1"}, {"imageTag": "v2"}]),
        "layers": api.call("BatchCheckLayerAvailability", **name, layerDigests=[sha256_of(docker_image(1).blobs[1])]),
        "scan": api.call("DescribeImageScanFindings", **name, imageId={"imageTag": "v1"}),
        "lifecycle": api.call("GetLifecyclePolicy", **name),
        "preview": api.call("GetLifecyclePolicyPreview", **name),
        "policy": api.call("GetRepositoryPolicy", **name),
        "tags": api.call("ListTagsForResource", resourceArn=arn),
        "registry": api.call("DescribeRegistry"),
        "registry policy": api.call("GetRegistryPolicy"),
        "scanning": api.call("GetRegistryScanningConfiguration"),
        "pull through": api.call("DescribePullThroughCacheRules"),
        "templates": api.call("DescribeRepositoryCreationTemplates"),
        "setting": api.call("GetAccountSetting", name="BLOB_MOUNTING"),
        "exclusions": api.call("ListPullTimeUpdateExclusions"),
        "replication": api.call("DescribeImageReplicationStatus", **name, imageId={"imageTag": "v2"}),
        "replicated": api.call("DescribeImages", region="eu-west-1", **name),
    }


def test_every_part_of_a_registry_survives_a_save_and_a_load(tmp_path: Path) -> None:
    world = Backends(_config.STRICT)
    world.blob_store = BlobStore(tmp_path / "blobs")
    api = Api(world)
    build_registry(api)
    password = base64.b64decode(api.call("GetAuthorizationToken")["authorizationData"][0]["authorizationToken"])
    saved = state.SavedState(tmp_path / "state.sqlite3")
    with world.lock:
        saved.save(world)
    saved.close()
    before = observed(api)
    assert len(before["images"]["imageDetails"]) == 2  # v0 is archived
    assert len(before["replicated"]["imageDetails"]) == 3
    assert before["preview"]["status"] == "COMPLETE" and before["scan"]["imageScanStatus"]["status"] == "COMPLETE"

    reopened = state.SavedState(tmp_path / "state.sqlite3")
    loaded = reopened.load(BlobStore(tmp_path / "blobs"), _config.STRICT)
    reopened.close()
    assert loaded is not None
    again = Api(loaded)
    assert observed(again) == before
    grant = loaded.authorizer.grant(password.decode().removeprefix("AWS:"), loaded.behaviour)
    assert grant is not None and grant.registry_id == ACCOUNT  # the issued token is still known
    layer = docker_image(2).blobs[1]
    url = again.call("GetDownloadUrlForLayer", repositoryName="team/app", layerDigest=sha256_of(layer))["downloadUrl"]
    assert url  # the blob is bound to the loaded store
    assert loaded.registry(ACCOUNT, "us-east-1").repositories.get("team/app") is not None
    assert all(
        not repository.uploads for registry in loaded.registries() for repository in registry.repositories.values()
    )


def test_a_loaded_registry_follows_the_behaviour_it_is_loaded_with(tmp_path: Path) -> None:
    world = Backends(_config.STRICT)
    Api(world).call("CreateRepository", repositoryName="app")
    saved = state.SavedState(tmp_path / "state.sqlite3")
    saved.save(world)
    loaded = saved.load(BlobStore(tmp_path / "blobs"), _config.DEFAULT)
    saved.close()
    assert loaded is not None and loaded.behaviour is _config.DEFAULT
    assert loaded.endpoint is None and loaded.on_registry_use is None


class _SavedAs:
    """Pickles as an object of ``cls`` whose slots held ``slots``: what an earlier layout of the class saved."""

    def __init__(self, cls: type, slots: dict[str, Any]) -> None:
        self.cls, self.slots = cls, slots

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        return (object.__new__, (self.cls,), (None, self.slots))


def test_an_image_saved_with_its_manifest_apart_loads_as_the_same_image() -> None:
    """Before an image held its manifest's facts in its own slots, it kept them in a ``Manifest`` of its own (with
    a ``ManifestMore`` for the rare ones), its tags as a tuple, and an ``ImageMore`` without the manifest's facts."""
    subject, child = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    facts = ManifestMore((child,), subject, "application/x-sig", {"k": "v"})
    manifest = Manifest('{"schemaVersion":2}', "sha256:" + "3" * 64, OCI_MANIFEST, "application/x-config", facts)
    pulled = datetime(2026, 1, 2, tzinfo=timezone.utc)
    old_more = _SavedAs(ImageMore, {"last_pull": pulled, "last_archived_at": None, "scan": None, "signing": None})
    saved = {"manifest": manifest, "pushed": 5.0, "size": 7, "tags": ("a", "b"), "status": ARCHIVED, "seq": 3}
    image = pickle.loads(pickle.dumps(_SavedAs(Image, {**saved, "more": old_more}), protocol=state.PICKLE_PROTOCOL))
    assert isinstance(image, Image) and image.manifest is image
    assert (image.text, image.digest, image.media_type, image.config_media_type) == (
        manifest.text,
        manifest.digest,
        OCI_MANIFEST,
        "application/x-config",
    )
    assert (image.children, image.subject, image.artifact_type, image.annotations) == (
        (child,),
        subject,
        "application/x-sig",
        {"k": "v"},
    )
    assert (image.pushed, image.size, image.tags, image.status, image.seq) == (5.0, 7, ("a", "b"), ARCHIVED, 3)
    assert (image.last_pull, image.last_activated_at, image.active_from) == (pulled, None, None)
    assert image.text_size == len(manifest.text)

    bare = Manifest("{}", "sha256:" + "4" * 64, OCI_MANIFEST, None)
    plain = _SavedAs(Image, {**saved, "manifest": bare, "more": None})
    again = pickle.loads(pickle.dumps(plain, protocol=state.PICKLE_PROTOCOL))
    assert (again.more, again.children, again.subject, again.tags) == (None, (), None, ("a", "b"))
    again.tags = ("a",)
    assert again.tagged == "a" and again.tags == ("a",)  # one tag is held as itself
    same = pickle.loads(pickle.dumps(again, protocol=state.PICKLE_PROTOCOL))
    assert (same.digest, same.tags, same.more, same.seq) == (again.digest, ("a",), None, 3)

"""``ecr-mock demo``: a short, realistic registry workflow against the in-process mock, printed as a table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import boto3
import requests

from ecr_mock._activation.mock import EcrMock

REGION = "us-east-1"


def _push_blob(ecr: Any, repository: str, data: bytes) -> str:
    """Upload one blob through the layer API unless the repository has it, the way build tools push to ECR."""
    digest = _sha(data)
    known = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=[digest])["layers"]
    if known and known[0]["layerAvailability"] == "AVAILABLE":
        return digest
    upload = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr.upload_layer_part(
        repositoryName=repository, uploadId=upload, partFirstByte=0, partLastByte=len(data) - 1, layerPartBlob=data
    )
    return str(
        ecr.complete_layer_upload(repositoryName=repository, uploadId=upload, layerDigests=[digest])["layerDigest"]
    )


def _build(ecr: Any, repository: str, build: int) -> str:
    """Push a config and two layers for build number ``build``; return the image manifest naming them."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Labels": {"build": str(build)}}})
    layers = [f"app layer of build {build}\n".encode() * 4096, b"shared base layer\n" * 1024]

    def descriptor(media_type: str, data: bytes) -> dict[str, Any]:
        return {"mediaType": media_type, "size": len(data), "digest": _push_blob(ecr, repository, data)}

    document = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": descriptor("application/vnd.docker.container.image.v1+json", config.encode()),
        "layers": [descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", data) for data in layers],
    }
    return json.dumps(document, indent=3)


def run(write: Callable[[str], None] = print) -> int:
    rows: list[tuple[str, str]] = []

    def step(what: str, outcome: str) -> None:
        rows.append((what, outcome))

    with EcrMock(strict=True) as mock:
        ecr: Any = boto3.client("ecr", region_name=REGION)
        for name in ("shop/web", "shop/worker"):
            repo = ecr.create_repository(repositoryName=name, tags=[{"Key": "team", "Value": "shop"}])["repository"]
            step(f"create repository {name}", repo["repositoryUri"])
        manifests = {build: _build(ecr, "shop/web", build) for build in range(1, 5)}
        for build, tag in enumerate(("1.0.0", "1.1.0", "latest"), start=1):
            image = ecr.put_image(repositoryName="shop/web", imageManifest=manifests[build], imageTag=tag)["image"]
            step(f"push shop/web:{tag}", image["imageId"]["imageDigest"][:19] + "…")
        ecr.put_image(repositoryName="shop/web", imageManifest=manifests[4], imageTag="latest")
        untagged = ecr.list_images(repositoryName="shop/web", filter={"tagStatus": "UNTAGGED"})["imageIds"]
        step("push a new build as latest", f"latest moved; {len(untagged)} image(s) untagged")
        ecr.put_image(repositoryName="shop/web", imageManifest=manifests[4], imageTag="1.2.0")
        detail = ecr.describe_images(repositoryName="shop/web", imageIds=[{"imageTag": "1.2.0"}])["imageDetails"][0]
        step("tag the new build 1.2.0", f"same digest, tags {', '.join(detail['imageTags'])}")
        layer = json.loads(manifests[4])["layers"][0]
        url = ecr.get_download_url_for_layer(repositoryName="shop/web", layerDigest=layer["digest"])["downloadUrl"]
        fetched = requests.get(url, timeout=5).content
        step("download a layer of 1.2.0", f"{len(fetched)} bytes, digest verified: {_sha(fetched) == layer['digest']}")
        pages = list(ecr.get_paginator("describe_images").paginate(repositoryName="shop/web", maxResults=2))
        count = sum(len(page["imageDetails"]) for page in pages)
        step("page through shop/web, 2 per page", f"{count} images in {len(pages)} pages")
        try:
            ecr.delete_repository(repositoryName="shop/web")
        except ecr.exceptions.RepositoryNotEmptyException as error:
            step("delete shop/web", error.response["Error"]["Code"])
        deleted = ecr.batch_delete_image(repositoryName="shop/web", imageIds=[{"imageTag": "1.0.0"}])["imageIds"]
        step("delete tag 1.0.0", f"{len(deleted)} image removed")
        ecr.delete_repository(repositoryName="shop/web", force=True)
        left = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
        step("force-delete shop/web", f"left: {', '.join(left)}")
        account = mock.account_id
    step("mock stopped", "state wiped, environment restored")
    _table(rows, write, f"ecr_mock demo (account {account}, {REGION}, strict mode)")
    return 0


def _table(rows: list[tuple[str, str]], write: Callable[[str], None], title: str) -> None:
    width = max(len(what) for what, _ in rows)
    write(title)
    write("-" * len(title))
    for what, outcome in rows:
        write(f"{what.ljust(width)}  {outcome}")


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()

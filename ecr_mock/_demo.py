"""``ecr-mock demo``: a short, realistic registry workflow against the in-process mock, printed as a table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from ecr_mock._mock import EcrMock

REGION = "us-east-1"


def _manifest(build: int) -> str:
    def blob(kind: str, size: int) -> dict[str, Any]:
        digest = f"sha256:{build:02x}{kind.encode().hex()}".ljust(71, "0")[:71]
        return {"mediaType": f"application/vnd.docker.{kind}", "size": size, "digest": digest}

    document = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": blob("container.image.v1+json", 1469),
        "layers": [blob("image.rootfs.diff.tar.gzip", 2_811_947 + build), blob("image.rootfs.diff.tar.gzip", 917)],
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
        for build, tag in enumerate(("1.0.0", "1.1.0", "latest"), start=1):
            image = ecr.put_image(repositoryName="shop/web", imageManifest=_manifest(build), imageTag=tag)["image"]
            step(f"push shop/web:{tag}", image["imageId"]["imageDigest"][:19] + "…")
        ecr.put_image(repositoryName="shop/web", imageManifest=_manifest(4), imageTag="latest")
        untagged = ecr.list_images(repositoryName="shop/web", filter={"tagStatus": "UNTAGGED"})["imageIds"]
        step("push a new build as latest", f"latest moved; {len(untagged)} image(s) untagged")
        ecr.put_image(repositoryName="shop/web", imageManifest=_manifest(4), imageTag="1.2.0")
        step("tag the new build 1.2.0", "same digest, two tags")
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

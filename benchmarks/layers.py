"""Layer throughput through boto3: upload a layer in 5 MiB parts, push a manifest naming it, download it.

Run from the repository root::

    python benchmarks/layers.py           # 64 MiB layer, median of 3 rounds
    python benchmarks/layers.py --quick   # 16 MiB layer, 1 round

Each round runs inside a fresh ``mock_ecr()``: InitiateLayerUpload, UploadLayerPart per 5 MiB part (the last one
smaller), CompleteLayerUpload, PutImage of an OCI manifest naming the layer, GetDownloadUrlForLayer, then
``requests.get`` on the URL. The download must round-trip byte-exact (sha256 and Content-Length); the script exits
1 when it does not. The last line printed is one JSON object for machines. Rates are MiB (2**20 bytes) per second
of wall time around the boto3 calls (upload) and the ``requests.get`` (download).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import requests

from ecr_mock import mock_ecr

MIB = 1024 * 1024
PART_SIZE = 5 * MIB  # ECR's minimum for every part but the last
FULL_SIZE = 64 * MIB
QUICK_SIZE = 16 * MIB
REGION = "us-east-1"
REPOSITORY = "bench/layers"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


@dataclass(frozen=True)
class Round:
    upload_seconds: float
    download_seconds: float
    byte_exact: bool


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_bytes(size: int) -> bytes:
    """Deterministic, incompressible-looking bytes: the same ``size`` always gives the same layer."""
    return random.Random(size).randbytes(size)


def upload_blob(ecr: Any, data: bytes) -> str:
    """Upload ``data`` in PART_SIZE parts and complete it; returns the digest ECR computed."""
    upload_id = ecr.initiate_layer_upload(repositoryName=REPOSITORY)["uploadId"]
    for first in range(0, len(data), PART_SIZE):
        part = data[first : first + PART_SIZE]
        ecr.upload_layer_part(
            repositoryName=REPOSITORY,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(part) - 1,
            layerPartBlob=part,
        )
    done = ecr.complete_layer_upload(repositoryName=REPOSITORY, uploadId=upload_id, layerDigests=[sha256_digest(data)])
    return str(done["layerDigest"])


def manifest_for(config: bytes, layer: bytes) -> str:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": sha256_digest(config)},
        "layers": [{"mediaType": OCI_LAYER, "size": len(layer), "digest": sha256_digest(layer)}],
    }
    return json.dumps(document, indent=2)


def one_round(data: bytes) -> Round:
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPOSITORY)
        config = b'{"architecture":"amd64","os":"linux"}'
        upload_blob(ecr, config)

        started = time.perf_counter()
        digest = upload_blob(ecr, data)
        upload_seconds = time.perf_counter() - started

        ecr.put_image(repositoryName=REPOSITORY, imageManifest=manifest_for(config, data), imageTag="bench")
        url = ecr.get_download_url_for_layer(repositoryName=REPOSITORY, layerDigest=digest)["downloadUrl"]

        started = time.perf_counter()
        response = requests.get(url, timeout=60)
        body = response.content
        download_seconds = time.perf_counter() - started

        exact = (
            response.status_code == 200
            and digest == sha256_digest(data)
            and sha256_digest(body) == digest
            and response.headers.get("Content-Length") == str(len(data))
        )
    return Round(upload_seconds, download_seconds, exact)


def megabytes_per_second(size: int, seconds: float) -> float:
    return round(size / MIB / seconds, 1) if seconds > 0 else float("inf")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="16 MiB and one round (for the test suite)")
    args = parser.parse_args(argv)
    size, rounds = (QUICK_SIZE, 1) if args.quick else (FULL_SIZE, 3)
    data = layer_bytes(size)
    parts = -(-size // PART_SIZE)

    results = [one_round(data) for _ in range(rounds)]
    upload = statistics.median(megabytes_per_second(size, r.upload_seconds) for r in results)
    download = statistics.median(megabytes_per_second(size, r.download_seconds) for r in results)
    exact = all(r.byte_exact for r in results)

    print(f"layer: {size} bytes in {parts} parts of at most {PART_SIZE} bytes, {rounds} round(s)")
    print(f"upload (Initiate + {parts} x UploadLayerPart + Complete): {upload} MB/s (median)")
    print(f"download (GetDownloadUrlForLayer URL via requests):  {download} MB/s (median)")
    print(f"byte-exact round trip: {exact}")
    line = {"benchmark": "layers", "upload_mb_s": upload, "download_mb_s": download, "bytes": size, "byte_exact": exact}
    print(json.dumps(line))
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())

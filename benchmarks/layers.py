"""The layer API through boto3, beside botocore making the same calls alone: throughput, peak memory, download.

Run from the repository root::

    python benchmarks/layers.py           # a 256 MiB layer in 10 MiB parts, 5 rounds
    python benchmarks/layers.py --quick   # 16 MiB, 2 rounds

An upload is InitiateLayerUpload, UploadLayerPart per 10 MiB part (the last one smaller) and CompleteLayerUpload.
The mock side makes them through a client inside ``mock_ecr()``; the floor side makes the same calls through the
canned-response client of ``per_call.py`` (``before-send`` answers with the mock's recorded answers), so botocore
still serialises every part (base64, JSON) and signs it (SHA-256 of the body): botocore's own cost. The sides
alternate, one warm-up round discarded, each round into a fresh repository.

- throughput: MiB (2**20 bytes) per second of wall time around the calls, median over rounds each side, and the
  median of the per-round ratios floor time / mock time (the mock's share of botocore's own throughput). Target
  >= 0.9.
- peak RSS beyond the baseline: a fresh interpreter per side holds the layer and has made one small upload; its
  peak RSS is reset to the current one (``5`` into ``/proc/self/clear_refs``), which is the baseline (VmRSS),
  then it uploads the layer once: the peak (VmHWM) minus the baseline. Target for the mock: <= 2x the layer size.
  botocore's alone is reported beside it.
- download: the layer pushed in an OCI manifest, fetched from GetDownloadUrlForLayer's URL with ``requests``,
  byte-exact (sha256 and Content-Length; target) and its MiB/s (reported).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import _common
import _paired
import boto3  # type: ignore[import-untyped,unused-ignore]
import requests
from _common import REGION, Figure

from ecr_mock import mock_ecr

MIB = 1024 * 1024
PART_SIZE = 10 * MIB
REPOSITORY = "bench/layers"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
THROUGHPUT_TARGET = 0.9
RSS_TARGET = 2.0  # peak RSS beyond the baseline, in layer sizes
SIDES = ("mock", "floor")


@dataclass(frozen=True)
class Plan:
    size: int
    rounds: int


FULL = Plan(256 * MIB, 5)
QUICK = Plan(16 * MIB, 2)


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_bytes(size: int) -> bytes:
    """Deterministic, incompressible-looking bytes: the same ``size`` always gives the same layer."""
    generator = random.Random(size)
    return b"".join(generator.randbytes(min(MIB, size - start)) for start in range(0, size, MIB))


def upload_blob(ecr: Any, repository: str, data: bytes, digest: str | None = None) -> str:
    """Upload ``data`` in PART_SIZE parts and complete it; the digest the answer names."""
    upload_id = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    view = memoryview(data)
    for first in range(0, len(data), PART_SIZE):
        part = bytes(view[first : first + PART_SIZE])
        ecr.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + len(part) - 1,
            layerPartBlob=part,
        )
    done = ecr.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[digest or sha256_digest(data)]
    )
    return str(done["layerDigest"])


class Uploads:
    """Each call a fresh repository, so the same layer can be uploaded again."""

    def __init__(self, ecr: Any, data: bytes, create: bool, prefix: str = REPOSITORY) -> None:
        self._ecr, self._data, self._create, self._prefix = ecr, data, create, prefix
        self._digest = sha256_digest(data)
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        name = f"{self._prefix}-{self.count}"
        if self._create:
            self._ecr.create_repository(repositoryName=name)
        return upload_blob(self._ecr, name, self._data, self._digest)


def floor_client(ecr: Any) -> Any:
    """The canned-response client answering the three upload calls as the mock answered a small upload."""
    ecr.create_repository(repositoryName=f"{REPOSITORY}-recorded")
    data = layer_bytes(PART_SIZE + 1)
    answers = _common.record(ecr, lambda: upload_blob(ecr, f"{REPOSITORY}-recorded", data))
    return _common.floor_client(answers)


def throughput(plan: Plan, data: bytes) -> list[Figure]:
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        floor = floor_client(ecr)
        result = _paired.paired(Uploads(floor, data, False), Uploads(ecr, data, True), plan.rounds)
    share = _common.median(f / m for f, m in zip(result.floor, result.candidate, strict=True))
    shares = sorted(f / m for f, m in zip(result.floor, result.candidate, strict=True))
    label = f"layer upload, {plan.size // MIB} MiB in {PART_SIZE // MIB} MiB parts"
    print(f"  {label}: mock/botocore throughput {share:.3f} (rounds {shares[0]:.3f}-{shares[-1]:.3f})", flush=True)
    return [
        Figure(f"{label}, botocore alone", round(plan.size / MIB / result.floor_s, 1), "MiB/s"),
        Figure(f"{label}, mock", round(plan.size / MIB / result.candidate_s, 1), "MiB/s"),
        Figure(f"{label}, mock throughput / botocore's", round(share, 3), "x", THROUGHPUT_TARGET, at_least=True),
        Figure(f"{label}, mock / botocore, lowest round", round(shares[0], 3), "x"),
        Figure(f"{label}, mock / botocore, highest round", round(shares[-1], 3), "x"),
    ]


def download(data: bytes) -> list[Figure]:
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName=REPOSITORY)
        config = b'{"architecture":"amd64","os":"linux"}'
        upload_blob(ecr, REPOSITORY, config)
        digest = upload_blob(ecr, REPOSITORY, data)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": sha256_digest(config)},
            "layers": [{"mediaType": OCI_LAYER, "size": len(data), "digest": digest}],
        }
        ecr.put_image(repositoryName=REPOSITORY, imageManifest=json.dumps(manifest), imageTag="bench")
        url = ecr.get_download_url_for_layer(repositoryName=REPOSITORY, layerDigest=digest)["downloadUrl"]
        started = time.perf_counter()
        response = requests.get(url, timeout=120)
        body = response.content
        seconds = time.perf_counter() - started
    exact = (
        response.status_code == 200
        and digest == sha256_digest(data)
        and sha256_digest(body) == digest
        and response.headers.get("Content-Length") == str(len(data))
    )
    return [
        Figure("layer download (GetDownloadUrlForLayer's URL, requests)", round(len(data) / MIB / seconds, 1), "MiB/s"),
        Figure("layer round trip byte-exact (1 = yes)", 1.0 if exact else 0.0, "", 1.0, at_least=True),
    ]


# --- peak memory, one interpreter per side ----------------------------------------------------------------------


def _status_bytes(field: str) -> int:
    """A ``/proc/self/status`` figure (VmRSS, VmHWM) in bytes."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak() -> bool:
    """Reset the peak RSS to the current RSS (Linux: ``5`` into ``/proc/self/clear_refs``); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def peak_here(side: str, size: int) -> dict[str, int]:
    """The RSS just before one upload of a ``size`` layer and the peak during it: with the peak reset first, the
    layer's own generation (which briefly holds it twice) does not hide the upload's peak."""
    data = layer_bytes(size)
    with mock_ecr():
        ecr = boto3.client("ecr", region_name=REGION)
        client = floor_client(ecr) if side == "floor" else ecr
        Uploads(client, layer_bytes(PART_SIZE + 2), side == "mock", f"{REPOSITORY}-warm")()  # every path once
        gc.collect()
        if _reset_peak():
            before = _status_bytes("VmRSS")
            Uploads(client, data, side == "mock")()
            after = _status_bytes("VmHWM")
        else:  # the lifetime peak: only right when the upload's peak is the process's highest
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            Uploads(client, data, side == "mock")()
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"before": before, "after": after}


def peak_in_child(side: str, size: int) -> int:
    command = [sys.executable, __file__, "--child", side, "--size", str(size)]
    done = subprocess.run(command, cwd=_common.ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {side} child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return int(data["after"]) - int(data["before"])


def memory(size: int) -> list[Figure]:
    grown = {side: peak_in_child(side, size) for side in SIDES}
    return [
        Figure(
            f"peak RSS beyond the baseline, uploading {size // MIB} MiB (mock), in layer sizes",
            round(grown["mock"] / size, 2),
            "x",
            RSS_TARGET,
        ),
        Figure("  the same in MiB (mock)", round(grown["mock"] / MIB, 1), "MiB"),
        Figure("  the same in MiB (botocore alone)", round(grown["floor"] / MIB, 1), "MiB"),
    ]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="16 MiB and two rounds")
    parser.add_argument("--child", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        print(json.dumps(peak_here(args.child, args.size)))
        return 0
    plan = QUICK if args.quick else FULL
    print(f"layers: {plan.size} bytes in parts of {PART_SIZE}, {plan.rounds} rounds each side, interleaved")
    data = layer_bytes(plan.size)
    figures = [*throughput(plan, data), *memory(plan.size), *download(data)]
    return _common.report("layers", args.quick, figures)


if __name__ == "__main__":
    sys.exit(main())

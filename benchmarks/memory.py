"""Memory: what the mock holds per image beyond the manifest itself, with 100,000 images in one repository.

Run from the repository root::

    python benchmarks/memory.py           # 100,000 images
    python benchmarks/memory.py --quick   # 10,000 images

Each measurement runs in a fresh interpreter (``--child``), which starts ``mock_ecr()``, warms up with 100 images
in another repository, then seeds one repository straight through the backend handle
(``mock.backend("us-east-1").put_image(name, manifest_text, tag=...)``; boto3 would take minutes): distinct
Docker manifests of about 740 bytes, each with its own tag. Per image, beyond the manifest's own bytes:

- tracemalloc: the traced current size after seeding and one layer question (BatchCheckLayerAvailability, which
  would count any image whose blobs wait to be counted; and ``gc.collect()``) minus before, less the total UTF-8
  bytes of the manifests, over the count. Allocation-exact. Target <= 800 bytes. The same before the layer
  question is reported beside it (a push counts its image's blobs as it stores it: the two agree).
- RSS: the resident set (VmRSS) after minus before, in a separate interpreter without tracemalloc, less the
  manifest bytes, over the count. Includes the allocator's slack. Target <= 800 bytes.
- peak RSS: the same with ``getrusage(RUSAGE_SELF).ru_maxrss`` (the process's peak, in a third interpreter),
  which also holds the old table of each index's last resize while its new one filled; reported.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tracemalloc
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import _common
from _common import REGION, Figure

from ecr_mock import mock_ecr

FULL_COUNT = 100_000
QUICK_COUNT = 10_000
TARGET_BYTES = 800.0
REPOSITORY = "bench/memory"
BASE_LAYER = _common.sha256_digest("base-layer")  # every benchmark manifest names this layer
WARM_UP = "bench/warm-up"
MODES = ("tracemalloc", "rss", "peak")
SITES = 10


@dataclass(frozen=True)
class Sample:
    """What a child measured: growth in bytes around the seeding, and the manifests' own bytes."""

    mode: str
    count: int
    grown_bytes: int  # after the pushes
    counted_bytes: int  # after one layer question, which counts every image's blobs into the repository's index
    manifest_bytes: int
    sites: tuple[tuple[str, int], ...] = ()  # tracemalloc only: the biggest allocation sites, bytes per image

    @property
    def per_image(self) -> float:
        return (self.counted_bytes - self.manifest_bytes) / self.count

    @property
    def per_image_uncounted(self) -> float:
        return (self.grown_bytes - self.manifest_bytes) / self.count


def used_bytes(mode: str) -> int:
    gc.collect()
    if mode == "tracemalloc":
        return tracemalloc.get_traced_memory()[0]
    if mode == "rss":
        return _resident_bytes()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _resident_bytes() -> int:
    """The current resident set (VmRSS in ``/proc/self/status``)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def seed(backend: Any, count: int) -> int:
    """Push ``count`` distinct manifests, each tagged; their total UTF-8 bytes."""
    total = 0
    for number in range(count):
        text = _common.manifest(number)
        total += len(text.encode())
        backend.put_image(REPOSITORY, text, tag=f"build-{number}")
    return total


def top_sites(before: tracemalloc.Snapshot, count: int) -> tuple[tuple[str, int], ...]:
    """Where the growth was allocated: the ten biggest source lines, in bytes per image."""
    differences = tracemalloc.take_snapshot().compare_to(before, "lineno")
    biggest = sorted(differences, key=lambda difference: -difference.size_diff)[:SITES]
    root = f"{_common.ROOT}/"
    return tuple(
        (str(difference.traceback).replace(root, ""), round(difference.size_diff / count)) for difference in biggest
    )


def measure_here(mode: str, count: int) -> Sample:
    with mock_ecr() as mock:
        backend = mock.backend(REGION)
        backend.create_repository(WARM_UP)
        for number in range(1, 101):
            backend.put_image(WARM_UP, _common.manifest(-number), tag=f"warm-{number}")
        backend.create_repository(REPOSITORY)
        if mode == "tracemalloc":
            tracemalloc.start()
        before = used_bytes(mode)
        snapshot = tracemalloc.take_snapshot() if mode == "tracemalloc" else None
        manifest_bytes = seed(backend, count)
        grown = used_bytes(mode) - before
        backend.batch_check_layer_availability(REPOSITORY, [BASE_LAYER])  # counts every image's blobs
        counted = used_bytes(mode) - before
        sites = top_sites(snapshot, count) if snapshot is not None else ()
        tracemalloc.stop()
    return Sample(mode, count, grown, counted, manifest_bytes, sites)


def measure_in_child(mode: str, count: int) -> Sample:
    command = [sys.executable, __file__, "--child", mode, "--count", str(count)]
    done = subprocess.run(command, cwd=_common.ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    sites = tuple((str(site), int(size)) for site, size in data["sites"])
    count, grown, counted, manifest = (
        int(data[name]) for name in ("count", "grown_bytes", "counted_bytes", "manifest_bytes")
    )
    return Sample(mode, count, grown, counted, manifest, sites)


def figures_for(traced: Sample, rss: Sample, peak: Sample) -> list[Figure]:
    count = traced.count
    return [
        Figure(
            f"bytes per image beyond the manifest, {count} images (tracemalloc)",
            round(traced.per_image),
            "B",
            TARGET_BYTES,
        ),
        Figure(
            "  the same before any layer call (blobs not yet counted, tracemalloc)",
            round(traced.per_image_uncounted),
            "B",
        ),
        Figure(f"bytes per image beyond the manifest, {count} images (RSS)", round(rss.per_image), "B", TARGET_BYTES),
        Figure(
            "  the same as peak RSS (ru_maxrss: with the old tables of the last resizes)", round(peak.per_image), "B"
        ),
        Figure("manifest bytes per image", round(traced.manifest_bytes / count), "B"),
        Figure(f"RSS growth for {count} images", round(rss.grown_bytes / 2**20, 1), "MiB"),
    ]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT} images instead of {FULL_COUNT}")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    count = args.count or (QUICK_COUNT if args.quick else FULL_COUNT)
    if args.child:
        sample = measure_here(args.child, count)
        print(json.dumps(asdict(sample)))
        return 0
    print(f"memory: {count} images in one repository, seeded through the backend; one interpreter per measurement")
    traced, rss, peak = (measure_in_child(mode, count) for mode in MODES)
    print("biggest allocation sites while seeding (tracemalloc), bytes per image:")
    for site, size in traced.sites:
        print(f"  {size:>6}  {site}")
    return _common.report("memory", args.quick, figures_for(traced, rss, peak))


if __name__ == "__main__":
    sys.exit(main())

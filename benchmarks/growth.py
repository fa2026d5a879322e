"""Growth: the calls whose answer does not grow with the repository, after 100,000 pushes and after one.

Run from the repository root::

    python benchmarks/growth.py           # 99,900 images (100,000 by the end) against 1
    python benchmarks/growth.py --quick   # 10,000 against 1

One ``mock_ecr()``, two repositories: one seeded with 99,900 distinct ~740-byte Docker manifests, each tagged
(through the backend handle, as ``memory.py`` seeds: boto3 would take minutes; each push is a PutImage all the
same), and one with a single image. Each call below is made through boto3 on both, alternating which goes first,
ROUNDS times each, every call timed alone; reported: the median per call on each and the ratio big / small, whose
target is <= 2 for every call. First of all, before any other call, the first layer question after the seeding is
timed once on each (the call that used to count the blobs of every image pushed before it).

- PutImage of a new manifest with a new tag;
- the first BatchCheckLayerAvailability after it (naming that image's layer: the call that counted the blobs of
  every image pushed before it, when counting waited for the first layer question);
- BatchCheckLayerAvailability again (the steady state), DescribeImages and BatchGetImage of one
  tag, ListImages and DescribeImages with maxResults 1;
- BatchDeleteImage of the repository's oldest image (the front of its order: a list removal there moves every
  entry after it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import _common
import boto3  # type: ignore[import-untyped,unused-ignore]
from _common import REGION, Figure

from ecr_mock import mock_ecr

BIG, SMALL, WARM_UP = "bench/growth-big", "bench/growth-small", "bench/growth-warm-up"
TARGET = 2.0
ROUNDS = 41
FULL_COUNT, QUICK_COUNT = 99_900, 10_000  # the timed pushes fill the repository up to ECR's 100,000


@dataclass
class Side:
    """One repository and what the calls on it need: the next manifest to push, its oldest images."""

    name: str
    first: int  # manifest numbers of this side start here
    pushed: int = 0
    oldest: int = 0  # manifest number of the oldest image not yet deleted

    def next_manifest(self) -> tuple[str, str]:
        number = self.first + self.pushed
        self.pushed += 1
        return _common.manifest(number), f"build-{number}"


def seed(mock: Any, big: Side, count: int, small: Side) -> None:
    backend = mock.backend(REGION)
    for side, images in ((big, count), (small, 1)):
        backend.create_repository(side.name)
        for _ in range(images):
            text, tag = side.next_manifest()
            backend.put_image(side.name, text, tag=tag)
        side.oldest = side.first


def calls(client: Any) -> dict[str, Callable[[Side], Callable[[], object]]]:
    """Each call's setup on a side (untimed), returning the timed call."""
    layer_of_last: dict[str, str] = {}

    def put(side: Side) -> Callable[[], object]:
        text, tag = side.next_manifest()
        layer_of_last[side.name] = _common.sha256_digest(f"layer-{side.first + side.pushed - 1}-1")
        return lambda: client.put_image(repositoryName=side.name, imageManifest=text, imageTag=tag)

    def first_layer_question(side: Side) -> Callable[[], object]:
        put(side)()  # a push, untimed: the layer question right after it is timed
        digests = [layer_of_last[side.name]]
        return lambda: client.batch_check_layer_availability(repositoryName=side.name, layerDigests=digests)

    def layer_question(side: Side) -> Callable[[], object]:
        digests = [_common.sha256_digest("base-layer")]
        return lambda: client.batch_check_layer_availability(repositoryName=side.name, layerDigests=digests)

    def by_tag(method: str) -> Callable[[Side], Callable[[], object]]:
        def make(side: Side) -> Callable[[], object]:
            ids = [{"imageTag": f"build-{side.first + side.pushed - 1}"}]
            return lambda: getattr(client, method)(repositoryName=side.name, imageIds=ids)

        return make

    def first_of(method: str) -> Callable[[Side], Callable[[], object]]:
        def make(side: Side) -> Callable[[], object]:
            return lambda: getattr(client, method)(repositoryName=side.name, maxResults=1)

        return make

    def delete_oldest(side: Side) -> Callable[[], object]:
        if side.oldest >= side.first + side.pushed - 1:  # keep one image
            put(side)()
        ids = [{"imageTag": f"build-{side.oldest}"}]
        side.oldest += 1
        return lambda: client.batch_delete_image(repositoryName=side.name, imageIds=ids)

    return {
        "PutImage (a new image)": put,
        "BatchCheckLayerAvailability, first after a push": first_layer_question,
        "BatchCheckLayerAvailability": layer_question,
        "DescribeImages of one tag": by_tag("describe_images"),
        "BatchGetImage of one tag": by_tag("batch_get_image"),
        "ListImages, maxResults 1": first_of("list_images"),
        "DescribeImages, maxResults 1": first_of("describe_images"),
        "BatchDeleteImage of the oldest image": delete_oldest,
    }


def timed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def first_question(client: Any, big: Side, small: Side, count: int) -> list[Figure]:
    """The first layer question after the seeding, once on each repository (one sample each: it happens once)."""
    digests = [_common.sha256_digest("base-layer")]
    client.batch_check_layer_availability(repositoryName=WARM_UP, layerDigests=digests)  # every code path once
    took = {
        side.name: timed_ms(lambda side=side: client.batch_check_layer_availability(  # type: ignore[misc]
            repositoryName=side.name, layerDigests=digests))
        for side in (small, big)
    }  # fmt: skip
    label = "the first layer question after the seeding"
    print(f"  {label}: {took[BIG]:.3f} ms after {count}, {took[SMALL]:.3f} ms after 1 (one call each)", flush=True)
    return [
        Figure(f"{label}, after {count} pushes", round(took[BIG], 3), "ms"),
        Figure(f"{label}, after 1 push", round(took[SMALL], 3), "ms"),
        Figure(f"{label}, after {count} / after 1", round(took[BIG] / took[SMALL], 3), "x", TARGET),
    ]


def measure(count: int) -> list[Figure]:
    with mock_ecr() as mock:
        big, small = Side(BIG, 0), Side(SMALL, 10_000_000)
        seed(mock, big, count, small)
        mock.backend(REGION).create_repository(WARM_UP)
        mock.backend(REGION).put_image(WARM_UP, _common.manifest(-1), tag="warm")
        client = boto3.client("ecr", region_name=REGION)
        figures = first_question(client, big, small, count)
        for label, make in calls(client).items():
            samples: dict[str, list[float]] = {BIG: [], SMALL: []}
            for number in range(ROUNDS + 1):
                order = (big, small) if number % 2 else (small, big)
                for side in order:
                    elapsed = timed_ms(make(side))
                    if number:  # the first round warms up
                        samples[side.name].append(elapsed)
            big_ms, small_ms = (_common.median(samples[name]) for name in (BIG, SMALL))
            ratios = sorted(b / s for b, s in zip(samples[BIG], samples[SMALL], strict=True))
            print(f"  {label}: {big_ms:.3f} ms after {count}, {small_ms:.3f} ms after 1; per-round ratios "
                  f"{ratios[len(ratios) // 4]:.2f}-{ratios[-len(ratios) // 4 - 1]:.2f} (middle half), "
                  f"highest {ratios[-1]:.2f}", flush=True)  # fmt: skip
            figures.append(Figure(f"{label}, after {count} pushes", round(big_ms, 3), "ms"))
            figures.append(Figure(f"{label}, after 1 push", round(small_ms, 3), "ms"))
            figures.append(Figure(f"{label}, after {count} / after 1", round(big_ms / small_ms, 3), "x", TARGET))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    count = QUICK_COUNT if args.quick else FULL_COUNT
    print(f"growth: each call {ROUNDS} times on a repository of {count} images and on one of 1, interleaved")
    return _common.report("growth", args.quick, measure(count))


if __name__ == "__main__":
    sys.exit(main())

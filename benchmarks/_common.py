"""What every benchmark script shares: figures with targets, the report format, timing and test data.

A script measures, builds ``Figure`` objects and hands them to ``report``, which prints one human-readable line per
figure (value, target, PASS / MISS / INFO) and, last, one JSON line for ``run_all.py`` and other machines::

    {"benchmark": "per_call", "quick": false, "figures": [{"name": ..., "value": ..., "unit": ..., "target": ...,
     "op": "<=", "status": "PASS"}, ...]}

Importing this module puts the repository root first on ``sys.path``, so ``python benchmarks/<name>.py`` measures
the checkout it sits in even where ``ecr_mock`` is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Below the sys.path line, so a checkout's ecr_mock is the one imported.
import boto3  # type: ignore[import-untyped,unused-ignore]  # noqa: E402
from botocore.awsrequest import AWSResponse  # type: ignore[import-untyped,unused-ignore]  # noqa: E402

from ecr_mock._activation import intercept as _intercept  # noqa: E402

REGION = "us-east-1"
FAKE_ACCESS_KEY_ID = "AKIABENCHMARKFAKEKEY"
FAKE_SECRET_ACCESS_KEY = "benchmark-fake-secret-access-key"
PASS, MISS, INFO = "PASS", "MISS", "INFO"
ENDPOINT = f"https://api.ecr.{REGION}.amazonaws.com/"
RECORDER = "benchmarks.recorder"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


# --- figures and the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured value. With a target it passes when ``value <= target`` (``>=`` when ``at_least``);
    without one it is reported for information only."""

    name: str
    value: float
    unit: str
    target: float | None = None
    at_least: bool = False

    @property
    def op(self) -> str:
        return ">=" if self.at_least else "<="

    @property
    def status(self) -> str:
        if self.target is None:
            return INFO
        met = self.value >= self.target if self.at_least else self.value <= self.target
        return PASS if met else MISS

    def target_text(self) -> str:
        return "-" if self.target is None else f"{self.op} {_number(self.target)} {self.unit}".rstrip()

    def value_text(self) -> str:
        return f"{_number(self.value)} {self.unit}".rstrip()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "op": self.op,
            "status": self.status,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        target = data.get("target")
        return cls(
            name=str(data["name"]),
            value=float(data["value"]),
            unit=str(data.get("unit", "")),
            target=None if target is None else float(target),
            at_least=data.get("op") == ">=",
        )


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 100:
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 100 else f"{value:.1f}"


def missed(figures: Iterable[Figure]) -> list[Figure]:
    return [figure for figure in figures if figure.status == MISS]


def report(benchmark: str, quick: bool, figures: Sequence[Figure]) -> int:
    """Print every figure, then the JSON line; 1 when a target is missed, else 0."""
    width = max((len(figure.name) for figure in figures), default=0)
    for figure in figures:
        target = f"target {figure.target_text()}" if figure.target is not None else "(no target)"
        print(f"  {figure.name:<{width}}  {figure.value_text():>14}  {target:<22} {figure.status}")
    line = {"benchmark": benchmark, "quick": quick, "figures": [figure.to_json() for figure in figures]}
    print(json.dumps(line), flush=True)
    return 1 if missed(figures) else 0


def parse_args(argv: Sequence[str] | None, doc: str | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--quick", action="store_true", help="a reduced run for CI: ratio targets only")
    return parser.parse_args(argv)


# --- timing ---------------------------------------------------------------------------------------------------


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def settle_disk() -> None:
    """Before a timed write (untimed): the page cache's dirty pages of earlier rounds written out (``os.sync``),
    then, as root, its clean pages given back (``drop_caches``; else nothing). Otherwise each write pays for the
    writeback of what the rounds before it left, and on this kind of VM a write that must first reclaim cached pages
    costs 4-5x one that finds free pages: the benchmark's own history, not what is measured. Every side gets it."""
    os.sync()
    with contextlib.suppress(OSError):
        DROP_CACHES.write_text("1\n")


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def ms_per_call(call: Callable[[int], object], indexes: range) -> float:
    """Wall time of ``call(i)`` for every ``i``, in milliseconds per call."""
    gc.collect()
    started = time.perf_counter()
    for index in indexes:
        call(index)
    elapsed = time.perf_counter() - started
    return elapsed * 1000 / len(indexes)


@dataclass(frozen=True)
class Comparison:
    """Interleaved rounds of a floor and a candidate: per-call medians and the median of per-round ratios."""

    floor_ms: float
    candidate_ms: float
    ratio: float
    ratios: tuple[float, ...] = ()  # every round's, lowest first

    def spread(self) -> str:
        """The rounds' ratios, lowest to highest, and the middle half."""
        ordered = self.ratios
        quarter = len(ordered) // 4
        middle = ordered[quarter : len(ordered) - quarter] or ordered
        return f"rounds {ordered[0]:.3f}-{ordered[-1]:.3f}, middle half {middle[0]:.3f}-{middle[-1]:.3f}"


def interleaved(
    floor: Callable[[int], object], candidate: Callable[[int], object], rounds: int, calls: int
) -> Comparison:
    """``rounds`` rounds of ``calls`` calls each side, after one warm-up round; the side that goes first
    alternates. Round ``r`` passes the indexes ``[r * calls, (r + 1) * calls)`` (warm-up: round 0) to both
    sides, so a candidate that must not repeat itself (PutImage) gets fresh indexes every round."""
    floors: list[float] = []
    candidates: list[float] = []
    for number in range(rounds + 1):
        indexes = range(number * calls, (number + 1) * calls)
        if number % 2:
            candidate_ms, floor_ms = ms_per_call(candidate, indexes), ms_per_call(floor, indexes)
        else:
            floor_ms, candidate_ms = ms_per_call(floor, indexes), ms_per_call(candidate, indexes)
        if number:  # round 0 warms both sides up
            floors.append(floor_ms)
            candidates.append(candidate_ms)
    ratios = [c / f for c, f in zip(candidates, floors, strict=True)]
    return Comparison(median(floors), median(candidates), median(ratios), tuple(sorted(ratios)))


def timed_ms(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``call()`` over ``repeat`` runs, in milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return median(samples)


# --- the canned-response floor --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canned:
    """One recorded answer: what the mock sent back for a call."""

    status: int
    headers: dict[str, str]
    body: bytes


class _CannedRaw:
    """The little of urllib3's response that ``AWSResponse`` reads."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def record(client: Any, calls: Callable[[], object]) -> dict[str, Canned]:
    """Run ``calls()`` through ``client`` (a mock's) and keep the last answer to each operation, as received."""
    answers: dict[str, Canned] = {}

    def keep(response_dict: dict[str, Any] | None = None, **_: Any) -> None:
        if response_dict is not None:
            answers[response_dict["context"]["operation_name"]] = Canned(
                response_dict["status_code"], dict(response_dict["headers"]), bytes(response_dict["body"])
            )

    client.meta.events.register("response-received.ecr", keep, unique_id=RECORDER)
    try:
        calls()
    finally:
        client.meta.events.unregister("response-received.ecr", unique_id=RECORDER)
    return answers


def _answering(canned: Canned) -> Callable[..., AWSResponse]:
    """A handler that returns the canned body as a new response each call, as any mock must: a reused
    ``AWSResponse`` would hand botocore its cached content and skip work every real answer costs."""

    def answer(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, canned.status, canned.headers, _CannedRaw(canned.body))

    return answer


def floor_client(answers: dict[str, Canned]) -> Any:
    """An ECR client (explicit fake credentials, REGION) whose own ``before-send.ecr.<Operation>`` handler,
    registered first, answers each recorded operation with its canned body; ecr_mock's handler is
    unregistered from it, so it never reaches a mock: boto3's own cost, and nothing else."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_ACCESS_KEY_ID, aws_secret_access_key=FAKE_SECRET_ACCESS_KEY, region_name=REGION
    )
    client = session.client("ecr")
    events = client.meta.events
    events.unregister(_intercept.EVENT, _intercept.before_send)
    events.unregister(_intercept.EVENT, unique_id=_intercept.UNIQUE_ID)
    for operation, canned in answers.items():
        events.register_first(f"before-send.ecr.{operation}", _answering(canned))
    return client


# --- test data ------------------------------------------------------------------------------------------------


def sha256_digest(label: str) -> str:
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def manifest(number: int) -> str:
    """A Docker image manifest (config and two layers, about 740 bytes as ``docker push`` indents it), distinct
    for every ``number`` and the same text every time for the same one: like a CI build, its config and app
    layer are its own and its base layer is shared with every other build. Its blobs were never uploaded: the
    default (non-strict) mock accepts it, as the seed tests push bare manifests."""
    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": 1469, "digest": sha256_digest(f"config-{number}")},
        "layers": [
            {"mediaType": DOCKER_LAYER, "size": 32654, "digest": sha256_digest("base-layer")},
            {"mediaType": DOCKER_LAYER, "size": 16724, "digest": sha256_digest(f"layer-{number}-1")},
        ],
    }
    return json.dumps(document, indent=3)


def manifests(count: int, first: int = 0) -> list[str]:
    return [manifest(number) for number in range(first, first + count)]

"""Per-call overhead: four ECR calls through the mock, each as a ratio to a canned-response floor.

Run from the repository root::

    python benchmarks/per_call.py           # 40 rounds x 120 calls per side and call
    python benchmarks/per_call.py --quick   # 15 rounds x 50 calls

The floor is what boto3 costs with no mock at all: an ECR client (explicit fake credentials, us-east-1) whose own
``before-send.ecr.<Operation>`` handler, registered first, returns a new ``AWSResponse`` with the exact
status, headers and body the mock answered for that call (recorded once from the mock's own answer). ecr_mock's
handler is unregistered from that client, so the floor never reaches the mock. The mock side is a client created
inside ``mock_ecr()`` making the same calls with the same parameters.

The calls: DescribeRepositories (the two repositories the benchmark made), PutImage (a distinct manifest of about
740 bytes and a new tag every call), DescribeImages of one image by tag, BatchGetImage of one image by tag. Rounds
alternate which side goes first; one warm-up round is discarded; ``gc.collect()`` runs between (not within) timed
stretches. Reported: per-call milliseconds (median over rounds) of each side and the median of the per-round
ratios mock / floor, whose target is <= 1.15, with the lowest and highest round's ratio (and the middle half of
the rounds, printed as they finish).
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import _common
import boto3  # type: ignore[import-untyped,unused-ignore]
from _common import REGION, Comparison, Figure

from ecr_mock import mock_ecr

RATIO_TARGET = 1.15
FULL_ROUNDS, FULL_CALLS = 40, 120
QUICK_ROUNDS, QUICK_CALLS = 15, 50
IMAGES = "bench/images"  # holds one image, tagged LATEST
PUSHES = "bench/pushes"  # PutImage lands here
LATEST = "latest"


@dataclass(frozen=True)
class Case:
    """One call: its operation name, the client method, and the parameters of the ``i``-th call."""

    operation: str
    method: str
    params: Callable[[int], dict[str, Any]]


def cases(pushed: Sequence[str]) -> list[Case]:
    one_image = [{"imageTag": LATEST}]
    return [
        Case("DescribeRepositories", "describe_repositories", lambda i: {}),
        Case(
            "PutImage",
            "put_image",
            lambda i: {"repositoryName": PUSHES, "imageManifest": pushed[i], "imageTag": f"push-{i}"},
        ),
        Case("DescribeImages", "describe_images", lambda i: {"repositoryName": IMAGES, "imageIds": one_image}),
        Case("BatchGetImage", "batch_get_image", lambda i: {"repositoryName": IMAGES, "imageIds": one_image}),
    ]


def caller(client: Any, case: Case) -> Callable[[int], Any]:
    method = getattr(client, case.method)
    params = case.params

    def call(index: int) -> Any:
        return method(**params(index))

    return call


# --- the mock side and its recorded answers -------------------------------------------------------------------


def seed(client: Any) -> None:
    client.create_repository(repositoryName=IMAGES)
    client.create_repository(repositoryName=PUSHES)
    client.put_image(repositoryName=IMAGES, imageManifest=_common.manifest(-1), imageTag=LATEST)
    client.batch_get_image(repositoryName=IMAGES, imageIds=[{"imageTag": LATEST}])  # pulled: as in the timed calls


# --- the floor ------------------------------------------------------------------------------------------------


def check_floor_bypasses_mock(floor: Any, client: Any) -> None:
    """A floor PutImage must not reach the mock: the mock must not know its tag afterwards."""
    floor.put_image(repositoryName=PUSHES, imageManifest=_common.manifest(-2), imageTag="floor-probe")
    try:
        client.describe_images(repositoryName=PUSHES, imageIds=[{"imageTag": "floor-probe"}])
    except client.exceptions.ImageNotFoundException:
        return
    raise RuntimeError("the floor client reached the mock: its numbers would not be a floor")


def _shape(value: Any) -> Any:
    """An answer with its timestamps blanked (a pull moves lastRecordedPullTime) and its request id dropped."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return "<timestamp>" if isinstance(value, datetime.datetime) else value


def check_same_answers(floor: Any, client: Any, all_cases: Sequence[Case]) -> None:
    """The floor answers as the mock does (request ids and timestamps aside) for each call but PutImage."""
    for case in all_cases:
        if case.operation != "PutImage":
            answers = [_shape(caller(side, case)(0)) for side in (floor, client)]
            if answers[0] != answers[1]:
                raise RuntimeError(f"the floor answers {case.operation} unlike the mock: {answers}")


# --- measuring ------------------------------------------------------------------------------------------------


def figures_for(operation: str, result: Comparison) -> list[Figure]:
    print(f"  {operation}: ratio {result.ratio:.3f} ({result.spread()})", flush=True)
    return [
        Figure(f"{operation} floor", round(result.floor_ms, 4), "ms/call"),
        Figure(f"{operation} mock", round(result.candidate_ms, 4), "ms/call"),
        Figure(f"{operation} ratio mock/floor", round(result.ratio, 3), "x", RATIO_TARGET),
        Figure(f"{operation} ratio, lowest round", round(result.ratios[0], 3), "x"),
        Figure(f"{operation} ratio, highest round", round(result.ratios[-1], 3), "x"),
    ]


def measure(rounds: int, calls: int) -> list[Figure]:
    timed = (rounds + 1) * calls
    pushed = _common.manifests(timed + 1)  # the last one only for recording: the timed pushes are all new
    all_cases = cases(pushed)
    figures: list[Figure] = []
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        seed(client)
        answers = _common.record(client, lambda: [caller(client, case)(timed) for case in all_cases])
        floor = _common.floor_client(answers)
        check_floor_bypasses_mock(floor, client)
        check_same_answers(floor, client, all_cases)
        for case in all_cases:
            result = _common.interleaved(caller(floor, case), caller(client, case), rounds, calls)
            figures.extend(figures_for(case.operation, result))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    rounds, calls = (QUICK_ROUNDS, QUICK_CALLS) if args.quick else (FULL_ROUNDS, FULL_CALLS)
    print(
        f"per-call overhead: {rounds} rounds x {calls} calls per side, interleaved (median; ratio = median of rounds)"
    )
    return _common.report("per_call", args.quick, measure(rounds, calls))


if __name__ == "__main__":
    sys.exit(main())

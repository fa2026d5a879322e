"""Start-up: what ``import ecr_mock`` adds on top of ``import boto3``, and what ``mock_ecr()`` start+stop costs.

Run from the repository root::

    python benchmarks/startup.py           # import: median of 5 interpreters; start+stop: median of 1,000
    python benchmarks/startup.py --quick   # 3 interpreters; 200 start+stop

- ``import ecr_mock``: ``python -X importtime -c "import boto3; import ecr_mock"`` in a fresh interpreter (from
  the repository root, so the checkout is imported); the cumulative microseconds of the top-level ``ecr_mock``
  line (summed, should it appear more than once), median over the runs. boto3 is already imported, so this is
  ecr_mock's own cost. Target <= 30 ms. The top-level ``boto3`` line is reported beside it for scale.
- ``mock_ecr()`` start+stop: construct, ``start()`` and ``stop()`` one outermost mock, timed one at a time; the
  median. Target <= 1 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence

import _common
from _common import ROOT, Figure

from ecr_mock import mock_ecr

IMPORT_TARGET_MS = 30.0
START_STOP_TARGET_MS = 1.0
IMPORTS = "import boto3; import ecr_mock"


def import_times_us(stderr: str) -> dict[str, int]:
    """Cumulative microseconds per top-level module of ``-X importtime`` output (repeats summed)."""
    totals: dict[str, int] = {}
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2].removeprefix(" ")
        if name and not name.startswith(" "):  # nested imports are indented
            totals[name] = totals.get(name, 0) + int(fields[1])
    return totals


def one_import_run() -> dict[str, int]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPROFILEIMPORTTIME"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    totals = import_times_us(done.stderr)
    if "ecr_mock" not in totals or "boto3" not in totals:
        raise RuntimeError(f"no top-level ecr_mock / boto3 line in -X importtime output:\n{done.stderr[-2000:]}")
    return totals


def import_figures(runs: int) -> list[Figure]:
    samples = [one_import_run() for _ in range(runs)]
    ecr_mock_ms = _common.median(sample["ecr_mock"] for sample in samples) / 1000
    boto3_ms = _common.median(sample["boto3"] for sample in samples) / 1000
    return [
        Figure("import ecr_mock (after import boto3)", round(ecr_mock_ms, 1), "ms", IMPORT_TARGET_MS),
        Figure("import boto3 (for scale)", round(boto3_ms, 1), "ms"),
    ]


def start_stop_ms(count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        mock_ecr().start().stop()
        samples.append((time.perf_counter() - started) * 1000)
    return _common.median(samples)


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    runs, cycles = (3, 200) if args.quick else (5, 1_000)
    print(f"start-up: import over {runs} fresh interpreters, mock_ecr() start+stop x {cycles} (medians)")
    start_stop_ms(20)  # warm-up
    figures = [
        *import_figures(runs),
        Figure("mock_ecr() start+stop", round(start_stop_ms(cycles), 4), "ms", START_STOP_TARGET_MS),
    ]
    return _common.report("startup", args.quick, figures)


if __name__ == "__main__":
    sys.exit(main())

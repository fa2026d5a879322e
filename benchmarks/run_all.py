"""Every benchmark, each in its own interpreter; every figure with its target and PASS / MISS, and an exit code.

Run from the repository root::

    python benchmarks/run_all.py           # per_call, scale, listings, growth, startup, memory, layers, postgres,
                                           # registry: full size
    python benchmarks/run_all.py --quick   # per_call and scale reduced: the ratio targets only (CI, < 60 s)

Each script's own output is echoed as it runs; its last line (one JSON object) is collected. Then a summary
table (Markdown: benchmark, figure, value, target, status) and, last, one JSON line::

    {"benchmark": "run_all", "quick": false, "machine": {...}, "figures": [{"benchmark": ..., "name": ...,
     "value": ..., "unit": ..., "target": ..., "op": "<=", "status": "PASS"}, ...], "missed": [...],
     "errors": [...], "status": "PASS"}

Exit status: 0 when every target is met, 1 when any is missed, 2 when a script failed to report (crashed, or
printed no JSON line).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _common
import botocore  # type: ignore[import-untyped,unused-ignore]
from _common import ROOT, Figure

HERE = Path(__file__).resolve().parent
# postgres: skipped, saying why, without PostgreSQL
FULL = ("per_call", "scale", "listings", "growth", "startup", "memory", "layers", "postgres", "registry")
QUICK = ("per_call", "scale")  # the ratio targets: per-call overhead and per-push growth


@dataclass
class Outcome:
    benchmark: str
    returncode: int
    figures: list[Figure] = field(default_factory=list)
    error: str | None = None


# --- running one script ---------------------------------------------------------------------------------------


def run_script(name: str, quick: bool) -> tuple[int, list[str]]:
    """Run ``benchmarks/<name>.py``, echoing its output line by line; its exit status and output lines."""
    command = [sys.executable, str(HERE / f"{name}.py"), *(["--quick"] if quick else [])]
    print(f"\n== {name}: {' '.join([Path(command[0]).name, *command[1:]])}", flush=True)
    lines: list[str] = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
    return process.returncode, lines


def layers_figures(data: dict[str, Any]) -> list[Figure]:
    """layers.py reports rates and a byte-exact flag, not figures: the flag is its one target."""
    return [
        Figure("layer upload", float(data["upload_mb_s"]), "MB/s"),
        Figure("layer download", float(data["download_mb_s"]), "MB/s"),
        Figure("layer round trip byte-exact (1 = yes)", 1.0 if data["byte_exact"] else 0.0, "", 1.0, at_least=True),
    ]


def figures_from(data: dict[str, Any]) -> list[Figure]:
    if "figures" in data:
        return [Figure.from_json(item) for item in data["figures"]]
    if data.get("benchmark") == "layers":
        return layers_figures(data)
    raise ValueError("no figures in the JSON line")


def run_one(name: str, quick: bool) -> Outcome:
    returncode, lines = run_script(name, quick)
    outcome = Outcome(name, returncode)
    last = next((line for line in reversed(lines) if line.strip()), "")
    try:
        outcome.figures = figures_from(json.loads(last))
    except (ValueError, KeyError, TypeError) as error:
        outcome.error = f"{name}: exit {returncode}, no usable JSON line ({error})"
        return outcome
    if returncode not in (0, 1):
        outcome.error = f"{name}: exit {returncode}"
    return outcome


# --- the summary ----------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": _nproc(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "botocore": botocore.__version__,
        "commit": _commit(),
        "time": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _nproc() -> int:
    """What ``nproc`` prints: the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def table(outcomes: Sequence[Outcome]) -> list[str]:
    rows = ["| benchmark | figure | value | target | status |", "|---|---|---:|---|---|"]
    for outcome in outcomes:
        for figure in outcome.figures:
            rows.append(
                f"| {outcome.benchmark} | {figure.name} | {figure.value_text()} | {figure.target_text()} "
                f"| {figure.status} |"
            )
    return rows


def summary(outcomes: Sequence[Outcome], quick: bool, about: dict[str, Any]) -> dict[str, Any]:
    figures = [{"benchmark": o.benchmark, **figure.to_json()} for o in outcomes for figure in o.figures]
    missed = [f"{o.benchmark}: {figure.name}" for o in outcomes for figure in _common.missed(o.figures)]
    errors = [o.error for o in outcomes if o.error]
    status = "ERROR" if errors else "MISS" if missed else "PASS"
    return {
        "benchmark": "run_all",
        "quick": quick,
        "machine": about,
        "figures": figures,
        "missed": missed,
        "errors": errors,
        "status": status,
    }


def print_summary(outcomes: Sequence[Outcome], result: dict[str, Any]) -> None:
    about = result["machine"]
    print(f"\n== summary ({'quick' if result['quick'] else 'full'} run)")
    print(", ".join(f"{key}: {value}" for key, value in about.items()))
    print("\n".join(table(outcomes)))
    targets = sum(1 for item in result["figures"] if item["target"] is not None)
    print(f"{len(result['figures'])} figures, {targets} with a target, {len(result['missed'])} missed")
    for name in result["missed"]:
        print(f"  MISS  {name}")
    for error in result["errors"]:
        print(f"  ERROR {error}")
    print(json.dumps(result), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    about = machine()
    outcomes = [run_one(name, args.quick) for name in (QUICK if args.quick else FULL)]
    result = summary(outcomes, args.quick, about)
    print_summary(outcomes, result)
    return {"PASS": 0, "MISS": 1}.get(result["status"], 2)


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark suite runs and reports: ``benchmarks/run_all.py --quick`` in a fresh interpreter.

Timings on a shared CI machine are noise, so nothing here asserts a target: a missed target is the script's exit
status 1, which is a well-formed outcome. What must hold: the run finishes, reports every figure of the quick
run with a consistent status, and its exit status says whether a target was missed (0: none, 1: some).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ("DescribeRepositories", "PutImage", "DescribeImages", "BatchGetImage")
STATUSES = {"PASS", "MISS", "INFO"}


@pytest.fixture(scope="module")
def quick_run() -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "benchmarks" / "run_all.py"), "--quick"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def summary(quick_run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in quick_run.stdout.splitlines() if line.strip()]
    assert lines, quick_run.stderr
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _checked(figure: dict[str, Any]) -> str:
    """The status a figure's value and target imply."""
    if figure["target"] is None:
        return "INFO"
    met = figure["value"] >= figure["target"] if figure["op"] == ">=" else figure["value"] <= figure["target"]
    return "PASS" if met else "MISS"


def test_quick_run_exits_0_or_1_without_errors(
    quick_run: subprocess.CompletedProcess[str], summary: dict[str, Any]
) -> None:
    assert quick_run.returncode in (0, 1), quick_run.stdout[-3000:] + quick_run.stderr[-3000:]
    assert summary["benchmark"] == "run_all"
    assert summary["quick"] is True
    assert summary["errors"] == []
    assert summary["status"] in ("PASS", "MISS")


def test_exit_status_says_whether_a_target_was_missed(
    quick_run: subprocess.CompletedProcess[str], summary: dict[str, Any]
) -> None:
    missed = [f"{f['benchmark']}: {f['name']}" for f in summary["figures"] if f["status"] == "MISS"]
    assert summary["missed"] == missed
    assert quick_run.returncode == (1 if missed else 0)
    assert summary["status"] == ("MISS" if missed else "PASS")


def test_every_quick_figure_is_reported_with_a_consistent_status(summary: dict[str, Any]) -> None:
    figures = summary["figures"]
    for figure in figures:
        assert isinstance(figure["value"], int | float), figure
        assert figure["status"] in STATUSES, figure
        assert figure["status"] == _checked(figure), figure
    checked = {(figure["benchmark"], figure["name"]) for figure in figures if figure["target"] is not None}
    ratios = {("per_call", f"{operation} ratio mock/floor") for operation in OPERATIONS}
    assert ratios <= checked
    assert any(benchmark == "scale" and name.startswith("PutImage growth") for benchmark, name in checked)
    assert len(checked) == len(ratios) + 1, "the quick run checks the ratio targets only"


def test_each_figure_is_printed_for_humans(
    quick_run: subprocess.CompletedProcess[str], summary: dict[str, Any]
) -> None:
    for figure in summary["figures"]:
        assert f"| {figure['benchmark']} | {figure['name']} |" in quick_run.stdout
    assert set(summary["machine"]) == {"nproc", "cpu", "python", "botocore", "commit", "time"}


# --- benchmarks/registry.py --quick: its own run (a server process, pushes and pulls over loopback) ----------------

REGISTRY_TARGETS = {
    "monolithic push / sha256 floor",
    "chunked push / sha256 floor",
    "pull / plain loopback read",
    "server RSS growth while 128 MiB is pushed",
    "concurrent pushes of 8 MiB with every digest right (8 pushers)",
}


@pytest.fixture(scope="module")
def registry_run() -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "benchmarks" / "registry.py"), "--quick"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def registry_line(registry_run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = [line for line in registry_run.stdout.splitlines() if line.strip()]
    assert lines, registry_run.stderr
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def test_registry_quick_run_reports_its_targets_and_exits_by_them(
    registry_run: subprocess.CompletedProcess[str], registry_line: dict[str, Any]
) -> None:
    assert registry_run.returncode in (0, 1), registry_run.stdout[-3000:] + registry_run.stderr[-3000:]
    assert (registry_line["benchmark"], registry_line["quick"]) == ("registry", True)
    figures = registry_line["figures"]
    for figure in figures:
        assert isinstance(figure["value"], int | float), figure
        assert figure["status"] == _checked(figure), figure
        assert f"  {figure['name']}" in registry_run.stdout
    assert {figure["name"] for figure in figures if figure["target"] is not None} == REGISTRY_TARGETS
    missed = any(figure["status"] == "MISS" for figure in figures)
    assert registry_run.returncode == (1 if missed else 0)


def test_registry_quick_run_pushes_every_concurrent_blob_right(registry_line: dict[str, Any]) -> None:
    """Unlike a timing, the digests of concurrent pushes are not noise: all 8 must come back right."""
    right = next(f for f in registry_line["figures"] if f["name"].startswith("concurrent pushes"))
    assert right["value"] == 8, right

"""The suite also holds the code to its standards: ruff clean and mypy --strict over ecr_mock and tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_check_is_clean() -> None:
    done = _run(sys.executable, "-m", "ruff", "check", "ecr_mock", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_is_clean() -> None:
    done = _run(sys.executable, "-m", "mypy", "--strict", "ecr_mock", "tests")
    assert done.returncode == 0, done.stdout + done.stderr

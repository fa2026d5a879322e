"""The command line a user meets first: ``ecr-mock`` alone prints help and succeeds; ``--version`` says which."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecr_mock import __version__
from ecr_mock.__main__ import main


def test_no_arguments_print_help_and_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ecr-mock")
    for command in ("demo", "operations", "serve"):
        assert command in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"ecr-mock {__version__}\n"


def test_the_module_runs_as_a_program_without_arguments() -> None:
    done = subprocess.run([sys.executable, "-m", "ecr_mock"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: ecr-mock")

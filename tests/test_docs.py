"""The README and docs stay true: generated tables current, Quick start shape, the demo and the CLI run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecr_mock import _coverage
from ecr_mock.__main__ import main
from ecr_mock._wire import model as _model

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["README.md", "docs/operations.md"])
def test_generated_operations_table_is_current(name: str) -> None:
    text = (ROOT / name).read_text()
    assert _coverage.generated_block() in text, f"run: python -m ecr_mock operations --update {name}"


def test_operations_table_lists_every_model_operation() -> None:
    table = _coverage.operations_table()
    for operation in _model.operation_names():
        assert f"| `{operation}` |" in table


def test_quick_start_has_exactly_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.DOTALL)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    assert commands == ["pip install . && ecr-mock demo", 'pip install -e ".[test]" && python -m pytest']


def test_demo_runs_and_reports_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "create repository shop/web",
        "012345678910.dkr.ecr.us-east-1.amazonaws.com/shop/web",
        "latest moved; 1 image(s) untagged",
        "4 images in 2 pages",
        "RepositoryNotEmptyException",
        "left: shop/worker",
    ):
        assert expected in out


def test_operations_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["operations"]) == 0
    assert capsys.readouterr().out.strip() == _coverage.operations_table()


def test_operations_update_rewrites_the_block(tmp_path: Path) -> None:
    target = tmp_path / "page.md"
    target.write_text(f"before\n{_coverage.BEGIN}\nstale\n{_coverage.END}\nafter\n")
    assert main(["operations", "--update", str(target)]) == 0
    assert target.read_text() == f"before\n{_coverage.generated_block()}\nafter\n"


def test_ci_runs_the_quick_start_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert 'pip install -e ".[test]" && python -m pytest' in ci

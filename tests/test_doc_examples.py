"""The examples users copy first run as written, each on its own: README's first example and every example in
docs/registries.md define every name they use."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_blocks(name: str) -> list[str]:
    return _PYTHON_BLOCK.findall((ROOT / name).read_text())


def run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "doc_example"}
    exec(compile(source, "<doc example>", "exec"), namespace)  # the example is the test
    return namespace


def test_the_readme_first_example_runs_on_its_own() -> None:
    namespace = run(python_blocks("README.md")[0])
    namespace["test_push_and_list"]()


@pytest.mark.parametrize("index", range(len(python_blocks("docs/registries.md"))))
def test_the_registries_examples_run_on_their_own(index: int) -> None:
    run(python_blocks("docs/registries.md")[index])


def test_the_readme_says_how_to_pair_with_moto_and_means_it() -> None:
    pairing = next(block for block in python_blocks("README.md") if "mock_aws" in block)
    run(pairing)

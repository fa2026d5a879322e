"""Suite-wide guard: every test leaves no mock active and the AWS environment exactly as it found it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ecr_mock import _state

_WATCHED = ("AWS_", "ECR_MOCK_")


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith(_WATCHED)}


@pytest.fixture(autouse=True)
def _no_leaks() -> Iterator[None]:
    """After each test: no activation left on the stack, AWS_* / ECR_MOCK_* as before (value or absence)."""
    before = _environment()
    yield
    leaked = 0
    while (activation := _state.current()) is not None:  # unwind, so one leak fails one test, not the rest
        _state.pop(activation)
        leaked += 1
    after = _environment()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert not leaked, f"{leaked} mock_ecr activation(s) still active after the test"
    assert not changed, f"the test left these environment variables changed: {changed}"

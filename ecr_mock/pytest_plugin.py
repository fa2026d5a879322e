"""The ``ecr_mock`` pytest fixture (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecr_mock._activation.mock import EcrMock


@pytest.fixture
def ecr_mock() -> Iterator[EcrMock]:
    """An active ECR mock for the test; state wiped and environment restored afterwards."""
    with EcrMock() as mock:
        yield mock

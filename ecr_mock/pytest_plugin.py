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


@pytest.fixture
def ecr_mock_server(ecr_mock: EcrMock) -> str:
    """The ``ecr_mock`` fixture's registries served on a free loopback port, for real clients: the endpoint
    (``http://127.0.0.1:<port>``). Stopped with the mock, after the test."""
    return ecr_mock.serve()

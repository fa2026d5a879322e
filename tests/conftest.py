"""Suite-wide guards: every test leaves no mock active and the AWS environment exactly as it found it; no test
reaches the network. Also: slow tests only with ``-m slow``, and the reliability figures after the run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from _reliability import REPORT, SocketGuard

from ecr_mock._activation import state as _state

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


# --- reliability: no way out, the slow profile, the figures ---------------------------------------------------
# (the guard and the figures live in _reliability.py, shared with test_no_way_out.py and the fuzzers)


@pytest.fixture(scope="session", autouse=True)
def socket_guard() -> Iterator[SocketGuard]:
    """The whole suite runs with no way out: a connection to a non-loopback address, or a lookup of a host name
    that is not local, is refused and counted; the session fails if any happened outside ``guard.expect()``."""
    guard = SocketGuard()
    guard.install()
    try:
        yield guard
    finally:
        guard.uninstall()
        REPORT.socket_attempts = list(guard.unexpected)
        REPORT.socket_probes = list(guard.probes)
    assert not guard.unexpected, f"{len(guard.unexpected)} network attempt(s) outside loopback: {guard.unexpected}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests (the full reliability profile) run only when ``-m`` asks for them; the default run skips them."""
    if config.getoption("markexpr", ""):
        return  # -m given: pytest's own selection decides (``-m slow`` runs them, ``-m "not slow"`` drops them)
    skip = pytest.mark.skip(reason="slow: the full profile runs with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The reliability figures of this run, on the terminal and in .pytest_cache/d/ecr_mock_reliability/."""
    if REPORT.empty() and not REPORT.socket_attempts:
        return
    terminalreporter.write_sep("=", "ecr_mock reliability figures")
    for line in REPORT.render().splitlines():
        terminalreporter.write_line(line)
    cache = getattr(config, "cache", None)
    if cache is not None:
        terminalreporter.write_line(f"(written to {REPORT.write(cache.mkdir('ecr_mock_reliability'))})")

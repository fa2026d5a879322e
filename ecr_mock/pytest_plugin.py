"""The ``ecr_mock`` pytest plugin (registered through the ``pytest11`` entry point): the fixture, its marker, the
project-wide ini options, and the session summary of default-mode leniencies."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, cast

import pytest

from ecr_mock import _config
from ecr_mock._activation.mock import EcrMock

if TYPE_CHECKING:
    from ecr_mock._backend.leniency import Tally

MARKER = "ecr_mock"
_WORKER_KEY = "ecr_mock_leniencies"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ecr_mock_strict", "every mock in the project behaves as real ECR (strict mode)", type="bool")
    parser.addini("ecr_mock_account_id", "the caller's account for every mock in the project (12 digits)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(strict=None, account_id=None, durations=None): configure the ecr_mock fixture for a test or module",
    )
    account_id = str(config.getini("ecr_mock_account_id") or "").strip() or None
    if account_id is not None:
        _config.check_account_id(account_id, "ecr_mock_account_id")
    _config.PROJECT.strict, _config.PROJECT.account_id = bool(config.getini("ecr_mock_strict")), account_id


def pytest_unconfigure(config: pytest.Config) -> None:
    _config.PROJECT.strict, _config.PROJECT.account_id = False, None


@pytest.fixture
def ecr_mock(request: pytest.FixtureRequest) -> Iterator[EcrMock]:
    """An active ECR mock for the test; state wiped and environment restored afterwards. Configured by the closest
    ``@pytest.mark.ecr_mock(strict=..., account_id=..., durations=...)``, else by the project's ini options."""
    marker = request.node.get_closest_marker(MARKER)
    with EcrMock(**(marker.kwargs if marker else {})) as mock:
        yield mock


@pytest.fixture
def ecr_mock_server(ecr_mock: EcrMock) -> str:
    """The ``ecr_mock`` fixture's registries served on a free loopback port, for real clients: the endpoint
    (``http://127.0.0.1:<port>``). Stopped with the mock, after the test."""
    return ecr_mock.serve()


# --- the session summary of leniencies ---------------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this process's tally to the controller, which prints the summary."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[_WORKER_KEY] = {kind: (t.count, asdict(t.example)) for kind, t in _tally().items()}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: add a worker's tally to this process's."""
    for kind, (count, example) in getattr(node, "workeroutput", {}).get(_WORKER_KEY, {}).items():
        from ecr_mock._backend import leniency

        tally = leniency.TALLY.get(kind)
        if tally is None:
            leniency.TALLY[kind] = leniency.Tally(count, leniency.Leniency(**example))
        else:
            tally.count += count


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = _tally()
    if not tally or hasattr(config, "workeroutput"):
        return
    total = sum(t.count for t in tally.values())
    terminalreporter.write_sep("=", "ecr_mock: default-mode leniency")
    terminalreporter.write_line(
        f"{total} call{'s' if total != 1 else ''} relied on default-mode leniency that real ECR refuses; run with "
        "strict mode to find them (ecr_mock_strict = true in the pytest ini, or ECR_MOCK_STRICT=1):"
    )
    for kind, entry in sorted(tally.items()):
        terminalreporter.write_line(
            f"  {kind}: {entry.count} call{'s' if entry.count != 1 else ''}, e.g. {entry.example}"
        )


def _tally() -> dict[str, Tally]:
    """This process's leniency tally: empty while no mock has started (the backend, which keeps it, loads with
    the first activation, so importing the plugin stays cheap)."""
    leniency = sys.modules.get("ecr_mock._backend.leniency")
    return {} if leniency is None else cast("dict[str, Tally]", leniency.TALLY)

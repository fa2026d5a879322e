"""Shared by the reliability tests (fuzzers, state machine, concurrency, no way out) and ``conftest.py``.

``REPORT`` collects each profile's figures (calls per operation, findings, state-machine runs, invariant
violations, socket attempts); ``conftest.py`` prints them after the run and writes them under the pytest cache.
``SocketGuard`` refuses every connection (and name lookup) that would leave the machine.
``Profile`` is what a test runs: the quick one in CI, the full one with ``-m slow``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# --- profiles -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """How much a reliability test does. ``quick`` runs in CI; ``full`` only with ``-m slow``."""

    name: str
    fuzz_examples: int  # hypothesis examples per (operation, mode) in the model fuzzer
    fuzz_minimum: int  # calls that must reach the mock per (operation, mode)
    wire_examples: int  # hypothesis examples per operation in the wire fuzzer
    machine_runs: int  # state-machine runs (hypothesis examples)
    machine_steps: int  # steps per state-machine run
    threads: int
    calls_per_thread: int
    derandomize: bool


QUICK = Profile("quick", 40, 33, 8, 100, 20, 8, 1000, derandomize=True)
FULL = Profile("full", 360, 330, 120, 500, 30, 8, 3000, derandomize=False)
PROFILES = [pytest.param(QUICK, id="quick"), pytest.param(FULL, id="full", marks=pytest.mark.slow)]


# --- findings and figures ------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One kind of failure: the first input that showed it, and how often it came back."""

    area: str  # model-fuzz | wire-fuzz | state-machine | concurrency
    operation: str
    kind: str  # crash | status-500 | undeclared-code | invariant
    detail: str
    request: str
    trace: str
    count: int = 1

    def key(self) -> tuple[str, str, str, str]:
        return self.area, self.operation, self.kind, _where(self.trace) or self.detail

    def render(self) -> str:
        lines = [
            f"[{self.area}] {self.operation}: {self.kind} x{self.count}: {self.detail}",
            f"  input: {self.request}",
        ]
        lines += [f"  {line}" for line in self.trace.strip().splitlines()[-12:]]
        return "\n".join(lines)


def _where(trace: str) -> str:
    """The innermost ``File ..., line ...`` of a traceback: findings with the same one are one bug."""
    frames = [line.strip() for line in trace.splitlines() if line.strip().startswith("File ")]
    return frames[-1] if frames else ""


def shorten(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


@dataclass
class Report:
    profiles: set[str] = field(default_factory=set)
    fuzz_calls: Counter[str] = field(default_factory=Counter)  # model fuzzer: calls that reached the mock
    fuzz_outcomes: dict[str, Counter[str]] = field(default_factory=dict)  # operation -> "ok" / error code
    client_side: Counter[str] = field(default_factory=Counter)  # raised by botocore before before-send
    setup_calls: int = 0  # seeding and state toggles (valid calls, checked the same way)
    wire_calls: Counter[str] = field(default_factory=Counter)
    wire_outcomes: Counter[str] = field(default_factory=Counter)
    findings: dict[tuple[str, str, str, str], Finding] = field(default_factory=dict)
    machine_runs: int = 0
    machine_steps: int = 0
    machine_calls: int = 0
    invariant_checks: int = 0
    invariant_violations: list[str] = field(default_factory=list)
    concurrency: list[str] = field(default_factory=list)
    socket_attempts: list[str] = field(default_factory=list)  # unexpected: fail the session
    socket_probes: list[str] = field(default_factory=list)  # made on purpose by test_no_way_out
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_finding(self, finding: Finding) -> Finding:
        with self._lock:
            known = self.findings.get(finding.key())
            if known is None:
                self.findings[finding.key()] = finding
                return finding
            known.count += 1
            return known

    def fuzz_outcome(self, operation: str, outcome: str) -> None:
        with self._lock:
            self.fuzz_outcomes.setdefault(operation, Counter())[outcome] += 1

    def findings_of(self, area: str, operation: str | None = None) -> list[Finding]:
        return [f for f in self.findings.values() if f.area == area and operation in (None, f.operation)]

    def empty(self) -> bool:
        return not (self.fuzz_calls or self.wire_calls or self.machine_runs or self.concurrency or self.findings)

    def render(self) -> str:
        lines = [f"profiles run: {', '.join(sorted(self.profiles)) or '-'}"]
        if self.fuzz_calls or self.client_side:
            lines += self._render_fuzz()
        if self.wire_calls:
            lines.append(f"wire fuzzer: {sum(self.wire_calls.values())} requests over {len(self.wire_calls)} targets")
            lines.append("  outcomes: " + ", ".join(f"{k} {v}" for k, v in self.wire_outcomes.most_common()))
        if self.machine_runs:
            lines.append(
                f"state machine: {self.machine_runs} runs, {self.machine_steps} steps, {self.machine_calls} calls, "
                f"{self.invariant_checks} invariant checks, {len(self.invariant_violations)} invariant violations"
            )
            lines += [f"  violation: {text}" for text in self.invariant_violations[:20]]
        lines += [f"concurrency: {line}" for line in self.concurrency]
        lines.append(
            f"socket attempts outside loopback: {len(self.socket_attempts)} unexpected, "
            f"{len(self.socket_probes)} deliberate probes (refused)"
        )
        lines += [f"  unexpected: {text}" for text in self.socket_attempts[:20]]
        by_kind = Counter(f.kind for f in self.findings.values())
        lines.append(
            f"findings: {len(self.findings)} distinct ("
            + ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind.items()))
            + ")"
        )
        lines += [finding.render() for finding in self.findings.values()]
        return "\n".join(lines)

    def _render_fuzz(self) -> list[str]:
        total = sum(self.fuzz_calls.values())
        crashes = sum(f.count for f in self.findings.values() if f.area == "model-fuzz" and f.kind != "undeclared-code")
        undeclared = sum(
            f.count for f in self.findings.values() if f.area == "model-fuzz" and f.kind == "undeclared-code"
        )
        lines = [
            f"model fuzzer: {total} calls reached the mock over {len(self.fuzz_calls)} operations; "
            f"{sum(self.client_side.values())} inputs refused by botocore before sending (excluded); "
            f"{self.setup_calls} seeding/toggle calls; crashes and 500s {crashes}; undeclared codes {undeclared}",
            "  calls per operation (ok = answered without error):",
        ]
        for operation in sorted(self.fuzz_calls):
            outcomes = self.fuzz_outcomes.get(operation, Counter())
            top = ", ".join(f"{code} {n}" for code, n in outcomes.most_common(4))
            lines.append(f"    {operation:<42} {self.fuzz_calls[operation]:>6}  ({top})")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "profiles": sorted(self.profiles),
            "fuzz_calls": dict(self.fuzz_calls),
            "fuzz_outcomes": {op: dict(c) for op, c in self.fuzz_outcomes.items()},
            "client_side": dict(self.client_side),
            "setup_calls": self.setup_calls,
            "wire_calls": dict(self.wire_calls),
            "wire_outcomes": dict(self.wire_outcomes),
            "machine_runs": self.machine_runs,
            "machine_steps": self.machine_steps,
            "machine_calls": self.machine_calls,
            "invariant_checks": self.invariant_checks,
            "invariant_violations": self.invariant_violations,
            "concurrency": self.concurrency,
            "socket_attempts": self.socket_attempts,
            "socket_probes": self.socket_probes,
            "findings": [finding.__dict__ for finding in self.findings.values()],
        }

    def write(self, directory: Any) -> str:
        """Write summary.txt and summary.json into ``directory`` (a pathlib.Path); the text's path."""
        text_path = directory / "summary.txt"
        text_path.write_text(self.render() + "\n")
        (directory / "summary.json").write_text(json.dumps(self.as_json(), indent=2, default=str))
        return str(text_path)


REPORT = Report()


# --- known bugs: findings the fuzzers expect until ecr_mock is fixed (the tests that meet them xfail) ---------

# (operation, text in the finding's detail or traceback) -> the bug. Remove an entry once ecr_mock is fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}
# Fixed (kept as regressions in test_fuzz_model.test_inputs_that_crashed_the_mock): a lone surrogate in PutImage's
# manifest (UnicodeEncodeError in _manifest.digest_of) or in a default-mode GetAuthorizationToken registry id; a
# policy whose Version is a list or object (TypeError in _policy._valid) in SetRepositoryPolicy, PutRegistryPolicy,
# Create/UpdateRepositoryCreationTemplate.


def known_bug(finding: Finding) -> str | None:
    for (operation, text), reason in KNOWN_BUGS.items():
        if operation == finding.operation and (text in finding.detail or text in finding.trace):
            return reason
    return None


def settle(findings: list[Finding]) -> None:
    """End of a fuzz test: fail listing every unexpected finding; xfail when all of them are known bugs."""
    distinct = list({id(f): f for f in findings}.values())
    unexpected = [f for f in distinct if known_bug(f) is None]
    assert not unexpected, "\n\n".join(f.render() for f in unexpected)
    if distinct:
        pytest.xfail("known bugs: " + "; ".join(sorted({str(known_bug(f)) for f in distinct})))


class MockTracebacks(logging.Handler):
    """Keeps the traceback ecr_mock logs when a handler crashes (the call itself answers InternalFailure)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.last = "".join(traceback.format_exception(*record.exc_info))

    def take(self) -> str:
        last, self.last = self.last, ""
        return last


@contextlib.contextmanager
def mock_tracebacks() -> Iterator[MockTracebacks]:
    handler = MockTracebacks()
    logger = logging.getLogger("ecr_mock")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# --- no way out ----------------------------------------------------------------------------------------------


class NetworkBlockedError(ConnectionRefusedError):
    """What the suite's socket guard raises for a connection (or lookup) that would leave the machine."""


def is_local(address: Any) -> bool:
    """Loopback, unspecified (0.0.0.0 connects to this host), or not an internet address at all."""
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and other non-IP families stay on this machine
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return True
    return is_local_host(host)


def is_local_host(host: str) -> bool:
    name = host.split("%", 1)[0].strip("[]").lower()
    if name in ("", "localhost") or name.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or ip.is_unspecified or bool(mapped and mapped.is_loopback)


class SocketGuard:
    """Refuses (and counts) every connect / connect_ex to a non-loopback internet address and every lookup of a
    non-local host name, process-wide, while installed. ``expect()`` marks attempts a test makes on purpose."""

    def __init__(self) -> None:
        self.unexpected: list[str] = []
        self.probes: list[str] = []
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: inside how many expect() blocks
        self._undo: list[Callable[[], None]] = []

    def install(self) -> None:
        guard = self
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo

        def connect(sock: socket.socket, address: Any) -> None:
            guard.check_connect(sock, address, "connect")
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            guard.check_connect(sock, address, "connect_ex")
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(host, bytes | str) and not is_local_host(host if isinstance(host, str) else host.decode()):
                guard.refuse(f"getaddrinfo({host!r})")
            return real_getaddrinfo(host, *args, **kwargs)

        socket.socket.connect = connect  # type: ignore[method-assign,assignment]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
        socket.getaddrinfo = getaddrinfo
        self._undo = [
            lambda: setattr(socket.socket, "connect", real_connect),
            lambda: setattr(socket.socket, "connect_ex", real_connect_ex),
            lambda: setattr(socket, "getaddrinfo", real_getaddrinfo),
        ]

    def uninstall(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo = []

    @property
    def installed(self) -> bool:
        return bool(self._undo)

    def check_connect(self, sock: socket.socket, address: Any, via: str) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
            self.refuse(f"{via}({address!r})")

    def refuse(self, what: str) -> None:
        with self._lock:
            (self.probes if getattr(self._local, "expecting", 0) else self.unexpected).append(what)
        raise NetworkBlockedError(f"ecr_mock test suite: no network outside loopback ({what})")

    @contextlib.contextmanager
    def expect(self) -> Iterator[list[str]]:
        """Attempts inside are deliberate probes: refused all the same, listed in the yielded list, not failures."""
        self._local.expecting = getattr(self._local, "expecting", 0) + 1
        with self._lock:
            start = len(self.probes)
        seen: list[str] = []
        try:
            yield seen
        finally:
            self._local.expecting -= 1
            with self._lock:
                seen.extend(self.probes[start:])

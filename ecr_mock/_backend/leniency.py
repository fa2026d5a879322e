"""Calls the default mode answered although real ECR would refuse them: recorded per mock, tallied per process.

``Behaviour`` (``ecr_mock._config``) lists the leniencies; the code that applies one calls ``record``, which
appends a ``Leniency`` to the records of the registries' owner (read as ``EcrMock.leniencies``), counts it in the
process-wide ``TALLY`` (the pytest plugin's session summary) and logs it on the ``ecr_mock`` logger. Never a
warning: suites run with ``-W error``, and a warning would turn a lenient call into a crash. Calls that rely on no
leniency never come here.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecr_mock._backend import Backends

log = logging.getLogger("ecr_mock")

IMAGE_DIGEST_MISMATCH = "image_digest_mismatch"
REGISTRY_FALLBACK = "registry_fallback"


@dataclass(frozen=True, slots=True)
class Leniency:
    """One call the default mode answered where real ECR would not."""

    kind: str  # IMAGE_DIGEST_MISMATCH | REGISTRY_FALLBACK
    operation: str  # the ECR operation, e.g. "PutImage"
    asked: str  # what the call asked for
    real_ecr: str  # what real ECR (and strict mode) would answer

    def __str__(self) -> str:
        return f"{self.operation}: {self.asked}; real ECR: {self.real_ecr}"


@dataclass(slots=True)
class Tally:
    """How often one kind was relied on in this process, with the first call as the example."""

    count: int
    example: Leniency


_RECORDS: weakref.WeakKeyDictionary[Backends, list[Leniency]] = weakref.WeakKeyDictionary()
TALLY: dict[str, Tally] = {}


def records_of(world: Backends) -> list[Leniency]:
    """The list ``world``'s leniencies are appended to (one per outermost activation: each has its own world)."""
    found = _RECORDS.get(world)
    if found is None:
        found = _RECORDS[world] = []
    return found


def record(world: Backends, kind: str, operation: str, asked: str, real_ecr: str) -> None:
    leniency = Leniency(kind, operation, asked, real_ecr)
    records_of(world).append(leniency)
    tally = TALLY.get(kind)
    if tally is None:
        TALLY[kind] = Tally(1, leniency)
    else:
        tally.count += 1
    log.info("default-mode leniency (%s) %s", kind, leniency)

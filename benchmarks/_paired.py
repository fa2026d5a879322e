"""Whole operations (a full paging, an upload) timed beside their floor in one process: rounds interleaved, the
side that goes first alternating, medians, and the spread of the per-round ratios printed with them.

``_common.interleaved`` times many small calls per round; this times one long operation per side per round, where
a round's ratio (candidate / floor, adjacent in time) is what a noisy neighbour disturbs least.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass

import _common
from _common import Figure


@dataclass(frozen=True)
class Paired:
    """Seconds per round of each side, and their per-round ratios."""

    floor: tuple[float, ...]
    candidate: tuple[float, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(c / f for c, f in zip(self.candidate, self.floor, strict=True))

    @property
    def ratio(self) -> float:
        return _common.median(self.ratios)

    @property
    def floor_s(self) -> float:
        return _common.median(self.floor)

    @property
    def candidate_s(self) -> float:
        return _common.median(self.candidate)

    def spread(self) -> str:
        """The rounds' ratios, lowest to highest, and the middle half."""
        ordered = sorted(self.ratios)
        quarter = len(ordered) // 4
        middle = ordered[quarter : len(ordered) - quarter] or ordered
        return f"rounds {ordered[0]:.3f}-{ordered[-1]:.3f}, middle half {middle[0]:.3f}-{middle[-1]:.3f}"


def _seconds(call: Callable[[], object]) -> float:
    gc.collect()
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def paired(floor: Callable[[], object], candidate: Callable[[], object], rounds: int) -> Paired:
    """``rounds`` rounds of one call each side after one discarded warm-up round; who goes first alternates."""
    floors: list[float] = []
    candidates: list[float] = []
    for number in range(rounds + 1):
        if number % 2:
            candidate_s, floor_s = _seconds(candidate), _seconds(floor)
        else:
            floor_s, candidate_s = _seconds(floor), _seconds(candidate)
        if number:
            floors.append(floor_s)
            candidates.append(candidate_s)
    return Paired(tuple(floors), tuple(candidates))


def figures(label: str, result: Paired, target: float | None, unit: str = "ms") -> list[Figure]:
    """The floor, the candidate, the median ratio against ``target`` and the rounds' lowest and highest ratio."""
    scale = 1000.0 if unit == "ms" else 1.0
    ratios = sorted(result.ratios)
    print(f"  {label}: ratio {result.ratio:.3f} ({result.spread()})", flush=True)
    return [
        Figure(f"{label} floor", round(result.floor_s * scale, 2), unit),
        Figure(f"{label} mock", round(result.candidate_s * scale, 2), unit),
        Figure(f"{label} ratio mock/floor", round(result.ratio, 3), "x", target),
        Figure(f"{label} ratio, lowest round", round(ratios[0], 3), "x"),
        Figure(f"{label} ratio, highest round", round(ratios[-1], 3), "x"),
    ]

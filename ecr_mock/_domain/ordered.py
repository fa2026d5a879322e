"""A dict that remembers insertion order by sequence number, so a page can resume in O(log n)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Sequenced(Protocol):
    seq: int


V = TypeVar("V", bound=Sequenced)


def _seq(value: Sequenced) -> int:
    return value.seq


class Ordered(Generic[V]):
    """Values by key in insertion order. ``add`` and lookups are O(1); ``pop`` finds its place by bisection and
    closes the gap with one C-level move; ``iter_from`` starts anywhere by bisection."""

    __slots__ = ("_by_key", "_next", "_order")

    def __init__(self) -> None:
        self._by_key: dict[str, V] = {}
        self._order: list[V] = []  # ascending by seq, live values only
        self._next = 1

    def __len__(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def get(self, key: str) -> V | None:
        return self._by_key.get(key)

    def values(self) -> Iterator[V]:
        return iter(self._by_key.values())

    def add(self, key: str, value: V) -> V:
        value.seq = self._next
        self._next += 1
        self._by_key[key] = value
        self._order.append(value)
        return value

    def pop(self, key: str) -> V:
        value = self._by_key.pop(key)
        del self._order[bisect_left(self._order, value.seq, key=_seq)]
        return value

    def clear(self) -> None:
        self._by_key.clear()
        self._order.clear()

    def iter_from(self, seq: int) -> Iterator[V]:
        """Values whose sequence number is ``seq`` or later, in order."""
        order = self._order
        index = bisect_left(order, seq, key=_seq)
        while index < len(order):
            yield order[index]
            index += 1

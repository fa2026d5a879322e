"""A dict that remembers insertion order by sequence number, so a page can resume in O(log n)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar


class Sequenced(Protocol):
    seq: int


V = TypeVar("V", bound=Sequenced)


class Ordered(Generic[V]):
    """Values by key in insertion order. ``add``/``pop``/lookup are O(1) (pop also moves a C array)."""

    __slots__ = ("_by_key", "_by_seq", "_next", "_seqs")

    def __init__(self) -> None:
        self._by_key: dict[str, V] = {}
        self._by_seq: dict[int, V] = {}
        self._seqs: list[int] = []  # ascending, live entries only
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
        self._by_seq[value.seq] = value
        self._seqs.append(value.seq)
        return value

    def pop(self, key: str) -> V:
        value = self._by_key.pop(key)
        del self._by_seq[value.seq]
        del self._seqs[bisect_left(self._seqs, value.seq)]
        return value

    def clear(self) -> None:
        self._by_key.clear()
        self._by_seq.clear()
        self._seqs.clear()

    def iter_from(self, seq: int) -> Iterator[V]:
        """Values whose sequence number is ``seq`` or later, in order."""
        seqs, by_seq = self._seqs, self._by_seq
        index = bisect_left(seqs, seq)
        while index < len(seqs):
            yield by_seq[seqs[index]]
            index += 1

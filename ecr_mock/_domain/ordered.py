"""A dict that remembers insertion order by sequence number, so a page can resume in O(log n).

The order is kept in chunks of at most ``CHUNK`` values (each chunk's first sequence number beside it), so that
removing a value moves at most a chunk's worth of pointers, not the whole order: BatchDeleteImage costs the same
in a repository of 100,000 images as in one of ten. A page is a few slices of chunks, taken in C.
"""

from __future__ import annotations

import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar


class Sequenced(Protocol):
    seq: int


V = TypeVar("V", bound=Sequenced)

CHUNK = 512  # values per chunk: removal moves at most this many pointers; finding a chunk is one bisection


# a value's sequence number, read in C: a bisection calls it about ten times
_seq: Callable[[Sequenced], int] = operator.attrgetter("seq")


class Ordered(Generic[V]):
    """Values by key in insertion order. ``add`` and lookups are O(1); ``pop`` finds its chunk and its place by
    bisection and closes the gap within the chunk; ``iter_from`` and ``page_from`` start anywhere by bisection."""

    __slots__ = ("_by_key", "_chunks", "_firsts", "_next")

    def __init__(self) -> None:
        self._by_key: dict[str, V] = {}
        self._chunks: list[list[V]] = []  # ascending by seq, live values only, none empty
        self._firsts: list[int] = []  # the first seq of each chunk
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
        chunks = self._chunks
        if chunks and len(chunks[-1]) < CHUNK:
            chunks[-1].append(value)
        else:
            chunks.append([value])
            self._firsts.append(value.seq)
        return value

    def pop(self, key: str) -> V:
        value = self._by_key.pop(key)
        seq = value.seq
        number = bisect_right(self._firsts, seq) - 1
        chunk = self._chunks[number]
        del chunk[bisect_left(chunk, seq, key=_seq)]
        if chunk:
            self._firsts[number] = chunk[0].seq
        else:
            del self._chunks[number]
            del self._firsts[number]
        return value

    def clear(self) -> None:
        self._by_key.clear()
        self._chunks.clear()
        self._firsts.clear()

    def _position(self, seq: int) -> tuple[int, int]:
        """The chunk and the index in it of the first value whose sequence number is ``seq`` or later."""
        number = max(bisect_right(self._firsts, seq) - 1, 0)
        chunks = self._chunks
        if number >= len(chunks):
            return number, 0
        index = bisect_left(chunks[number], seq, key=_seq)
        if index == len(chunks[number]):
            return number + 1, 0
        return number, index

    def iter_from(self, seq: int) -> Iterator[V]:
        """Values whose sequence number is ``seq`` or later, in order."""
        number, index = self._position(seq)
        chunks = self._chunks
        while number < len(chunks):
            chunk = chunks[number]
            while index < len(chunk):
                yield chunk[index]
                index += 1
            number += 1
            index = 0

    def page_from(self, seq: int, count: int) -> list[V]:
        """Up to ``count`` values whose sequence number is ``seq`` or later, in order: slices of chunks."""
        number, index = self._position(seq)
        chunks = self._chunks
        found: list[V] = []
        while number < len(chunks) and len(found) < count:
            found += chunks[number][index : index + count - len(found)]
            number += 1
            index = 0
        return found

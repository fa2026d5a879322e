"""Where a served registry keeps its world between requests: the interface ``App`` runs every request through.

``App`` asks for a transaction around each request, saying beforehand whether the request may change state
(``changing``), and marks it ``changed`` once it did. A store whose world lives in this process (``SaveOnChange``:
the ``--data-dir`` SQLite file, or a temporary directory) saves after a change; a store shared by several
processes (``ecr_mock._store.postgres``) also loads what the others saved before the request runs, and
serialises changing requests across processes. The in-process mock never goes through ``App`` nor a store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ecr_mock._backend import Backends


class Transaction:
    """One request's transaction: ``changed`` is set by ``App`` when the request changed saved state."""

    __slots__ = ("changed",)

    def __init__(self) -> None:
        self.changed = False


class WorldStore(Protocol):
    def transaction(self, changing: bool) -> AbstractContextManager[Transaction]:
        """Run one request: ``changing`` when it may change state (decided before it runs)."""
        ...


class SaveOnChange:
    """A world held by this process alone: ``save`` runs under the backend lock after each request that changed
    it, before its answer is sent."""

    def __init__(self, backends: Backends, save: Callable[[], None]) -> None:
        self.backends = backends
        self.save = save

    @contextlib.contextmanager
    def transaction(self, changing: bool) -> Iterator[Transaction]:
        transaction = Transaction()
        yield transaction
        if transaction.changed:
            with self.backends.lock:
                self.save()


__all__ = ["SaveOnChange", "Transaction", "WorldStore"]

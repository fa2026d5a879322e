"""ECR's semantics: one ``EcrBackend`` per (account, region), all of them held by ``Backends``.

No wire format here: methods take Python values and return model objects; handlers turn those into shapes.
Every method checks everything before it changes anything, so a refused call leaves no trace. Each area of ECR
is a mixin in its own module; ``EcrBackend`` composes them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ecr_mock import _config
from ecr_mock._backend.auth import AuthorizationData, Authorizer
from ecr_mock._backend.images import ANY, TAGGED, UNTAGGED, Failure, ImageFilter, ImageOps, ImageRef
from ecr_mock._backend.repositories import RepositoryOps
from ecr_mock._config import Behaviour

__all__ = [
    "ANY",
    "TAGGED",
    "UNTAGGED",
    "AuthorizationData",
    "Backends",
    "EcrBackend",
    "Failure",
    "ImageFilter",
    "ImageRef",
]


class EcrBackend(RepositoryOps, ImageOps):
    """One registry: the repositories of one account in one region, with every operation on them."""


class Backends:
    """Every registry the mock holds, the behaviour they follow, and the lock every call runs under."""

    def __init__(self, behaviour: Behaviour = _config.DEFAULT) -> None:
        self.lock = threading.RLock()
        self.behaviour = behaviour
        self._registries: dict[tuple[str, str], EcrBackend] = {}
        self.authorizer = Authorizer()

    def registry(self, account_id: str, region: str) -> EcrBackend:
        key = (account_id, region)
        backend = self._registries.get(key)
        if backend is None:
            backend = self._registries[key] = EcrBackend(self, account_id, region)
        return backend

    def registries(self) -> list[EcrBackend]:
        return list(self._registries.values())

    def reset(self) -> None:
        with self.lock:
            self._registries.clear()
            self.authorizer = Authorizer()

    def authorization_data(
        self, caller: str, region: str, registry_ids: Sequence[str] | None
    ) -> list[AuthorizationData]:
        return self.authorizer.issue(self.behaviour, caller, region, registry_ids)

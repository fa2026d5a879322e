"""The dispatch table: ``@action("Name")`` registers a handler that translates one ECR operation."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from types import CodeType
from typing import Any, NamedTuple

from ecr_mock._backend import Backends, EcrBackend
from ecr_mock._backend import leniency as _leniency
from ecr_mock._config import Behaviour
from ecr_mock._errors import RepositoryNotFoundException

Params = dict[str, Any]
Result = dict[str, Any]


class Context(NamedTuple):
    """Who is calling, where, and the registries they reach."""

    backends: Backends
    account_id: str
    region: str
    access_key_id: str | None = None

    @property
    def behaviour(self) -> Behaviour:
        return self.backends.behaviour

    @property
    def principal(self) -> str:
        """The caller's IAM principal ARN, as ``Backends.principal_for`` maps the call's access key."""
        return self.backends.principal_for(self.access_key_id, self.account_id)

    def registry(self, registry_id: str | None = None) -> EcrBackend:
        """The registry a call addresses: ``registryId`` when given, else the caller's own."""
        return self.backends.registry(registry_id or self.account_id, self.region)

    def registry_for(self, params: Params) -> EcrBackend:
        """The registry a call on one existing repository (``repositoryName``) addresses. Default mode (moto's
        leniency, ``Behaviour.registry_fallback``): when ``registryId`` names another registry that lacks the
        repository and the caller's own registry has it, the caller's registry answers, and the call is recorded."""
        registry_id = params.get("registryId")
        registry = self.backends.registry(registry_id or self.account_id, self.region)
        if registry_id is None or registry_id == self.account_id or not self.backends.behaviour.registry_fallback:
            return registry
        return self._fallback(registry, params.get("repositoryName"))

    def _fallback(self, named: EcrBackend, name: str | None) -> EcrBackend:
        if name is None or name in named.repositories:
            return named
        own = self.backends.registry(self.account_id, self.region)
        if name not in own.repositories:
            return named
        missing = RepositoryNotFoundException.of(name, named.registry_id)
        asked = f"repository '{name}' in registry '{named.registry_id}', found only in the caller's"
        asked += f" ('{self.account_id}')"
        real = f"{missing.code}: {missing.message}"
        _leniency.record(self.backends, _leniency.REGISTRY_FALLBACK, calling_operation(), asked, real)
        return own


# A Context from one tuple, in C (a NamedTuple's own __new__ is a Python call, and every ECR call makes one).
new_context: Callable[[tuple[Backends, str, str, str | None]], Context] = functools.partial(tuple.__new__, Context)

Handler = Callable[[Context, Params], Result]

DISPATCH: dict[str, Handler] = {}
_OPERATION_OF_CODE: dict[CodeType, str] = {}  # each handler's code -> its operation (see calling_operation)


def action(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in DISPATCH:
            raise RuntimeError(f"two handlers for the ECR operation {name}")
        DISPATCH[name] = handler
        _OPERATION_OF_CODE[handler.__code__] = name
        return handler

    return register


def calling_operation() -> str:
    """The operation whose handler is on the call stack. Read only when a leniency is recorded, so the handlers
    need not carry their names on every call."""
    frame = sys._getframe(1)
    while frame is not None:
        name = _OPERATION_OF_CODE.get(frame.f_code)
        if name is not None:
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return "unknown"

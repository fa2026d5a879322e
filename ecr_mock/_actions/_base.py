"""The dispatch table: ``@action("Name")`` registers a handler that translates one ECR operation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecr_mock._backend import Backends, EcrBackend
from ecr_mock._config import Behaviour

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(slots=True)
class Context:
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


Handler = Callable[[Context, Params], Result]

DISPATCH: dict[str, Handler] = {}


def action(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in DISPATCH:
            raise RuntimeError(f"two handlers for the ECR operation {name}")
        DISPATCH[name] = handler
        return handler

    return register

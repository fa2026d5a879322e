"""Which mock is active, process-wide: a stack, so nested activations are safe.

The outermost activation creates the registries and patches the environment; the innermost one's account and
behaviour are in force; the outermost exit wipes the registries and restores the environment.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecr_mock._activation.environ import EnvironmentPatch
from ecr_mock._activation.layer_urls import LayerServer
from ecr_mock._config import DEFAULT_REGION, Behaviour

if TYPE_CHECKING:
    from ecr_mock._backend import Backends


@dataclass(frozen=True, slots=True)
class Activation:
    account_id: str
    behaviour: Behaviour
    backends: Backends


_lock = threading.Lock()
_stack: list[Activation] = []
_environment = EnvironmentPatch()
_layer_server: LayerServer | None = None
_default_session: Any = None  # boto3's default session from before the mock, set aside while it is active
# the default session boto3 made inside a mock, reused by later ones (building one costs ~0.1 s)
_mock_session: Any = None


def current() -> Activation | None:
    return _stack[-1] if _stack else None


def push(account_id: str, behaviour: Behaviour) -> Activation:
    global _layer_server
    with _lock:
        if _stack:
            backends = _stack[0].backends
        else:
            from ecr_mock._backend import Backends  # the backend loads with the first activation

            backends = Backends(behaviour)
            _layer_server = LayerServer(backends.download_bytes)
            backends.on_download_url = _layer_server.start
            _environment.apply()
            _set_aside_default_session()
        activation = Activation(account_id, behaviour, backends)
        _stack.append(activation)
        backends.behaviour = behaviour
        return activation


def pop(activation: Activation) -> None:
    with _lock:
        for index in range(len(_stack) - 1, -1, -1):
            if _stack[index] is activation:
                del _stack[index]
                break
        else:
            raise RuntimeError("this mock_ecr activation is not active (stopped twice?)")
        if _stack:
            activation.backends.behaviour = _stack[-1].behaviour
            return
        activation.backends.reset()
        if _layer_server is not None:
            _layer_server.stop()
        _environment.restore()
        _restore_default_session()


def _set_aside_default_session() -> None:
    """boto3's default session caches the credentials (and region) it resolved first; inside the mock,
    ``boto3.client(...)`` must resolve the fake ones, so it gets a fresh default session until the mock stops."""
    global _default_session
    import boto3

    _default_session, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, _mock_session


def _restore_default_session() -> None:
    global _default_session, _mock_session
    import boto3

    _mock_session = boto3.DEFAULT_SESSION  # it only ever resolved the mock's fake credentials
    boto3.DEFAULT_SESSION, _default_session = _default_session, None


def default_region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION

"""Which mock is active, process-wide: a stack, so nested activations are safe.

The outermost activation creates the registries and patches the environment; the innermost one's account and
behaviour are in force; the outermost exit wipes the registries and restores the environment.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecr_mock._activation.environ import EnvironmentPatch
from ecr_mock._activation.sessions import DefaultSessions
from ecr_mock._config import DEFAULT_REGION, Behaviour

if TYPE_CHECKING:
    from ecr_mock._activation.requests_hook import RequestsHook
    from ecr_mock._backend import Backends
    from ecr_mock._server.serving import Server


@dataclass(frozen=True, slots=True)
class Activation:
    account_id: str
    behaviour: Behaviour
    backends: Backends


_lock = threading.Lock()
_stack: list[Activation] = []
_environment = EnvironmentPatch()
_requests_hook: RequestsHook | None = None
_served: Served | None = None  # the registry server mock.serve() started, while it runs
_sessions = DefaultSessions()  # boto3's default session: set aside while a mock is active, a clean one handed out


def current() -> Activation | None:
    return _stack[-1] if _stack else None


def push(account_id: str, behaviour: Behaviour) -> Activation:
    global _requests_hook
    with _lock:
        if _stack:
            backends = _stack[0].backends
        else:
            from ecr_mock._activation.requests_hook import RequestsHook
            from ecr_mock._backend import Backends  # the backend loads with the first activation

            backends = Backends(behaviour)
            _requests_hook = RequestsHook(backends, functools.partial(_in_process_app, backends, account_id))
            backends.on_registry_use = _requests_hook.start
            if "requests" in sys.modules:  # no import to pay for: a registry host is answered from its first call
                _requests_hook.start()  # (oras-py's ecr backend sends a HEAD before it asks for a token)
            _environment.apply()
            _sessions.enter()
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
        _stop_serving(activation.backends)
        activation.backends.reset()
        if _requests_hook is not None:
            _requests_hook.stop()
        _environment.restore()
        _sessions.leave()


class Served:
    """A registry server started by ``mock.serve()``: stopped, its blob directory removed, when the outermost
    mock exits."""

    def __init__(self, server: Server, blobs: tempfile.TemporaryDirectory[str]) -> None:
        self.server = server
        self.blobs = blobs


def serve(activation: Activation, host: str, port: int, localhost_names: bool) -> str:
    """Serve the active registries on ``host:port`` (port 0: a free one) until the outermost mock exits; the
    endpoint. Calling it again returns the running server's endpoint."""
    global _served
    with _lock:
        if _served is not None:
            return _served.server.url
        from ecr_mock._domain.endpoint import Endpoint
        from ecr_mock._server.app import App, ServerSettings
        from ecr_mock._server.serving import Server

        backends = activation.backends
        blobs = tempfile.TemporaryDirectory(prefix="ecr-mock-blobs-")
        backends.blob_store.use_directory(blobs.name, durable=False)  # served uploads stream to disk, not memory
        app = App(backends, ServerSettings(activation.account_id, default_region()))
        server = Server(app, host, port).start()
        backends.endpoint = Endpoint(server.address, localhost_names)
        _served = Served(server, blobs)
        if _requests_hook is not None:
            _requests_hook.start()
        return server.url


def _stop_serving(backends: Backends) -> None:
    global _served
    if _served is None:
        return
    served, _served = _served, None
    served.server.stop()
    backends.endpoint = None
    backends.blob_store.directory = None
    served.blobs.cleanup()


def _in_process_app(backends: Backends, account_id: str) -> Any:
    """The registry app that answers ``requests`` calls to registry hosts in-process."""
    from ecr_mock._server.app import App, ServerSettings

    return App(backends, ServerSettings(account_id, default_region()))


def default_region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or DEFAULT_REGION

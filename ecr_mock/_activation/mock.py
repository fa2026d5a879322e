"""``mock_ecr``: one object that is a decorator (function, coroutine, class), a context manager and start/stop."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ecr_mock import _config
from ecr_mock._activation import state as _state

if TYPE_CHECKING:
    import unittest

    from ecr_mock._backend import Applied, Backends, EcrBackend

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class EcrMock:
    """An ECR mock. Active between ``start()`` and ``stop()``; its state is the handle for tests.

    ``account_id`` is the caller's account (else ``ECR_MOCK_ACCOUNT_ID``, else ``012345678910``); ``strict`` makes
    the mock behave as real ECR where the 2019 seed tests pin something else (also ``ECR_MOCK_STRICT=1``).
    """

    def __init__(self, account_id: str | None = None, strict: bool = False) -> None:
        self._account_id = account_id
        self._strict = strict
        self._activations: list[_state.Activation] = []

    def __repr__(self) -> str:
        state = "active" if self._activations else "inactive"
        return f"<EcrMock account_id={self.account_id!r} strict={self.strict} {state}>"

    @property
    def account_id(self) -> str:
        """The caller's account: what requests are answered as."""
        if self._activations:
            return self._activations[-1].account_id
        return _config.account_for(self._account_id)

    @property
    def strict(self) -> bool:
        if self._activations:
            return self._activations[-1].behaviour.strict
        return _config.behaviour_for(self._strict).strict

    @property
    def active(self) -> bool:
        return bool(self._activations)

    # --- start / stop / with ------------------------------------------------------------------------------

    def start(self) -> EcrMock:
        behaviour = _config.behaviour_for(self._strict)
        self._activations.append(_state.push(_config.account_for(self._account_id), behaviour))
        return self

    def stop(self) -> None:
        if not self._activations:
            raise RuntimeError("mock_ecr.stop() called on a mock that is not started")
        _state.pop(self._activations.pop())

    def __enter__(self) -> EcrMock:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # --- state --------------------------------------------------------------------------------------------

    @property
    def backends(self) -> Backends:
        if not self._activations:
            raise RuntimeError("mock_ecr is not active: start it (or enter it) before reading its state")
        return self._activations[-1].backends

    def backend(self, region: str, account_id: str | None = None) -> EcrBackend:
        """The registry of ``account_id`` (default: this mock's) in ``region``, to inspect or seed."""
        return self.backends.registry(account_id or self.account_id, region)

    def apply_lifecycle_policies(self) -> list[Applied]:
        """Run every repository's lifecycle policy now, as ECR does in the background; what it did."""
        return self.backends.apply_lifecycle_policies()

    def upstream(self, url: str) -> EcrBackend:
        """A non-ECR upstream registry (``registry-1.docker.io``, ``quay.io``, ...) for pull-through-cache
        rules to fetch from: seed it with ``create_repository``, ``put_blob`` and ``put_image``."""
        return self.backends.upstream(url)

    def register_principal(self, arn: str, access_key_id: str) -> None:
        """Calls signed with ``access_key_id`` act as the IAM principal ``arn`` (for pull-time update
        exclusions); any other key, the mock's fake one included, acts as ``arn:aws:iam::<account>:user/ecr-mock``."""
        self.backends.register_principal(arn, access_key_id)

    def reset(self) -> None:
        """Forget every repository, image and token, as if the mock had just started."""
        self.backends.reset()

    # --- decorating ---------------------------------------------------------------------------------------

    @overload
    def __call__(self, target: type[T]) -> type[T]: ...

    @overload
    def __call__(self, target: F) -> F: ...

    def __call__(self, target: Any) -> Any:
        if inspect.isclass(target):
            return self._decorate_class(target)
        if inspect.iscoroutinefunction(target):
            return self._decorate_coroutine(target)
        if callable(target):
            return self._decorate_function(target)
        raise TypeError(f"mock_ecr decorates functions and classes, not {type(target).__name__}")

    def _fresh(self) -> EcrMock:
        return EcrMock(self._account_id, self._strict)

    def _decorate_function(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _decorate_coroutine(self, func: F) -> F:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return await func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _decorate_class(self, cls: type[T]) -> type[T]:
        unittest_module = sys.modules.get("unittest")  # a TestCase subclass means unittest is imported
        if unittest_module is not None and issubclass(cls, unittest_module.TestCase):
            self._decorate_test_case(cast("type[unittest.TestCase]", cls))
            return cls
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, self(member))
        return cls

    def _decorate_test_case(self, cls: type[unittest.TestCase]) -> None:
        """setUp, the test and tearDown run under one activation; a cleanup stops it even if setUp fails."""
        original_set_up = cls.setUp
        mock = self

        @functools.wraps(original_set_up)
        def set_up(test: unittest.TestCase) -> None:
            active = mock._fresh().start()
            test.addCleanup(active.stop)
            original_set_up(test)

        cls.setUp = set_up  # type: ignore[method-assign,assignment]


@overload
def mock_ecr(target: F, /) -> F: ...


@overload
def mock_ecr(account_id: str | None = None, strict: bool = False) -> EcrMock: ...


def mock_ecr(account_id: Any = None, strict: bool = False) -> Any:
    """``@mock_ecr``, ``@mock_ecr(...)``, ``with mock_ecr(...) as ecr:`` or ``mock_ecr(...).start()``."""
    if callable(account_id):
        return EcrMock()(account_id)
    return EcrMock(account_id, strict)

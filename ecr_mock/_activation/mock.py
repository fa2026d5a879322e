"""``mock_ecr``: one object that is a decorator (function, coroutine, class), a context manager and start/stop."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ecr_mock import _config
from ecr_mock._activation import state as _state

if TYPE_CHECKING:
    import unittest

    from ecr_mock._backend import Applied, Backends, EcrBackend
    from ecr_mock._backend.leniency import Leniency

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class EcrMock:
    """An ECR mock. Active between ``start()`` and ``stop()``; its state is the handle for tests.

    ``account_id`` is the caller's account, 12 digits (else ``ECR_MOCK_ACCOUNT_ID``, else ``012345678910``);
    ``strict=True`` makes the mock behave as real ECR where moto and the 2019 seed tests expect leniency (unset: the
    ``ECR_MOCK_STRICT`` environment variable, else the project's ``ecr_mock_strict`` pytest ini option, else off);
    ``durations`` says how long background work takes, by kind (``scan``, ``lifecycle_preview``, ``signing``,
    ``backfill``, ``restore``), as a ``timedelta`` or seconds: zero, the default, completes it by the next look.
    """

    def __init__(
        self,
        account_id: str | None = None,
        strict: bool | None = None,
        durations: Mapping[str, timedelta | float] | None = None,
    ) -> None:
        self._account_id = None if account_id is None else _config.check_account_id(account_id, "account_id")
        self._strict = strict
        self._durations = _config.Durations.of(durations)
        self._activations: list[_state.Activation] = []
        self._leniencies: list[Leniency] = []

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

    @property
    def leniencies(self) -> list[Leniency]:
        """The calls of this mock's state (since it started or was reset) that the default mode answered although
        real ECR would refuse them: kind, operation, what was asked, what real ECR answers. Readable after stop."""
        return list(self._leniencies)

    @property
    def durations(self) -> _config.Durations:
        """How long each kind of background work takes (``set_durations`` changes them)."""
        return self._durations

    def set_durations(self, **durations: timedelta | float) -> None:
        """Change how long background work started from now on takes, e.g. ``set_durations(scan=30)``: seconds on
        the mock's clock (freezegun moves it), or a ``timedelta``; kinds not named keep their duration."""
        given: dict[str, timedelta | float] = {**vars(self._durations), **durations}
        self._durations = _config.Durations.of(given)
        if self._activations:
            self.backends.behaviour = dataclasses.replace(self.backends.behaviour, durations=self._durations)

    def start(self) -> EcrMock:
        behaviour = _config.behaviour_for(self._strict)
        if self._durations != _config.NO_DURATIONS:
            behaviour = dataclasses.replace(behaviour, durations=self._durations)
        activation = _state.push(_config.account_for(self._account_id), behaviour)
        self._activations.append(activation)
        from ecr_mock._backend import leniency  # loaded with the backend, by the first activation

        self._leniencies = leniency.records_of(activation.backends)
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
        """Forget every repository, image, token and recorded leniency, as if the mock had just started."""
        self.backends.reset()
        self._leniencies.clear()

    def push_image(
        self,
        repository: str,
        *,
        tag: str | None = None,
        layers: int = 1,
        seed: str | int = 0,
        media_type: str = "oci",
        platforms: Sequence[str] = (),
        region: str | None = None,
        account_id: str | None = None,
    ) -> str:
        """Push a complete image into an existing repository, as a client would, and return its digest.

        The config and ``layers`` layer blobs (small, deterministic from ``seed``) are uploaded first, then an OCI
        (``media_type="oci"``) or Docker (``"docker"``) manifest naming them, tagged ``tag``. With ``platforms``
        (``["linux/amd64", "linux/arm64"]``) each platform gets its own image and ``tag`` names the image index
        (or manifest list) of them; the digest returned is the index's. Valid in both modes. ``region`` defaults
        to the mock's default region, ``account_id`` to the mock's.
        """
        from ecr_mock._activation import push  # fabricating images (gzip, tar) loads when first asked for

        registry = self.backend(region or _state.default_region(), account_id)
        with self.backends.lock:
            return push.push_image(
                registry, repository, tag=tag, layers=layers, seed=str(seed), kind=media_type, platforms=platforms
            )

    def serve(self, host: str = "127.0.0.1", port: int = 0, *, localhost_names: bool = False) -> str:
        """Serve this mock's registries over HTTP, for real clients (docker, skopeo, podman, oras, the AWS CLI),
        until the outermost mock exits; returns the endpoint, ``http://127.0.0.1:<port>``.

        The server answers ECR's API at ``POST /`` and the registry at ``/v2/``, over the state boto3 sees.
        While it runs, ``repositoryUri`` reads ``127.0.0.1:<port>/<name>``, GetAuthorizationToken's
        ``proxyEndpoint`` is the endpoint, and layer download URLs are served from it; ``localhost_names``
        hands out ``<registry>.dkr.ecr.<region>.localhost:<port>`` names instead (they need a hosts entry).
        Port 0 picks a free port; calling it again returns the running server's endpoint.
        """
        if not self._activations:
            raise RuntimeError("mock_ecr is not active: start it (or enter it) before serving it")
        return _state.serve(self._activations[-1], host, port, localhost_names)

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
        if inspect.isgeneratorfunction(target):
            return self._decorate_generator(target)
        if callable(target):
            return self._decorate_function(target)
        raise TypeError(f"mock_ecr decorates functions and classes, not {type(target).__name__}")

    def _fresh(self) -> EcrMock:
        fresh = EcrMock(self._account_id, self._strict)
        fresh._durations = self._durations
        return fresh

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

    def _decorate_generator(self, func: F) -> F:
        """A generator (a pytest yield fixture, say) runs under one activation from its first step to its end."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return (yield from func(*args, **kwargs))

        return wrapper  # type: ignore[return-value]

    def _decorate_class(self, cls: type[T]) -> type[T]:
        unittest_module = sys.modules.get("unittest")  # a TestCase subclass means unittest is imported
        if unittest_module is not None and issubclass(cls, unittest_module.TestCase):
            self._decorate_test_case(cast("type[unittest.TestCase]", cls))
            return cls
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, self(member))
        self._decorate_xunit_methods(cls)
        return cls

    def _decorate_xunit_methods(self, cls: type[Any]) -> None:
        """pytest's ``setup_method``/``teardown_method`` share the test's state: an activation started before
        ``setup_method`` and stopped after ``teardown_method``; the test's own activation nests inside it."""
        original_setup = getattr(cls, "setup_method", None)
        original_teardown = getattr(cls, "teardown_method", None)
        if original_setup is None and original_teardown is None:
            return
        mock = self

        def setup_method(test: Any, method: Any = None) -> None:
            active = mock._fresh().start()
            test._ecr_mock_xunit = active
            try:
                if original_setup is not None:
                    _call_xunit(original_setup, test, method)
            except BaseException:
                active.stop()
                raise

        def teardown_method(test: Any, method: Any = None) -> None:
            try:
                if original_teardown is not None:
                    _call_xunit(original_teardown, test, method)
            finally:
                active = test.__dict__.pop("_ecr_mock_xunit", None)
                if active is not None:
                    active.stop()

        cls.setup_method = setup_method
        cls.teardown_method = teardown_method

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


def _call_xunit(func: Callable[..., Any], test: Any, method: Any) -> None:
    """pytest passes the test method to ``setup_method(self, method)`` only when it takes one; so do we."""
    if len(inspect.signature(func).parameters) > 1:
        func(test, method)
    else:
        func(test)


@overload
def mock_ecr(target: F, /) -> F: ...


@overload
def mock_ecr(
    account_id: str | None = None, strict: bool | None = None, durations: Mapping[str, timedelta | float] | None = None
) -> EcrMock: ...


def mock_ecr(
    account_id: Any = None, strict: bool | None = None, durations: Mapping[str, timedelta | float] | None = None
) -> Any:
    """``@mock_ecr``, ``@mock_ecr(...)``, ``with mock_ecr(...) as ecr:`` or ``mock_ecr(...).start()``."""
    if callable(account_id):
        return EcrMock()(account_id)
    return EcrMock(account_id, strict, durations)

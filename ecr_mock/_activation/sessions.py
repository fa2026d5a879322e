"""boto3's default session while a mock is active: clean at the start of every outermost activation.

Inside a mock, ``boto3.client(...)`` must resolve the mock's fake credentials, and nothing a test did to the default
session (``boto3.setup_default_session(region_name=...)``, handlers registered on its events) may reach the next
test. So each outermost activation sets the real default session aside and hands out a clean one; on the way out,
the real one comes back. Building a boto3 session from nothing costs ~0.1 s, nearly all of it loading botocore's
data files; a clean session is built on the loaded data of the last one (botocore's ``data_loader`` component,
which only ever reads files), for ~10 ms, and only when needed: a session no client was created from, that was not
replaced, and that knows every handler botocore's sessions start with (moto, imported later, adds its own), is
handed out again. A handler registered on the session without any client created from it goes unnoticed.
"""

from __future__ import annotations

from typing import Any

_SHARED_COMPONENTS = ("data_loader",)
_MARK = "ecr_mock.sessions.used"


class DefaultSessions:
    def __init__(self) -> None:
        self._set_aside: Any = None  # the default session from before the mock
        self._clean: Any = None  # a session no test has touched, for the next activation
        self._clean_handlers = 0  # how many builtin handlers botocore had when the clean session was built
        self._loaded_from: Any = None  # a used session whose loaded data the next clean one shares
        self._handed_out: Any = None
        self._used = False

    def enter(self) -> None:
        import boto3

        self._set_aside, self._used = boto3.DEFAULT_SESSION, False
        self._handed_out = boto3.DEFAULT_SESSION = self._clean_session()
        if self._handed_out is not None:
            self._handed_out.events.register("creating-client-class", self._mark_used, unique_id=_MARK)

    def leave(self) -> None:
        import boto3

        current = boto3.DEFAULT_SESSION
        if current is not None:
            current.events.unregister("creating-client-class", unique_id=_MARK)
        if current is not self._handed_out or self._used:
            self._clean, self._loaded_from = None, current or self._loaded_from
        boto3.DEFAULT_SESSION, self._set_aside, self._handed_out = self._set_aside, None, None

    def _mark_used(self, **_: Any) -> None:
        self._used = True

    def _clean_session(self) -> Any:
        from botocore import handlers

        if self._clean is not None and self._clean_handlers == len(handlers.BUILTIN_HANDLERS):
            return self._clean
        if self._loaded_from is None:
            return None  # boto3 builds one from nothing when a test first asks; later ones share its data
        self._clean, self._clean_handlers = _session_sharing(self._loaded_from), len(handlers.BUILTIN_HANDLERS)
        return self._clean


def _session_sharing(used: Any) -> Any:
    """A new boto3 session sharing ``used``'s loaded botocore data, and nothing else of it (``_session`` is boto3's
    botocore session: boto3 offers no public name for it)."""
    import boto3
    import botocore.session

    core = botocore.session.Session()
    for name in _SHARED_COMPONENTS:
        core.register_component(name, used._session.get_component(name))
    return boto3.Session(botocore_session=core)

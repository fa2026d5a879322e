"""The mock's one clock. Read through the ``datetime`` and ``time`` modules at call time, so freezegun's (and
time-machine's) patches of both apply."""

from __future__ import annotations

import datetime as _dt
import time as _time


def now() -> _dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return _dt.datetime.now(_dt.timezone.utc)


def epoch() -> float:
    """The current time in epoch seconds: ``now().timestamp()`` without building a datetime (every push reads it)."""
    return _time.time()

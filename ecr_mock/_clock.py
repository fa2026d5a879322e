"""The mock's one clock. Read through the ``datetime`` module so freezegun's patches apply."""

from __future__ import annotations

import datetime as _dt


def now() -> _dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return _dt.datetime.now(_dt.timezone.utc)

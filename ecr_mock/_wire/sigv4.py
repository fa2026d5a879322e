"""The SigV4 credential scope of a request: who signed it (access key id) and for which region.

Read by both doors: the botocore interceptor and the server's ``POST /``. Signatures are not verified (the mock
has no secrets to verify them with); the scope is what decides the caller's account and region.
"""

from __future__ import annotations

_CACHE_LIMIT = 256
_SCOPES: dict[bytes, tuple[str, str]] = {}  # parsed credential scopes: botocore sends the same ones all day


def scope(authorization: str | bytes | None) -> tuple[str | None, str | None]:
    """(access key id, region) from a SigV4 Authorization header's credential scope
    (``Credential=<key>/<yyyymmdd>/<region>/<service>/aws4_request``); (None, None) when there is none."""
    if not authorization:
        return None, None
    raw = authorization if isinstance(authorization, bytes) else authorization.encode("latin-1", "replace")
    comma = raw.find(b",")
    head = raw[:comma] if comma >= 0 else None  # "AWS4-HMAC-SHA256 Credential=<scope>": the same all day
    known = _SCOPES.get(head) if head is not None else None
    if known is not None:
        return known
    start = raw.find(b"Credential=")
    if start < 0:
        return None, None
    end = raw.find(b",", start)
    parts = raw[start + 11 : end if end >= 0 else len(raw)].split(b"/")
    if len(parts) < 4 or not parts[0] or not parts[2] or len(parts[1]) != 8 or not parts[1].isdigit():
        return None, None
    found = parts[0].decode("latin-1"), parts[2].decode("latin-1")
    if head is not None:
        if len(_SCOPES) >= _CACHE_LIMIT:
            _SCOPES.clear()
        _SCOPES[head] = found
    return found

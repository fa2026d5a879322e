"""Opaque pagination tokens: a resume position, bound to the listing (operation and resource) it came from."""

from __future__ import annotations

import base64
import binascii
import json

from ecr_mock._errors import InvalidParameterException


def encode(listing: str, *position: int) -> str:
    raw = json.dumps([listing, *position], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(listing: str, token: str | None, size: int) -> tuple[int, ...] | None:
    """The position ``encode`` stored, None for no token; InvalidParameterException for any other token."""
    if token is None:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        raw = None
    valid = (
        isinstance(raw, list)
        and len(raw) == size + 1
        and raw[0] == listing
        and all(type(n) is int and n >= 0 for n in raw[1:])
    )
    if not valid:
        # unconfirmed wording
        raise InvalidParameterException.at("nextToken", "Invalid NextToken provided")
    return tuple(raw[1:])

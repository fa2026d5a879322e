"""Opaque pagination tokens: a resume position, bound to the listing it came from."""

from __future__ import annotations

import base64
import binascii

from ecr_mock._errors import InvalidParameterException


def encode(listing: str, *position: int) -> str:
    raw = ":".join([listing, *map(str, position)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(listing: str, token: str | None, size: int) -> tuple[int, ...] | None:
    """The position ``encode`` stored, None for no token; InvalidParameterException for a foreign one."""
    if token is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        name, *numbers = raw.split(":")
        position = tuple(int(n) for n in numbers)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        position, name = (), ""
    if name != listing or len(position) != size:
        # unconfirmed wording
        raise InvalidParameterException.at("nextToken", "Invalid NextToken provided")
    return position

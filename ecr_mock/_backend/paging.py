"""Opaque pagination tokens: a resume position, bound to the listing (operation and resource) it came from.

A token is the URL-safe base64 (unpadded) of the compact JSON ``["<listing>",n,...]``. Every page but the first
reads one and writes the next, so both are written out by hand for the shape this module writes, and any other
text goes through ``json`` (which decides what is valid, exactly as before)."""

from __future__ import annotations

import base64
import binascii
import json

from ecr_mock._errors import InvalidParameterException

_quote = json.encoder.encode_basestring_ascii  # a JSON string, as json.dumps writes it


def encode(listing: str, *position: int) -> str:
    raw = "[" + ",".join([_quote(listing), *map(int.__repr__, position)]) + "]"  # json.dumps(..., separators)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(listing: str, token: str | None, size: int) -> tuple[int, ...] | None:
    """The position ``encode`` stored, None for no token; InvalidParameterException for any other token."""
    if token is None:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        written = _written(listing, text, size)  # this module's own shape, read without the JSON parser
        if written is not None:
            return written
        raw = json.loads(text)
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


def _written(listing: str, text: bytes, size: int) -> tuple[int, ...] | None:
    """The position of a token ``encode`` wrote for ``listing`` (``size`` numbers, none with a leading zero or a
    sign: what ``json`` reads as those numbers); None for any other text, left to ``json``."""
    prefix = "[" + _quote(listing) + ","
    if not text.endswith(b"]") or not text.startswith(prefix.encode()):
        return None
    numbers = text[len(prefix) : -1].split(b",")
    if len(numbers) != size:
        return None
    for number in numbers:
        if not number.isdigit() or (number[0] == 0x30 and len(number) > 1):  # b"0": JSON has no leading zeros
            return None
    return tuple(map(int, numbers))

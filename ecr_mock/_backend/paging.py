"""Opaque pagination tokens: a resume position, bound to the listing (operation and resource) it came from.

A token is the URL-safe base64 (unpadded) of the JSON ``["<listing>",   n,...]``: the head up to the first number
padded with spaces to whole 3-byte groups, so that its base64 is the same text at the start of every token of the
listing, made once and kept (``_head``); only the numbers are encoded and decoded a page. Every page but the first
reads one and writes the next: the last tokens written are kept with what they mean (a token means the same
whoever reads it), the shape this module writes is read by hand, and any other text goes through ``json`` (which
decides what is valid, exactly as before)."""

from __future__ import annotations

import base64
import binascii
import json

from ecr_mock._errors import InvalidParameterException

_quote = json.encoder.encode_basestring_ascii  # a JSON string, as json.dumps writes it
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_HEADS: dict[str, str] = {}  # listing -> the base64 every token of it starts with
_ISSUED: dict[str, tuple[str, tuple[int, ...]]] = {}  # the tokens encode wrote last, and what they mean
_CACHE_LIMIT = 256


def encode(listing: str, *position: int) -> str:
    numbers = (",".join(map(int.__repr__, position)) + "]").encode()
    token = _head(listing) + binascii.b2a_base64(numbers, newline=False).translate(_TO_URLSAFE).decode().rstrip("=")
    if len(_ISSUED) >= _CACHE_LIMIT:
        _ISSUED.clear()  # a token no longer here is read from its text: the same meaning, a little later
    _ISSUED[token] = (listing, position)
    return token


def decode(listing: str, token: str | None, size: int) -> tuple[int, ...] | None:
    """The position ``encode`` stored, None for no token; InvalidParameterException for any other token."""
    if token is None:
        return None
    issued = _ISSUED.get(token)  # most pages read the token the page before them wrote: its meaning is known
    if issued is not None and issued[0] == listing and len(issued[1]) == size:
        return issued[1]
    head = _head(listing)
    if token.startswith(head):  # the listing's own head: only the numbers after it need reading
        written = _numbers(token[len(head) :], size)
        if written is not None:
            return written
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
    if not text.startswith(prefix.encode()):
        return None
    return _plain_numbers(text[len(prefix) :], size)


def _head(listing: str) -> str:
    """The base64 of ``["<listing>",`` and the spaces that make it whole 3-byte groups: the start of every token of
    ``listing``, whatever its numbers (a whole group's base64 never depends on what follows it)."""
    head = _HEADS.get(listing)
    if head is None:
        raw = ("[" + _quote(listing) + ",").encode()
        head = base64.urlsafe_b64encode(raw + b" " * (-len(raw) % 3)).decode()
        if len(_HEADS) >= _CACHE_LIMIT:
            _HEADS.clear()
        _HEADS[listing] = head
    return head


def _numbers(rest: str, size: int) -> tuple[int, ...] | None:
    """The ``size`` numbers the base64 ``rest`` spells as ``n,...]`` (digits only, no leading zero: what ``json``
    reads as those numbers); None for anything else, left to the whole token's reading."""
    try:
        text = binascii.a2b_base64((rest + "=" * (-len(rest) % 4)).encode("ascii").translate(_FROM_URLSAFE))
    except (ValueError, binascii.Error):
        return None
    return _plain_numbers(text, size)


def _plain_numbers(text: bytes, size: int) -> tuple[int, ...] | None:
    """The ``size`` numbers of ``n,...]``, each digits only with no leading zero (what ``json`` reads as those
    numbers); None for any other text."""
    if not text.endswith(b"]"):
        return None
    numbers = text[:-1].split(b",")
    if len(numbers) != size:
        return None
    for number in numbers:
        if not number.isdigit() or (number[0] == 0x30 and len(number) > 1):  # b"0": JSON has no leading zeros
            return None
    return tuple(map(int, numbers))

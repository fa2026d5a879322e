"""Reading JSON text on the hot path: the C scanner straight, with ``json``'s own decoder for everything else.

``json.loads`` checks its arguments and ``JSONDecoder.decode`` wraps the scanner in two Python calls and two
regular expressions; bodies botocore writes (and most manifests) start and end with the value itself, so the
scanner alone reads them. Anything else (surrounding whitespace, trailing data, invalid JSON) goes through
``JSONDecoder.decode``, which accepts or rejects exactly as ``json.loads`` does.
"""

from __future__ import annotations

import json
from json.scanner import make_scanner
from typing import Any

_DECODER = json.JSONDecoder()
_SCAN = make_scanner(_DECODER)  # type: ignore[arg-type]  # typeshed types the context as the scanner itself


def loads(text: str) -> Any:
    """``json.loads(text)``: the same value, or the same ``ValueError``."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:  # not a value at the start: whitespace first, or no JSON at all
        return _DECODER.decode(text)
    if end != len(text):
        return _DECODER.decode(text)
    return value

"""A request's head, read fast when it is plainly shaped (nearly every request: a client sends its head in one piece).

``http.server`` reads a request's headers with the email package's parser, about a third of what a small request
(a PATCH of a chunked upload, a HEAD of a blob) costs this server. ``plain_head`` reads a request line of the form
``METHOD target HTTP/1.x`` and a header block of ``Name: value`` lines that is already in the connection's read
buffer, and gives what ``BaseHTTPRequestHandler.parse_request`` would make of them; for anything else (a folded or
unusual line, another protocol version, a head not yet buffered or larger than the buffer) it gives None, and the
stdlib reads the request, so every answer to a malformed head is the stdlib's.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from email.message import Message

# a request line of one method, one target and HTTP/1.0 or HTTP/1.1, single spaces: the stdlib splits it the same
_REQUEST_LINE = re.compile(rb"([!-~]+) ([!-~]+) HTTP/1\.([01])\r?\n")
# a header line the email parser reads as one header: a name of the characters it takes in a name, a colon,
# optional blanks, then a value of blanks and visible characters (no CR, LF or other control character, which
# it would read as line breaks or keep as they are: those heads go the stdlib's way)
_HEADER_LINE = re.compile(rb"([!-9;-~]+):[ \t]*([\t -~\x80-\xff]*)")
_MAX_HEADERS = 100  # http.client refuses a head of more lines than this (the blank line that ends it included)


@dataclass(frozen=True, slots=True)
class Head:
    command: str
    path: str
    version: str  # HTTP/1.0 or HTTP/1.1
    requestline: str
    headers: Message


def plain_head(raw_requestline: bytes, rfile: io.BufferedIOBase, message_class: type[Message]) -> Head | None:
    """The request's head when its request line and header block are plainly shaped and the whole block is in
    ``rfile``'s buffer (it is then consumed); None otherwise (nothing consumed)."""
    line = _REQUEST_LINE.fullmatch(raw_requestline)
    if line is None:
        return None
    peek = getattr(rfile, "peek", None)
    if peek is None:
        return None
    buffered: bytes = peek(1)
    if buffered.startswith(b"\r\n"):  # no headers at all
        block, consumed = b"", 2
    else:
        end = buffered.find(b"\r\n\r\n")
        if end < 0:
            return None
        block, consumed = buffered[:end], end + 4
    lines = block.split(b"\r\n") if block else []
    if len(lines) + 1 > _MAX_HEADERS:
        return None
    headers = message_class()
    for text in lines:
        header = _HEADER_LINE.fullmatch(text)
        if header is None:
            return None
        headers.set_raw(header[1].decode("ascii"), header[2].decode("iso-8859-1"))
    rfile.read(consumed)
    path = line[2].decode("iso-8859-1")
    if path.startswith("//"):  # as the stdlib does (gh-87389): a path, never a scheme-relative URL
        path = "/" + path.lstrip("/")
    requestline = raw_requestline.decode("iso-8859-1").rstrip("\r\n")
    return Head(line[1].decode("iso-8859-1"), path, f"HTTP/1.{line[3].decode()}", requestline, headers)

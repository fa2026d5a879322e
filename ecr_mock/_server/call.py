"""What every registry route shares: the request in hand (``Call``), digest checks, bodies read whole, JSON
answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from ecr_mock._backend import Backends, EcrBackend
from ecr_mock._errors import EcrError
from ecr_mock._server import errors
from ecr_mock._server.auth import Target
from ecr_mock._server.errors import RegistryError


@dataclass(slots=True)
class Call:
    """One registry request: what it asks, of which registry, and the backend lock to take."""

    request: Request
    backends: Backends
    target: Target
    name: str
    arg: str

    @property
    def registry(self) -> EcrBackend:
        return self.backends.registry(self.target.registry_id, self.target.region)

    def locked(self, context: str, work: Callable[[EcrBackend], Any]) -> Any:
        """Run ``work`` on the registry under the backend lock; ECR's errors worded for ``context``."""
        try:
            with self.backends.lock:
                return work(self.registry)
        except EcrError as error:
            raise errors.from_ecr(error, context) from None


Handler = Callable[[Call], Response]


def read_body(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes of a request body, whole (SIZE_INVALID when it cannot be read to its end)."""
    try:
        return stream.read(limit)
    except (ClientDisconnected, OSError) as error:
        raise unreadable(0, error) from None


def unreadable(received: int, error: Exception | None = None) -> RegistryError:
    if error is None or isinstance(error, ClientDisconnected):
        message = f"the request body ended after {received} bytes, before its Content-Length"
    else:
        message = f"the request body could not be read after {received} bytes: {error}"
    return RegistryError(400, "SIZE_INVALID", message)


def number(digits: str) -> int:
    """A header's byte position; one longer than any blob could be reads as that (``int`` refuses 4300+ digits)."""
    return int(digits) if len(digits) <= 18 else 10**18


_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


def checked_digest(value: str) -> str:
    algorithm, _, hex_digest = value.partition(":")
    valid = _HEX_LENGTHS.get(algorithm) == len(hex_digest) and re.fullmatch("[0-9a-f]+", hex_digest) is not None
    if not valid:
        raise errors.digest_invalid(
            f"invalid digest '{value}': expected sha256, sha384 or sha512 in lowercase hex", value
        )
    return value


def json_response(document: Any, content_type: str = "application/json") -> Response:
    body = json.dumps(document).encode()
    return Response(body, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})

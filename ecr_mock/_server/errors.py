"""Errors in the distribution spec's shape, ``{"errors": [{"code", "message", "detail"}]}``, with ECR's texts.

The backend raises ECR's exceptions; which registry code one becomes depends on what the request was doing
(a missing layer is ``BLOB_UNKNOWN`` to a blob GET and ``MANIFEST_BLOB_UNKNOWN`` to a manifest PUT).
"""

from __future__ import annotations

import json
from typing import Any

from ecr_mock._errors import EcrError

IMAGE_NOT_FOUND = "Requested image not found"  # ECR's registry text for a missing manifest (obs)
TOKEN_EXPIRED = "Your authorization token has expired. Reauthenticate and try again."


class RegistryError(Exception):
    """One error answer of the registry API."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> bytes:
        entry: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            entry["detail"] = self.detail
        return json.dumps({"errors": [entry]}).encode()


def unauthorized(challenge: str, message: str = "authentication required", code: str = "UNAUTHORIZED") -> RegistryError:
    return RegistryError(401, code, message, headers={"WWW-Authenticate": challenge})


def name_invalid(name: str) -> RegistryError:
    return RegistryError(400, "NAME_INVALID", "invalid repository name", {"name": name})


def digest_invalid(message: str, digest: str | None = None) -> RegistryError:
    return RegistryError(400, "DIGEST_INVALID", message, None if digest is None else {"digest": digest})


def range_invalid(message: str, size: int, upload_id: str, location: str) -> RegistryError:
    headers = {"Range": f"0-{max(size - 1, 0)}", "Location": location, "Docker-Upload-UUID": upload_id}
    return RegistryError(416, "BLOB_UPLOAD_INVALID", message, headers=headers)


def unsupported(message: str, status: int = 405, allow: str | None = None) -> RegistryError:
    """``UNSUPPORTED``; a 405 names the methods the route takes (``Allow``, as RFC 9110 asks)."""
    return RegistryError(status, "UNSUPPORTED", message, headers={"Allow": allow} if allow else None)


# (ECR code, what the request handles) -> (status, registry code, message or None for ECR's own)
_BY_CONTEXT: dict[tuple[str, str], tuple[int, str, str | None]] = {
    ("LayersNotFoundException", "blob"): (404, "BLOB_UNKNOWN", "blob unknown to registry"),
    ("LayerInaccessibleException", "blob"): (404, "BLOB_UNKNOWN", "blob unknown to registry"),
    ("LayersNotFoundException", "manifest"): (400, "MANIFEST_BLOB_UNKNOWN", None),
    ("ReferencedImagesNotFoundException", "manifest"): (400, "MANIFEST_BLOB_UNKNOWN", None),
    ("InvalidParameterException", "manifest"): (400, "MANIFEST_INVALID", None),
    ("InvalidParameterException", "tag"): (400, "TAG_INVALID", None),
    ("ImageNotFoundException", "manifest"): (404, "MANIFEST_UNKNOWN", IMAGE_NOT_FOUND),
}
_ANYWHERE: dict[str, tuple[int, str, str | None]] = {
    "RepositoryNotFoundException": (404, "NAME_UNKNOWN", None),
    "ImageNotFoundException": (404, "MANIFEST_UNKNOWN", IMAGE_NOT_FOUND),
    "ImageTagAlreadyExistsException": (400, "TAG_INVALID", None),
    "ImageDigestDoesNotMatchException": (400, "DIGEST_INVALID", None),
    "InvalidLayerException": (400, "DIGEST_INVALID", None),
    "UploadNotFoundException": (404, "BLOB_UPLOAD_UNKNOWN", None),
    "LimitExceededException": (429, "TOOMANYREQUESTS", None),
    "LayersNotFoundException": (404, "BLOB_UNKNOWN", None),
}


def from_ecr(error: EcrError, context: str) -> RegistryError:
    """ECR's exception as the registry API answers it while handling ``context`` (blob, manifest, tag...)."""
    known = _BY_CONTEXT.get((error.code, context)) or _ANYWHERE.get(error.code)
    if known is None:
        return RegistryError(400, "UNSUPPORTED", error.message)
    status, code, message = known
    return RegistryError(status, code, message or error.message)

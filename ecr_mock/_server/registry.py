"""The OCI distribution API (v1.1) at ``/v2/``, over the backend's ``DistributionOps``: which route a request is,
and the table of their handlers (``blob_routes``: blobs and uploads; ``manifest_routes``: manifests and listings).
Routes translate HTTP into backend calls and answers into HTTP, nothing more (ecr-behaviour.md section 5).
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Request, Response

from ecr_mock._backend import Backends
from ecr_mock._server import blob_routes, errors, manifest_routes
from ecr_mock._server.auth import Target
from ecr_mock._server.call import Call, Handler, json_response

API_VERSION = {"Docker-Distribution-Api-Version": "registry/2.0"}
NAME = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")  # ECR's repositoryName
_ROUTES = (
    ("uploads", re.compile(r"/v2/(?P<name>.+)/blobs/uploads/(?P<arg>)")),
    ("upload", re.compile(r"/v2/(?P<name>.+)/blobs/uploads/(?P<arg>[^/]+)")),
    ("blob", re.compile(r"/v2/(?P<name>.+)/blobs/(?P<arg>[^/]+)")),
    ("manifest", re.compile(r"/v2/(?P<name>.+)/manifests/(?P<arg>[^/]+)")),
    ("tags", re.compile(r"/v2/(?P<name>.+)/tags/list(?P<arg>)")),
    ("referrers", re.compile(r"/v2/(?P<name>.+)/referrers/(?P<arg>[^/]+)")),
)


def route(request: Request, backends: Backends, target: Target) -> tuple[Response, bool]:
    """The answer to a ``/v2/`` request, and whether it changed state that is saved."""
    path = request.path
    if path in ("/v2/", "/v2", "/v2/_catalog") and request.method not in ("GET", "HEAD"):
        raise errors.unsupported(f"{request.method} is not supported on {path}", allow="GET, HEAD")
    if path in ("/v2/", "/v2"):
        return json_response({}), False
    if path == "/v2/_catalog":
        return manifest_routes.catalog(request, backends, target), False
    for kind, pattern in _ROUTES:
        match = pattern.fullmatch(path)
        if match is None:
            continue
        name = match["name"]
        if not NAME.fullmatch(name) or len(name) > 256:
            raise errors.name_invalid(name)
        handler = _HANDLERS.get((kind, request.method))
        if handler is None:
            allowed = ", ".join(method for route_kind, method in _HANDLERS if route_kind == kind)
            raise errors.unsupported(f"{request.method} is not supported on {kind} routes", allow=allowed)
        call = Call(request, backends, target, name, match["arg"])
        return handler(call), (kind, request.method) in _SAVED
    raise errors.unsupported(f"no registry route for {path}", 404)  # the spec's codes have no "no such route"


def saves(path: str, method: str) -> bool:
    """Whether a ``/v2/`` request may change saved state, before it runs (what ``route`` answers after)."""
    for kind, pattern in _ROUTES:
        if pattern.fullmatch(path) is not None:
            return (kind, method) in _SAVED
    return False


_HANDLERS: dict[tuple[str, str], Handler] = {
    ("blob", "GET"): blob_routes.get_blob,
    ("blob", "HEAD"): blob_routes.get_blob,
    ("blob", "DELETE"): blob_routes.delete_blob,
    ("uploads", "POST"): blob_routes.start_upload,
    ("upload", "PATCH"): blob_routes.patch_upload,
    ("upload", "PUT"): blob_routes.put_upload,
    ("upload", "GET"): blob_routes.upload_status,
    ("upload", "DELETE"): blob_routes.cancel_upload,
    ("manifest", "GET"): manifest_routes.get_manifest,
    ("manifest", "HEAD"): manifest_routes.get_manifest,
    ("manifest", "PUT"): manifest_routes.put_manifest,
    ("manifest", "DELETE"): manifest_routes.delete_manifest,
    ("tags", "GET"): manifest_routes.list_tags,
    ("referrers", "GET"): manifest_routes.referrers,
}


# what changes saved state (upload sessions themselves are not saved: a restart forgets them)
_SAVED = frozenset(
    {("blob", "DELETE"), ("uploads", "POST"), ("upload", "PUT"), ("manifest", "PUT"), ("manifest", "DELETE")}
)

"""Manifest and listing routes of the registry API: manifests by tag or digest (``PUT`` is PutImage, ``GET`` a
pull), ``tags/list``, ``referrers`` and ``_catalog``, with ``n``/``last`` paging.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.wrappers import Request, Response

from ecr_mock._backend import Backends
from ecr_mock._backend.distribution import DIGEST_REFERENCE
from ecr_mock._domain.manifest import OCI_INDEX
from ecr_mock._server import errors
from ecr_mock._server.auth import Target
from ecr_mock._server.call import Call, checked_digest, json_response, read_body, unreadable
from ecr_mock._server.errors import RegistryError

MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # imageManifest's maximum length in ECR's model
TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")


def put_manifest(call: Call) -> Response:
    reference = _reference(call.arg)
    body = read_body(call.request.stream, MAX_MANIFEST_BYTES + 1)
    if len(body) > MAX_MANIFEST_BYTES:
        raise RegistryError(413, "SIZE_INVALID", f"a manifest is at most {MAX_MANIFEST_BYTES} bytes")
    if call.request.content_length is not None and len(body) < call.request.content_length:
        raise unreadable(len(body))  # a manifest cut short is never stored
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise RegistryError(400, "MANIFEST_INVALID", "manifest is not UTF-8 JSON") from None
    content_type = (call.request.headers.get("Content-Type") or "").split(";")[0].strip() or None
    tags = [_tag(tag) for tag in call.request.args.getlist("tag")]
    _, image = call.locked("manifest", lambda r: r.push_manifest(call.name, reference, body, content_type, tags))
    headers = {
        "Location": f"/v2/{call.name}/manifests/{image.digest}",
        "Docker-Content-Digest": image.digest,
        "Content-Length": "0",
    }
    if image.manifest.subject is not None:
        headers["OCI-Subject"] = image.manifest.subject
    return Response(status=201, headers=headers)


def get_manifest(call: Call) -> Response:
    reference = _reference(call.arg)
    accepted = _accepted(call.request.headers.getlist("Accept"))
    pull = call.request.method == "GET"
    image = call.locked("manifest", lambda r: r.pull_manifest(call.name, reference, accepted, pull))
    body = image.manifest.text.encode("utf-8")
    headers = {
        "Content-Type": image.manifest.media_type,
        "Docker-Content-Digest": image.digest,
        "Content-Length": str(len(body)),
    }
    return Response(body, 200, headers)  # werkzeug sends no body to a HEAD, with the length of this one


def delete_manifest(call: Call) -> Response:
    reference = _reference(call.arg)
    refused = call.locked("manifest", lambda r: r.delete_manifest(call.name, reference))
    if refused is not None:
        raise RegistryError(409, "DENIED", refused)
    return Response(status=202)


def _reference(value: str) -> str:
    if DIGEST_REFERENCE.fullmatch(value):
        return checked_digest(value)
    return _tag(value)


def _tag(value: str) -> str:
    if not TAG.fullmatch(value):
        raise RegistryError(
            400,
            "TAG_INVALID",
            "Invalid parameter at 'imageTag' failed to satisfy constraint: "
            "'must satisfy regular expression '[a-zA-Z0-9-_.]+''",
            {"tag": value},
        )
    return value


def _accepted(values: list[str]) -> list[str] | None:
    kinds = [kind.split(";")[0].strip() for value in values for kind in value.split(",")]
    kinds = [kind for kind in kinds if kind]
    return None if not kinds or "*/*" in kinds else kinds


def list_tags(call: Call) -> Response:
    tags: list[str] = call.locked("tags", lambda r: r.registry_tags(call.name))
    page, more = _page(tags, call.request)
    response = json_response({"name": call.name, "tags": page})
    if more:
        _link(response, f"/v2/{call.name}/tags/list", call.request, page[-1])
    return response


def catalog(request: Request, backends: Backends, target: Target) -> Response:
    with backends.lock:
        names = backends.registry(target.registry_id, target.region).catalog()
    page, more = _page(names, request)
    response = json_response({"repositories": page})
    if more:
        _link(response, "/v2/_catalog", request, page[-1])
    return response


def referrers(call: Call) -> Response:
    subject = checked_digest(call.arg)
    artifact_type = call.request.args.get("artifactType")
    found = call.locked("referrers", lambda r: r.registry_referrers(call.name, subject, artifact_type))
    manifests = []
    for referrer in found:
        entry: dict[str, Any] = {"mediaType": referrer.media_type, "digest": referrer.digest, "size": referrer.size}
        if referrer.artifact_type:
            entry["artifactType"] = referrer.artifact_type
        if referrer.annotations:
            entry["annotations"] = referrer.annotations
        manifests.append(entry)
    response = json_response({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, OCI_INDEX)
    if artifact_type is not None:
        response.headers["OCI-Filters-Applied"] = "artifactType"
    return response


def _page(items: list[str], request: Request) -> tuple[list[str], bool]:
    """The ``n`` items after ``last`` (lexical order), and whether more follow."""
    last = request.args.get("last")
    start = 0
    if last:
        from bisect import bisect_right

        start = bisect_right(items, last)
    limit_text = request.args.get("n")
    if limit_text is None or limit_text == "":
        return items[start:], False
    if not (limit_text.isascii() and limit_text.isdigit()):  # the spec's codes have no PAGINATION_NUMBER_INVALID
        raise errors.unsupported(f"invalid number of results requested: {limit_text}", 400)
    limit = int(limit_text) if len(limit_text) <= 18 else len(items)  # a number longer than any list: all of it
    if limit == 0:
        return [], False  # the spec: n=0 is an empty list and no Link
    return items[start : start + limit], start + limit < len(items)


def _link(response: Response, path: str, request: Request, last: str) -> None:
    response.headers["Link"] = f'<{path}?n={request.args.get("n")}&last={last}>; rel="next"'

"""The OCI distribution API (v1.1) at ``/v2/``, over the backend's ``DistributionOps``: routes translate HTTP
into backend calls and answers into HTTP, nothing more (ecr-behaviour.md section 5).

Blob bodies are streamed into the upload's writer piece by piece, hashed as they arrive, outside the backend's
lock; only the lookups and the final commit take it.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from ecr_mock._backend import Backends, EcrBackend
from ecr_mock._backend.distribution import DIGEST_REFERENCE
from ecr_mock._domain.blobs import Upload
from ecr_mock._domain.manifest import OCI_INDEX
from ecr_mock._errors import EcrError
from ecr_mock._server import errors
from ecr_mock._server.auth import Target
from ecr_mock._server.errors import RegistryError
from ecr_mock._store.blobs import READ_CHUNK, Blob, BlobWriter

API_VERSION = {"Docker-Distribution-Api-Version": "registry/2.0"}
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # imageManifest's maximum length in ECR's model
NAME = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
TAG = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
_ROUTES = (
    ("uploads", re.compile(r"/v2/(?P<name>.+)/blobs/uploads/(?P<arg>)")),
    ("upload", re.compile(r"/v2/(?P<name>.+)/blobs/uploads/(?P<arg>[^/]+)")),
    ("blob", re.compile(r"/v2/(?P<name>.+)/blobs/(?P<arg>[^/]+)")),
    ("manifest", re.compile(r"/v2/(?P<name>.+)/manifests/(?P<arg>[^/]+)")),
    ("tags", re.compile(r"/v2/(?P<name>.+)/tags/list(?P<arg>)")),
    ("referrers", re.compile(r"/v2/(?P<name>.+)/referrers/(?P<arg>[^/]+)")),
)


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


def route(request: Request, backends: Backends, target: Target) -> tuple[Response, bool]:
    """The answer to a ``/v2/`` request, and whether it changed state that is saved."""
    path = request.path
    if path in ("/v2/", "/v2", "/v2/_catalog") and request.method not in ("GET", "HEAD"):
        raise errors.unsupported(f"{request.method} is not supported on {path}", allow="GET, HEAD")
    if path in ("/v2/", "/v2"):
        return _json({}), False
    if path == "/v2/_catalog":
        return _catalog(request, backends, target), False
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


# --- blobs ---------------------------------------------------------------------------------------------------


def get_blob(call: Call) -> Response:
    digest = _digest(call.arg)
    blob: Blob = call.locked("blob", lambda r: r.registry_blob(call.name, digest))
    headers = {
        "Docker-Content-Digest": blob.digest,
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
    }
    start, end = _range(call.request.headers.get("Range"), blob.size)
    if (start, end) != (0, blob.size):
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{blob.size}"
    headers["Content-Length"] = str(end - start)
    status = 206 if "Content-Range" in headers else 200
    return Response(_blob_body(call, blob, start, end), status, headers, direct_passthrough=True)


def _blob_body(call: Call, blob: Blob, start: int, end: int) -> Iterable[bytes]:
    """A whole blob kept in a file goes through the server's ``wsgi.file_wrapper`` when it has one (ours sends
    it from the page cache); anything else in pieces."""
    if call.request.method == "HEAD":
        return ()
    transmit = call.request.environ.get("wsgi.file_wrapper")
    if transmit is not None and blob.path is not None and (start, end) == (0, blob.size) and blob.size:
        with contextlib.suppress(OSError):  # a file gone: read in pieces, as without a wrapper
            body: Iterable[bytes] = transmit(blob.path.open("rb"), READ_CHUNK)
            return body
    return blob.chunks(start, end)


def delete_blob(call: Call) -> Response:
    digest = _digest(call.arg)
    if not call.locked("blob", lambda r: r.delete_registry_blob(call.name, digest)):
        raise errors.unsupported(f"blob {digest} is referenced by an image in the repository '{call.name}'")
    return Response(status=202, headers={"Docker-Content-Digest": digest})


def start_upload(call: Call) -> Response:
    args = call.request.args
    mount, digest = args.get("mount"), args.get("digest")
    if mount is not None:
        mounted = call.locked("blob", lambda r: r.mount_blob(call.name, _digest(mount), args.get("from")))
        if mounted is not None:
            return _blob_created(call.name, mounted.digest)
    upload: Upload = call.locked("upload", lambda r: r.open_registry_upload(call.name)[1])
    if digest is None:
        return _upload_status(call.name, upload, 202)
    _digest(digest)
    assert upload.writer is not None
    _stream_into(upload.writer, call.request.stream)
    return _finish(call, upload.upload_id, digest)


def patch_upload(call: Call) -> Response:
    upload = _upload(call)
    _append(call, upload)
    return _upload_status(call.name, upload, 202)


def put_upload(call: Call) -> Response:
    digest = call.request.args.get("digest")
    if not digest:
        raise errors.digest_invalid("the final PUT of an upload needs ?digest=")
    _digest(digest)
    _append(call, _upload(call))
    return _finish(call, call.arg, digest)


def _append(call: Call, upload: Upload) -> None:
    """Stream the request body onto the upload, after checking that its Content-Range (when it gives one)
    continues the upload and matches the body's length."""
    writer = upload.writer
    assert writer is not None
    declared = call.request.headers.get("Content-Range")
    if declared is not None:
        first, last = _content_range(declared, writer.size, call.name, upload)
        length = call.request.content_length
        if length is not None and length != last - first + 1:
            location = _location(call.name, upload.upload_id)
            message = f"Content-Range {declared} does not match the body's length {length}"
            raise errors.range_invalid(message, writer.size, upload.upload_id, location)
    _stream_into(writer, call.request.stream)


def upload_status(call: Call) -> Response:
    return _upload_status(call.name, _upload(call), 204)


def cancel_upload(call: Call) -> Response:
    call.locked("upload", lambda r: r.cancel_registry_upload(call.name, call.arg))
    return Response(status=204)


def _upload(call: Call) -> Upload:
    upload: Upload = call.locked("upload", lambda r: r.registry_upload(call.name, call.arg))
    return upload


def _finish(call: Call, upload_id: str, digest: str) -> Response:
    blob: Blob = call.locked("upload", lambda r: r.finish_registry_upload(call.name, upload_id, digest))
    return _blob_created(call.name, blob.digest)


def _blob_created(name: str, digest: str) -> Response:
    headers = {"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest, "Content-Length": "0"}
    return Response(status=201, headers=headers)


def _upload_status(name: str, upload: Upload, status: int) -> Response:
    size = upload.writer.size if upload.writer is not None else 0
    headers = {
        "Location": _location(name, upload.upload_id),
        "Range": f"0-{max(size - 1, 0)}",
        "Docker-Upload-UUID": upload.upload_id,
        "Content-Length": "0",
    }
    return Response(status=status, headers=headers)


def _location(name: str, upload_id: str) -> str:
    return f"/v2/{name}/blobs/uploads/{upload_id}"


def _stream_into(writer: BlobWriter, stream: IO[bytes]) -> None:
    """Copy a request body into an upload piece by piece (chunked bodies included); a body cut short leaves
    what arrived, as a PATCH that was interrupted does, and is answered SIZE_INVALID. The writer reads the body
    straight into its own buffers (no copy per piece) and hashes while it reads."""
    first = writer.size
    fill = getattr(stream, "readinto", None) or _filler(stream)

    def readinto(buffer: bytearray) -> int | None:
        try:
            count: int | None = fill(buffer)
        except (ClientDisconnected, OSError) as error:  # cut short, a connection reset, a malformed chunk
            raise _unreadable(writer.size - first, error) from None
        return count

    writer.write_from(readinto)


def _filler(stream: IO[bytes]) -> Callable[[bytearray], int]:
    """``readinto`` for a WSGI input that only has ``read``."""

    def readinto(buffer: bytearray) -> int:
        piece = stream.read(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)

    return readinto


def _read_body(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes of a request body, whole (SIZE_INVALID when it cannot be read to its end)."""
    try:
        return stream.read(limit)
    except (ClientDisconnected, OSError) as error:
        raise _unreadable(0, error) from None


def _unreadable(received: int, error: Exception | None = None) -> RegistryError:
    if error is None or isinstance(error, ClientDisconnected):
        message = f"the request body ended after {received} bytes, before its Content-Length"
    else:
        message = f"the request body could not be read after {received} bytes: {error}"
    return RegistryError(400, "SIZE_INVALID", message)


def _number(digits: str) -> int:
    """A header's byte position; one longer than any blob could be reads as that (``int`` refuses 4300+ digits)."""
    return int(digits) if len(digits) <= 18 else 10**18


def _content_range(value: str, size: int, name: str, upload: Upload) -> tuple[int, int]:
    match = re.fullmatch(r"(?:bytes[ =])?(\d+)-(\d+)", value.strip())
    location = _location(name, upload.upload_id)
    if match is None:
        raise errors.range_invalid(f"malformed Content-Range '{value}'", size, upload.upload_id, location)
    first, last = _number(match[1]), _number(match[2])
    if first != size or last < first:
        raise errors.range_invalid(
            f"Content-Range {first}-{last} does not continue the upload, which has {size} bytes",
            size,
            upload.upload_id,
            location,
        )
    return first, last


def _range(value: str | None, size: int) -> tuple[int, int]:
    """The [start, end) a ``Range: bytes=a-b`` header asks for (the whole blob without one)."""
    if not value:
        return 0, size
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", value.strip())
    if match is None or match[1] == match[2] == "":
        raise RegistryError(
            416, "BLOB_UNKNOWN", f"unsatisfiable range '{value}'", headers={"Content-Range": f"bytes */{size}"}
        )
    if match[1] == "":  # the last n bytes (n = 0 asks for nothing: unsatisfiable, RFC 9110 14.1.1)
        start, end = max(size - _number(match[2]), 0), size if _number(match[2]) else 0
    else:
        start = _number(match[1])
        end = min(_number(match[2]) + 1, size) if match[2] else size
    if start >= size or end <= start:
        raise RegistryError(
            416, "BLOB_UNKNOWN", f"unsatisfiable range '{value}'", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end


_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


def _digest(value: str) -> str:
    algorithm, _, hex_digest = value.partition(":")
    valid = _HEX_LENGTHS.get(algorithm) == len(hex_digest) and re.fullmatch("[0-9a-f]+", hex_digest) is not None
    if not valid:
        raise errors.digest_invalid(
            f"invalid digest '{value}': expected sha256, sha384 or sha512 in lowercase hex", value
        )
    return value


# --- manifests -----------------------------------------------------------------------------------------------


def put_manifest(call: Call) -> Response:
    reference = _reference(call.arg)
    body = _read_body(call.request.stream, MAX_MANIFEST_BYTES + 1)
    if len(body) > MAX_MANIFEST_BYTES:
        raise RegistryError(413, "SIZE_INVALID", f"a manifest is at most {MAX_MANIFEST_BYTES} bytes")
    if call.request.content_length is not None and len(body) < call.request.content_length:
        raise _unreadable(len(body))  # a manifest cut short is never stored
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
        return _digest(value)
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


# --- listings ------------------------------------------------------------------------------------------------


def list_tags(call: Call) -> Response:
    tags: list[str] = call.locked("tags", lambda r: r.registry_tags(call.name))
    page, more = _page(tags, call.request)
    response = _json({"name": call.name, "tags": page})
    if more:
        _link(response, f"/v2/{call.name}/tags/list", call.request, page[-1])
    return response


def _catalog(request: Request, backends: Backends, target: Target) -> Response:
    with backends.lock:
        names = backends.registry(target.registry_id, target.region).catalog()
    page, more = _page(names, request)
    response = _json({"repositories": page})
    if more:
        _link(response, "/v2/_catalog", request, page[-1])
    return response


def referrers(call: Call) -> Response:
    subject = _digest(call.arg)
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
    response = _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, OCI_INDEX)
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


def _json(document: Any, content_type: str = "application/json") -> Response:
    body = json.dumps(document).encode()
    return Response(body, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})


_HANDLERS: dict[tuple[str, str], Handler] = {
    ("blob", "GET"): get_blob,
    ("blob", "HEAD"): get_blob,
    ("blob", "DELETE"): delete_blob,
    ("uploads", "POST"): start_upload,
    ("upload", "PATCH"): patch_upload,
    ("upload", "PUT"): put_upload,
    ("upload", "GET"): upload_status,
    ("upload", "DELETE"): cancel_upload,
    ("manifest", "GET"): get_manifest,
    ("manifest", "HEAD"): get_manifest,
    ("manifest", "PUT"): put_manifest,
    ("manifest", "DELETE"): delete_manifest,
    ("tags", "GET"): list_tags,
    ("referrers", "GET"): referrers,
}
# what changes saved state (upload sessions themselves are not saved: a restart forgets them)
_SAVED = frozenset(
    {("blob", "DELETE"), ("uploads", "POST"), ("upload", "PUT"), ("manifest", "PUT"), ("manifest", "DELETE")}
)

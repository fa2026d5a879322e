"""Blob routes of the registry API: ``GET``/``HEAD``/``DELETE /v2/<name>/blobs/<digest>`` and uploads (``POST``
a session or a monolithic blob, ``PATCH`` chunks with ``Content-Range``, the final ``PUT ?digest=``, status,
cancel, cross-repository mounts).

Bodies are streamed into the upload's writer piece by piece, hashed as they arrive, outside the backend's lock;
only the lookups and the final commit take it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from typing import IO

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response

from ecr_mock._domain.blobs import Upload
from ecr_mock._server import errors
from ecr_mock._server.call import Call, checked_digest, number, unreadable
from ecr_mock._server.errors import RegistryError
from ecr_mock._store.blobs import READ_CHUNK, Blob, BlobWriter


def get_blob(call: Call) -> Response:
    digest = checked_digest(call.arg)
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
    digest = checked_digest(call.arg)
    if not call.locked("blob", lambda r: r.delete_registry_blob(call.name, digest)):
        raise errors.unsupported(f"blob {digest} is referenced by an image in the repository '{call.name}'")
    return Response(status=202, headers={"Docker-Content-Digest": digest})


def start_upload(call: Call) -> Response:
    args = call.request.args
    mount, digest = args.get("mount"), args.get("digest")
    if mount is not None:
        mounted = call.locked("blob", lambda r: r.mount_blob(call.name, checked_digest(mount), args.get("from")))
        if mounted is not None:
            return _blob_created(call.name, mounted.digest)
    upload: Upload = call.locked("upload", lambda r: r.open_registry_upload(call.name)[1])
    if digest is None:
        return _upload_status(call.name, upload, 202)
    checked_digest(digest)
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
    checked_digest(digest)
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
            raise unreadable(writer.size - first, error) from None
        return count

    writer.write_from(readinto)


def _filler(stream: IO[bytes]) -> Callable[[bytearray], int]:
    """``readinto`` for a WSGI input that only has ``read``."""

    def readinto(buffer: bytearray) -> int:
        piece = stream.read(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)

    return readinto


def _content_range(value: str, size: int, name: str, upload: Upload) -> tuple[int, int]:
    match = re.fullmatch(r"(?:bytes[ =])?(\d+)-(\d+)", value.strip())
    location = _location(name, upload.upload_id)
    if match is None:
        raise errors.range_invalid(f"malformed Content-Range '{value}'", size, upload.upload_id, location)
    first, last = number(match[1]), number(match[2])
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
        start, end = max(size - number(match[2]), 0), size if number(match[2]) else 0
    else:
        start = number(match[1])
        end = min(number(match[2]) + 1, size) if match[2] else size
    if start >= size or end <= start:
        raise RegistryError(
            416, "BLOB_UNKNOWN", f"unsatisfiable range '{value}'", headers={"Content-Range": f"bytes */{size}"}
        )
    return start, end

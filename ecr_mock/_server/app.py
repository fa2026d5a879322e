"""The one WSGI application: ``POST /`` (ECR's JSON API), ``/v2/`` (the registry), ``/layers/`` (download URLs).

Hostable by any WSGI server; ``ecr_mock._server.serving`` runs it on werkzeug's threaded server.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from ecr_mock import _config
from ecr_mock._backend import Backends
from ecr_mock._errors import EcrError, InternalFailure, MissingAuthenticationTokenException, SerializationException
from ecr_mock._server import auth, registry
from ecr_mock._server.errors import RegistryError
from ecr_mock._store.world import Transaction, WorldStore
from ecr_mock._wire import protocol
from ecr_mock._wire.sigv4 import scope

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = logging.getLogger("ecr_mock.server")

MAX_API_BODY = 64 * 1024 * 1024  # an UploadLayerPart of 10 MiB is ~14 MiB of JSON; ECR's own limit is lower
_API_HOST = re.compile(r"(?:^|\.)(?:api\.)?ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com")
_LAYER_PATH = re.compile(r"/layers/(?P<registry>[^/]+)/(?P<region>[^/]+)/(?P<name>.+)/(?P<digest>[^/]+)")
# ECR API operations that change nothing worth saving (pull times are saved with the next change)
_READ_ONLY_PREFIXES = ("Describe", "List", "Get", "BatchGet", "BatchCheck", "Validate")
_CHANGING_GETS = frozenset({"GetAuthorizationToken", "GetLifecyclePolicyPreview"})


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """Who an unsigned or plain-address request is: the server's own account and region."""

    account_id: str = _config.DEFAULT_ACCOUNT_ID
    region: str = _config.DEFAULT_REGION


class App:
    """One registry server over ``backends``. Each request runs in a transaction of ``store`` (when there is
    one), told beforehand whether the request may change state and afterwards whether it did: a served registry
    saves its state there before the answer is sent (``ecr_mock._store.world``)."""

    def __init__(self, backends: Backends, settings: ServerSettings, store: WorldStore | None = None) -> None:
        self.backends = backends
        self.settings = settings
        self.store = store

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            with self._transaction(request) as transaction:
                try:
                    response, transaction.changed = self._dispatch(request)
                except RegistryError as error:
                    response = _registry_error(error)
        except Exception as error:  # a bug in the mock: say so in the answer's shape, keep serving
            log.exception("ecr_mock server failed on %s %s", request.method, request.path)
            response = _internal(request, error)
        return response(environ, start_response)

    def _transaction(self, request: Request) -> AbstractContextManager[Transaction]:
        if self.store is None:
            return contextlib.nullcontext(Transaction())
        return self.store.transaction(_may_change(request))

    def _dispatch(self, request: Request) -> tuple[Response, bool]:
        path = request.path
        if path.startswith("/v2"):
            return self._registry(request)
        if path.startswith("/layers/") and request.method in ("GET", "HEAD"):
            return self._layer(request), False
        if path == "/" and request.method == "POST":
            return self._api(request)
        raise RegistryError(404, "NOT_FOUND", f"ecr_mock serves POST / (the ECR API), /v2/ and /layers/; not {path}")

    # --- POST /: the ECR API ----------------------------------------------------------------------------

    def _api(self, request: Request) -> tuple[Response, bool]:
        target = request.headers.get("X-Amz-Target")
        authorization = request.headers.get("Authorization")
        if self.backends.behaviour.strict and not authorization:
            return _api_error(MissingAuthenticationTokenException.of()), False
        access_key_id, region = scope(authorization)
        try:
            body = request.stream.read(MAX_API_BODY + 1)
        except ClientDisconnected:  # not one byte of the body arrived
            body = b""
        except OSError as error:  # a reset, a malformed chunk
            return _api_error(SerializationException(f"Request body could not be read: {error}")), False
        if len(body) > MAX_API_BODY:
            raise RegistryError(413, "SIZE_INVALID", f"an ECR API request body is at most {MAX_API_BODY} bytes")
        if request.content_length is not None and len(body) < request.content_length:  # cut short: run nothing
            return _api_error(SerializationException("Request body is shorter than its Content-Length")), False
        account = access_key_id if access_key_id and len(access_key_id) == 12 and access_key_id.isdigit() else None
        host = _API_HOST.search(request.host)
        region = region or (host["region"] if host else self.settings.region)
        call = protocol.Request(target, body, access_key_id)
        answer = protocol.handle(call, self.backends, account or self.settings.account_id, region)
        operation = (target or "").rpartition(".")[2]
        return Response(answer.body, answer.status, answer.headers), answer.status == 200 and _changes(operation)

    # --- /v2/: the registry -----------------------------------------------------------------------------

    def _registry(self, request: Request) -> tuple[Response, bool]:
        target = auth.authenticate(
            self.backends,
            request.host,
            request.headers.get("Authorization"),
            self.settings.account_id,
            self.settings.region,
        )
        response, changed = registry.route(request, self.backends, target)
        response.headers.update(registry.API_VERSION)
        return response, changed

    # --- /layers/: download URLs ------------------------------------------------------------------------

    def _layer(self, request: Request) -> Response:
        match = _LAYER_PATH.fullmatch(request.path)
        if match is None:
            raise RegistryError(404, "BLOB_UNKNOWN", "no such layer URL")
        try:
            with self.backends.lock:
                backend = self.backends.registry(match["registry"], match["region"])
                _, blob = backend.layer_for_download(match["name"], unquote(match["digest"]))
        except EcrError as error:
            return Response(_s3_error("NoSuchKey", error.message), 404, {"Content-Type": "application/xml"})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(blob.size)}
        body: Iterable[bytes] = () if request.method == "HEAD" else blob.chunks()
        return Response(body, 200, headers, direct_passthrough=True)


def _may_change(request: Request) -> bool:
    """Whether a request may change saved state, known before it runs (the ECR API by its operation, the registry
    by its route)."""
    if request.path.startswith("/v2"):
        return registry.saves(request.path, request.method)
    if request.path == "/" and request.method == "POST":
        return _changes((request.headers.get("X-Amz-Target") or "").rpartition(".")[2])
    return False


def _changes(operation: str) -> bool:
    if operation in _CHANGING_GETS:
        return True
    return not operation.startswith(_READ_ONLY_PREFIXES)


def _registry_error(error: RegistryError) -> Response:
    body = error.body()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **error.headers}
    headers.update(registry.API_VERSION)
    return Response(body, error.status, headers)


def _api_error(error: EcrError) -> Response:
    answer = protocol.error_response(error)
    return Response(answer.body, answer.status, answer.headers)


def _internal(request: Request, error: Exception) -> Response:
    message = f"ecr_mock internal error: {type(error).__name__}: {error}"
    if request.path.startswith("/v2"):
        return _registry_error(RegistryError(500, "UNKNOWN", message))
    return _api_error(InternalFailure(message))


def _s3_error(code: str, message: str) -> bytes:
    from xml.sax.saxutils import escape

    text = f"<Error><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
    return f"<?xml version='1.0' encoding='UTF-8'?>{text}".encode()

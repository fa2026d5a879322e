"""A registry client over the server's WSGI app, for the registry-API tests: werkzeug's test client (no sockets),
or a real ``Server`` on a loopback port when a test needs a socket.

``Registry`` logs in the way docker does (GetAuthorizationToken through ``POST /``, then HTTP Basic
``AWS:<password>``), calls the ECR API through ``POST /`` with a SigV4-shaped ``Authorization`` header (the mock
reads the credential scope, not the signature), and pushes blobs and manifests through ``/v2/``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
from collections.abc import Iterator, Mapping
from typing import Any

from _manifests import Built, sha256_of
from werkzeug.test import Client, TestResponse

from ecr_mock import _config
from ecr_mock._backend import Backends
from ecr_mock._config import Behaviour
from ecr_mock._server.app import App, ServerSettings
from ecr_mock._server.serving import Server

ACCOUNT = _config.DEFAULT_ACCOUNT_ID
REGION = _config.DEFAULT_REGION
TARGET = "AmazonEC2ContainerRegistry_V20150921."
API_CONTENT_TYPE = "application/x-amz-json-1.1"
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
EXPIRED = "Your authorization token has expired. Reauthenticate and try again."
# The spec's error codes (distribution-spec "Error Codes"), plus Docker's TAG_INVALID, which ECR uses.
SPEC_CODES = frozenset(
    {
        "BLOB_UNKNOWN",
        "BLOB_UPLOAD_INVALID",
        "BLOB_UPLOAD_UNKNOWN",
        "DIGEST_INVALID",
        "MANIFEST_BLOB_UNKNOWN",
        "MANIFEST_INVALID",
        "MANIFEST_UNKNOWN",
        "NAME_INVALID",
        "NAME_UNKNOWN",
        "SIZE_INVALID",
        "UNAUTHORIZED",
        "DENIED",
        "UNSUPPORTED",
        "TOOMANYREQUESTS",
        "TAG_INVALID",
    }
)


def signed(access_key: str = ACCESS_KEY, region: str = REGION) -> str:
    """A SigV4 ``Authorization`` header as botocore writes it (the mock reads only its credential scope)."""
    credential = f"{access_key}/20260101/{region}/ecr/aws4_request"
    return f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date, Signature={'0' * 64}"


def challenge(registry_id: str = ACCOUNT, region: str = REGION) -> str:
    return f'Basic realm="https://{registry_id}.dkr.ecr.{region}.amazonaws.com/",service="ecr.amazonaws.com"'


def rnf(name: str, registry_id: str = ACCOUNT) -> str:
    """ECR's M-RNF text."""
    return f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'"


def registry_error(response: TestResponse) -> tuple[int, str, str]:
    """(status, code, message) of a registry error, after checking the body has the spec's shape: one JSON
    object ``{"errors": [{"code", "message", "detail"?}]}`` with a code from the spec's table."""
    document = json.loads(response.get_data())
    assert isinstance(document, dict) and set(document) == {"errors"}, document
    errors = document["errors"]
    assert isinstance(errors, list) and len(errors) == 1, document
    entry = errors[0]
    assert set(entry) <= {"code", "message", "detail"} and {"code", "message"} <= set(entry), entry
    assert entry["code"] in SPEC_CODES, entry
    assert isinstance(entry["message"], str), entry
    assert response.headers["Content-Type"] == "application/json"
    return response.status_code, entry["code"], entry["message"]


def api_error(response: TestResponse) -> tuple[int, str, str]:
    """(status, code, message) of an ECR API error: ECR's JSON 1.1 shape ``{"__type", "message"}``."""
    document = json.loads(response.get_data())
    assert isinstance(document, dict) and {"__type", "message"} <= set(document), document
    assert isinstance(document["__type"], str) and isinstance(document["message"], str), document
    assert response.headers["Content-Type"] == API_CONTENT_TYPE
    return response.status_code, document["__type"], document["message"]


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Registry:
    """The server's app behind werkzeug's test client, logged in as ``AWS`` once ``login`` ran."""

    def __init__(
        self, behaviour: Behaviour = _config.DEFAULT, *, account_id: str = ACCOUNT, region: str = REGION
    ) -> None:
        self.backends = Backends(behaviour)
        self.settings = ServerSettings(account_id, region)
        self.app = App(self.backends, self.settings)
        self.client = Client(self.app)
        self.authorization: str | None = None

    # --- the ECR API at POST / --------------------------------------------------------------------------

    def api_response(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        access_key: str = ACCESS_KEY,
        region: str = REGION,
    ) -> TestResponse:
        headers = {
            "X-Amz-Target": TARGET + operation,
            "Content-Type": API_CONTENT_TYPE,
            "Authorization": signed(access_key, region),
        }
        return self.client.post("/", data=json.dumps(dict(params or {})), headers=headers)

    def api(self, operation: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """One ECR call; its answer, or ``ApiError`` with ECR's code and message."""
        response = self.api_response(operation, params, **kwargs)
        if response.status_code != 200:
            raise ApiError(*api_error(response))
        answer: dict[str, Any] = json.loads(response.get_data())
        return answer

    def create_repository(
        self, name: str, *, access_key: str = ACCESS_KEY, region: str = REGION, **params: Any
    ) -> dict[str, Any]:
        answer = self.api("CreateRepository", {"repositoryName": name, **params}, access_key=access_key, region=region)
        repository: dict[str, Any] = answer["repository"]
        return repository

    def token(self, **kwargs: Any) -> str:
        """A password GetAuthorizationToken issues (the ``<password>`` of ``AWS:<password>``)."""
        import base64

        data = self.api("GetAuthorizationToken", **kwargs)["authorizationData"][0]
        user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
        assert user == "AWS"
        return password

    def login(self, **kwargs: Any) -> str:
        """Log the client in as docker does; the ``Authorization`` header it then sends."""
        data = self.api("GetAuthorizationToken", **kwargs)["authorizationData"][0]
        self.authorization = f"Basic {data['authorizationToken']}"
        return self.authorization

    # --- the registry API at /v2/ -----------------------------------------------------------------------

    def open(
        self,
        method: str,
        path: str,
        data: bytes = b"",
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """One request, with the logged-in credentials unless ``headers`` carries its own ``Authorization``."""
        sent = dict(headers or {})
        if self.authorization is not None and "Authorization" not in sent:
            sent["Authorization"] = self.authorization
        return self.client.open(path, method=method, data=data, headers=sent, **kwargs)

    def push_blob(self, name: str, data: bytes) -> str:
        """A monolithic upload (``POST ?digest=``): the blob's digest."""
        digest = sha256_of(data)
        response = self.open("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data)
        assert response.status_code == 201, response.get_data()
        assert response.headers["Docker-Content-Digest"] == digest
        return digest

    def start_upload(self, name: str) -> str:
        """``POST /v2/<name>/blobs/uploads/``: the upload's location."""
        response = self.open("POST", f"/v2/{name}/blobs/uploads/")
        assert response.status_code == 202, response.get_data()
        return response.headers["Location"]

    def put_manifest(self, name: str, reference: str, text: str | bytes, media_type: str | None) -> TestResponse:
        body = text.encode() if isinstance(text, str) else text
        headers = {"Content-Type": media_type} if media_type else {}
        return self.open("PUT", f"/v2/{name}/manifests/{reference}", body, headers)

    def push_image(self, name: str, reference: str, built: Built, media_type: str | None) -> TestResponse:
        """Every blob of ``built``, then its manifest under ``reference``; the manifest PUT's answer."""
        for blob in built.blobs:
            self.push_blob(name, blob)
        response = self.put_manifest(name, reference, built.manifest, media_type)
        assert response.status_code == 201, response.get_data()
        return response

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> TestResponse:
        return self.open("GET", path, headers=headers)


def logged_in(repository: str) -> Registry:
    """The default mode's app, logged in, with ``repository`` created."""
    registry = Registry()
    registry.login()
    registry.create_repository(repository)
    return registry


@contextlib.contextmanager
def served(registry: Registry) -> Iterator[Server]:
    """The registry's app on a real loopback socket (port 0), stopped on exit."""
    server = Server(registry.app, "127.0.0.1", 0).start()
    try:
        yield server
    finally:
        server.stop()


def connection(server: Server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(server.host, server.port, timeout=10)


def http_request(
    server: Server, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh loopback connection: status, headers, body."""
    conn = connection(server)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()

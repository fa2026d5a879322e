"""The app stays hostable by any WSGI server: the stdlib's wsgiref serves create_app() to boto3 and a registry
client (wsgiref reads bodies by Content-Length only, so no chunked uploads here: werkzeug's server serves those)."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import boto3
import pytest
import requests

from ecr_mock._server.app import App
from ecr_mock.wsgi import create_app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    holder: list[App] = []  # the app needs the address, which needs the bound server
    server: WSGIServer = make_server("127.0.0.1", 0, lambda env, start: holder[0](env, start), handler_class=_Quiet)
    address = f"127.0.0.1:{server.server_port}"
    holder.append(create_app(data_dir=tmp_path / "data", address=address))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}", tmp_path / "data"
    finally:
        server.shutdown()
        server.server_close()


def test_wsgiref_serves_the_api_and_the_registry(hosted: tuple[str, Path]) -> None:
    url, data_dir = hosted
    ecr = boto3.client(
        "ecr", region_name="us-east-1", endpoint_url=url, aws_access_key_id="AKIAHOSTED", aws_secret_access_key="x"
    )
    uri = ecr.create_repository(repositoryName="hosted/app")["repository"]["repositoryUri"]
    assert uri == f"{url.removeprefix('http://')}/hosted/app"
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    auth = {"Authorization": f"Basic {token}"}
    config = b'{"architecture":"amd64","os":"linux"}'
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    pushed = requests.post(
        f"{url}/v2/hosted/app/blobs/uploads/?digest={config_digest}", data=config, headers=auth, timeout=10
    )
    assert pushed.status_code == 201
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": [],
        }
    ).encode()
    put = requests.put(
        f"{url}/v2/hosted/app/manifests/1.0",
        data=manifest,
        timeout=10,
        headers={**auth, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert put.status_code == 201
    detail = ecr.describe_images(repositoryName="hosted/app")["imageDetails"][0]
    assert detail["imageDigest"] == "sha256:" + hashlib.sha256(manifest).hexdigest()
    assert detail["imageTags"] == ["1.0"]
    pulled = requests.get(f"{url}/v2/hosted/app/blobs/{config_digest}", headers=auth, timeout=10)
    assert pulled.content == config
    assert base64.b64decode(token).startswith(b"AWS:")
    assert (data_dir / "state.sqlite3").exists()


def test_create_app_refuses_two_places_to_keep_state(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="give data_dir or database, not both"):
        create_app(data_dir=tmp_path, database="postgresql://localhost/ecr")

"""Where clients are told to go: ECR's own host names, or a served registry's loopback address.

In-process, repository URIs, proxy endpoints and layer download URLs have ECR's shapes. While a registry server
runs (``ecr-mock serve``, ``mock.serve()``), they point at it, so what one client reads from the API another can
push to: ``127.0.0.1:<port>/<name>``, ``http://127.0.0.1:<port>``, ``http://127.0.0.1:<port>/layers/...``; or,
opted into, the LocalStack-style names ``<registry>.dkr.ecr.<region>.localhost:<port>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

S3_HOST = "prod-{region}-starport-layer-bucket.s3.{region}.amazonaws.com"
EXPIRES_SECONDS = 3600
# <registry>.dkr.ecr.<region>.amazonaws.com, or .localhost (LocalStack's style), with any port
REGISTRY_HOST = re.compile(
    r"(?P<registry>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|localhost)"
    r"(?::[0-9]+)?"
)


def ecr_host(registry_id: str, region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{registry_id}.dkr.ecr.{region}.{suffix}"


def s3_download_url(registry_id: str, region: str, name: str, digest: str) -> str:
    """A layer download URL of ECR's shape (a pre-signed S3 URL), answered in-process for ``requests``."""
    host = S3_HOST.format(region=region)
    path = f"{registry_id}/{name}/{quote(digest, safe='')}"
    return f"https://{host}/{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires={EXPIRES_SECONDS}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A served registry's address as clients reach it (``127.0.0.1:5000``)."""

    address: str
    localhost_names: bool = False  # hand out <registry>.dkr.ecr.<region>.localhost:<port> names instead

    @property
    def port(self) -> str:
        return self.address.rpartition(":")[2]

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def registry_host(self, registry_id: str, region: str) -> str:
        if self.localhost_names:
            return f"{registry_id}.dkr.ecr.{region}.localhost:{self.port}"
        return self.address

    def repository_uri(self, registry_id: str, region: str, name: str) -> str:
        return f"{self.registry_host(registry_id, region)}/{name}"

    def proxy_endpoint(self, registry_id: str, region: str) -> str:
        return f"http://{self.registry_host(registry_id, region)}"

    def download_url(self, registry_id: str, region: str, name: str, digest: str) -> str:
        return f"{self.url}/layers/{registry_id}/{region}/{name}/{quote(digest, safe='')}"

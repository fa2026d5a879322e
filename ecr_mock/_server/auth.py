"""Registry credentials as ECR takes them: HTTP Basic ``AWS:<password>``, the password from GetAuthorizationToken.

Which registry a request talks to: the host when it names one (``<registry>.dkr.ecr.<region>.amazonaws.com`` or
``.localhost``), else the registry the password was issued for; the region likewise, else the server's own.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ecr_mock import _clock
from ecr_mock._backend import Backends
from ecr_mock._domain.endpoint import REGISTRY_HOST, ecr_host
from ecr_mock._server.errors import TOKEN_EXPIRED, RegistryError, unauthorized


@dataclass(frozen=True, slots=True)
class Target:
    """The registry a registry-API request addresses, once its credentials are checked."""

    registry_id: str
    region: str


def challenge(registry_id: str, region: str) -> str:
    return f'Basic realm="https://{ecr_host(registry_id, region)}/",service="ecr.amazonaws.com"'


def authenticate(backends: Backends, host: str, authorization: str | None, account_id: str, region: str) -> Target:
    """The registry the caller may use, or the 401 that tells it to log in (again)."""
    named = REGISTRY_HOST.fullmatch(host)
    registry_id, region = (named["registry"], named["region"]) if named else (account_id, region)
    password = _password(authorization)
    if password is None:
        raise unauthorized(challenge(registry_id, region))
    grant = backends.authorizer.grant(password, backends.behaviour)
    if grant is None or (named is not None and grant.registry_id != registry_id):
        raise unauthorized(challenge(registry_id, region), TOKEN_EXPIRED, "DENIED")
    if grant.expires_at is not None and _clock.now() >= grant.expires_at:
        raise unauthorized(challenge(registry_id, region), TOKEN_EXPIRED, "DENIED")
    if named is None:
        registry_id, region = grant.registry_id, grant.region or region
    return Target(registry_id, region)


def _password(authorization: str | None) -> str | None:
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        user, _, password = base64.b64decode(authorization[6:].strip(), validate=True).decode().partition(":")
    except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 once decoded
        raise RegistryError(400, "UNAUTHORIZED", "malformed Basic credentials") from None
    return password if user == "AWS" and password else None

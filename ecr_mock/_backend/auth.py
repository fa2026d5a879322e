"""GetAuthorizationToken: registry credentials, the seed's fixed token by default, random ones in strict mode."""

from __future__ import annotations

import secrets
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dateutil.tz import tzlocal

from ecr_mock import _clock, _config
from ecr_mock._config import Behaviour
from ecr_mock._domain.endpoint import Endpoint, ecr_host


@dataclass(frozen=True, slots=True)
class AuthorizationData:
    token: str
    expires_at: datetime
    proxy_endpoint: str


@dataclass(frozen=True, slots=True)
class Grant:
    """What a registry password opens: a registry (and the region it was issued in, when known)."""

    registry_id: str
    region: str | None
    expires_at: datetime | None


SEED_SUFFIX = "-auth-token"  # the default mode's password: <registry id>-auth-token


class Authorizer:
    """Issues tokens and remembers the strict-mode ones, which the registry server checks."""

    def __init__(self) -> None:
        self.issued: dict[str, Grant] = {}  # password -> what it opens

    def issue(
        self,
        behaviour: Behaviour,
        caller: str,
        region: str,
        registry_ids: Sequence[str] | None,
        endpoint: Endpoint | None = None,
    ) -> list[AuthorizationData]:
        """One token per registry asked for (the caller's when none)."""
        result = []
        for registry_id in registry_ids or [caller]:
            if endpoint is None:
                proxy = f"https://{ecr_host(registry_id, region)}"
            else:
                proxy = endpoint.proxy_endpoint(registry_id, region)
            if behaviour.seed_auth_token:
                password, expires = f"{registry_id}{SEED_SUFFIX}", datetime(2015, 1, 1, tzinfo=tzlocal())
            else:
                password, expires = secrets.token_urlsafe(96), _clock.now() + _config.AUTH_TOKEN_LIFETIME
                self.issued[password] = Grant(registry_id, region, expires)
            # surrogatepass: default mode takes registry ids unchecked, and a token must come back whatever they hold
            token = b64encode(f"AWS:{password}".encode("utf-8", "surrogatepass")).decode()
            result.append(AuthorizationData(token, expires, proxy))
        return result

    def grant(self, password: str, behaviour: Behaviour) -> Grant | None:
        """What ``password`` opens: an issued token (maybe expired: the caller compares ``expires_at``), or in
        the default mode the seed's ``<registry>-auth-token``; None for anything else."""
        issued = self.issued.get(password)
        if issued is not None:
            return issued
        registry_id = password.removesuffix(SEED_SUFFIX)
        if behaviour.seed_auth_token and registry_id != password and registry_id.isdigit() and len(registry_id) == 12:
            return Grant(registry_id, None, None)
        return None

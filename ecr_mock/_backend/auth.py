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


@dataclass(frozen=True, slots=True)
class AuthorizationData:
    token: str
    expires_at: datetime
    proxy_endpoint: str


class Authorizer:
    """Issues tokens and remembers the strict-mode ones (the registry server will check them)."""

    def __init__(self) -> None:
        self.issued: dict[str, tuple[str, datetime]] = {}  # password -> (registry id, expiry)

    def issue(
        self, behaviour: Behaviour, caller: str, region: str, registry_ids: Sequence[str] | None
    ) -> list[AuthorizationData]:
        """One token per registry asked for (the caller's when none)."""
        result = []
        for registry_id in registry_ids or [caller]:
            endpoint = f"https://{registry_id}.dkr.ecr.{region}.amazonaws.com"
            if behaviour.seed_auth_token:
                password, expires = f"{registry_id}-auth-token", datetime(2015, 1, 1, tzinfo=tzlocal())
            else:
                password, expires = secrets.token_urlsafe(96), _clock.now() + _config.AUTH_TOKEN_LIFETIME
                self.issued[password] = (registry_id, expires)
            # surrogatepass: default mode takes registry ids unchecked, and a token must come back whatever they hold
            token = b64encode(f"AWS:{password}".encode("utf-8", "surrogatepass")).decode()
            result.append(AuthorizationData(token, expires, endpoint))
        return result

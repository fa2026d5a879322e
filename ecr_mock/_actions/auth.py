"""GetAuthorizationToken."""

from __future__ import annotations

from ecr_mock._actions._base import Context, Params, Result, action


@action("GetAuthorizationToken")
def get_authorization_token(ctx: Context, params: Params) -> Result:
    tokens = ctx.backends.authorization_data(ctx.account_id, ctx.region, params.get("registryIds"))
    return {
        "authorizationData": [
            {"authorizationToken": t.token, "expiresAt": t.expires_at, "proxyEndpoint": t.proxy_endpoint}
            for t in tokens
        ]
    }

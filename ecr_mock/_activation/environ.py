"""Fake credentials and a region while a mock is active; the real environment back, exactly, afterwards."""

from __future__ import annotations

import os

from ecr_mock._config import DEFAULT_REGION

FAKE_ACCESS_KEY_ID = "ECRMOCKFAKEACCESSKEY"
FAKE_SECRET_ACCESS_KEY = "ecr-mock-fake-secret-access-key"

# Everything botocore could find real credentials (or a profile naming them) through.
_SHADOWED = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
)


class EnvironmentPatch:
    """Set on ``apply()``, put back as it was (present or absent, same value) on ``restore()``."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        values: dict[str, str | None] = dict.fromkeys(_SHADOWED)
        values.update(
            AWS_ACCESS_KEY_ID=FAKE_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=FAKE_SECRET_ACCESS_KEY,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_CONFIG_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        if not os.environ.get("AWS_DEFAULT_REGION"):
            # botocore reads only AWS_DEFAULT_REGION; honour an AWS_REGION the user set for other SDKs
            values["AWS_DEFAULT_REGION"] = os.environ.get("AWS_REGION") or DEFAULT_REGION
        self._saved = {name: os.environ.get(name) for name in values}
        _write(values)

    def restore(self) -> None:
        _write(self._saved)
        self._saved = {}


def _write(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

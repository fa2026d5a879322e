"""Handlers by area. Importing this package fills ``DISPATCH``."""

from ecr_mock._actions import (
    auth,
    images,
    layers,
    lifecycle,
    policies,
    replication,
    repositories,
    scanning,
    tags,
)
from ecr_mock._actions._base import DISPATCH, Context, Handler

__all__ = [
    "DISPATCH",
    "Context",
    "Handler",
    "auth",
    "images",
    "layers",
    "lifecycle",
    "policies",
    "replication",
    "repositories",
    "scanning",
    "tags",
]

"""Handlers by area. Importing this package fills ``DISPATCH``."""

from ecr_mock._actions import (
    auth,
    exclusions,
    images,
    layers,
    lifecycle,
    policies,
    pull_through,
    replication,
    repositories,
    scanning,
    signing,
    tags,
    templates,
)
from ecr_mock._actions._base import DISPATCH, Context, Handler

__all__ = [
    "DISPATCH",
    "Context",
    "Handler",
    "auth",
    "exclusions",
    "images",
    "layers",
    "lifecycle",
    "policies",
    "pull_through",
    "replication",
    "repositories",
    "scanning",
    "signing",
    "tags",
    "templates",
]

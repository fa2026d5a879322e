"""Every choice that is not plain AWS fact lives here: seed compatibility, strict mode, defaults, quotas.

The seed (moto 1.3.14's ECR tests, 2019) pins a few behaviours real ECR does differently. The default
``Behaviour`` keeps them so the seed passes; ``strict=True`` is real ECR as ``shared/ecr-behaviour.md``
describes it. Values the reference marks "unconfirmed" are taken from the documented default and kept here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

DEFAULT_ACCOUNT_ID = "012345678910"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ENV = "ECR_MOCK_ACCOUNT_ID"
STRICT_ENV = "ECR_MOCK_STRICT"

# Quotas and sizes (ecr-behaviour.md 2.3, 4.16).
DEFAULT_PAGE_SIZE = 100
MAX_REPOSITORIES = 10_000
MAX_IMAGES_PER_REPOSITORY = 100_000
MAX_TAGS_PER_IMAGE = 1_000
MAX_RESOURCE_TAGS = 50
MAX_TAG_KEY_LENGTH = 128
MAX_TAG_VALUE_LENGTH = 256
AUTH_TOKEN_LIFETIME = timedelta(hours=12)
LAYER_PART_SIZE = 10_485_760  # what InitiateLayerUpload advertises (AWS CLI example)
MIN_LAYER_PART_SIZE = 5 * 1024 * 1024  # every part but the last
MAX_LAYER_PARTS = 4_200
# How long an archived image takes to come back (ECR: minutes to hours, unconfirmed). Zero: the next call sees it.
ARCHIVE_RESTORE_DELAY = timedelta(0)
DEFAULT_REFERRERS_PAGE_SIZE = 20
LIFECYCLE_PREVIEW_PAGE_SIZE = 100
LIFECYCLE_PREVIEW_DURATION = timedelta(0)  # zero: the first GetLifecyclePolicyPreview reports COMPLETE

# PutAccountSetting names, their accepted values, and the value a registry starts with (defaults unconfirmed).
ACCOUNT_SETTINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", ("AWS_NATIVE", "CLAIR")),
    "REGISTRY_POLICY_SCOPE": ("V2", ("V1", "V2")),
    "BLOB_MOUNTING": ("DISABLED", ("ENABLED", "DISABLED")),
}

# Scans: how long a basic scan takes (zero: complete at the next look), and the one-scan-per-image window.
SCAN_DURATION = timedelta(0)
SCAN_QUOTA_WINDOW = timedelta(hours=24)
SCAN_COMPLETE_DESCRIPTION = "The scan was completed successfully."

# Replication: the failure code when a destination's registry policy refuses the source (unconfirmed), and
# backfills (at most 10 running per registry; zero duration: a backfill has run by the next look at it).
REPLICATION_ACCESS_DENIED = "ACCESS_DENIED"
MAX_RUNNING_BACKFILLS = 10
BACKFILL_DURATION = timedelta(0)
DEFAULT_BACKFILL_PAGE_SIZE = 50

# Pull through cache: upstream hosts and their kind (ecr-behaviour.md 4.10; the chainguard host is unconfirmed),
# the kinds that need a Secrets Manager credential, and the rule quota.
UPSTREAM_HOSTS = {
    "public.ecr.aws": "ecr-public",
    "registry-1.docker.io": "docker-hub",
    "quay.io": "quay",
    "registry.k8s.io": "k8s",
    "ghcr.io": "github-container-registry",
    "registry.gitlab.com": "gitlab-container-registry",
    "cgr.dev": "chainguard",
}
UPSTREAMS_NEEDING_SECRETS = frozenset(
    {"docker-hub", "github-container-registry", "azure-container-registry", "gitlab-container-registry", "chainguard"}
)
MAX_PULL_THROUGH_RULES = 50

# Repository creation templates a registry may hold (unconfirmed quota).
MAX_REPOSITORY_CREATION_TEMPLATES = 100
# Managed signing: how long a signature takes (zero: complete at the next look, like scans).
SIGNING_DURATION = timedelta(0)
# Pull-time update exclusions: at most 100 principals per registry [doc]. Callers whose access key was not
# registered with ``EcrMock.register_principal`` (the mock's fake key included) act as this principal.
MAX_PULL_TIME_EXCLUSIONS = 100
DEFAULT_PRINCIPAL = "arn:aws:iam::{account}:user/ecr-mock"

# The size moto 1.3.14 reported for every image; the seed asserts it for images whose layers were never uploaded.
SEED_IMAGE_SIZE = 52_428_800


@dataclass(frozen=True)
class Behaviour:
    """What the mock does where the seed and real ECR disagree."""

    strict: bool
    # The seed sends registryId="123" and 11-digit registry ids: default mode skips registry id patterns.
    validate_registry_ids: bool
    # The seed compares imagePushedAt with a naive datetime.now() under freezegun.
    naive_push_time: bool
    # The seed expects 52428800 for images whose layers were never uploaded; strict sums the manifest's layers.
    nominal_image_size: int | None
    # The seed pins the token base64("AWS:<registry>-auth-token") expiring 2015-01-01 (local time).
    seed_auth_token: bool
    # The seed expects DescribeImages with a foreign registryId to find the caller's repository (and name the
    # foreign id in its messages); strict looks only in the named registry.
    describe_images_registry_fallback: bool
    # The seed re-pushes an existing manifest without a tag and expects success; real ECR refuses
    # (ImageAlreadyExistsException, unconfirmed).
    untagged_repush_allowed: bool
    # PutImage refuses manifests whose layers/config (LayersNotFoundException) or children
    # (ReferencedImagesNotFoundException) were not pushed first; the seed pushes bare manifests.
    require_pushed_blobs: bool


DEFAULT = Behaviour(
    strict=False,
    validate_registry_ids=False,
    naive_push_time=True,
    nominal_image_size=SEED_IMAGE_SIZE,
    seed_auth_token=True,
    describe_images_registry_fallback=True,
    untagged_repush_allowed=True,
    require_pushed_blobs=False,
)

STRICT = Behaviour(
    strict=True,
    validate_registry_ids=True,
    naive_push_time=False,
    nominal_image_size=None,
    seed_auth_token=False,
    describe_images_registry_fallback=False,
    untagged_repush_allowed=False,
    require_pushed_blobs=True,
)


def behaviour_for(strict: bool) -> Behaviour:
    """Strict when asked for, or when ``ECR_MOCK_STRICT=1`` is in the environment."""
    if not strict:
        strict = os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
    return STRICT if strict else DEFAULT


def account_for(account_id: str | None) -> str:
    """``account_id`` as given, else ``ECR_MOCK_ACCOUNT_ID``, else the seed's account."""
    return account_id or os.environ.get(ACCOUNT_ENV) or DEFAULT_ACCOUNT_ID

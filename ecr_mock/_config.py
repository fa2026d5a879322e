"""Every choice that is not plain AWS fact lives here: seed compatibility, strict mode, defaults, quotas.

The seed (moto 1.3.14's ECR tests, 2019) pins a few behaviours real ECR does differently. The default
``Behaviour`` keeps them so the seed passes; ``strict=True`` is real ECR as ``shared/ecr-behaviour.md``
describes it. Values the reference marks "unconfirmed" are taken from the documented default and kept here.

The default mode is also the moto-compatible mode: where tests written for moto rely on leniency real ECR does not
have, ``Behaviour`` says so (each such entry names the moto behaviour it mirrors), and every call that relies on
one is recorded on the mock's handle (``EcrMock.leniencies``) and logged on the ``ecr_mock`` logger.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
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
DEFAULT_REFERRERS_PAGE_SIZE = 20
LIFECYCLE_PREVIEW_PAGE_SIZE = 100

# PutAccountSetting names, their accepted values, and the value a registry starts with (defaults unconfirmed).
ACCOUNT_SETTINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", ("AWS_NATIVE", "CLAIR")),
    "REGISTRY_POLICY_SCOPE": ("V2", ("V1", "V2")),
    "BLOB_MOUNTING": ("DISABLED", ("ENABLED", "DISABLED")),
}

# Scans: the one-scan-per-image window (how long a scan takes is a ``Durations`` entry).
SCAN_QUOTA_WINDOW = timedelta(hours=24)
SCAN_COMPLETE_DESCRIPTION = "The scan was completed successfully."

# Replication: the failure code when a destination's registry policy refuses the source (unconfirmed), and
# backfills (at most 10 running per registry; how long one runs is a ``Durations`` entry).
REPLICATION_ACCESS_DENIED = "ACCESS_DENIED"
MAX_RUNNING_BACKFILLS = 10
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
# Pull-time update exclusions: at most 100 principals per registry [doc]. Callers whose access key was not
# registered with ``EcrMock.register_principal`` (the mock's fake key included) act as this principal.
MAX_PULL_TIME_EXCLUSIONS = 100
DEFAULT_PRINCIPAL = "arn:aws:iam::{account}:user/ecr-mock"

# The size moto 1.3.14 reported for every image; the seed asserts it for images whose layers were never uploaded.
SEED_IMAGE_SIZE = 52_428_800


ACCOUNT_ID = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class Durations:
    """How long ECR's background work takes, on the mock's clock (``ecr_mock._clock``: freezegun moves it).

    Zero (the default for every kind) means the work started by one call is complete by the next look, so boto3's
    waiters return at once; with a duration set, calls within it see IN_PROGRESS (and a backfill can be stopped).
    """

    scan: timedelta = timedelta(0)  # StartImageScan and scan on push (ECR: seconds to minutes)
    lifecycle_preview: timedelta = timedelta(0)  # StartLifecyclePolicyPreview
    signing: timedelta = timedelta(0)  # managed signing after a push
    backfill: timedelta = timedelta(0)  # StartReplicationBackfill
    restore: timedelta = timedelta(0)  # UpdateImageStorageClass ARCHIVE -> STANDARD (ECR: minutes to hours)

    @classmethod
    def of(cls, given: Mapping[str, timedelta | float] | None) -> Durations:
        """From ``{kind: timedelta or seconds}``; an unknown kind is a ValueError naming the known ones."""
        if not given:
            return NO_DURATIONS
        kinds = [f.name for f in fields(cls)]
        unknown = sorted(set(given) - set(kinds))
        if unknown:
            raise ValueError(f"unknown background-work kind(s) {unknown}: the kinds are {kinds}")
        return cls(**{kind: _duration(kind, value) for kind, value in given.items()})


def _duration(kind: str, value: timedelta | float) -> timedelta:
    duration = value if isinstance(value, timedelta) else timedelta(seconds=value)
    if duration < timedelta(0):
        raise ValueError(f"the {kind} duration must not be negative, got {value!r}")
    return duration


NO_DURATIONS = Durations()


@dataclass(frozen=True)
class Behaviour:
    """What the mock does where the seed (and moto) and real ECR disagree, and how long background work takes.

    The entries marked *leniency* accept, in the default mode, what real ECR refuses; each use is recorded on the
    mock's handle (``EcrMock.leniencies``) and logged, so a suite can find what strict mode would break.
    """

    strict: bool
    # The seed sends registryId="123" and 11-digit registry ids: default mode skips registry id patterns.
    validate_registry_ids: bool
    # The seed compares imagePushedAt with a naive datetime.now() under freezegun.
    naive_push_time: bool
    # The seed expects 52428800 for images whose layers were never uploaded; strict sums the manifest's layers.
    nominal_image_size: int | None
    # The seed pins the token base64("AWS:<registry>-auth-token") expiring 2015-01-01 (local time).
    seed_auth_token: bool
    # Leniency (kind "registry_fallback"): moto 1.3.14's DescribeImages looked repositories up by name whatever
    # registryId said (the seed expects it to find the caller's repository and name the given id in messages);
    # default mode does so on every operation that takes a registryId and a repositoryName, except ListImages,
    # where the seed pins RepositoryNotFoundException. Strict looks only in the named registry.
    registry_fallback: bool
    # Leniency (kind "image_digest_mismatch"): moto stores an image under the imageDigest PutImage names, without
    # checking it is the manifest's SHA-256 (test helpers pass made-up digests); later calls find it by that
    # digest. Strict raises ImageDigestDoesNotMatchException, as ECR does.
    trust_given_digest: bool
    # The seed re-pushes an existing manifest without a tag and expects success; real ECR refuses
    # (ImageAlreadyExistsException, unconfirmed).
    untagged_repush_allowed: bool
    # PutImage refuses manifests whose layers/config (LayersNotFoundException) or children
    # (ReferencedImagesNotFoundException) were not pushed first; the seed pushes bare manifests.
    require_pushed_blobs: bool
    # Not a mode difference: how long background work takes (set per mock: ``mock_ecr(durations=...)``).
    durations: Durations = field(default=NO_DURATIONS)


DEFAULT = Behaviour(
    strict=False,
    validate_registry_ids=False,
    naive_push_time=True,
    nominal_image_size=SEED_IMAGE_SIZE,
    seed_auth_token=True,
    registry_fallback=True,
    trust_given_digest=True,
    untagged_repush_allowed=True,
    require_pushed_blobs=False,
)

STRICT = Behaviour(
    strict=True,
    validate_registry_ids=True,
    naive_push_time=False,
    nominal_image_size=None,
    seed_auth_token=False,
    registry_fallback=False,
    trust_given_digest=False,
    untagged_repush_allowed=False,
    require_pushed_blobs=True,
)


@dataclass
class ProjectDefaults:
    """What a project sets once for every mock: the pytest plugin fills it from the ini options ``ecr_mock_strict``
    and ``ecr_mock_account_id``. The environment (``ECR_MOCK_STRICT``, ``ECR_MOCK_ACCOUNT_ID``) overrides it, and an
    argument to ``mock_ecr(...)`` overrides both."""

    strict: bool = False
    account_id: str | None = None


PROJECT = ProjectDefaults()


def behaviour_for(strict: bool | None) -> Behaviour:
    """``strict`` when given (True or False); else ``ECR_MOCK_STRICT`` when set; else the project's setting."""
    if strict is None:
        from_environment = os.environ.get(STRICT_ENV, "").strip().lower()
        strict = from_environment in {"1", "true", "yes", "on"} if from_environment else PROJECT.strict
    return STRICT if strict else DEFAULT


def account_for(account_id: str | None) -> str:
    """``account_id`` as given, else ``ECR_MOCK_ACCOUNT_ID``, else the project's, else the seed's account; always
    12 digits (ValueError otherwise)."""
    if account_id is not None:
        return check_account_id(account_id, "account_id")
    from_environment = os.environ.get(ACCOUNT_ENV)
    if from_environment:
        return check_account_id(from_environment, ACCOUNT_ENV)
    return PROJECT.account_id or DEFAULT_ACCOUNT_ID


def check_account_id(account_id: str, given_as: str) -> str:
    """An AWS account id is 12 digits; anything else would give ARNs and URIs ECR never shows."""
    if not isinstance(account_id, str) or not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"{given_as} must be a 12-digit AWS account id, got {account_id!r}")
    return account_id

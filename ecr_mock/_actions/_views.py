"""Model objects as the output shapes name them. Datetimes and bytes stay Python: the protocol encodes them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.model import ListShape, Shape

from ecr_mock import _config
from ecr_mock._backend import Failure, ImageRef, scanning
from ecr_mock._backend.images import referrer_artifact_type
from ecr_mock._config import Behaviour
from ecr_mock._domain.manifest import LIST_TYPES
from ecr_mock._domain.repository import Image, Repository, Scan
from ecr_mock._wire import model as _model
from ecr_mock._wire.codegen import Rows, Written, quote, write


def repository(repo: Repository, uri: str) -> dict[str, Any]:
    encryption: dict[str, Any] = {"encryptionType": repo.encryption_type}
    if repo.kms_key is not None:
        encryption["kmsKey"] = repo.kms_key
    view: dict[str, Any] = {
        "repositoryArn": repo.arn,
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "repositoryUri": uri,
        "createdAt": repo.created_at,
        "imageTagMutability": repo.tag_mutability,
        "imageScanningConfiguration": {"scanOnPush": repo.scan_on_push},
        "encryptionConfiguration": encryption,
    }
    if repo.exclusion_filters:
        view["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": pattern} for pattern in repo.exclusion_filters
        ]
    return view


def repositories(repos: list[Repository], uri: Callable[[Repository], str]) -> list[Written]:
    """A page of repositories, each as the JSON text of its view, kept while nothing the view shows changes."""
    texts = _REPOSITORY_TEXTS
    found = []
    for repo in repos:
        address = uri(repo)
        key = (
            repo.arn,
            address,
            repo.created_at,
            repo.tag_mutability,
            repo.exclusion_filters,
            repo.scan_on_push,
            repo.encryption_type,
            repo.kms_key,
        )
        text = texts.get(key)
        if text is None:
            if len(texts) >= _REPOSITORY_TEXTS_LIMIT:
                texts.clear()
            text = texts[key] = Written(write(_repository_shape(), repository(repo, address)))
        found.append(text)
    return found


# The text of repository views by everything they show: a key the view does not show cannot be stale.
_REPOSITORY_TEXTS: dict[tuple[Any, ...], Written] = {}
_REPOSITORY_TEXTS_LIMIT = 20_000  # two full registries' worth


@functools.cache
def _repository_shape() -> Shape:
    output = _model.operation("DescribeRepositories")
    assert output is not None and output.output_shape is not None
    listed = output.output_shape.members["repositories"]
    assert isinstance(listed, ListShape)
    return listed.member


def image_id(digest: str, tag: str | None) -> dict[str, str]:
    return {"imageDigest": digest} if tag is None else {"imageDigest": digest, "imageTag": tag}


_IMAGE_ID_MEMBERS = ("imageDigest", "imageTag")


def image_ids(pairs: tuple[list[str], list[str | None]]) -> Rows:
    """A listing's (digest, tag) pairs, given as their two columns, as ImageIdentifier rows (a tag of None: an
    untagged image). Plain: stored digests match ECR's digest pattern and stored tags ``check_image_tag``'s
    characters."""
    return Rows.of_columns(_IMAGE_ID_MEMBERS, pairs, plain=True)


def scan_status(status: str) -> dict[str, str]:
    if status == "COMPLETE":
        return {"status": status, "description": _config.SCAN_COMPLETE_DESCRIPTION}
    return {"status": status}


def scan_summary(scan: Scan, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "imageScanCompletedAt": scan.done_at,
        "vulnerabilitySourceUpdatedAt": scan.started_at,
        "findingSeverityCounts": counts,
    }


def image_detail(repo: Repository, image: Image, behaviour: Behaviour) -> dict[str, Any]:
    manifest = image.manifest
    pushed_at = datetime.fromtimestamp(image.pushed, timezone.utc)
    listed = manifest.media_type in LIST_TYPES  # Manifest.artifact_media_type, inlined: every detail asks
    detail: dict[str, Any] = {
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "imageDigest": manifest.digest,
        "imageTags": list(image.tags) if image.tags else None,
        "imageSizeInBytes": image.size,
        "imagePushedAt": pushed_at.replace(tzinfo=None) if behaviour.naive_push_time else pushed_at,
        "imageManifestMediaType": manifest.media_type,
        "artifactMediaType": None if listed else manifest.artifact_type or manifest.config_media_type,
        "lastRecordedPullTime": image.last_pull,
        "subjectManifestDigest": manifest.subject,
        "imageStatus": image.status,
        "lastArchivedAt": image.last_archived_at,
        "lastActivatedAt": image.last_activated_at,
    }
    if image.scan is not None:
        status = scanning.scan_status(image)
        detail["imageScanStatus"] = scan_status(status)
        if status == "COMPLETE":
            detail["imageScanFindingsSummary"] = scan_summary(image.scan, scanning.severity_counts(image.scan))
    return detail


_DETAIL_MEMBERS = (
    "registryId",
    "repositoryName",
    "imageDigest",
    "imageTags",
    "imageSizeInBytes",
    "imagePushedAt",
    "imageManifestMediaType",
    "artifactMediaType",
    "lastRecordedPullTime",
    "subjectManifestDigest",
    "imageStatus",
    "lastArchivedAt",
    "lastActivatedAt",
)


_DETAIL_QUOTED = ("registryId", "repositoryName", "imageManifestMediaType", "artifactMediaType", "imageStatus")
# The members of a page none of whose images has rare facts (``more``: no pull, subject, archive or restore): most
# pages. Their rows are four members narrower, and so is the writer compiled for them.
_PLAIN_DETAIL_MEMBERS = tuple(
    name
    for name in _DETAIL_MEMBERS
    if name not in ("lastRecordedPullTime", "subjectManifestDigest", "lastArchivedAt", "lastActivatedAt")
)
_QUOTED: dict[str, str] = {}  # the JSON text of media types and statuses, the few values every page repeats
_QUOTED_LIMIT = 256  # artifact types are the pusher's own: beyond these many, the rest are quoted every time


def _quoted(value: str) -> str:
    text = _QUOTED.get(value)
    if text is None:
        text = quote(value)
        if len(_QUOTED) < _QUOTED_LIMIT:
            _QUOTED[value] = text
    return text


def image_details(repo: Repository, images: list[Image], behaviour: Behaviour) -> Rows | list[dict[str, Any]]:
    """A page of ImageDetails: as rows (one tuple per image, no dict) unless an image was scanned, whose detail
    carries more (``image_detail``). The push time goes out as epoch seconds in whole microseconds (as the datetime
    ``image_detail`` builds would), or naive in the seed's mode. What every row repeats (the registry, the
    repository, media types, the status) is quoted once (``_DETAIL_QUOTED``)."""
    rare = [image.more for image in images if image.more is not None]
    if any(more.scan is not None for more in rare):
        return [image_detail(repo, image, behaviour) for image in images]
    registry_id, name, naive = quote(repo.registry_id), quote(repo.name), behaviour.naive_push_time
    if not rare:
        return Rows(_PLAIN_DETAIL_MEMBERS, _detail_rows(images, registry_id, name, naive, False), quoted=_DETAIL_QUOTED)
    return Rows(_DETAIL_MEMBERS, _detail_rows(images, registry_id, name, naive, True), quoted=_DETAIL_QUOTED)


def _detail_rows(images: list[Image], registry_id: str, name: str, naive: bool, rare: bool) -> list[tuple[Any, ...]]:
    """``image_details``'s rows: of ``_DETAIL_MEMBERS`` when ``rare`` (some image on the page has rare facts), else
    of ``_PLAIN_DETAIL_MEMBERS``."""
    known = _QUOTED.get
    rows = []
    for image in images:  # an image is its manifest, its rare facts (manifest's and image's) in one ``more``
        more, media_type, tagged, status = image.more, image.media_type, image.tagged, image.status
        artifact = (
            None
            if media_type in LIST_TYPES
            else (None if more is None else more.artifact_type) or image.config_media_type
        )
        row: tuple[Any, ...] = (
            registry_id,
            name,
            image.digest,
            (tagged,) if type(tagged) is str else tagged or None,  # ``image.tags``, without the call
            image.size,
            _naive(image.pushed) if naive else round(image.pushed * 1e6) / 1e6,  # whole microseconds
            known(media_type) or _quoted(media_type),
            None if artifact is None else known(artifact) or _quoted(artifact),
            known(status) or _quoted(status),
        )
        if rare:  # the four rare members, in the model's order around the status
            pull, subject, archived, activated = (
                (None, None, None, None)
                if more is None
                else (more.last_pull, more.subject, more.last_archived_at, more.last_activated_at)
            )
            row = (*row[:8], pull, subject, row[8], archived, activated)
        rows.append(row)
    return rows


def _naive(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def image(repo: Repository, img: Image, tag: str | None) -> dict[str, Any]:
    manifest = img.manifest
    return {
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "imageId": {"imageDigest": manifest.digest, "imageTag": tag},  # None tags are left off the wire
        "imageManifest": manifest.text,
        "imageManifestMediaType": manifest.media_type,
    }


def ref(value: ImageRef) -> dict[str, str]:
    """An identifier echoed back as the caller sent it."""
    echo = {}
    if value.digest is not None:
        echo["imageDigest"] = value.digest
    if value.tag is not None:
        echo["imageTag"] = value.tag
    return echo


def failure(value: Failure) -> dict[str, Any]:
    return {"imageId": ref(value.ref), "failureCode": value.code, "failureReason": value.reason}


# An ImageRef from one tuple, in C (NamedTuple's own __new__ is a Python call, and a call names up to 100 images).
_new_ref: Callable[[tuple[str | None, str | None]], ImageRef] = functools.partial(tuple.__new__, ImageRef)


def image_ref(param: dict[str, str]) -> ImageRef:
    return _new_ref((param.get("imageDigest"), param.get("imageTag")))


def image_refs(params: list[dict[str, str]] | None) -> list[ImageRef] | None:
    return None if params is None else [image_ref(item) for item in params]


def referrer(image: Image) -> dict[str, Any]:
    manifest = image.manifest
    return {
        "digest": image.digest,
        "mediaType": manifest.media_type,
        "artifactType": referrer_artifact_type(image),
        "size": manifest.text_size,
        "annotations": manifest.annotations,
        "artifactStatus": image.status,
    }

"""What ECR reads out of a manifest: digest, media types, referenced blobs and images (ecr-behaviour.md 4.1-4.2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ecr_mock._errors import InvalidParameterException

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_V1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LIST_TYPES = frozenset({DOCKER_LIST, OCI_INDEX})


@dataclass(frozen=True, slots=True)
class Manifest:
    """The facts one manifest carries. ``text`` is kept verbatim: its bytes are the digest."""

    text: str
    digest: str
    media_type: str
    artifact_media_type: str | None
    blobs: tuple[tuple[str, int], ...]  # (digest, declared size) of the config and each layer
    layer_size: int  # sum of layers[].size (config excluded), ECR's compressed image size
    children: tuple[str, ...]  # digests a manifest list / index references
    subject: str | None

    @property
    def is_list(self) -> bool:
        return self.media_type in LIST_TYPES


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str, media_type_param: str | None) -> Manifest:
    """Read ``text`` as ECR does; InvalidParameterException 'Invalid JSON syntax' when it cannot."""
    document = _load(text)
    media_type = document.get("mediaType")
    if not isinstance(media_type, str) or not media_type:
        media_type = media_type_param
    if not media_type:
        # ECR answers a manifest with no media type anywhere exactly like unparsable JSON (obs).
        raise _invalid_json()
    if media_type_param and media_type_param != media_type:
        raise InvalidParameterException.at(
            "imageManifestMediaType",
            f"Media type '{media_type_param}' does not match the manifest's media type '{media_type}'",
        )
    config = _descriptor(document.get("config"))
    layers = [d for d in map(_descriptor, _list(document.get("layers"))) if d is not None]
    blobs = tuple(d for d in [config, *layers] if d is not None)
    if media_type in (DOCKER_V1, DOCKER_V1_SIGNED):
        blobs = tuple((s, 0) for s in _v1_blob_sums(document))
    children = tuple(d[0] for d in map(_descriptor, _list(document.get("manifests"))) if d is not None)
    subject = _descriptor(document.get("subject"))
    return Manifest(
        text=text,
        digest=digest_of(text),
        media_type=media_type,
        artifact_media_type=_artifact_media_type(document, media_type),
        blobs=blobs,
        layer_size=sum(size for _, size in layers),
        children=children,
        subject=subject[0] if subject else None,
    )


def _load(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        raise _invalid_json() from None
    if not isinstance(document, dict):
        raise _invalid_json()
    return document


def _invalid_json() -> InvalidParameterException:
    return InvalidParameterException.at("ImageManifest", "Invalid JSON syntax")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _descriptor(value: Any) -> tuple[str, int] | None:
    if not isinstance(value, dict):
        return None
    digest, size = value.get("digest"), value.get("size")
    if not isinstance(digest, str):
        return None
    return digest, size if isinstance(size, int) and not isinstance(size, bool) else 0


def _v1_blob_sums(document: dict[str, Any]) -> list[str]:
    sums = [layer.get("blobSum") for layer in _list(document.get("fsLayers")) if isinstance(layer, dict)]
    return [s for s in sums if isinstance(s, str)]


def _artifact_media_type(document: dict[str, Any], media_type: str) -> str | None:
    if media_type in LIST_TYPES:
        return None
    artifact_type = document.get("artifactType")
    if isinstance(artifact_type, str) and artifact_type:
        return artifact_type
    config = document.get("config")
    if isinstance(config, dict) and isinstance(config.get("mediaType"), str):
        return str(config["mediaType"])
    return None

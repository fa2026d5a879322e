"""What ECR reads out of a manifest: digest, media types, referenced blobs and images (ecr-behaviour.md 4.1-4.2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, NamedTuple

from ecr_mock._errors import InvalidParameterException

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_V1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LIST_TYPES = frozenset({DOCKER_LIST, OCI_INDEX})


class Descriptor(NamedTuple):
    digest: str
    size: int  # as declared by the manifest
    media_type: str | None


@dataclass(frozen=True, slots=True)
class Manifest:
    """The facts one manifest carries. ``text`` is kept verbatim: its bytes are the digest."""

    text: str
    digest: str
    media_type: str
    artifact_media_type: str | None
    config: Descriptor | None
    layers: tuple[Descriptor, ...]
    children: tuple[str, ...]  # digests a manifest list / index references
    subject: str | None
    artifact_type: str | None  # the manifest's own artifactType
    annotations: dict[str, str] | None

    @property
    def is_list(self) -> bool:
        return self.media_type in LIST_TYPES

    @property
    def blobs(self) -> tuple[Descriptor, ...]:
        """The config and every layer: what must be in the repository for the image to be pulled."""
        return self.layers if self.config is None else (self.config, *self.layers)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


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
    layers = tuple(d for d in map(_descriptor, _list(document.get("layers"))) if d is not None)
    if media_type in (DOCKER_V1, DOCKER_V1_SIGNED):
        layers = tuple(Descriptor(digest, 0, None) for digest in _v1_blob_sums(document))
    children = tuple(d.digest for d in map(_descriptor, _list(document.get("manifests"))) if d is not None)
    subject = _descriptor(document.get("subject"))
    artifact_type = document.get("artifactType")
    annotations = document.get("annotations")
    return Manifest(
        text=text,
        digest=digest_of(text),
        media_type=media_type,
        artifact_media_type=_artifact_media_type(document, media_type),
        config=config,
        layers=layers,
        children=children,
        subject=subject.digest if subject else None,
        artifact_type=artifact_type if isinstance(artifact_type, str) and artifact_type else None,
        annotations=_string_map(annotations),
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


def _descriptor(value: Any) -> Descriptor | None:
    if not isinstance(value, dict):
        return None
    digest, size, media_type = value.get("digest"), value.get("size"), value.get("mediaType")
    if not isinstance(digest, str):
        return None
    return Descriptor(
        digest,
        size if isinstance(size, int) and not isinstance(size, bool) else 0,
        media_type if isinstance(media_type, str) else None,
    )


def _string_map(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not value:
        return None
    return {str(key): str(item) for key, item in value.items()}


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

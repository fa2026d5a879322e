"""What ECR reads out of a manifest: digest, media types, referenced blobs and images (ecr-behaviour.md 4.1-4.2).

A ``Manifest`` keeps the verbatim text and the few facts every call needs. The config and layer descriptors are
read again from the text when asked for (a small cache serves the calls around one push), so a registry of many
images holds each image's JSON once, as text.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from ecr_mock._errors import InvalidParameterException
from ecr_mock._wire import jsonio as _jsonio

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_V1 = "application/vnd.docker.distribution.manifest.v1+json"
DOCKER_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LIST_TYPES = frozenset({DOCKER_LIST, OCI_INDEX})

# Media types every registry sees, each held once: a manifest's media types are kept for every image, and a
# lookup here is cheaper than sys.intern's (which serves the rest).
_COMMON_TYPES = {
    kind: kind
    for kind in (
        DOCKER_V2,
        DOCKER_V1,
        DOCKER_V1_SIGNED,
        DOCKER_LIST,
        OCI_MANIFEST,
        OCI_INDEX,
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.empty.v1+json",
    )
}


def _shared(kind: str) -> str:
    """The one copy of a media type string."""
    return _COMMON_TYPES.get(kind) or sys.intern(kind)


class Descriptor(NamedTuple):
    digest: str
    size: int  # as declared by the manifest
    media_type: str | None


class Blobs(NamedTuple):
    config: Descriptor | None
    layers: tuple[Descriptor, ...]


class Rare(Protocol):
    """What few manifests carry, as ``Manifest.more`` holds it: a ``ManifestMore``, or an image's ``ImageMore``
    (which holds its manifest's rare facts beside the image's own)."""

    @property
    def children(self) -> tuple[str, ...]: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def artifact_type(self) -> str | None: ...
    @property
    def annotations(self) -> dict[str, str] | None: ...


@dataclass(frozen=True, slots=True)
class ManifestMore:
    """What few manifests carry: an index's children, an OCI 1.1 subject and artifactType, annotations."""

    children: tuple[str, ...]  # digests a manifest list / index references
    subject: str | None
    artifact_type: str | None  # the manifest's own artifactType
    annotations: dict[str, str] | None


@dataclass(slots=True, eq=False)
class Manifest:
    """The facts one manifest carries (never changed once read). ``text`` is kept verbatim: its bytes are the
    digest. Not a frozen dataclass only because those build more slowly, on every push. What few manifests
    carry is in ``more`` (None for most: four slots fewer on every image). A stored image is a ``Manifest``
    itself (``repository.Image``): one object an image, its manifest's facts in its own slots."""

    text: str
    digest: str
    media_type: str
    config_media_type: str | None
    more: Rare | None = None

    @property
    def children(self) -> tuple[str, ...]:
        return () if self.more is None else self.more.children

    @property
    def subject(self) -> str | None:
        return None if self.more is None else self.more.subject

    @property
    def artifact_type(self) -> str | None:
        return None if self.more is None else self.more.artifact_type

    @property
    def annotations(self) -> dict[str, str] | None:
        return None if self.more is None else self.more.annotations

    @property
    def is_list(self) -> bool:
        return self.media_type in LIST_TYPES

    @property
    def artifact_media_type(self) -> str | None:
        """ECR's artifactMediaType: the artifactType, else the config's media type; none for lists."""
        return None if self.is_list else self.artifact_type or self.config_media_type

    @property
    def config(self) -> Descriptor | None:
        return blobs_of(self).config

    @property
    def layers(self) -> tuple[Descriptor, ...]:
        return blobs_of(self).layers

    @property
    def blobs(self) -> tuple[Descriptor, ...]:
        """The config and every layer: what must be in the repository for the image to be pulled."""
        config, layers = blobs_of(self)
        return layers if config is None else (config, *layers)

    @property
    def text_size(self) -> int:
        """The manifest's size in bytes (its UTF-8 text): what a descriptor of it says. Not ``size``, which an
        image (a ``Manifest`` too) keeps for ECR's image size."""
        return len(self.text.encode("utf-8"))


_SHA256 = hashlib.sha256()  # copied per manifest: a copy skips OpenSSL's per-call digest lookup


def _sha256_hex(data: bytes) -> str:
    hasher = _SHA256.copy()
    hasher.update(data)
    return "sha256:" + hasher.hexdigest()


def read(text: str, media_type_param: str | None) -> tuple[Manifest, dict[str, Any]]:
    """Read ``text`` as ECR does (InvalidParameterException 'Invalid JSON syntax' when it cannot): the manifest, and
    the JSON document it was read from, from which ``descriptors(manifest, document)`` reads its blobs when a push
    needs them (most pushes do not: see ``Repository.add``)."""
    try:
        data = text.encode("utf-8")
        document = _jsonio.loads(text)
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" escaped in the request) is no UTF-8 manifest
        raise _invalid_json() from None
    except (ValueError, RecursionError):
        raise _invalid_json() from None
    if type(document) is not dict:
        raise _invalid_json()
    media_type = document.get("mediaType")
    if type(media_type) is not str or not media_type:
        media_type = media_type_param
    if not media_type:
        # ECR answers a manifest with no media type anywhere exactly like unparsable JSON (obs).
        raise _invalid_json()
    if media_type_param and media_type_param != media_type:
        raise InvalidParameterException.at(
            "imageManifestMediaType",
            f"Media type '{media_type_param}' does not match the manifest's media type '{media_type}'",
        )
    config = None if media_type in (DOCKER_V1, DOCKER_V1_SIGNED) else document.get("config")
    config_media_type = None  # the config descriptor's media type (a descriptor: a digest string at least)
    if type(config) is dict and type(config.get("digest")) is str:
        kind = config.get("mediaType")
        if type(kind) is str:  # _shared(kind), inlined: every push reads one
            config_media_type = _COMMON_TYPES.get(kind) or sys.intern(kind)
    children = document.get("manifests")
    subject = document.get("subject")
    subject = None if subject is None else _descriptor(subject)
    artifact_type = document.get("artifactType")
    annotations = document.get("annotations")
    more = (
        ManifestMore(
            _digests(children) if children else (),
            None if subject is None else subject.digest,
            artifact_type if type(artifact_type) is str and artifact_type else None,
            _string_map(annotations) if annotations else None,
        )
        if children or subject is not None or artifact_type or annotations
        else None
    )
    hasher = _SHA256.copy()  # _sha256_hex(data) and _shared(media_type), inlined: every push reads one manifest
    hasher.update(data)
    media_type = _COMMON_TYPES.get(media_type) or sys.intern(media_type)
    return Manifest(text, "sha256:" + hasher.hexdigest(), media_type, config_media_type, more), document


def descriptors(manifest: Manifest, document: dict[str, Any]) -> Blobs:
    """The config and layer descriptors of ``manifest``, read from its ``document`` (and kept a while)."""
    blobs = _blobs(document, manifest.media_type)
    _remember(manifest.digest, blobs)
    return blobs


def _blobs(document: dict[str, Any], media_type: str) -> Blobs:
    if media_type in (DOCKER_V1, DOCKER_V1_SIGNED):
        return Blobs(None, tuple(_new_descriptor((digest, 0, None)) for digest in _v1_blob_sums(document)))
    layers = document.get("layers")
    found: list[Descriptor] = []
    if type(layers) is list:
        intern, new = _shared, _new_descriptor
        for layer in layers:  # _descriptor, inlined: a manifest has a handful of layers and every push reads them
            if type(layer) is dict:
                digest, size, kind = layer.get("digest"), layer.get("size"), layer.get("mediaType")
                if type(digest) is str:
                    kind = intern(kind) if type(kind) is str else None
                    found.append(new((digest, size if type(size) is int else 0, kind)))
    return Blobs(_descriptor(document.get("config")), tuple(found))


def _digests(descriptors: Any) -> tuple[str, ...]:
    """The digests of a list of descriptors (an index's ``manifests``), skipping what is no descriptor."""
    if type(descriptors) is not list:
        return ()
    found = [_descriptor(item) for item in descriptors]
    return tuple([d.digest for d in found if d is not None])


# --- the descriptors of recently used manifests ------------------------------------------------------------

# Digest -> descriptors, oldest first: the calls around one push read them without parsing the text again.
_RECENT: dict[str, Blobs] = {}
_RECENT_SIZE = 256


def blobs_of(manifest: Manifest) -> Blobs:
    blobs = _RECENT.get(manifest.digest)
    if blobs is None:
        blobs = _blobs(_load(manifest.text), manifest.media_type)
        _remember(manifest.digest, blobs)
    return blobs


def _remember(digest: str, blobs: Blobs) -> None:
    recent = _RECENT
    recent[digest] = blobs
    if len(recent) > _RECENT_SIZE:
        del recent[next(iter(recent))]


# --- reading JSON ------------------------------------------------------------------------------------------


def _load(text: str) -> dict[str, Any]:
    try:
        document = _jsonio.loads(text)
    except (ValueError, RecursionError):
        raise _invalid_json() from None
    if not isinstance(document, dict):
        raise _invalid_json()
    return document


def _invalid_json() -> InvalidParameterException:
    return InvalidParameterException.at("ImageManifest", "Invalid JSON syntax")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# Builds a Descriptor from one tuple: a C call, where Descriptor(...) runs NamedTuple's Python-level __new__.
_new_descriptor: Callable[[tuple[str, int, str | None]], Descriptor] = functools.partial(tuple.__new__, Descriptor)


def _descriptor(value: Any) -> Descriptor | None:
    if type(value) is not dict:
        return None
    digest = value.get("digest")
    if type(digest) is not str:
        return None
    size, media_type = value.get("size"), value.get("mediaType")
    return _new_descriptor(
        (digest, size if type(size) is int else 0, _shared(media_type) if type(media_type) is str else None)
    )


def _string_map(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not value:
        return None
    return {str(key): str(item) for key, item in value.items()}


def _v1_blob_sums(document: dict[str, Any]) -> list[str]:
    sums = [layer.get("blobSum") for layer in _list(document.get("fsLayers")) if isinstance(layer, dict)]
    return [s for s in sums if isinstance(s, str)]

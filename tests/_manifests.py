"""Deterministic Docker / OCI manifests for the boto3 end-to-end tests.

``docker_image`` / ``oci_image`` return a ``Built``: the manifest *text* (what ``PutImage.imageManifest`` carries)
and the bytes of every blob it names (config first, then layers), so a strict-mode test can upload them first.
``docker_manifest`` / ``oci_manifest`` return the text alone. Distinct content comes from the ``n`` argument (blob
bytes are derived from it), never from randomness: the same arguments give byte-identical text and the same digest.
Every declared ``size`` is the real length of the blob's bytes, and every blob digest is their sha256.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
HELM_CONFIG = "application/vnd.cncf.helm.config.v1+json"

DEFAULT_LAYER_SIZES: tuple[int, ...] = (32654, 16724)


def digest_of(text: str) -> str:
    """ECR's digest: sha256 over the exact UTF-8 bytes of the manifest text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def blob_digest(label: str) -> str:
    """A well-formed, deterministic digest for ``label`` (of nothing ever pushed, unless a test pushes it)."""
    return "sha256:" + hashlib.sha256(label.encode("utf-8")).hexdigest()


def blob_content(label: str, size: int) -> bytes:
    """``size`` deterministic bytes, distinct for each ``label``."""
    unit = f"{label}|".encode()
    return (unit * (size // len(unit) + 1))[:size]


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Built:
    """A manifest and the bytes of the blobs it names (config first, then layers)."""

    manifest: str
    blobs: tuple[bytes, ...]

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)

    @property
    def layer_size(self) -> int:
        """What ECR reports as imageSizeInBytes for this image: the layers' bytes, config excluded."""
        return sum(len(blob) for blob in self.blobs[1:])


def _dump(document: dict[str, Any], indent: int | None) -> str:
    return json.dumps(document, indent=indent)


def _descriptor_of(media_type: str, data: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "size": len(data), "digest": sha256_of(data)}


def docker_image(
    n: int,
    *,
    layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES,
    config_size: int = 7023,
    indent: int | None = 4,
    with_media_type: bool = True,
) -> Built:
    """A Docker image manifest, schema 2, and its blobs, all derived from ``n``."""
    config = blob_content(f"docker-config-{n}", config_size)
    layers = [blob_content(f"docker-layer-{n}-{index}", size) for index, size in enumerate(layer_sizes)]
    document: dict[str, Any] = {"schemaVersion": 2}
    if with_media_type:
        document["mediaType"] = DOCKER_V2
    document["config"] = _descriptor_of(DOCKER_CONFIG, config)
    document["layers"] = [_descriptor_of(DOCKER_LAYER, layer) for layer in layers]
    return Built(_dump(document, indent), (config, *layers))


def docker_manifest(
    n: int,
    *,
    layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES,
    config_size: int = 7023,
    indent: int | None = 4,
    with_media_type: bool = True,
) -> str:
    """The text of ``docker_image(...)``."""
    return docker_image(
        n, layer_sizes=layer_sizes, config_size=config_size, indent=indent, with_media_type=with_media_type
    ).manifest


def oci_image(
    n: int,
    *,
    layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES,
    config_media_type: str = OCI_CONFIG,
    artifact_type: str | None = None,
    subject: str | None = None,
    with_media_type: bool = True,
    annotations: dict[str, str] | None = None,
    indent: int | None = 2,
) -> Built:
    """An OCI image manifest (or artifact, with ``artifact_type`` / ``subject``) and its blobs, derived from ``n``."""
    config = b"{}" if config_media_type == OCI_EMPTY else blob_content(f"oci-config-{n}", 233)
    layers = [blob_content(f"oci-layer-{n}-{index}", size) for index, size in enumerate(layer_sizes)]
    document: dict[str, Any] = {"schemaVersion": 2}
    if with_media_type:
        document["mediaType"] = OCI_MANIFEST
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["config"] = _descriptor_of(config_media_type, config)
    document["layers"] = [_descriptor_of(OCI_LAYER, layer) for layer in layers]
    if subject is not None:
        document["subject"] = {"mediaType": OCI_MANIFEST, "size": 1024, "digest": subject}
    if annotations is not None:
        document["annotations"] = annotations
    return Built(_dump(document, indent), (config, *layers))


def oci_manifest(
    n: int,
    *,
    layer_sizes: Sequence[int] = DEFAULT_LAYER_SIZES,
    config_media_type: str = OCI_CONFIG,
    artifact_type: str | None = None,
    subject: str | None = None,
    with_media_type: bool = True,
    annotations: dict[str, str] | None = None,
    indent: int | None = 2,
) -> str:
    """The text of ``oci_image(...)``."""
    return oci_image(
        n,
        layer_sizes=layer_sizes,
        config_media_type=config_media_type,
        artifact_type=artifact_type,
        subject=subject,
        with_media_type=with_media_type,
        annotations=annotations,
        indent=indent,
    ).manifest


def helm_chart(n: int) -> str:
    """A Helm chart as pushed by helm: OCI layout, *no* top-level mediaType."""
    return oci_manifest(n, config_media_type=HELM_CONFIG, layer_sizes=(4096,), with_media_type=False)


_PLATFORMS: tuple[tuple[str, str], ...] = (("amd64", "linux"), ("arm64", "linux"), ("s390x", "linux"))


def _descriptor(child: str, index: int) -> dict[str, Any]:
    child_type = json.loads(child).get("mediaType", OCI_MANIFEST)
    architecture, os_name = _PLATFORMS[index % len(_PLATFORMS)]
    return {
        "mediaType": child_type,
        "size": len(child.encode("utf-8")),
        "digest": digest_of(child),
        "platform": {"architecture": architecture, "os": os_name},
    }


def manifest_list(children: Sequence[str], *, indent: int | None = 3) -> str:
    """A Docker manifest list naming each manifest text in ``children``."""
    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_LIST,
        "manifests": [_descriptor(child, index) for index, child in enumerate(children)],
    }
    return _dump(document, indent)


def oci_index(children: Sequence[str], *, artifact_type: str | None = None, indent: int | None = 2) -> str:
    """An OCI image index naming each manifest text in ``children``."""
    document: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_INDEX}
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["manifests"] = [_descriptor(child, index) for index, child in enumerate(children)]
    return _dump(document, indent)

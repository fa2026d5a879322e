"""Complete, consistent images made from a seed, for ``EcrMock.push_image``: small config and layer blobs whose bytes
depend only on (seed, platform, index), and the manifest naming them with their true digests and sizes. Each layer
is a real gzipped tar of one file, so docker, podman and skopeo can pull and unpack what the mock pushed."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass

FORMATS = {
    "oci": (
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.index.v1+json",
    ),
    "docker": (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.container.image.v1+json",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ),
}
LAYER_SIZE = 256  # bytes of the one file in each layer: small, so thousands of pushed images stay cheap


@dataclass(frozen=True, slots=True)
class Fabricated:
    """One image: its blobs (config first) and its manifest text."""

    blobs: tuple[bytes, ...]
    manifest: str
    platform: str | None


def image(seed: str, layers: int, kind: str, platform: str | None = None) -> Fabricated:
    """An image of ``layers`` layers in format ``kind`` ("oci" or "docker") for ``platform`` ("linux/arm64")."""
    manifest_type, config_type, layer_type, _ = _format(kind)
    if layers < 0:
        raise ValueError(f"layers must be 0 or more, got {layers}")
    files = [_bytes(f"{seed}/{platform}/layer/{index}", LAYER_SIZE) for index in range(layers)]
    tars = [_tar(f"ecr-mock/layer-{index}", data) for index, data in enumerate(files)]
    contents = [gzip.compress(tar, mtime=0) for tar in tars]  # what a pull unpacks: real, gzipped layer tars
    config = _config(seed, platform, tars)
    document = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": _descriptor(config_type, config),
        "layers": [_descriptor(layer_type, content) for content in contents],
    }
    return Fabricated((config, *contents), json.dumps(document, indent=3), platform)


def index(children: list[tuple[Fabricated, str]], kind: str) -> str:
    """The manifest list (Docker) or image index (OCI) of ``(image, its digest)`` pairs, one per platform."""
    manifest_type, _, _, list_type = _format(kind)
    entries = []
    for child, digest in children:
        assert child.platform is not None
        entry = {"mediaType": manifest_type, "digest": digest, "size": len(child.manifest.encode())}
        entries.append({**entry, "platform": _platform(child.platform)})
    return json.dumps({"schemaVersion": 2, "mediaType": list_type, "manifests": entries}, indent=3)


def _format(kind: str) -> tuple[str, str, str, str]:
    found = FORMATS.get(kind)
    if found is None:
        raise ValueError(f"unknown manifest format {kind!r}: use one of {sorted(FORMATS)}")
    return found


def _config(seed: str, platform: str | None, tars: list[bytes]) -> bytes:
    described = _platform(platform or "linux/amd64")
    config = {
        "architecture": described["architecture"],
        "os": described["os"],
        "config": {"Labels": {"ecr_mock.seed": seed}},
        "rootfs": {"type": "layers", "diff_ids": [sha256(tar) for tar in tars]},  # of the uncompressed layers
    }
    return json.dumps(config, sort_keys=True).encode()


def _platform(text: str) -> dict[str, str]:
    """``os/architecture[/variant]`` as a manifest list's platform object."""
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"a platform is 'os/architecture' or 'os/architecture/variant', got {text!r}")
    found = {"architecture": parts[1], "os": parts[0]}
    if len(parts) == 3:
        found["variant"] = parts[2]
    return found


def _descriptor(media_type: str, content: bytes) -> dict[str, object]:
    return {"mediaType": media_type, "size": len(content), "digest": sha256(content)}


def _tar(name: str, data: bytes) -> bytes:
    """A tar archive of one file, the same bytes every time (no times, owners or modes of this machine)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        entry = tarfile.TarInfo(name)
        entry.size, entry.mode, entry.mtime = len(data), 0o644, 0
        archive.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()


def _bytes(label: str, size: int) -> bytes:
    """``size`` deterministic bytes: SHA-256 in counter mode over ``label``."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{label}#{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def sha256(content: bytes) -> str:
    """The digest of ``content`` as ECR writes one."""
    return "sha256:" + hashlib.sha256(content).hexdigest()

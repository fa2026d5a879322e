"""``EcrMock.push_image``: a complete image pushed the way a client pushes one, blobs first, then the manifest (and,
for several platforms, each platform's image and then the list naming them). Valid in both modes: every blob a
manifest names is in the repository before the manifest is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ecr_mock._domain import fabricate

if TYPE_CHECKING:
    from ecr_mock._backend import EcrBackend


def push_image(
    registry: EcrBackend,
    repository: str,
    *,
    tag: str | None,
    layers: int,
    seed: str,
    kind: str,
    platforms: Sequence[str],
) -> str:
    """Push and return the digest of what ``tag`` names: the image, or the list of ``platforms``' images."""
    if not platforms:
        return _push(registry, repository, fabricate.image(seed, layers, kind), tag)
    children = [fabricate.image(seed, layers, kind, platform) for platform in platforms]
    digests = [_push_child(registry, repository, child) for child in children]
    manifest = fabricate.index(list(zip(children, digests, strict=True)), kind)
    _, image, _ = registry.put_image(repository, manifest, tag=tag)
    return image.digest


def _push_child(registry: EcrBackend, repository: str, child: fabricate.Fabricated) -> str:
    """A platform's image, pushed untagged unless an earlier push_image left it there (strict mode refuses an
    untagged re-push, as ECR does)."""
    digest = fabricate.sha256(child.manifest.encode())
    if digest in registry.repository(repository).images:
        return digest
    return _push(registry, repository, child, None)


def _push(registry: EcrBackend, repository: str, image: fabricate.Fabricated, tag: str | None) -> str:
    for blob in image.blobs:
        registry.put_blob(repository, blob)
    _, pushed, _ = registry.put_image(repository, image.manifest, tag=tag)
    return pushed.digest

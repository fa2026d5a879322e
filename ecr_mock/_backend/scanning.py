"""Image scanning: repository and registry scanning configuration, basic scans and their findings
(ecr-behaviour.md 3.6, 4.12)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import ImageRef, RegistryBase, ScanningConfiguration, ScanningRule
from ecr_mock._domain.repository import ACTIVE, Image, Repository, Scan, wildcard
from ecr_mock._errors import (
    ImageArchivedException,
    LimitExceededException,
    ScanNotFoundException,
    UnsupportedImageTypeException,
    ValidationException,
)

# What each scan type may ask for (unconfirmed that BASIC accepts an explicit MANUAL rule).
FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH", "MANUAL"), "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}
SCANNABLE_CONFIGS = frozenset(
    {"application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json"}
)
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")


@dataclass(frozen=True, slots=True)
class RepositoryScanning:
    repository: Repository
    scan_on_push: bool
    frequency: str
    applied_filters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanView:
    """A scan as DescribeImageScanFindings shows one page of it."""

    status: str
    scan: Scan
    findings: list[dict[str, Any]]
    enhanced_findings: list[dict[str, Any]]
    severity_counts: dict[str, int]


class ScanningOps(RegistryBase):
    def put_image_scanning_configuration(self, name: str, scan_on_push: bool) -> Repository:
        repository = self.repository(name)
        repository.scan_on_push = scan_on_push
        return repository

    def put_registry_scanning_configuration(
        self, scan_type: str, rules: Sequence[tuple[str, Sequence[str]]]
    ) -> ScanningConfiguration:
        for frequency, _ in rules:
            if frequency not in FREQUENCIES[scan_type]:
                # unconfirmed wording
                raise ValidationException(f"Scan frequency {frequency} is not supported for scan type {scan_type}")
        self.scanning = ScanningConfiguration(
            scan_type, tuple(ScanningRule(frequency, tuple(filters)) for frequency, filters in rules)
        )
        return self.scanning

    def batch_get_repository_scanning(
        self, names: Sequence[str]
    ) -> tuple[list[RepositoryScanning], list[tuple[str, str, str]]]:
        found, failures = [], []
        for name in names:
            repository = self.repositories.get(name)
            if repository is None:
                failures.append((name, "REPOSITORY_NOT_FOUND", "REPOSITORY_NOT_FOUND"))
            else:
                found.append(self.repository_scanning(repository))
        return found, failures

    def repository_scanning(self, repository: Repository) -> RepositoryScanning:
        """The registry rule whose filter matches the name (the last such rule wins), else the repository's own."""
        match: tuple[str, str] | None = None
        for rule in self.scanning.rules:
            for pattern in rule.filters:
                if _filter_matches(pattern, repository.name):
                    match = (rule.frequency, pattern)
        if match is None:
            frequency = "SCAN_ON_PUSH" if repository.scan_on_push else "MANUAL"
            return RepositoryScanning(repository, repository.scan_on_push, frequency, ())
        on_push = match[0] == "SCAN_ON_PUSH" or repository.scan_on_push
        return RepositoryScanning(repository, on_push, match[0], (match[1],))

    def after_push(self, repository: Repository, image: Image) -> None:
        super().after_push(repository, image)
        configured = repository.scan_on_push or self.scanning.rules
        if configured and self.repository_scanning(repository).scan_on_push and _scannable(image):
            self._start(repository, image)

    def start_image_scan(self, name: str, ref: ImageRef) -> tuple[Repository, Image]:
        repository = self.repository(name)
        image = self.find_image(repository, ref)
        if image.status != ACTIVE:
            raise ImageArchivedException.of(image.digest, name, self.registry_id)
        if not _scannable(image):
            raise UnsupportedImageTypeException.of(image.manifest.artifact_media_type or image.manifest.media_type)
        if image.scan is not None and _clock.now() - image.scan.started_at < _config.SCAN_QUOTA_WINDOW:
            raise LimitExceededException.scan_quota()
        self._start(repository, image)
        return repository, image

    def describe_image_scan_findings(
        self, name: str, ref: ImageRef, max_results: int | None, next_token: str | None
    ) -> tuple[Repository, Image, ScanView, str | None]:
        repository = self.repository(name)
        image = self.find_image(repository, ref)
        scan = image.scan
        if scan is None:
            raise ScanNotFoundException.of(ref.digest, ref.tag, name, self.registry_id)
        status = scan_status(image)
        listing = repository.listing("findings", image.digest)
        start = (_paging.decode(listing, next_token, 1) or (0,))[0]
        end = start + (max_results or _config.DEFAULT_PAGE_SIZE)
        basic, enhanced = scan.findings[start:end], scan.enhanced_findings[start:end]
        more = end < max(len(scan.findings), len(scan.enhanced_findings))
        view = ScanView(status, scan, basic, enhanced, severity_counts(scan))
        return repository, image, view, _paging.encode(listing, end) if more else None

    def seed_scan_findings(
        self,
        name: str,
        digest: str,
        findings: Sequence[dict[str, Any]] = (),
        enhanced_findings: Sequence[dict[str, Any]] = (),
    ) -> None:
        """What scans of this image report (now and later): ECR's finding shapes, basic and enhanced."""
        repository = self.repository(name)
        repository.seeded_findings[digest] = (list(findings), list(enhanced_findings))
        image = repository.images.get(digest)
        if image is not None and image.scan is not None:
            image.scan.findings, image.scan.enhanced_findings = list(findings), list(enhanced_findings)

    def _start(self, repository: Repository, image: Image) -> None:
        now = _clock.now()
        findings, enhanced = repository.seeded_findings.get(image.digest, ([], []))
        image.scan = Scan(now, now + self.world.behaviour.durations.scan, list(findings), list(enhanced))


def _filter_matches(pattern: str, name: str) -> bool:
    """A scanning rule's repository filter (the user guide's table): with a ``*``, a wildcard over the whole name;
    without one, any name that contains it (``prod`` matches ``repo-prod``). Tag-mutability exclusion filters, by
    contrast, match whole tags (``Repository.tag_is_immutable``)."""
    if "*" in pattern:
        return wildcard(pattern).fullmatch(name) is not None
    return pattern in name


def scan_status(image: Image) -> str:
    """An archived image's scan reports IMAGE_ARCHIVED (ecr-behaviour.md 4.15); else how far the scan got."""
    assert image.scan is not None
    if image.status != ACTIVE:
        return "IMAGE_ARCHIVED"
    return "COMPLETE" if image.scan.complete(_clock.now()) else "IN_PROGRESS"


def severity_counts(scan: Scan) -> dict[str, int]:
    counts = Counter(str(f.get("severity", "UNDEFINED")) for f in [*scan.findings, *scan.enhanced_findings])
    return {severity: counts[severity] for severity in SEVERITIES if counts[severity]}


def _scannable(image: Image) -> bool:
    manifest = image.manifest
    if manifest.is_list:
        return False
    return manifest.config_media_type is None or manifest.config_media_type in SCANNABLE_CONFIGS

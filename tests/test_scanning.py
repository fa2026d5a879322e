"""Image scanning through boto3: repository and registry scanning configuration, StartImageScan and its quota,
DescribeImageScanFindings (status, findings, paging), the ImageScanComplete waiter, scan on push, and what
DescribeImages shows (shared/ecr-behaviour.md 3.6, 4.12).

M-SNF and M-SCANQ are ECR's texts (reference 2.4). The texts of ImageArchivedException,
UnsupportedImageTypeException and the scan-frequency ValidationException are unconfirmed in the reference: those
tests pin the mock's wording. botocore retries LimitExceededException, so the clients here make one attempt only
(``total_max_attempts=1``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import (
    DOCKER_LIST,
    OCI_EMPTY,
    digest_of,
    docker_manifest,
    helm_chart,
    manifest_list,
    oci_manifest,
)
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]
from freezegun import freeze_time

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
REPO = "app"
T0 = datetime(2024, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
IMAGE = docker_manifest(1)
DIGEST = digest_of(IMAGE)
COMPLETE = {"status": "COMPLETE", "description": "The scan was completed successfully."}
QUOTA = ("LimitExceededException", "The scan quota per image has been exceeded. Wait and try again.")

FINDINGS: list[dict[str, Any]] = [
    {
        "name": f"CVE-2024-{n:04d}",
        "description": f"finding {n}",
        "uri": f"https://security-tracker.debian.org/tracker/CVE-2024-{n:04d}",
        "severity": severity,
        "attributes": [{"key": "package_name", "value": "openssl"}, {"key": "package_version", "value": f"3.0.{n}"}],
    }
    for n, severity in enumerate(["CRITICAL", "HIGH", "HIGH", "LOW", "INFORMATIONAL"], start=1)
]
ENHANCED: list[dict[str, Any]] = [
    {
        "awsAccountId": ACCOUNT,
        "description": "Inspector finding",
        "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{n:032x}",
        "firstObservedAt": datetime(2024, 1, n, tzinfo=timezone.utc),
        "score": 7.5,
        "severity": "MEDIUM",
        "status": "ACTIVE",
        "title": f"CVE-2023-{n:04d} - zlib",
        "type": "PACKAGE_VULNERABILITY",
        "packageVulnerabilityDetails": {"vulnerabilityId": f"CVE-2023-{n:04d}", "source": "NVD"},
    }
    for n in range(1, 4)
]


# --- helpers ------------------------------------------------------------------------------------------------


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def body(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}


def new_client(region: str = REGION) -> Any:
    # botocore's max_attempts counts retries (1 = one retry after a backoff); total_max_attempts=1 is one call
    return boto3.client("ecr", region_name=region, config=Config(retries={"total_max_attempts": 1}))


def rnf(name: str) -> tuple[str, str]:
    return (
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{ACCOUNT}'",
    )


def snf(digest: str | None, tag: str | None, name: str = REPO) -> tuple[str, str]:
    shown = f"{{imageDigest:'{digest or 'null'}', imageTag:'{tag or 'null'}'}}"
    return (
        "ScanNotFoundException",
        f"Image scan does not exist for the image with '{shown}' in the repository with name '{name}' "
        f"in the registry with id '{ACCOUNT}'",
    )


@pytest.fixture
def ecr() -> Iterator[Any]:
    """A repository ``app`` holding IMAGE tagged v1, never scanned."""
    with mock_ecr():
        client = new_client()
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        yield client


def rules(*specs: tuple[str, list[str]]) -> list[dict[str, Any]]:
    return [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}
        for frequency, filters in specs
    ]


def repository_scanning(client: Any, *names: str) -> dict[str, dict[str, Any]]:
    answer = client.batch_get_repository_scanning_configuration(repositoryNames=list(names))
    assert answer["failures"] == []
    return {c["repositoryName"]: c for c in answer["scanningConfigurations"]}


def scanning(name: str, frequency: str, on_push: bool, *applied: str) -> dict[str, Any]:
    return {
        "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
        "repositoryName": name,
        "scanOnPush": on_push,
        "scanFrequency": frequency,
        "appliedScanFilters": [{"filter": f, "filterType": "WILDCARD"} for f in applied],
    }


def findings_call(client: Any, image_id: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    return body(
        client.describe_image_scan_findings(repositoryName=REPO, imageId=image_id or {"imageTag": "v1"}, **kwargs)
    )


# --- PutImageScanningConfiguration --------------------------------------------------------------------------


def test_put_image_scanning_configuration(ecr: Any) -> None:
    answer = body(
        ecr.put_image_scanning_configuration(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": True})
    )
    assert answer == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageScanningConfiguration": {"scanOnPush": True},
    }
    described = ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0]
    assert described["imageScanningConfiguration"] == {"scanOnPush": True}
    ecr.put_image_scanning_configuration(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": False})
    described = ecr.describe_repositories(repositoryNames=[REPO])["repositories"][0]
    assert described["imageScanningConfiguration"] == {"scanOnPush": False}


def test_put_image_scanning_configuration_unknown_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_image_scanning_configuration(repositoryName="missing", imageScanningConfiguration={"scanOnPush": True})
    assert error_of(exc) == rnf("missing")


# --- registry scanning configuration ------------------------------------------------------------------------


def test_registry_scanning_default(ecr: Any) -> None:
    assert body(ecr.get_registry_scanning_configuration()) == {
        "registryId": ACCOUNT,
        "scanningConfiguration": {"scanType": "BASIC", "rules": []},
    }


def test_put_registry_scanning_configuration_echo_and_replace(ecr: Any) -> None:
    config = rules(("CONTINUOUS_SCAN", ["prod-*", "*"]), ("SCAN_ON_PUSH", ["dev-*"]))
    answer = body(ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=config))
    assert answer == {"registryScanningConfiguration": {"scanType": "ENHANCED", "rules": config}}
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {
        "scanType": "ENHANCED",
        "rules": config,
    }

    answer = body(ecr.put_registry_scanning_configuration(scanType="BASIC"))
    assert answer == {"registryScanningConfiguration": {"scanType": "BASIC", "rules": []}}
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "BASIC", "rules": []}


def test_registry_scanning_configuration_is_per_region(ecr: Any) -> None:
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=rules(("CONTINUOUS_SCAN", ["*"])))
    west = new_client("eu-west-1")
    assert west.get_registry_scanning_configuration()["scanningConfiguration"] == {"scanType": "BASIC", "rules": []}


@pytest.mark.parametrize(
    ("scan_type", "frequency"),
    [("BASIC", "CONTINUOUS_SCAN"), ("ENHANCED", "MANUAL")],
)
def test_frequency_not_supported_by_scan_type(ecr: Any, scan_type: str, frequency: str) -> None:
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("SCAN_ON_PUSH", ["*"])))
    with pytest.raises(ClientError) as exc:
        ecr.put_registry_scanning_configuration(scanType=scan_type, rules=rules((frequency, ["*"])))
    assert error_of(exc) == (  # reference 3.6: ValidationException, wording unconfirmed (the mock's)
        "ValidationException",
        f"Scan frequency {frequency} is not supported for scan type {scan_type}",
    )
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"] == {
        "scanType": "BASIC",
        "rules": rules(("SCAN_ON_PUSH", ["*"])),
    }


@pytest.mark.parametrize(
    ("kwargs", "member", "constraint"),
    [
        ({"scanType": "FULL"}, "scanType", "Member must satisfy enum value set: [BASIC, ENHANCED]"),
        (
            {"scanType": "BASIC", "rules": rules(("SCAN_ON_PUSH", ["*"]), ("SCAN_ON_PUSH", ["a"]), ("MANUAL", ["b"]))},
            "rules",
            "Member must have length less than or equal to 2",
        ),
        (
            {"scanType": "BASIC", "rules": rules(("SCAN_ON_PUSH", ["Prod"]))},
            "filter",
            "Member must satisfy regular expression pattern: ^[a-z0-9*](?:[._\\-/a-z0-9*]?[a-z0-9*]+)*$",
        ),
    ],
)
def test_put_registry_scanning_configuration_validation(
    ecr: Any, kwargs: dict[str, Any], member: str, constraint: str
) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.put_registry_scanning_configuration(**kwargs)
    assert error_of(exc) == (
        "InvalidParameterException",
        f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'",
    )


# --- BatchGetRepositoryScanningConfiguration ----------------------------------------------------------------


def test_batch_get_defaults_and_missing_repositories(ecr: Any) -> None:
    ecr.create_repository(repositoryName="web")
    answer = body(ecr.batch_get_repository_scanning_configuration(repositoryNames=["web", "missing", REPO]))
    assert answer == {
        "scanningConfigurations": [scanning("web", "MANUAL", False), scanning(REPO, "MANUAL", False)],
        "failures": [
            {
                "repositoryName": "missing",
                "failureCode": "REPOSITORY_NOT_FOUND",
                "failureReason": "REPOSITORY_NOT_FOUND",
            }
        ],
    }


def test_batch_get_repository_scan_on_push_without_rule(ecr: Any) -> None:
    ecr.put_image_scanning_configuration(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": True})
    # reference 3.6 gives no frequency for this case; the mock reports the push scan it will do
    assert repository_scanning(ecr, REPO) == {REPO: scanning(REPO, "SCAN_ON_PUSH", True)}


def test_registry_rules_last_matching_rule_wins(ecr: Any) -> None:
    for name in ("prod-api", "dev-api"):
        ecr.create_repository(repositoryName=name)
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED", rules=rules(("CONTINUOUS_SCAN", ["*"]), ("SCAN_ON_PUSH", ["prod-*"]))
    )
    assert repository_scanning(ecr, "prod-api", "dev-api") == {
        "prod-api": scanning("prod-api", "SCAN_ON_PUSH", True, "prod-*"),
        "dev-api": scanning("dev-api", "CONTINUOUS_SCAN", False, "*"),
    }
    ecr.put_registry_scanning_configuration(
        scanType="ENHANCED", rules=rules(("SCAN_ON_PUSH", ["prod-*"]), ("CONTINUOUS_SCAN", ["*"]))
    )
    assert repository_scanning(ecr, "prod-api", "dev-api") == {
        "prod-api": scanning("prod-api", "CONTINUOUS_SCAN", False, "*"),
        "dev-api": scanning("dev-api", "CONTINUOUS_SCAN", False, "*"),
    }


def test_registry_rule_last_matching_filter_is_applied(ecr: Any) -> None:
    ecr.create_repository(repositoryName="prod-api")
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("SCAN_ON_PUSH", ["prod-*", "*-api", "x"])))
    assert repository_scanning(ecr, "prod-api") == {"prod-api": scanning("prod-api", "SCAN_ON_PUSH", True, "*-api")}


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("prod-*", "prod-api", True),
        ("prod-*", "myprod-api", False),  # whole name, not a substring
        ("prod-*", "team/prod-api", False),
        # without a '*', a filter matches every name that contains it (the user guide's filter table)
        ("prod", "prod-api", True),
        ("prod", "repo-prod", True),
        ("prod", "team/prod/api", True),
        ("prod", "pro-d", False),
        ("prod", "prod", True),
        ("app.v1", "x-app.v1-y", True),
        ("*", "team/any.thing", True),
        ("app.v1", "app.v1", True),
        ("app.v1", "appxv1", False),  # '.' is literal, never a regex
        ("team/*", "team/a/b", True),
        ("*-api", "prod-api", True),
        ("p*d", "prod", True),
        ("p*d", "prods", False),
    ],
)
def test_repository_filters_are_wildcards_or_substrings(ecr: Any, pattern: str, name: str, matches: bool) -> None:
    ecr.create_repository(repositoryName=name)
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("SCAN_ON_PUSH", [pattern])))
    expected = scanning(name, "SCAN_ON_PUSH", True, pattern) if matches else scanning(name, "MANUAL", False)
    assert repository_scanning(ecr, name) == {name: expected}


def test_new_repositories_get_the_registry_rules(ecr: Any) -> None:
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("SCAN_ON_PUSH", ["new-*"])))
    ecr.create_repository(repositoryName="new-one")
    assert repository_scanning(ecr, "new-one") == {"new-one": scanning("new-one", "SCAN_ON_PUSH", True, "new-*")}


# --- StartImageScan -----------------------------------------------------------------------------------------


def test_start_image_scan_by_tag_and_by_digest(ecr: Any) -> None:
    assert body(ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})) == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageId": {"imageDigest": DIGEST, "imageTag": "v1"},
        "imageScanStatus": {"status": "IN_PROGRESS"},
    }
    other = docker_manifest(2)
    ecr.put_image(repositoryName=REPO, imageManifest=other)
    assert body(ecr.start_image_scan(repositoryName=REPO, imageId={"imageDigest": digest_of(other)})) == {
        "registryId": ACCOUNT,
        "repositoryName": REPO,
        "imageId": {"imageDigest": digest_of(other)},
        "imageScanStatus": {"status": "IN_PROGRESS"},
    }


def test_start_image_scan_unknown_repository_and_image(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.start_image_scan(repositoryName="missing", imageId={"imageTag": "v1"})
    assert error_of(exc) == rnf("missing")
    with pytest.raises(ClientError) as exc:
        ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v2"})
    assert error_of(exc) == (
        "ImageNotFoundException",
        f"The image with imageId {{imageDigest:'null', imageTag:'v2'}} does not exist within the repository "
        f"with name '{REPO}' in the registry with id '{ACCOUNT}'",
    )


def test_scan_quota_is_one_scan_per_image_per_24_hours() -> None:
    with mock_ecr(), freeze_time(T0) as clock:
        client = new_client()
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        for moment in (T0, T0 + timedelta(hours=23, minutes=59, seconds=59)):
            clock.move_to(moment)
            with pytest.raises(ClientError) as exc:
                client.start_image_scan(repositoryName=REPO, imageId={"imageDigest": DIGEST})
            assert error_of(exc) == QUOTA
        clock.move_to(T0 + timedelta(hours=24))
        answer = client.start_image_scan(repositoryName=REPO, imageId={"imageDigest": DIGEST})
        assert answer["imageScanStatus"] == {"status": "IN_PROGRESS"}
        findings = client.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": "v1"})
        assert findings["imageScanFindings"]["vulnerabilitySourceUpdatedAt"] == T0 + timedelta(hours=24)


def test_quota_is_per_image(ecr: Any) -> None:
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
    ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(2), imageTag="v2")
    assert ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v2"})["imageScanStatus"] == {
        "status": "IN_PROGRESS"
    }


def test_scan_on_push_counts_toward_the_quota() -> None:
    with mock_ecr():
        client = new_client()
        client.create_repository(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": True})
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        with pytest.raises(ClientError) as exc:
            client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        assert error_of(exc) == QUOTA


def test_archived_images_cannot_be_scanned(ecr: Any) -> None:
    ecr.update_image_storage_class(repositoryName=REPO, imageId={"imageTag": "v1"}, targetStorageClass="ARCHIVE")
    with pytest.raises(ClientError) as exc:
        ecr.start_image_scan(repositoryName=REPO, imageId={"imageDigest": DIGEST})
    assert error_of(exc) == (  # wording unconfirmed in the reference: the mock's
        "ImageArchivedException",
        f"The image with digest '{DIGEST}' in the repository with name '{REPO}' in the registry with id "
        f"'{ACCOUNT}' is archived. Restore it before using it.",
    )


def test_archived_image_scan_status_is_image_archived(ecr: Any) -> None:
    """Reference 4.15 / 3.6: an archived image is not scannable and its scan status reads IMAGE_ARCHIVED."""
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
    assert findings_call(ecr)["imageScanStatus"] == COMPLETE
    ecr.update_image_storage_class(repositoryName=REPO, imageId={"imageTag": "v1"}, targetStorageClass="ARCHIVE")
    assert findings_call(ecr)["imageScanStatus"]["status"] == "IMAGE_ARCHIVED"
    detail = ecr.describe_images(repositoryName=REPO, filter={"imageStatus": "ARCHIVED"})["imageDetails"][0]
    assert detail["imageScanStatus"]["status"] == "IMAGE_ARCHIVED"


@pytest.mark.parametrize(
    ("manifest", "media_type", "shown"),
    [
        (manifest_list([IMAGE]), None, DOCKER_LIST),
        (helm_chart(3), "application/vnd.oci.image.manifest.v1+json", "application/vnd.cncf.helm.config.v1+json"),
        (
            oci_manifest(4, config_media_type=OCI_EMPTY, artifact_type="application/vnd.example.sbom+json"),
            None,
            "application/vnd.example.sbom+json",
        ),
    ],
    ids=["manifest-list", "helm-chart", "oci-artifact"],
)
def test_unsupported_image_types(ecr: Any, manifest: str, media_type: str | None, shown: str) -> None:
    kwargs = {} if media_type is None else {"imageManifestMediaType": media_type}
    ecr.put_image(repositoryName=REPO, imageManifest=manifest, imageTag="other", **kwargs)
    with pytest.raises(ClientError) as exc:
        ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "other"})
    assert error_of(exc) == (  # wording unconfirmed in the reference: the mock's
        "UnsupportedImageTypeException",
        f"The image with media type '{shown}' is not supported for scanning",
    )
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": "other"})
    assert error_of(exc) == snf(None, "other")


def test_oci_image_is_scannable(ecr: Any) -> None:
    ecr.put_image(repositoryName=REPO, imageManifest=oci_manifest(5), imageTag="oci")
    assert ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "oci"})["imageScanStatus"] == {
        "status": "IN_PROGRESS"
    }


# --- DescribeImageScanFindings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_id", "digest", "tag"),
    [
        ({"imageTag": "v1"}, None, "v1"),
        ({"imageDigest": DIGEST}, DIGEST, None),
        ({"imageDigest": DIGEST, "imageTag": "v1"}, DIGEST, "v1"),
    ],
    ids=["tag", "digest", "both"],
)
def test_scan_not_found(ecr: Any, image_id: dict[str, str], digest: str | None, tag: str | None) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName=REPO, imageId=image_id)
    assert error_of(exc) == snf(digest, tag)


def test_describe_findings_unknown_image_and_repository(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName="missing", imageId={"imageTag": "v1"})
    assert error_of(exc) == rnf("missing")
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName=REPO, imageId={"imageTag": "nope"})
    assert error_of(exc)[0] == "ImageNotFoundException"


def test_scan_in_progress_then_complete() -> None:
    with mock_ecr(durations={"scan": timedelta(minutes=5)}), freeze_time(T0) as clock:
        client = new_client()
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})

        clock.move_to(T0 + timedelta(minutes=4, seconds=59))
        assert findings_call(client) == {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageId": {"imageDigest": DIGEST, "imageTag": "v1"},
            "imageScanStatus": {"status": "IN_PROGRESS"},
        }
        detail = client.describe_images(repositoryName=REPO)["imageDetails"][0]
        assert detail["imageScanStatus"] == {"status": "IN_PROGRESS"}
        assert "imageScanFindingsSummary" not in detail

        clock.move_to(T0 + timedelta(minutes=5))
        assert findings_call(client, {"imageDigest": DIGEST}) == {
            "registryId": ACCOUNT,
            "repositoryName": REPO,
            "imageId": {"imageDigest": DIGEST},
            "imageScanStatus": COMPLETE,
            "imageScanFindings": {
                "imageScanCompletedAt": T0 + timedelta(minutes=5),
                "vulnerabilitySourceUpdatedAt": T0,
                "findingSeverityCounts": {},
                "findings": [],
                "enhancedFindings": [],
            },
        }
        detail = client.describe_images(repositoryName=REPO)["imageDetails"][0]
        assert detail["imageScanStatus"] == COMPLETE
        assert detail["imageScanFindingsSummary"] == {
            "imageScanCompletedAt": T0 + timedelta(minutes=5),
            "vulnerabilitySourceUpdatedAt": T0,
            "findingSeverityCounts": {},
        }


def test_waiter_image_scan_complete_returns(ecr: Any) -> None:
    ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
    ecr.get_waiter("image_scan_complete").wait(
        repositoryName=REPO, imageId={"imageTag": "v1"}, WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    assert findings_call(ecr)["imageScanStatus"] == COMPLETE


@pytest.fixture
def seeded() -> Iterator[Any]:
    """IMAGE pushed as v1 with five basic and three enhanced findings seeded, then scanned (complete)."""
    with mock_ecr() as mock:
        client = new_client()
        client.create_repository(repositoryName=REPO)
        mock.backend(REGION).seed_scan_findings(REPO, DIGEST, findings=FINDINGS, enhanced_findings=ENHANCED)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        yield client


SEVERITY_COUNTS = {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 1, "INFORMATIONAL": 1}


def test_seeded_findings_and_severity_counts(seeded: Any) -> None:
    answer = findings_call(seeded)
    assert answer["imageScanStatus"] == COMPLETE
    scan = answer["imageScanFindings"]
    assert scan["findings"] == FINDINGS
    assert scan["enhancedFindings"] == ENHANCED  # timestamps come back as datetimes
    assert scan["findingSeverityCounts"] == SEVERITY_COUNTS
    assert "nextToken" not in answer
    summary = seeded.describe_images(repositoryName=REPO)["imageDetails"][0]["imageScanFindingsSummary"]
    assert summary["findingSeverityCounts"] == SEVERITY_COUNTS


def test_findings_pagination(seeded: Any) -> None:
    pages: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"maxResults": 2}
        if token is not None:
            kwargs["nextToken"] = token
        page = findings_call(seeded, **kwargs)
        pages.append(page)
        token = page.get("nextToken")
        if token is None:
            break
    assert [len(p["imageScanFindings"]["findings"]) for p in pages] == [2, 2, 1]
    assert [len(p["imageScanFindings"]["enhancedFindings"]) for p in pages] == [2, 1, 0]
    assert [f for p in pages for f in p["imageScanFindings"]["findings"]] == FINDINGS
    assert [f for p in pages for f in p["imageScanFindings"]["enhancedFindings"]] == ENHANCED
    assert all(p["imageScanFindings"]["findingSeverityCounts"] == SEVERITY_COUNTS for p in pages)

    paginator = seeded.get_paginator("describe_image_scan_findings")
    result = paginator.paginate(
        repositoryName=REPO, imageId={"imageTag": "v1"}, PaginationConfig={"PageSize": 3}
    ).build_full_result()
    assert result["imageScanFindings"]["findings"] == FINDINGS
    assert result["imageScanFindings"]["enhancedFindings"] == ENHANCED


def test_findings_seeded_after_the_scan_show_up(ecr: Any) -> None:
    with mock_ecr() as mock:  # nested: the same registries, a handle on them
        ecr.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        assert findings_call(ecr)["imageScanFindings"]["findings"] == []
        mock.backend(REGION).seed_scan_findings(REPO, DIGEST, findings=FINDINGS[:1])
        answer = findings_call(ecr)
        assert answer["imageScanFindings"]["findings"] == FINDINGS[:1]
        assert answer["imageScanFindings"]["findingSeverityCounts"] == {"CRITICAL": 1}


def test_delete_repository_drops_scans_and_seeded_findings() -> None:
    with mock_ecr() as mock:
        client = new_client()
        client.create_repository(repositoryName=REPO)
        mock.backend(REGION).seed_scan_findings(REPO, DIGEST, findings=FINDINGS)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})
        client.delete_repository(repositoryName=REPO, force=True)
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        with pytest.raises(ClientError) as exc:
            findings_call(client)
        assert error_of(exc) == snf(None, "v1")
        client.start_image_scan(repositoryName=REPO, imageId={"imageTag": "v1"})  # no quota left over either
        assert findings_call(client)["imageScanFindings"]["findings"] == []


# --- scan on push, DescribeImages ---------------------------------------------------------------------------


def test_describe_images_without_scan_has_no_scan_fields(ecr: Any) -> None:
    detail = ecr.describe_images(repositoryName=REPO)["imageDetails"][0]
    assert "imageScanStatus" not in detail
    assert "imageScanFindingsSummary" not in detail


def test_repository_scan_on_push() -> None:
    with mock_ecr(), freeze_time(T0):
        client = new_client()
        client.create_repository(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": True})
        client.put_image(repositoryName=REPO, imageManifest=IMAGE, imageTag="v1")
        answer = findings_call(client)
        assert answer["imageScanStatus"] == COMPLETE
        assert answer["imageScanFindings"]["imageScanCompletedAt"] == T0
        detail = client.describe_images(repositoryName=REPO)["imageDetails"][0]
        assert detail["imageScanStatus"] == COMPLETE
        assert detail["imageScanFindingsSummary"]["findingSeverityCounts"] == {}


def test_registry_scan_on_push_rule_applies_to_matching_repositories_only(ecr: Any) -> None:
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("SCAN_ON_PUSH", ["prod-*"])))
    for name in ("prod-api", "dev-api"):
        ecr.create_repository(repositoryName=name)
        ecr.put_image(repositoryName=name, imageManifest=IMAGE, imageTag="v1")
    answer = ecr.describe_image_scan_findings(repositoryName="prod-api", imageId={"imageTag": "v1"})
    assert answer["imageScanStatus"] == COMPLETE
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName="dev-api", imageId={"imageTag": "v1"})
    assert error_of(exc) == snf(None, "v1", "dev-api")


def test_scan_on_push_only_for_new_images(ecr: Any) -> None:
    """Switching scanOnPush on scans later pushes, not the images already there."""
    ecr.put_image_scanning_configuration(repositoryName=REPO, imageScanningConfiguration={"scanOnPush": True})
    with pytest.raises(ClientError) as exc:
        findings_call(ecr)
    assert error_of(exc) == snf(None, "v1")
    ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(9), imageTag="v9")
    assert findings_call(ecr, {"imageTag": "v9"})["imageScanStatus"] == COMPLETE


def test_manual_registry_rule_does_not_scan_on_push(ecr: Any) -> None:
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=rules(("MANUAL", ["*"])))
    ecr.put_image(repositoryName=REPO, imageManifest=docker_manifest(9), imageTag="v9")
    with pytest.raises(ClientError) as exc:
        findings_call(ecr, {"imageTag": "v9"})
    assert error_of(exc) == snf(None, "v9")

"""OCI 1.1 referrers through boto3: ListImageReferrers (filters, statuses, pages), DescribeImages'
``subjectManifestDigest`` / ``artifactMediaType`` / ``imageManifestMediaType``, and what BatchDeleteImage does to a
referrer and to its subject (shared/ecr-behaviour.md 3.2, 4.2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
from _manifests import (
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_V2,
    HELM_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    digest_of,
    docker_manifest,
    helm_chart,
    manifest_list,
    oci_manifest,
)
from botocore.config import Config  # type: ignore[import-untyped,unused-ignore]
from botocore.exceptions import ClientError, ParamValidationError  # type: ignore[import-untyped,unused-ignore]

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
REGION = "us-east-1"
REPO = "app/web"
OTHER_REPO = "app/worker"
SIGNATURE = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
ATTESTATION = "application/vnd.in-toto+json"

SUBJECT = docker_manifest(1)
SUBJECT_DIGEST = digest_of(SUBJECT)


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def ecr() -> Iterator[Any]:
    with mock_ecr():
        client = boto3.client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPO)
        client.put_image(repositoryName=REPO, imageManifest=SUBJECT, imageTag="app")
        yield client


def error(exc: pytest.ExceptionInfo[Any]) -> tuple[str, str]:
    details = exc.value.response["Error"]
    return details["Code"], details["Message"]


def signature(n: int, subject: str = SUBJECT_DIGEST, annotations: dict[str, str] | None = None) -> str:
    """An artifact with its own artifactType and an empty config, as notation pushes it."""
    return oci_manifest(
        n, artifact_type=SIGNATURE, config_media_type=OCI_EMPTY, subject=subject, annotations=annotations
    )


def sbom(n: int, subject: str = SUBJECT_DIGEST) -> str:
    """An artifact without artifactType: its type is its config's media type."""
    return oci_manifest(n, config_media_type=SPDX, subject=subject)


def index_referrer(n: int, artifact_type: str | None, subject: str = SUBJECT_DIGEST) -> str:
    """An OCI index that refers to the subject (a multi-part attestation, say)."""
    document: dict[str, Any] = {"schemaVersion": 2, "mediaType": OCI_INDEX}
    if artifact_type is not None:
        document["artifactType"] = artifact_type
    document["manifests"] = []
    document["subject"] = {"mediaType": DOCKER_V2, "size": len(SUBJECT), "digest": subject}
    document["annotations"] = {"n": str(n)}
    return json.dumps(document)


def push(ecr: Any, *manifests: str, repo: str = REPO) -> list[str]:
    for manifest in manifests:
        ecr.put_image(repositoryName=repo, imageManifest=manifest)
    return [digest_of(manifest) for manifest in manifests]


def referrers(ecr: Any, subject: str = SUBJECT_DIGEST, **kwargs: Any) -> dict[str, Any]:
    answer = ecr.list_image_referrers(repositoryName=REPO, subjectId={"imageDigest": subject}, **kwargs)
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


def digests(answer: dict[str, Any]) -> list[str]:
    return [referrer["digest"] for referrer in answer["referrers"]]


def size(manifest: str) -> int:
    return len(manifest.encode("utf-8"))


def detail(ecr: Any, digest: str) -> dict[str, Any]:
    found = ecr.describe_images(repositoryName=REPO, imageIds=[{"imageDigest": digest}], filter={"imageStatus": "ANY"})[
        "imageDetails"
    ]
    return dict(found[0])


# --- ListImageReferrers ------------------------------------------------------------------------------------


def test_referrers_of_a_subject_in_push_order_with_their_descriptors(ecr: Any) -> None:
    sig = signature(2, annotations={"io.cncf.notary.x509chain.thumbprint#S256": '["abc"]'})
    spdx = sbom(3)
    typed_index = index_referrer(4, ATTESTATION)
    untyped_index = index_referrer(5, None)
    push(ecr, sig, oci_manifest(6), spdx, typed_index, sbom(7, subject="sha256:" + "e" * 64), untyped_index)

    assert referrers(ecr) == {
        "referrers": [
            {
                "digest": digest_of(sig),
                "mediaType": OCI_MANIFEST,
                "artifactType": SIGNATURE,
                "size": size(sig),
                "annotations": {"io.cncf.notary.x509chain.thumbprint#S256": '["abc"]'},
                "artifactStatus": "ACTIVE",
            },
            {
                "digest": digest_of(spdx),
                "mediaType": OCI_MANIFEST,
                "artifactType": SPDX,  # no artifactType: the config's media type
                "size": size(spdx),
                "artifactStatus": "ACTIVE",
            },
            {
                "digest": digest_of(typed_index),
                "mediaType": OCI_INDEX,
                "artifactType": ATTESTATION,
                "size": size(typed_index),
                "annotations": {"n": "4"},
                "artifactStatus": "ACTIVE",
            },
            {
                "digest": digest_of(untyped_index),
                "mediaType": OCI_INDEX,  # an index without artifactType has none to report
                "size": size(untyped_index),
                "annotations": {"n": "5"},
                "artifactStatus": "ACTIVE",
            },
        ]
    }


def test_an_unknown_subject_has_no_referrers(ecr: Any) -> None:
    push(ecr, signature(2))
    assert referrers(ecr, subject="sha256:" + "f" * 64) == {"referrers": []}
    image = oci_manifest(3)
    push(ecr, image)
    assert referrers(ecr, subject=digest_of(image)) == {"referrers": []}


def test_a_subject_need_not_be_pushed_before_its_referrers(ecr: Any) -> None:
    later = oci_manifest(30)
    early = signature(31, subject=digest_of(later))
    push(ecr, early)
    assert digests(referrers(ecr, subject=digest_of(later))) == [digest_of(early)]
    push(ecr, later)
    assert digests(referrers(ecr, subject=digest_of(later))) == [digest_of(early)]


def test_referrers_are_listed_per_repository(ecr: Any) -> None:
    ecr.create_repository(repositoryName=OTHER_REPO)
    ecr.put_image(repositoryName=OTHER_REPO, imageManifest=SUBJECT)
    here, there = signature(2), sbom(3)
    push(ecr, here)
    push(ecr, there, repo=OTHER_REPO)
    assert digests(referrers(ecr)) == [digest_of(here)]
    other = ecr.list_image_referrers(repositoryName=OTHER_REPO, subjectId={"imageDigest": SUBJECT_DIGEST})
    assert [r["digest"] for r in other["referrers"]] == [digest_of(there)]
    with pytest.raises(ClientError) as exc:
        ecr.list_image_referrers(repositoryName="missing", subjectId={"imageDigest": SUBJECT_DIGEST})
    assert error(exc) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )


def test_tagging_or_repushing_a_referrer_does_not_list_it_twice(ecr: Any) -> None:
    sig = signature(2)
    push(ecr, sig)
    ecr.put_image(repositoryName=REPO, imageManifest=sig, imageTag="sig")
    ecr.put_image(repositoryName=REPO, imageManifest=sig)  # default mode: an untagged re-push changes nothing
    assert digests(referrers(ecr)) == [digest_of(sig)]


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ([SPDX], ["sbom"]),
        ([SIGNATURE], ["sig"]),
        ([SIGNATURE, SPDX], ["sig", "sbom"]),
        ([ATTESTATION], ["index"]),
        ([OCI_EMPTY], []),  # the signature's config type does not count when it has an artifactType
        (["application/x-unknown"], []),
        ([], ["sig", "sbom", "index", "untyped"]),  # an empty filter filters nothing
    ],
)
def test_the_artifact_types_filter(ecr: Any, types: list[str], expected: list[str]) -> None:
    named = {"sig": signature(2), "sbom": sbom(3), "index": index_referrer(4, ATTESTATION)}
    named["untyped"] = index_referrer(5, None)
    push(ecr, *named.values())
    answer = referrers(ecr, filter={"artifactTypes": types})
    assert digests(answer) == [digest_of(named[name]) for name in expected]


def test_the_artifact_status_filter(ecr: Any) -> None:
    active, archived = signature(2), sbom(3)
    push(ecr, active, archived)
    ecr.update_image_storage_class(
        repositoryName=REPO, imageId={"imageDigest": digest_of(archived)}, targetStorageClass="ARCHIVE"
    )

    def listed(status: str | None) -> list[tuple[str, str]]:
        kwargs: dict[str, Any] = {} if status is None else {"filter": {"artifactStatus": status}}
        return [(r["digest"], r["artifactStatus"]) for r in referrers(ecr, **kwargs)["referrers"]]

    assert listed(None) == [(digest_of(active), "ACTIVE")]
    assert listed("ACTIVE") == [(digest_of(active), "ACTIVE")]
    assert listed("ARCHIVED") == [(digest_of(archived), "ARCHIVED")]
    assert listed("ANY") == [(digest_of(active), "ACTIVE"), (digest_of(archived), "ARCHIVED")]
    assert listed("ACTIVATING") == []

    restored = ecr.update_image_storage_class(
        repositoryName=REPO, imageId={"imageDigest": digest_of(archived)}, targetStorageClass="STANDARD"
    )
    assert restored["imageStatus"] == "ACTIVATING"
    assert listed(None) == [(digest_of(active), "ACTIVE"), (digest_of(archived), "ACTIVE")]  # restored by now


def test_filters_combine(ecr: Any) -> None:
    sig, spdx, old_sig = signature(2), sbom(3), signature(4)
    push(ecr, sig, spdx, old_sig)
    ecr.update_image_storage_class(
        repositoryName=REPO, imageId={"imageDigest": digest_of(old_sig)}, targetStorageClass="ARCHIVE"
    )
    answer = referrers(ecr, filter={"artifactTypes": [SIGNATURE], "artifactStatus": "ANY"})
    assert digests(answer) == [digest_of(sig), digest_of(old_sig)]
    answer = referrers(ecr, filter={"artifactTypes": [SPDX], "artifactStatus": "ARCHIVED"})
    assert digests(answer) == []


# --- pagination ---------------------------------------------------------------------------------------------


def test_pages_of_referrers(ecr: Any) -> None:
    pushed = push(ecr, *(signature(n) for n in range(10, 15)))
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        answer = referrers(ecr, maxResults=2, **({"nextToken": token} if token else {}))
        pages.append(digests(answer))
        token = answer.get("nextToken")
        if token is None:
            break
    assert pages == [pushed[0:2], pushed[2:4], pushed[4:5]]
    assert digests(referrers(ecr, maxResults=5)) == pushed
    assert "nextToken" not in referrers(ecr, maxResults=5)


def test_pages_respect_the_filter(ecr: Any) -> None:
    sigs = [signature(n) for n in range(20, 24)]
    boms = [sbom(n) for n in range(20, 24)]
    interleaved = [manifest for pair in zip(sigs, boms, strict=True) for manifest in pair]
    push(ecr, *interleaved)
    first = referrers(ecr, maxResults=3, filter={"artifactTypes": [SPDX]})
    assert digests(first) == [digest_of(m) for m in boms[:3]]
    rest = referrers(ecr, maxResults=3, filter={"artifactTypes": [SPDX]}, nextToken=first["nextToken"])
    assert rest == {"referrers": rest["referrers"]}
    assert digests(rest) == [digest_of(boms[3])]


def test_a_page_holds_20_referrers_by_default_and_at_most_50(ecr: Any) -> None:
    pushed = push(ecr, *(signature(n) for n in range(100, 155)))
    first = referrers(ecr)
    assert digests(first) == pushed[:20]
    second = referrers(ecr, nextToken=first["nextToken"])
    assert digests(second) == pushed[20:40]
    widest = referrers(ecr, maxResults=50)
    assert digests(widest) == pushed[:50]
    assert digests(referrers(ecr, maxResults=50, nextToken=widest["nextToken"])) == pushed[50:]


def test_max_results_outside_1_to_50(ecr: Any) -> None:
    with pytest.raises(ClientError) as exc:
        referrers(ecr, maxResults=51)
    assert error(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'maxResults' failed to satisfy constraint: "
        "'Member must have value less than or equal to 50'",
    )
    with pytest.raises(ParamValidationError):  # botocore checks the minimum itself
        referrers(ecr, maxResults=0)
    unchecked = boto3.client("ecr", region_name=REGION, config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        referrers(unchecked, maxResults=0)
    assert error(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'maxResults' failed to satisfy constraint: "
        "'Member must have value greater than or equal to 1'",
    )


# --- DescribeImages: what a manifest says about itself -------------------------------------------------------


def test_describe_images_names_the_subject_of_a_referrer(ecr: Any) -> None:
    sig, index = signature(2), index_referrer(3, ATTESTATION)
    push(ecr, sig, index)
    assert detail(ecr, digest_of(sig))["subjectManifestDigest"] == SUBJECT_DIGEST
    assert detail(ecr, digest_of(index))["subjectManifestDigest"] == SUBJECT_DIGEST
    assert "subjectManifestDigest" not in detail(ecr, SUBJECT_DIGEST)
    listed = ecr.describe_images(repositoryName=REPO)["imageDetails"]
    assert {d["imageDigest"]: d.get("subjectManifestDigest") for d in listed} == {
        SUBJECT_DIGEST: None,
        digest_of(sig): SUBJECT_DIGEST,
        digest_of(index): SUBJECT_DIGEST,
    }


def test_media_types_described_for_each_kind_of_manifest(ecr: Any) -> None:
    sig, spdx, index, helm = signature(2), sbom(3), index_referrer(4, ATTESTATION), helm_chart(5)
    docker_list = manifest_list([SUBJECT])
    push(ecr, sig, spdx, index, docker_list)
    ecr.put_image(repositoryName=REPO, imageManifest=helm, imageManifestMediaType=OCI_MANIFEST)

    def types(manifest: str) -> tuple[str, str | None]:
        found = detail(ecr, digest_of(manifest))
        return found["imageManifestMediaType"], found.get("artifactMediaType")

    assert types(SUBJECT) == (DOCKER_V2, DOCKER_CONFIG)
    assert types(sig) == (OCI_MANIFEST, SIGNATURE)
    assert types(spdx) == (OCI_MANIFEST, SPDX)
    assert types(helm) == (OCI_MANIFEST, HELM_CONFIG)  # no mediaType in the manifest: the parameter's
    assert types(index) == (OCI_INDEX, None)
    assert types(docker_list) == (DOCKER_LIST, None)


# --- BatchDeleteImage and referrers ---------------------------------------------------------------------------


def test_deleting_a_referrer_removes_it_from_the_listing(ecr: Any) -> None:
    sig, spdx = signature(2), sbom(3)
    push(ecr, sig, spdx)
    deleted = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest_of(sig)}])
    assert deleted["imageIds"] == [{"imageDigest": digest_of(sig)}]
    assert deleted["failures"] == []
    assert digests(referrers(ecr)) == [digest_of(spdx)]
    assert detail(ecr, SUBJECT_DIGEST)["imageTags"] == ["app"]


def test_deleting_the_subject_leaves_its_referrers(ecr: Any) -> None:
    """Referrers do not block deleting their subject (unlike a manifest list's children), and the mock does not
    cascade: they stay, still listed under the subject's digest. (What ECR does to them is unconfirmed.)"""
    sig = signature(2)
    push(ecr, sig)
    deleted = ecr.batch_delete_image(repositoryName=REPO, imageIds=[{"imageTag": "app"}])
    assert deleted["imageIds"] == [{"imageDigest": SUBJECT_DIGEST, "imageTag": "app"}]
    assert deleted["failures"] == []
    assert digests(referrers(ecr)) == [digest_of(sig)]
    assert detail(ecr, digest_of(sig))["subjectManifestDigest"] == SUBJECT_DIGEST
    remaining = ecr.list_images(repositoryName=REPO)["imageIds"]
    assert remaining == [{"imageDigest": digest_of(sig)}]

    ecr.put_image(repositoryName=REPO, imageManifest=SUBJECT, imageTag="app")  # the subject comes back
    assert digests(referrers(ecr)) == [digest_of(sig)]


def test_deleting_subject_and_referrer_together(ecr: Any) -> None:
    sig = signature(2)
    push(ecr, sig)
    deleted = ecr.batch_delete_image(
        repositoryName=REPO, imageIds=[{"imageDigest": SUBJECT_DIGEST}, {"imageDigest": digest_of(sig)}]
    )
    assert deleted["imageIds"] == [
        {"imageDigest": SUBJECT_DIGEST, "imageTag": "app"},
        {"imageDigest": digest_of(sig)},
    ]
    assert referrers(ecr) == {"referrers": []}
    assert ecr.list_images(repositoryName=REPO)["imageIds"] == []

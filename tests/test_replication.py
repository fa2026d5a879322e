"""Replication through boto3: PutReplicationConfiguration / DescribeRegistry, the copies a push makes to other
registries of the mock (same account or another one), DescribeImageReplicationStatus, and replication backfills
(shared/ecr-behaviour.md 3.7, 4.9; docs/registries.md).

The backfill exceptions' texts are unconfirmed in the reference: the tests pin the mock's wording.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
import pytest
import requests
from _manifests import Built, docker_image, docker_manifest, sha256_of
from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from ecr_mock import mock_ecr

ACCOUNT = "012345678910"
OTHER = "111122223333"
REGION = "us-east-1"
WEST = "eu-west-1"
SOUTH = "ap-south-1"
REPO = "prod/web"


# --- helpers ------------------------------------------------------------------------------------------------


@pytest.fixture
def mock() -> Iterator[Any]:
    with mock_ecr() as handle:
        yield handle


def client(region: str = REGION) -> Any:
    return boto3.client("ecr", region_name=region)


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = exc.value.response["Error"]
    return error["Code"], error["Message"]


def configure(ecr: Any, *destinations: tuple[str, str], filters: tuple[str, ...] = (), delete: bool = False) -> None:
    rule: dict[str, Any] = {"destinations": [{"region": r, "registryId": a} for r, a in destinations]}
    if filters:
        rule["repositoryFilters"] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]
    if delete:
        rule["deleteReplication"] = {"enabled": True}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})


def upload(ecr: Any, name: str, built: Built) -> None:
    for data in built.blobs:
        upload_id = ecr.initiate_layer_upload(repositoryName=name)["uploadId"]
        ecr.upload_layer_part(
            repositoryName=name, uploadId=upload_id, partFirstByte=0, partLastByte=len(data) - 1, layerPartBlob=data
        )
        ecr.complete_layer_upload(repositoryName=name, uploadId=upload_id, layerDigests=[sha256_of(data)])


def push(ecr: Any, name: str, n: int = 1, tag: str = "v1") -> str:
    image = ecr.put_image(repositoryName=name, imageManifest=docker_manifest(n), imageTag=tag)["image"]
    return str(image["imageId"]["imageDigest"])


def images(ecr: Any, name: str) -> list[tuple[str, str | None]]:
    ids = ecr.list_images(repositoryName=name)["imageIds"]
    return sorted((i["imageDigest"], i.get("imageTag")) for i in ids)


def repository_names(ecr: Any) -> list[str]:
    return sorted(r["repositoryName"] for r in ecr.describe_repositories()["repositories"])


def statuses(ecr: Any, name: str, tag: str = "v1") -> list[dict[str, Any]]:
    answer = ecr.describe_image_replication_status(repositoryName=name, imageId={"imageTag": tag})
    return list(answer["replicationStatuses"])


def registry_policy(*actions: str, account: str = ACCOUNT) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "replication",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": list(actions),
                    "Resource": f"arn:aws:ecr:{REGION}:{OTHER}:repository/*",
                }
            ],
        }
    )


# --- configuration ------------------------------------------------------------------------------------------


def test_describe_registry_defaults_to_no_rules(mock: Any) -> None:
    assert client().describe_registry()["replicationConfiguration"] == {"rules": []}
    assert client().describe_registry()["registryId"] == ACCOUNT


def test_put_replication_configuration_round_trips(mock: Any) -> None:
    ecr = client()
    configuration = {
        "rules": [
            {
                "destinations": [{"region": WEST, "registryId": ACCOUNT}, {"region": REGION, "registryId": OTHER}],
                "repositoryFilters": [{"filter": "prod", "filterType": "PREFIX_MATCH"}],
                "deleteReplication": {"enabled": True},
            },
            {"destinations": [{"region": SOUTH, "registryId": ACCOUNT}]},
        ]
    }
    answer = ecr.put_replication_configuration(replicationConfiguration=configuration)
    assert answer["replicationConfiguration"] == configuration
    described = ecr.describe_registry()
    assert described["registryId"] == ACCOUNT
    assert described["replicationConfiguration"] == configuration
    ecr.put_replication_configuration(replicationConfiguration={"rules": []})
    assert ecr.describe_registry()["replicationConfiguration"] == {"rules": []}


def test_destination_equal_to_the_source_is_invalid(mock: Any) -> None:
    ecr = client()
    with pytest.raises(ClientError) as exc:
        configure(ecr, (WEST, ACCOUNT), (REGION, ACCOUNT))
    assert error_of(exc) == (
        "InvalidParameterException",
        "Invalid parameter at 'replicationConfiguration' failed to satisfy constraint: "
        "'Replication destination cannot be the same as the source registry'",
    )
    assert ecr.describe_registry()["replicationConfiguration"] == {"rules": []}


# --- on push, same account ----------------------------------------------------------------------------------


def test_push_replicates_image_tags_and_blobs_to_another_region(mock: Any) -> None:
    source, west = client(), client(WEST)
    configure(source, (WEST, ACCOUNT))
    source.create_repository(repositoryName=REPO)
    built = docker_image(3)
    upload(source, REPO, built)
    source.put_image(repositoryName=REPO, imageManifest=built.manifest, imageTag="1.0")

    assert repository_names(west) == [REPO]
    assert images(west, REPO) == [(built.digest, "1.0")]
    replica = west.batch_get_image(repositoryName=REPO, imageIds=[{"imageTag": "1.0"}])["images"][0]
    assert replica["imageManifest"] == built.manifest
    assert replica["imageId"] == {"imageDigest": built.digest, "imageTag": "1.0"}
    for data in built.blobs[1:]:
        url = west.get_download_url_for_layer(repositoryName=REPO, layerDigest=sha256_of(data))["downloadUrl"]
        assert requests.get(url, timeout=5).content == data
    assert statuses(source, REPO, "1.0") == [{"region": WEST, "registryId": ACCOUNT, "status": "COMPLETE"}]


def test_prefix_filters_pick_the_repositories(mock: Any) -> None:
    source, west = client(), client(WEST)
    configure(source, (WEST, ACCOUNT), filters=("prod",))
    for name in ("prod/api", "production", "dev/prod"):
        source.create_repository(repositoryName=name)
        push(source, name)
    assert repository_names(west) == ["prod/api", "production"]
    assert statuses(source, "dev/prod") == []


def test_images_pushed_before_the_configuration_stay_put(mock: Any) -> None:
    source, west = client(), client(WEST)
    source.create_repository(repositoryName=REPO)
    old = push(source, REPO, 1, "old")
    configure(source, (WEST, ACCOUNT))
    new = push(source, REPO, 2, "new")
    assert images(west, REPO) == sorted([(new, "new")])
    assert old not in [digest for digest, _ in images(west, REPO)]


def test_a_later_retag_follows_to_the_destination(mock: Any) -> None:
    source, west = client(), client(WEST)
    configure(source, (WEST, ACCOUNT))
    source.create_repository(repositoryName=REPO)
    digest = push(source, REPO, 1, "v1")
    source.put_image(repositoryName=REPO, imageManifest=docker_manifest(1), imageTag="stable")
    assert images(west, REPO) == sorted([(digest, "stable"), (digest, "v1")])


def test_delete_replication_carries_batch_delete_image(mock: Any) -> None:
    source, west = client(), client(WEST)
    configure(source, (WEST, ACCOUNT), delete=True)
    source.create_repository(repositoryName=REPO)
    keep = push(source, REPO, 1, "keep")
    gone = push(source, REPO, 2, "gone")
    assert len(images(west, REPO)) == 2
    answer = source.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": gone}])
    assert answer["failures"] == []
    assert images(west, REPO) == [(keep, "keep")]


def test_without_delete_replication_the_replica_stays(mock: Any) -> None:
    source, west = client(), client(WEST)
    configure(source, (WEST, ACCOUNT))
    source.create_repository(repositoryName=REPO)
    digest = push(source, REPO)
    source.batch_delete_image(repositoryName=REPO, imageIds=[{"imageDigest": digest}])
    assert images(west, REPO) == [(digest, "v1")]


def test_replicas_are_not_replicated_again(mock: Any) -> None:
    source, west, south = client(), client(WEST), client(SOUTH)
    configure(source, (WEST, ACCOUNT))
    configure(west, (SOUTH, ACCOUNT))
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    assert repository_names(west) == [REPO]
    assert repository_names(south) == []
    assert statuses(west, REPO) == []


def test_replication_template_applies_to_the_created_repository(mock: Any) -> None:
    source, west = client(), client(WEST)
    west.create_repository_creation_template(
        prefix="prod",
        appliedFor=["REPLICATION"],
        imageTagMutability="IMMUTABLE",
        resourceTags=[{"Key": "origin", "Value": "replication"}],
    )
    configure(source, (WEST, ACCOUNT))
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    created = west.describe_repositories(repositoryNames=[REPO])["repositories"][0]
    assert created["imageTagMutability"] == "IMMUTABLE"
    tags = west.list_tags_for_resource(resourceArn=created["repositoryArn"])["tags"]
    assert tags == [{"Key": "origin", "Value": "replication"}]
    # the source repository, made by CreateRepository, keeps the defaults
    assert source.describe_repositories(repositoryNames=[REPO])["repositories"][0]["imageTagMutability"] == "MUTABLE"


# --- cross-account ------------------------------------------------------------------------------------------


def test_cross_account_without_a_registry_policy_fails_access_denied(mock: Any) -> None:
    source = client()
    configure(source, (REGION, OTHER))
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    assert statuses(source, REPO) == [
        {"region": REGION, "registryId": OTHER, "status": "FAILED", "failureCode": "ACCESS_DENIED"}
    ]
    with mock_ecr(account_id=OTHER):
        assert repository_names(client()) == []


def test_cross_account_needs_create_repository_for_a_missing_repository(mock: Any) -> None:
    source = client()
    with mock_ecr(account_id=OTHER):
        client().put_registry_policy(policyText=registry_policy("ecr:ReplicateImage"))
    configure(source, (REGION, OTHER))
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    assert statuses(source, REPO) == [
        {"region": REGION, "registryId": OTHER, "status": "FAILED", "failureCode": "ACCESS_DENIED"}
    ]


def test_cross_account_allowed_by_the_destination_policy_completes(mock: Any) -> None:
    source = client()
    with mock_ecr(account_id=OTHER):
        client().put_registry_policy(policyText=registry_policy("ecr:ReplicateImage", "ecr:CreateRepository"))
    configure(source, (REGION, OTHER))
    source.create_repository(repositoryName=REPO)
    digest = push(source, REPO)
    assert statuses(source, REPO) == [{"region": REGION, "registryId": OTHER, "status": "COMPLETE"}]
    with mock_ecr(account_id=OTHER):
        assert images(client(), REPO) == [(digest, "v1")]
    # the handle reaches the same registry
    assert REPO in mock.backend(REGION, account_id=OTHER).repositories


def test_a_policy_for_another_account_does_not_allow_replication(mock: Any) -> None:
    source = client()
    with mock_ecr(account_id=OTHER):
        client().put_registry_policy(
            policyText=registry_policy("ecr:ReplicateImage", "ecr:CreateRepository", account="444455556666")
        )
    configure(source, (REGION, OTHER))
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    assert statuses(source, REPO)[0]["status"] == "FAILED"


# --- backfill -----------------------------------------------------------------------------------------------


def _two_images_then_configure(source: Any) -> tuple[str, str]:
    source.create_repository(repositoryName=REPO)
    first = push(source, REPO, 1, "one")
    second = push(source, REPO, 2, "two")
    configure(source, (WEST, ACCOUNT))
    return first, second


def test_backfill_replicates_the_images_already_there(mock: Any) -> None:
    source, west = client(), client(WEST)
    first, second = _two_images_then_configure(source)
    assert repository_names(west) == []

    started = source.start_replication_backfill(destination={"region": WEST, "registryId": ACCOUNT})
    assert started["registryId"] == ACCOUNT
    assert started["destination"] == {"region": WEST, "registryId": ACCOUNT}
    assert started["status"] == "PREPARING"
    backfill_id = started["replicationBackfillId"]

    results = source.describe_replication_backfill_results(replicationBackfillId=backfill_id)
    assert results["status"] == "COMPLETE"
    assert results["progress"] == {
        "totalReplicationCount": 2,
        "completedReplicationCount": 2,
        "failedReplicationCount": 0,
        "failureCodes": [],
    }
    assert sorted(
        (r["repositoryName"], r["imageId"]["imageDigest"], r["status"]) for r in results["results"]
    ) == sorted([(REPO, first, "COMPLETE"), (REPO, second, "COMPLETE")])
    assert "endedAt" in results
    assert images(west, REPO) == sorted([(first, "one"), (second, "two")])
    assert statuses(source, REPO, "one") == [{"region": WEST, "registryId": ACCOUNT, "status": "COMPLETE"}]

    failed = source.describe_replication_backfill_results(
        replicationBackfillId=backfill_id, resultStatusFilter="FAILED"
    )
    assert failed["results"] == []

    page = source.describe_replication_backfill_results(replicationBackfillId=backfill_id, maxResults=1)
    assert len(page["results"]) == 1
    rest = source.describe_replication_backfill_results(
        replicationBackfillId=backfill_id, maxResults=1, nextToken=page["nextToken"]
    )
    assert len(rest["results"]) == 1
    assert "nextToken" not in rest
    assert {page["results"][0]["imageId"]["imageDigest"], rest["results"][0]["imageId"]["imageDigest"]} == {
        first,
        second,
    }

    listed = source.list_replication_backfills()["backfills"]
    assert [(b["replicationBackfillId"], b["status"]) for b in listed] == [(backfill_id, "COMPLETE")]
    assert listed[0]["destination"] == {"region": WEST, "registryId": ACCOUNT}


def test_backfill_to_a_cross_account_destination_without_policy_fails(mock: Any) -> None:
    source = client()
    source.create_repository(repositoryName=REPO)
    push(source, REPO)
    configure(source, (REGION, OTHER))
    backfill_id = source.start_replication_backfill(destination={"region": REGION, "registryId": OTHER})[
        "replicationBackfillId"
    ]
    results = source.describe_replication_backfill_results(replicationBackfillId=backfill_id)
    assert results["status"] == "FAILED"
    assert results["failureCode"] == "ACCESS_DENIED"
    assert [(r["status"], r["failureCode"]) for r in results["results"]] == [("FAILED", "ACCESS_DENIED")]
    filtered = source.describe_replication_backfill_results(
        replicationBackfillId=backfill_id, resultStatusFilter="COMPLETE"
    )
    assert filtered["results"] == []


def test_backfill_to_an_unconfigured_destination_is_a_validation_error(mock: Any) -> None:
    source = client()
    configure(source, (WEST, ACCOUNT))
    with pytest.raises(ClientError) as exc:
        source.start_replication_backfill(destination={"region": SOUTH, "registryId": ACCOUNT})
    assert error_of(exc) == (
        "ValidationException",
        f"The destination with region '{SOUTH}' and registry id '{ACCOUNT}' is not configured "
        "in the registry's replication configuration",
    )


def test_one_backfill_in_progress_per_region_and_stop(mock: Any) -> None:
    mock.set_durations(backfill=timedelta(minutes=5))
    source, west = client(), client(WEST)
    _two_images_then_configure(source)
    destination = {"region": WEST, "registryId": ACCOUNT}
    backfill_id = source.start_replication_backfill(destination=destination)["replicationBackfillId"]
    assert source.describe_replication_backfill_results(replicationBackfillId=backfill_id)["status"] == "IN_PROGRESS"

    with pytest.raises(ClientError) as exc:
        source.start_replication_backfill(destination=destination)
    assert error_of(exc) == (
        "ReplicationBackfillInProgressException",
        f"A replication backfill is already in progress for the destination region '{WEST}'",
    )

    stopped = source.stop_replication_backfill(replicationBackfillId=backfill_id)
    assert stopped["status"] == "STOPPED"
    assert stopped["replicationBackfillId"] == backfill_id
    assert source.describe_replication_backfill_results(replicationBackfillId=backfill_id)["status"] == "STOPPED"
    assert repository_names(west) == []

    with pytest.raises(ClientError) as exc:
        source.stop_replication_backfill(replicationBackfillId=backfill_id)
    assert error_of(exc) == (
        "ReplicationBackfillInvalidStatusException",
        f"The replication backfill with id '{backfill_id}' cannot be stopped because it is STOPPED",
    )


def test_stopping_a_finished_backfill_is_invalid(mock: Any) -> None:
    source = client()
    _two_images_then_configure(source)
    backfill_id = source.start_replication_backfill(destination={"region": WEST, "registryId": ACCOUNT})[
        "replicationBackfillId"
    ]
    assert source.describe_replication_backfill_results(replicationBackfillId=backfill_id)["status"] == "COMPLETE"
    with pytest.raises(ClientError) as exc:
        source.stop_replication_backfill(replicationBackfillId=backfill_id)
    assert error_of(exc) == (
        "ReplicationBackfillInvalidStatusException",
        f"The replication backfill with id '{backfill_id}' cannot be stopped because it is COMPLETE",
    )


def test_unknown_backfill_id_is_not_found(mock: Any) -> None:
    source = client()
    unknown = "0f0f0f0f-1111-2222-3333-444455556666"
    for call in (source.stop_replication_backfill, source.describe_replication_backfill_results):
        with pytest.raises(ClientError) as exc:
            call(replicationBackfillId=unknown)
        assert error_of(exc) == (
            "ReplicationBackfillNotFoundException",
            f"The replication backfill with id '{unknown}' does not exist in the registry with id '{ACCOUNT}'",
        )

"""ecr_mock beside moto: ECR calls are answered by ecr_mock, every other service by moto's ``mock_aws``, whichever
of the two starts first. (The one test module that imports moto; moto is a test dependency only.)"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

import boto3
import pytest

from ecr_mock import EcrMock, mock_ecr

moto = pytest.importorskip("moto")

REGION = "us-east-1"
MOTO_ACCOUNT = "123456789012"  # moto's default account


@contextmanager
def both(ecr_first: bool) -> Iterator[EcrMock]:
    ecr: EcrMock = mock_ecr()
    started: list[AbstractContextManager[Any]] = [ecr, moto.mock_aws()]
    with ExitStack() as stack:
        for manager in started if ecr_first else reversed(started):
            stack.enter_context(manager)
        yield ecr


@pytest.mark.parametrize("ecr_first", [True, False], ids=["ecr_mock-outer", "moto-outer"])
def test_ecr_goes_to_ecr_mock_and_the_rest_to_moto(ecr_first: bool) -> None:
    with both(ecr_first) as mock:
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName="shop/web")
        assert "shop/web" in mock.backend(REGION).repositories  # answered by ecr_mock, not moto's ECR
        assert ecr.describe_repositories()["repositories"][0]["registryId"] == mock.account_id

        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="artifacts")
        assert [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]] == ["artifacts"]
        assert boto3.client("sts", region_name=REGION).get_caller_identity()["Account"] == MOTO_ACCOUNT


def test_moto_alone_still_answers_ecr_when_ecr_mock_is_not_active() -> None:
    with moto.mock_aws():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName="moto-only")
        assert ecr.describe_repositories()["repositories"][0]["registryId"] == MOTO_ACCOUNT



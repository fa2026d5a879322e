"""Full listings through boto3's paginators, each beside botocore reading the same pages from canned answers.

Run from the repository root::

    python benchmarks/listings.py           # 100,000 images, 10,000 repositories, 9 rounds (DescribeImages: 5)
    python benchmarks/listings.py --quick   # 10,000 images, 2,000 repositories, 5 rounds

One interpreter, one ``mock_ecr()``: one repository seeded with distinct ~740-byte Docker manifests, each tagged,
through the backend handle (boto3 pushes would take minutes), and as many more repositories. Then, each a whole
paginator run (every page, summed) through a mock client:

- ListImages of every image, at the paginator's default page (100) and at full pages (``PageSize=1000``, ECR's
  largest);
- DescribeRepositories of every repository, at the default page and at full pages;
- DescribeImages of every image at full pages, read as real ECR writes it (epoch timestamps: a nested
  ``mock_ecr(strict=True)`` over the same images).

The floor of each is the same paginator on a client whose ``before-send`` handler answers every request with the
exact body the mock answered that request (recorded from the mock, keyed by the request's body, which carries the
page's token), i.e. botocore's own cost and nothing else. The mock side and its floor alternate, one warm-up round
discarded; reported are the median seconds of each side, the median of the per-round ratios and their lowest and
highest. Targets: ListImages and DescribeRepositories <= 1.15x, DescribeImages <= 1.1x.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import _common
import _paired
import boto3  # type: ignore[import-untyped,unused-ignore]
from _common import REGION, Canned, Figure

from ecr_mock import mock_ecr

REPOSITORY = "bench/listings"
LIST_TARGET = 1.15
DESCRIBE_IMAGES_TARGET = 1.1
FULL_PAGE = 1000


@dataclass(frozen=True)
class Plan:
    images: int
    repositories: int
    rounds: int
    detail_rounds: int


FULL = Plan(images=100_000, repositories=9_999, rounds=9, detail_rounds=5)
QUICK = Plan(images=10_000, repositories=1_999, rounds=5, detail_rounds=3)


@dataclass(frozen=True)
class Listing:
    label: str
    operation: str
    paginator: str
    key: str  # the list each page carries
    params: dict[str, Any]
    expected: int
    strict: bool
    target: float


def listings(plan: Plan) -> list[Listing]:
    images = {"repositoryName": REPOSITORY}
    repositories = plan.repositories + 1  # and the images' own
    full = {"PaginationConfig": {"PageSize": FULL_PAGE}}
    return [
        Listing(f"ListImages, all {plan.images}, pages of 100", "ListImages", "list_images", "imageIds", images,
                plan.images, False, LIST_TARGET),
        Listing(f"ListImages, all {plan.images}, pages of 1000", "ListImages", "list_images", "imageIds",
                {**images, **full}, plan.images, False, LIST_TARGET),
        Listing(f"DescribeRepositories, all {repositories}, pages of 100", "DescribeRepositories",
                "describe_repositories", "repositories", {}, repositories, False, LIST_TARGET),
        Listing(f"DescribeRepositories, all {repositories}, pages of 1000", "DescribeRepositories",
                "describe_repositories", "repositories", full, repositories, False, LIST_TARGET),
        Listing(f"DescribeImages, all {plan.images}, pages of 1000 (strict)", "DescribeImages", "describe_images",
                "imageDetails", {**images, **full}, plan.images, True, DESCRIBE_IMAGES_TARGET),
    ]  # fmt: skip


def seed(mock: Any, plan: Plan) -> None:
    backend = mock.backend(REGION)
    backend.create_repository(REPOSITORY)
    for number in range(plan.images):
        backend.put_image(REPOSITORY, _common.manifest(number), tag=f"build-{number}")
    for number in range(plan.repositories):
        backend.create_repository(f"bench/repository-{number:05d}")


def walk(client: Any, listing: Listing) -> int:
    pages = client.get_paginator(listing.paginator).paginate(**listing.params)
    return sum(len(page[listing.key]) for page in pages)


def record_pages(client: Any, listing: Listing) -> dict[bytes, Canned]:
    """The mock's answer to every request of one paging, by the request's body (which names the page)."""
    answers: dict[bytes, Canned] = {}
    sent: list[bytes] = []

    def keep(response_dict: dict[str, Any] | None = None, **_: Any) -> None:
        if response_dict is not None:
            answers[sent[-1]] = Canned(
                response_dict["status_code"], dict(response_dict["headers"]), bytes(response_dict["body"])
            )

    def note_body(request: Any, **_: Any) -> None:
        sent.append(bytes(request.body))

    events = client.meta.events
    events.register_first(f"before-send.ecr.{listing.operation}", note_body, unique_id="benchmarks.note-body")
    events.register("response-received.ecr", keep, unique_id=_common.RECORDER)
    try:
        walk(client, listing)
    finally:
        events.unregister("response-received.ecr", unique_id=_common.RECORDER)
        events.unregister(f"before-send.ecr.{listing.operation}", unique_id="benchmarks.note-body")
    return answers


def floor_for(listing: Listing, answers: dict[bytes, Canned]) -> Any:
    """A canned-response client answering each of the paging's requests with the mock's answer to it."""
    client = _common.floor_client({})

    def answer(request: Any, **_: Any) -> Any:
        canned = answers[bytes(request.body)]
        return _common._answering(canned)(request)

    client.meta.events.register_first(f"before-send.ecr.{listing.operation}", answer)
    return client


def measure_one(client: Any, listing: Listing, rounds: int) -> list[Figure]:
    with mock_ecr(strict=True) if listing.strict else contextlib.nullcontext():
        floor = floor_for(listing, record_pages(client, listing))
        for side in (client, floor):
            counted = walk(side, listing)
            if counted != listing.expected:
                raise RuntimeError(f"{listing.label}: listed {counted} of {listing.expected}")
        both: tuple[Callable[[], object], Callable[[], object]] = (
            lambda: walk(floor, listing),
            lambda: walk(client, listing),
        )
        result = _paired.paired(*both, rounds)
    return _paired.figures(listing.label, result, listing.target)


def measure(plan: Plan) -> list[Figure]:
    figures: list[Figure] = []
    with mock_ecr() as mock:
        seed(mock, plan)
        client = boto3.client("ecr", region_name=REGION)
        for listing in listings(plan):
            rounds = plan.detail_rounds if listing.operation == "DescribeImages" else plan.rounds
            figures.extend(measure_one(client, listing, rounds))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = _common.parse_args(argv, __doc__)
    plan = QUICK if args.quick else FULL
    print(
        f"listings: {plan.images} images in one repository and {plan.repositories} more repositories; whole "
        f"paginator runs, mock and floor interleaved, {plan.rounds} rounds (DescribeImages {plan.detail_rounds})"
    )
    return _common.report("listings", args.quick, measure(plan))


if __name__ == "__main__":
    sys.exit(main())

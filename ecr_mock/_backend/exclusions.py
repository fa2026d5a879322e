"""Pull-time update exclusions: the IAM principals whose pulls do not move ``lastRecordedPullTime``
(ecr-behaviour.md 3.11, 4.14).

BatchGetImage consults ``pull_time_exclusions`` with the caller's principal (``Backends.principal_for``: the ARN
registered for the call's access key with ``EcrMock.register_principal``, else the mock's default principal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ecr_mock import _clock, _config
from ecr_mock._backend import paging as _paging
from ecr_mock._backend.base import RegistryBase, page
from ecr_mock._errors import ExclusionAlreadyExistsException, ExclusionNotFoundException, LimitExceededException


@dataclass(slots=True, eq=False)
class PullTimeExclusion:
    principal_arn: str
    created_at: datetime
    seq: int = 0


class ExclusionOps(RegistryBase):
    def register_pull_time_update_exclusion(self, principal_arn: str) -> PullTimeExclusion:
        if principal_arn in self.pull_time_exclusions:
            raise ExclusionAlreadyExistsException.of(principal_arn, self.registry_id)
        if len(self.pull_time_exclusions) >= _config.MAX_PULL_TIME_EXCLUSIONS:
            raise LimitExceededException.pull_time_exclusions(_config.MAX_PULL_TIME_EXCLUSIONS, self.registry_id)
        exclusion = PullTimeExclusion(principal_arn, _clock.now())
        return self.pull_time_exclusions.add(principal_arn, exclusion)

    def deregister_pull_time_update_exclusion(self, principal_arn: str) -> PullTimeExclusion:
        if principal_arn not in self.pull_time_exclusions:
            raise ExclusionNotFoundException.of(principal_arn, self.registry_id)
        return self.pull_time_exclusions.pop(principal_arn)

    def list_pull_time_update_exclusions(
        self, max_results: int | None, next_token: str | None
    ) -> tuple[list[PullTimeExclusion], str | None]:
        """The excluded principals in the order they were registered."""
        listing = f"pull-time-exclusions:{self.registry_id}:{self.region}"
        start = (_paging.decode(listing, next_token, 1) or (0,))[0]
        return page(self.pull_time_exclusions.iter_from(start), max_results, listing)

"""Repository policies, the registry policy and account settings (ecr-behaviour.md 3.1, 3.7, 4.8, 4.13)."""

from __future__ import annotations

from ecr_mock import _config
from ecr_mock._backend.base import RegistryBase
from ecr_mock._domain.policy import check_registry_policy, check_repository_policy
from ecr_mock._domain.repository import Repository
from ecr_mock._errors import (
    InvalidParameterException,
    RegistryPolicyNotFoundException,
    RepositoryPolicyNotFoundException,
)


class PolicyOps(RegistryBase):
    def set_repository_policy(self, name: str, text: str, force: bool = False) -> Repository:
        """``force`` only skips ECR's lock-out check, which a mock has no principals to run."""
        repository = self.repository(name)
        check_repository_policy(text)
        repository.policy_text = text
        return repository

    def get_repository_policy(self, name: str) -> tuple[Repository, str]:
        repository = self.repository(name)
        if repository.policy_text is None:
            raise RepositoryPolicyNotFoundException.of(name, self.registry_id)
        return repository, repository.policy_text

    def delete_repository_policy(self, name: str) -> tuple[Repository, str]:
        repository, text = self.get_repository_policy(name)
        repository.policy_text = None
        return repository, text

    def put_registry_policy(self, text: str) -> str:
        check_registry_policy(text, self.settings["REGISTRY_POLICY_SCOPE"])
        self.registry_policy = text
        return text

    def get_registry_policy(self) -> str:
        if self.registry_policy is None:
            raise RegistryPolicyNotFoundException.of(self.registry_id)
        return self.registry_policy

    def delete_registry_policy(self) -> str:
        text = self.get_registry_policy()
        self.registry_policy = None
        return text

    def put_account_setting(self, name: str, value: str) -> tuple[str, str]:
        allowed = _setting(name)
        if value not in allowed:
            raise InvalidParameterException.at("value", f"Member must satisfy enum value set: [{', '.join(allowed)}]")
        self.settings[name] = value
        return name, value

    def get_account_setting(self, name: str) -> tuple[str, str]:
        _setting(name)
        return name, self.settings[name]


def _setting(name: str) -> tuple[str, ...]:
    known = _config.ACCOUNT_SETTINGS.get(name)
    if known is None:
        names = ", ".join(_config.ACCOUNT_SETTINGS)
        raise InvalidParameterException.at("name", f"Member must satisfy enum value set: [{names}]")
    return known[1]

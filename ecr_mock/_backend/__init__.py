"""ECR's semantics: one ``EcrBackend`` per (account, region), all of them held by ``Backends``.

No wire format here: methods take Python values and return model objects; handlers turn those into shapes.
Every method checks everything before it changes anything, so a refused call leaves no trace. Each area of ECR
is a mixin in its own module; ``EcrBackend`` composes them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

from ecr_mock import _config
from ecr_mock._backend.auth import AuthorizationData, Authorizer
from ecr_mock._backend.base import ImageRef
from ecr_mock._backend.distribution import DistributionOps
from ecr_mock._backend.exclusions import ExclusionOps
from ecr_mock._backend.images import ANY, TAGGED, UNTAGGED, Failure, ImageFilter, ImageOps
from ecr_mock._backend.layers import LayerOps
from ecr_mock._backend.lifecycle import Applied, LifecycleOps
from ecr_mock._backend.policies import PolicyOps
from ecr_mock._backend.pull_through import PullThroughOps
from ecr_mock._backend.replication import ReplicationOps
from ecr_mock._backend.repositories import RepositoryOps
from ecr_mock._backend.scanning import ScanningOps
from ecr_mock._backend.signing import SigningOps
from ecr_mock._backend.templates import TemplateOps
from ecr_mock._config import Behaviour
from ecr_mock._domain.endpoint import Endpoint
from ecr_mock._domain.repository import Repository
from ecr_mock._errors import InvalidParameterException
from ecr_mock._store.blobs import BlobStore

__all__ = [
    "ANY",
    "TAGGED",
    "UNTAGGED",
    "Applied",
    "AuthorizationData",
    "Backends",
    "EcrBackend",
    "Failure",
    "ImageFilter",
    "ImageRef",
]


_REPOSITORY_ARN = re.compile(
    r"arn:aws(?:-cn|-us-gov|-iso|-iso-b)?:ecr:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):repository/(?P<name>.+)"
)


class EcrBackend(
    DistributionOps,
    TemplateOps,
    SigningOps,
    ExclusionOps,
    PullThroughOps,
    ReplicationOps,
    ScanningOps,
    LifecycleOps,
    PolicyOps,
    RepositoryOps,
    ImageOps,
    LayerOps,
):
    """One registry: the repositories of one account in one region, with every operation on them."""

    def reacts_to_changes(self, repository: Repository) -> bool:
        """Whether some area reacts to a push or a tag in ``repository``: a scan on push (the repository's own
        setting or a registry scanning rule), replication, or managed signing. When none does, pushes skip the
        ``after_push``/``after_tag`` chain; an area that extends those hooks must be named here too (a test
        checks that the hooks' overriders are exactly these areas)."""
        if repository.scan_on_push or self.scanning.rules or self.replication_rules:
            return True
        return self.signing is not None


class Backends:
    """Every registry the mock holds, the behaviour they follow, and the lock every call runs under."""

    def __init__(self, behaviour: Behaviour = _config.DEFAULT) -> None:
        self.lock = threading.RLock()
        self.behaviour = behaviour
        self._registries: dict[tuple[str, str], EcrBackend] = {}
        self.authorizer = Authorizer()
        self.blob_store = BlobStore()
        self.principals: dict[str, str] = {}  # access key id -> principal ARN (EcrMock.register_principal)
        # Called when registry credentials or a layer download URL are handed out, so whoever answers registry
        # hosts and those URLs in-process can start.
        self.on_registry_use: Callable[[], None] | None = None
        self.endpoint: Endpoint | None = None  # while a registry server runs: where clients are told to go

    # What a served registry saves (ecr_mock._store.state pickles the whole world): the registries, the issued
    # tokens and the principals. Not the lock, the callbacks or the endpoint, nor the behaviour (the server's
    # flags decide it), nor the blob store (blobs pickle as digest and size, bound to the loading store).
    _SAVED_STATE = ("_registries", "authorizer", "principals")

    def __getstate__(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self._SAVED_STATE}

    def __setstate__(self, state: dict[str, object]) -> None:
        Backends.__init__(self)  # a fresh lock, store, behaviour and no callbacks; the loader sets what it serves
        self.__dict__.update(state)

    def registry(self, account_id: str, region: str) -> EcrBackend:
        key = (account_id, region)
        backend = self._registries.get(key)
        if backend is None:
            backend = self._registries[key] = EcrBackend(self, account_id, region)
        return backend

    def registries(self) -> list[EcrBackend]:
        return list(self._registries.values())

    def registry_keys(self) -> set[tuple[str, str]]:
        """(account, region) of every registry that holds something or was asked for."""
        return set(self._registries)

    def upstream(self, url: str) -> EcrBackend:
        """A non-ECR upstream registry (Docker Hub, Quay, ...) that pull-through-cache rules fetch from;
        tests seed it like any registry. Kept apart from the accounts' registries."""
        host = url.removeprefix("https://").rstrip("/")
        return self.registry(f"upstream:{host}", "upstream")

    def reset(self) -> None:
        with self.lock:
            self._registries.clear()
            self.authorizer = Authorizer()
            store = self.blob_store
            self.blob_store = BlobStore(store.directory, durable=store.durable)  # a served registry keeps its disk
            self.principals.clear()

    def register_principal(self, arn: str, access_key_id: str) -> None:
        with self.lock:
            self.principals[access_key_id] = arn

    def principal_for(self, access_key_id: str | None, account_id: str) -> str:
        """Who signs with ``access_key_id``: the ARN registered for it, else the mock's default principal."""
        registered = self.principals.get(access_key_id) if access_key_id is not None else None
        return registered or _config.DEFAULT_PRINCIPAL.format(account=account_id)

    def apply_lifecycle_policies(self) -> list[Applied]:
        """Run every registry's lifecycle policies now (ECR runs them in the background)."""
        with self.lock:
            return [applied for backend in self.registries() for applied in backend.apply_lifecycle_policies()]

    def by_arn(self, arn: str) -> tuple[EcrBackend, str]:
        """The registry and repository name a repository ARN names (ECR tags only repositories)."""
        match = _REPOSITORY_ARN.fullmatch(arn)
        if match is None:
            raise InvalidParameterException.at("resourceArn", "Invalid ARN")
        return self.registry(match["account"], match["region"]), match["name"]

    def download_bytes(self, registry_id: str, region: str, name: str, digest: str) -> bytes | None:
        """What a layer download URL serves: the blob's bytes while an image still references it."""
        with self.lock:
            backend = self._registries.get((registry_id, region))
            repository = backend.repositories.get(name) if backend else None
            if repository is None or repository.blob_ref(digest) is None:
                return None
            blob = repository.blobs.get(digest)
            return None if blob is None else blob.data

    def authorization_data(
        self, caller: str, region: str, registry_ids: Sequence[str] | None
    ) -> list[AuthorizationData]:
        if self.on_registry_use is not None:
            self.on_registry_use()
        return self.authorizer.issue(self.behaviour, caller, region, registry_ids, self.endpoint)

    def repository_uri(self, repository: Repository) -> str:
        endpoint = self.endpoint
        if endpoint is None:
            return repository.uri
        return endpoint.repository_uri(repository.registry_id, repository.region, repository.name)

"""Every operation in the installed botocore's ECR model has a handler, and every handler a model operation."""

from __future__ import annotations

import botocore
import pytest

from ecr_mock._actions import DISPATCH
from ecr_mock._wire import model as _model


def test_every_model_operation_has_a_handler() -> None:
    missing = sorted(set(_model.operation_names()) - set(DISPATCH))
    assert missing == [], f"operations without a handler: {missing}"


def test_every_handler_answers_a_model_operation() -> None:
    assert sorted(set(DISPATCH) - set(_model.operation_names())) == []


def test_the_newest_model_has_62_operations() -> None:
    version = tuple(int(part) for part in botocore.__version__.split(".")[:2])
    if version < (1, 44):
        pytest.fail(f"botocore {botocore.__version__} is older than the declared lower bound 1.44")
    assert len(DISPATCH) >= 62
    assert len(_model.operation_names()) >= 62


def test_the_push_guard_names_every_area_that_reacts_to_pushes() -> None:
    """``EcrBackend.reacts_to_changes`` lets pushes skip the hook chain; it must know every area that extends it."""
    from ecr_mock._backend import EcrBackend
    from ecr_mock._backend.base import RegistryBase
    from ecr_mock._backend.replication import ReplicationOps
    from ecr_mock._backend.scanning import ScanningOps
    from ecr_mock._backend.signing import SigningOps

    for hook in ("after_push", "after_tag"):
        overriders = {cls for cls in EcrBackend.__mro__ if hook in vars(cls)} - {RegistryBase}
        assert overriders <= {ScanningOps, SigningOps, ReplicationOps}, (hook, overriders)

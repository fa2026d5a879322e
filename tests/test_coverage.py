"""Every operation in the installed botocore's ECR model has a handler, and every handler a model operation."""

from __future__ import annotations

import botocore
import pytest

from ecr_mock import _model
from ecr_mock._actions import DISPATCH


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

"""botocore's ECR service model, loaded once: the one source of every shape the protocol layer reads."""

from __future__ import annotations

from functools import cache

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
CONTENT_TYPE = "application/x-amz-json-1.1"


@cache
def service_model() -> ServiceModel:
    loader = Loader()
    return ServiceModel(loader.load_service_model("ecr", "service-2"), service_name="ecr")


def operation(name: str) -> OperationModel | None:
    """The operation's model, or None when the installed botocore does not know the name (unknown names are not
    remembered: a caller sending made-up targets must not grow the cache)."""
    return _operations().get(name)


@cache
def _operations() -> dict[str, OperationModel]:
    model = service_model()
    return {name: model.operation_model(name) for name in model.operation_names}


def operation_names() -> list[str]:
    return list(service_model().operation_names)

"""ecr_mock: Amazon ECR for boto3 tests, answered in-process from botocore's own ECR model.

from ecr_mock import mock_ecr

@mock_ecr
def test_push():
    ecr = boto3.client("ecr", region_name="us-east-1")
    ...
"""

from typing import TYPE_CHECKING, Any

from ecr_mock._activation import intercept as _intercept
from ecr_mock._activation.mock import EcrMock, mock_ecr

if TYPE_CHECKING:
    from ecr_mock._errors import EcrError

__version__ = "0.1.0"
__all__ = ["EcrError", "EcrMock", "__version__", "mock_ecr"]

_intercept.install()


def __getattr__(name: str) -> Any:
    """``EcrError`` loads when first asked for, with the errors it is the base of: ``import ecr_mock`` loads only
    what activating a mock needs (the backend, the protocol layer and the errors come with the first call)."""
    if name == "EcrError":
        from ecr_mock._errors import EcrError

        return EcrError
    raise AttributeError(f"module 'ecr_mock' has no attribute {name!r}")

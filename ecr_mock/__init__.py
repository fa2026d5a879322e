"""ecr_mock: Amazon ECR for boto3 tests, answered in-process from botocore's own ECR model.

from ecr_mock import mock_ecr

@mock_ecr
def test_push():
    ecr = boto3.client("ecr", region_name="us-east-1")
    ...
"""

from ecr_mock._activation import intercept as _intercept
from ecr_mock._activation.mock import EcrMock, mock_ecr
from ecr_mock._errors import EcrError

__version__ = "0.1.0"
__all__ = ["EcrError", "EcrMock", "__version__", "mock_ecr"]

_intercept.install()

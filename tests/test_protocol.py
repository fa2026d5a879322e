"""The JSON-1.1 dispatcher without botocore's client: ``_protocol.handle`` on raw targets and bodies."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecr_mock import _errors
from ecr_mock._actions import DISPATCH
from ecr_mock._backend import Backends
from ecr_mock._config import DEFAULT, STRICT, Behaviour
from ecr_mock._errors import ERRORS_BY_CODE, PROTOCOL_CODES, EcrError
from ecr_mock._wire import model as _model
from ecr_mock._wire.codec import serialize
from ecr_mock._wire.protocol import Request, Response, error_response, handle

ACCOUNT = "012345678910"
REGION = "us-east-1"
PREFIX = "AmazonEC2ContainerRegistry_V20150921."
CONTENT_TYPE = "application/x-amz-json-1.1"
# A manifest that names no blob and no child: PutImage accepts it in both modes without layer uploads.
EMPTY_INDEX = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []})


def call(
    operation: str | None, body: bytes | dict[str, Any], backends: Backends | None = None, *, target: str | None = None
) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = Request(target if operation is None else PREFIX + operation, raw)
    return handle(request, backends or Backends(), ACCOUNT, REGION)


def check_headers(response: Response) -> None:
    assert response.headers["Content-Type"] == CONTENT_TYPE
    assert uuid.UUID(response.headers["x-amzn-RequestId"])
    assert response.headers["Content-Length"] == str(len(response.body))


def error_of(response: Response, status: int = 400) -> tuple[str, str]:
    """(``__type``, ``message``) of an error answer, after checking it is one and has exactly those members."""
    assert response.status == status, response.body
    check_headers(response)
    body = json.loads(response.body)
    assert set(body) == {"__type", "message"}, body
    assert isinstance(body["message"], str) and body["message"]
    return body["__type"], body["message"]


def parse_with_botocore(operation: str, response: Response) -> dict[str, Any]:
    model = _model.operation(operation)
    assert model is not None
    raw = {"status_code": response.status, "headers": HeadersDict(response.headers), "body": response.body}
    parsed: dict[str, Any] = create_parser("json").parse(raw, model.output_shape)
    return parsed


# --- the front door: target and body ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        PREFIX + "NoSuchOperation",
        PREFIX,
        PREFIX + "createRepository",  # operation names are case-sensitive
        "DynamoDB_20120810.ListTables",
        "CreateRepository",
        "",
        None,
    ],
)
def test_unknown_or_missing_target(target: str | None) -> None:
    response = call(None, {"repositoryName": "ab"}, target=target)
    assert error_of(response)[0] == "UnknownOperationException"


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"not json",
        b'{"repositoryName": "ab",}',
        b"\xff\xfe\x00",
        b'{"repositoryName": "\xff"}',
        b"[]",
        b'["repositoryName", "ab"]',
        b'"repositoryName"',
        b"42",
        b"null",
        b"true",
        b"[" * 100_000,  # nesting deep enough to exhaust a recursive parser
        b'{"repositoryName": "ab", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
    ids=lambda body: repr(body[:30]),
)
def test_malformed_or_non_object_body_is_a_serialization_exception(body: bytes) -> None:
    assert error_of(call("CreateRepository", body))[0] == "SerializationException"


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("DescribeRepositories", {"maxResults": "5"}),  # string for an integer
        ("DescribeRepositories", {"maxResults": True}),  # bool for an integer
        ("DescribeRepositories", {"maxResults": 1.5}),  # fraction for an integer
        ("CreateRepository", {"repositoryName": 5}),  # number for a string
        ("CreateRepository", {"repositoryName": ["ab"]}),  # list for a string
        ("CreateRepository", {"repositoryName": {"name": "ab"}}),  # object for a string
        ("DescribeRepositories", {"repositoryNames": {"ab": "cd"}}),  # object for a list
        ("DescribeRepositories", {"repositoryNames": "ab"}),  # string for a list
        ("DescribeRepositories", {"repositoryNames": ["ab", 7]}),  # wrong list element
        ("CreateRepository", {"repositoryName": "ab", "imageScanningConfiguration": {"scanOnPush": "yes"}}),
        ("CreateRepository", {"repositoryName": "ab", "imageScanningConfiguration": [True]}),  # list for a structure
        ("CreateRepository", {"repositoryName": "ab", "tags": [{"Key": 1, "Value": "v"}]}),  # nested member
        ("DeleteRepository", {"repositoryName": "ab", "force": "true"}),  # string for a boolean
        ("DeleteRepository", {"repositoryName": "ab", "force": 1}),  # number for a boolean
        ("UploadLayerPart", {"layerPartBlob": "!!! not base64 !!!"}),
        ("UploadLayerPart", {"layerPartBlob": 12}),
    ],
)
def test_wrong_member_types_are_serialization_exceptions(operation: str, body: dict[str, Any]) -> None:
    assert error_of(call(operation, body))[0] == "SerializationException"


def test_empty_body_means_no_members() -> None:
    response = call("DescribeRepositories", b"")
    assert response.status == 200
    assert json.loads(response.body) == {"repositories": []}


def test_null_members_are_absent_members() -> None:
    response = call("DescribeRepositories", {"maxResults": None, "repositoryNames": None, "registryId": None})
    assert response.status == 200
    assert json.loads(response.body) == {"repositories": []}


def test_request_ids_are_unique() -> None:
    ids = {call("DescribeRepositories", {}).headers["x-amzn-RequestId"] for _ in range(5)}
    assert len(ids) == 5


# --- success bodies -------------------------------------------------------------------------------------------


def test_create_repository_round_trips_through_botocores_parser() -> None:
    body = {
        "repositoryName": "team/round-trip",
        "tags": [{"Key": "team", "Value": "platform"}],
        "imageScanningConfiguration": {"scanOnPush": True},
        "imageTagMutability": "IMMUTABLE",
    }
    response = call("CreateRepository", body)
    assert response.status == 200
    check_headers(response)
    assert isinstance(json.loads(response.body)["repository"]["createdAt"], int | float)
    parsed = parse_with_botocore("CreateRepository", response)
    assert parsed["ResponseMetadata"]["RequestId"] == response.headers["x-amzn-RequestId"]
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 200
    repository = parsed["repository"]
    created = repository.pop("createdAt")
    assert isinstance(created, datetime) and created.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=1)
    assert repository == {
        "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team/round-trip",
        "registryId": ACCOUNT,
        "repositoryName": "team/round-trip",
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/team/round-trip",
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {"encryptionType": "AES256"},
    }


def test_state_persists_across_calls_on_one_backends() -> None:
    backends = Backends()
    assert call("CreateRepository", {"repositoryName": "kept"}, backends).status == 200
    listed = json.loads(call("DescribeRepositories", {}, backends).body)["repositories"]
    assert [repo["repositoryName"] for repo in listed] == ["kept"]
    assert json.loads(call("DescribeRepositories", {}).body) == {"repositories": []}  # a new Backends is empty


# --- timestamps -----------------------------------------------------------------------------------------------


def repository_output(created_at: datetime) -> Any:
    model = _model.operation("CreateRepository")
    assert model is not None
    return json.loads(serialize(model.output_shape, {"repository": {"repositoryName": "t", "createdAt": created_at}}))


def test_aware_timestamps_are_epoch_seconds() -> None:
    moment = datetime(2020, 2, 2, 2, 2, 2, 500000, tzinfo=timezone.utc)
    assert repository_output(moment)["repository"]["createdAt"] == 1580608922.5
    later = datetime(2020, 2, 2, 3, 2, 2, tzinfo=timezone(timedelta(hours=1)))  # the same instant, another zone
    assert repository_output(later)["repository"]["createdAt"] == 1580608922.0


def test_naive_timestamps_are_iso_strings() -> None:
    assert repository_output(datetime(2020, 2, 2, 2, 2, 2))["repository"]["createdAt"] == "2020-02-02T02:02:02"


@pytest.mark.parametrize(("behaviour", "naive"), [(DEFAULT, True), (STRICT, False)])
def test_pushed_at_on_the_wire(behaviour: Behaviour, naive: bool) -> None:
    backends = Backends(behaviour)
    assert call("CreateRepository", {"repositoryName": "times"}, backends).status == 200
    pushed = call("PutImage", {"repositoryName": "times", "imageManifest": EMPTY_INDEX, "imageTag": "v1"}, backends)
    assert pushed.status == 200, pushed.body
    response = call("DescribeImages", {"repositoryName": "times"}, backends)
    assert response.status == 200, response.body
    wire = json.loads(response.body)["imageDetails"][0]["imagePushedAt"]
    value = parse_with_botocore("DescribeImages", response)["imageDetails"][0]["imagePushedAt"]
    assert isinstance(value, datetime)
    if naive:
        assert isinstance(wire, str)
        assert value.tzinfo is None and value.isoformat() == wire
    else:
        assert isinstance(wire, int | float) and not isinstance(wire, bool)
        assert value.tzinfo is not None and value.timestamp() == wire


# --- error bodies ---------------------------------------------------------------------------------------------


def test_ecr_error_body() -> None:
    response = call("DescribeRepositories", {"repositoryNames": ["missing"]})
    assert error_of(response) == (
        "RepositoryNotFoundException",
        f"The repository with name 'missing' does not exist in the registry with id '{ACCOUNT}'",
    )
    parsed = parse_with_botocore("DescribeRepositories", response)
    assert parsed["Error"]["Code"] == "RepositoryNotFoundException"
    assert parsed["Error"]["Message"].startswith("The repository with name 'missing'")
    assert parsed["ResponseMetadata"]["RequestId"] == response.headers["x-amzn-RequestId"]


def test_validation_happens_in_the_dispatcher() -> None:
    assert error_of(call("CreateRepository", {})) == (
        "InvalidParameterException",
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'",
    )


def test_error_fields_travel_in_the_body() -> None:
    response = error_response(_errors.InvalidParameterException("bad", registryId=ACCOUNT, lastValidByteReceived=9))
    assert response.status == 400
    check_headers(response)
    assert json.loads(response.body) == {
        "__type": "InvalidParameterException",
        "message": "bad",
        "registryId": ACCOUNT,
        "lastValidByteReceived": 9,
    }


def test_server_exception_is_500() -> None:
    assert error_of(error_response(_errors.ServerException("down")), status=500) == ("ServerException", "down")


def test_a_crashing_handler_answers_internal_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(ctx: Any, params: Any) -> dict[str, Any]:
        raise ZeroDivisionError("handler bug")

    monkeypatch.setitem(DISPATCH, "DescribeRepositories", crash)
    code, message = error_of(call("DescribeRepositories", {}), status=500)
    assert code == "InternalFailure"
    assert "ZeroDivisionError" in message and "handler bug" in message


def test_a_missing_handler_raises_not_implemented(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(DISPATCH, "DescribeRepositories")
    with pytest.raises(NotImplementedError, match="DescribeRepositories"):
        call("DescribeRepositories", {})


def ecr_error_classes() -> list[type[EcrError]]:
    return [
        value
        for value in vars(_errors).values()
        if isinstance(value, type) and issubclass(value, EcrError) and value is not EcrError
    ]


def test_every_error_class_is_registered_by_its_code() -> None:
    for cls in ecr_error_classes():
        assert cls.code == cls.__name__, cls
        assert ERRORS_BY_CODE.get(cls.code) is cls, cls


def test_every_error_code_is_modelled_or_protocol_level() -> None:
    model = botocore.session.get_session().get_service_model("ecr")
    modelled = {shape.name for name in model.operation_names for shape in model.operation_model(name).error_shapes}
    assert not PROTOCOL_CODES & modelled
    assert sorted(set(ERRORS_BY_CODE) - modelled - PROTOCOL_CODES) == []


def test_error_statuses() -> None:
    server_side = {"ServerException", "InternalFailure"}
    for code, cls in ERRORS_BY_CODE.items():
        expected = 403 if code == "MissingAuthenticationTokenException" else 500 if code in server_side else 400
        assert cls.status == expected, code


# --- never a Python exception ---------------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "ab", "repo", "latest", "123", ACCOUNT, "sha256:" + "0" * 64, "MUTABLE", "AES256"]),
    st.text(max_size=12),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _bodies(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    model = _model.operation(operation)
    assert model is not None and model.input_shape is not None
    members = sorted(model.input_shape.members)
    if not members:
        return st.just({})
    return st.dictionaries(st.sampled_from(members), _JSON, max_size=len(members))


@pytest.mark.parametrize("operation", sorted(DISPATCH))
def test_arbitrary_json_bodies_get_an_ecr_answer(operation: str) -> None:
    @settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(body=_bodies(operation))
    def answer(body: dict[str, Any]) -> None:
        backends = Backends()
        assert call("CreateRepository", {"repositoryName": "repo"}, backends).status == 200
        response = call(operation, body, backends)
        check_headers(response)
        assert response.status in (200, 400), (body, response.body)
        if response.status == 400:
            assert json.loads(response.body)["__type"] in ERRORS_BY_CODE

    answer()

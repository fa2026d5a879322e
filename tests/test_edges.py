"""What the listing, layer and memory work rests on: the chunked order, rows written as JSON, a part's blob lifted
out of its body, the blob index's counts; and the quick runs of benchmarks/listings.py and growth.py."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecr_mock import mock_ecr
from ecr_mock._backend import paging
from ecr_mock._domain.ordered import CHUNK, Ordered
from ecr_mock._wire import model
from ecr_mock._wire.codec import codec_for
from ecr_mock._wire.codegen import Rows, quote, writer

ROOT = Path(__file__).resolve().parents[1]
UPLOAD_ID = "0123abcd-0123-4567-89ab-0123456789ab"


class Value:
    __slots__ = ("key", "seq")

    def __init__(self, key: str) -> None:
        self.key = key
        self.seq = 0


def test_ordered_pages_and_removals_agree_with_a_plain_list() -> None:
    ordered: Ordered[Value] = Ordered()
    kept: dict[str, Value] = {}
    draw = random.Random(13)
    for step in range(6 * CHUNK):
        if kept and draw.random() < 0.4:
            key = draw.choice(list(kept)[:40] if draw.random() < 0.5 else list(kept))
            assert ordered.pop(key) is kept.pop(key)
        else:
            key = f"k{step}"
            kept[key] = ordered.add(key, Value(key))
    values = list(kept.values())
    for start in (0, 1, values[len(values) // 2].seq, values[-1].seq, values[-1].seq + 1):
        expected = [value for value in values if value.seq >= start]
        assert list(ordered.iter_from(start)) == expected
        for count in (1, 7, CHUNK + 3, 10 * CHUNK):
            assert ordered.page_from(start, count) == expected[:count]
    assert len(ordered) == len(kept)


@pytest.mark.parametrize(
    "rows",
    [
        [("sha256:ab", "v1"), ("sha256:cd", "v2")],
        [("sha256:ab", None), ("sha256:cd", "v2")],
        [('quo"te', "back\\slash"), ("caf\u00e9", "tab\there")],
        [("sha256:ab", "v1"), ("sha256:cd", 'quo"te')],  # each column is checked on its own: either may hold one
        [("sha256:a\\b", "v1"), ("sha256:cd", "v2")],
        [("sha256:ab", "v1"), ("sha256:cd", "caf\u00e9")],
        [],
    ],
)
def test_rows_are_written_as_the_dicts_they_stand_for(rows: list[tuple[str, str | None]]) -> None:
    operation = model.operation("ListImages")
    assert operation is not None and operation.output_shape is not None
    names = ("imageDigest", "imageTag")
    expected = [{k: v for k, v in zip(names, row, strict=True) if v is not None} for row in rows]
    columns = ([row[0] for row in rows], [row[1] for row in rows])
    plain = all(value is None or value.isprintable() for row in rows for value in row)
    for listed in (Rows(names, rows), Rows.of_columns(names, columns), Rows.of_columns(names, columns, plain)):
        out: list[str] = []
        writer(operation.output_shape)({"imageIds": listed}, out)
        assert "".join(out) == json.dumps({"imageIds": expected}, separators=(",", ":"))
        assert len(listed) == len(rows) and list(listed) == expected


@pytest.mark.parametrize("digests", [["sha256:ab"], ["sha256:ab", "sha256:cd", "sha256:ef"], ['quo"te', "x"]])
def test_rows_of_one_column_are_written_as_the_dicts_they_stand_for(digests: list[str]) -> None:
    operation = model.operation("ListImages")
    assert operation is not None and operation.output_shape is not None
    out: list[str] = []
    writer(operation.output_shape)({"imageIds": Rows.of_columns(("imageDigest",), (digests,))}, out)
    expected = {"imageIds": [{"imageDigest": digest} for digest in digests]}
    assert "".join(out) == json.dumps(expected, separators=(",", ":"))


_DETAIL = ("registryId", "repositoryName", "imageDigest", "imageTags", "imageSizeInBytes", "imagePushedAt",
           "artifactMediaType", "lastRecordedPullTime")  # fmt: skip
_UTC = datetime.timezone.utc


@pytest.mark.parametrize(
    "row",
    [
        ("012345678910", "a/b", "sha256:ab", ("v1", "v2"), 52_428_800, 1796646605.652223, "x/y+json", None),
        ("012345678910", None, None, None, None, None, None, None),
        ("1", 'quo"te', "caf\u00e9", (), 0, 17, "tab\there", datetime.datetime(2019, 1, 2, 3, 4, 5, 6)),
        ("1", "n", "d", ("a\\b",), 2**40, 0.5, None, datetime.datetime(2019, 1, 2, 3, 4, 5, tzinfo=_UTC)),
    ],
)
def test_rows_of_scalars_are_written_as_the_structures_they_stand_for(row: tuple[Any, ...]) -> None:
    """Rows whose members are all scalars or lists of strings are written one join per row: the same text as the
    structure's own writer gives the dict (None members left out, timestamps as epoch numbers or naive ISO text)."""
    operation = model.operation("DescribeImages")
    assert operation is not None and operation.output_shape is not None
    write = writer(operation.output_shape)
    as_dicts: list[str] = []
    detail = {name: value for name, value in zip(_DETAIL, row, strict=True) if value is not None}
    write({"imageDetails": [detail, detail]}, as_dicts)
    json.loads("".join(as_dicts))
    quoted = ("registryId", "repositoryName", "artifactMediaType")  # given as their JSON text
    given = tuple(quote(v) if n in quoted and v is not None else v for n, v in zip(_DETAIL, row, strict=True))
    for rows in (Rows(_DETAIL, [row, row]), Rows(_DETAIL, [given, given], quoted=quoted)):
        as_rows: list[str] = []
        write({"imageDetails": rows}, as_rows)
        assert "".join(as_rows) == "".join(as_dicts)
        assert list(rows) == [detail, detail]


def test_only_string_members_of_rows_come_quoted() -> None:
    operation = model.operation("DescribeImages")
    assert operation is not None and operation.output_shape is not None
    with pytest.raises(ValueError, match=r"only string members of the rows come quoted, not \['imageTags'\]"):
        writer(operation.output_shape)({"imageDetails": Rows(_DETAIL, [("1",) * 8], quoted=("imageTags",))}, [])


def test_columns_of_unequal_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match=r"2 columns of one length are needed, not \[2, 1\]"):
        Rows.of_columns(("imageDigest", "imageTag"), (["a", "b"], ["x"]))


def _part_body(data: bytes, **changes: Any) -> dict[str, Any]:
    body = {"repositoryName": "ab", "uploadId": UPLOAD_ID, "partFirstByte": 0, "partLastByte": len(data) - 1}
    return {**body, "layerPartBlob": base64.b64encode(data).decode(), **changes}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(_part_body(b"x" * 100_000)),
        json.dumps(_part_body(b"y" * 100_000), separators=(",", ":")),
        json.dumps(_part_body(b"z" * 100_000)).replace("/", "\\/"),  # an escape: the usual way reads it
        '{"other": {"layerPartBlob": "QUJD"}, ' + json.dumps(_part_body(b"w" * 100_000))[1:],
        json.dumps(_part_body(b"v" * 100_000, layerPartBlob="not base64!" * 10_000)),
        # the part first, strings after it: its end is not the body's last quote
        json.dumps(
            {
                "layerPartBlob": base64.b64encode(b"u" * 100_000).decode(),
                "repositoryName": "ab",
                "uploadId": UPLOAD_ID,
                "partFirstByte": 0,
                "partLastByte": 99_999,
            }
        ),
        json.dumps(_part_body(b"t" * 100_000)) + " \n",  # whitespace after the body
    ],
)
def test_a_big_part_decodes_as_the_usual_way_does(text: str) -> None:
    operation = model.operation("UploadLayerPart")
    assert operation is not None
    codec = codec_for(operation)
    body = text.encode()
    try:
        expected: Any = codec._parse(body, False)
    except Exception as error:  # the same refusal either way
        expected = (type(error), str(error))
    try:
        got: Any = codec.parse(body, False)
    except Exception as error:
        got = (type(error), str(error))
    assert got == expected


def test_layer_availability_follows_pushes_archives_and_deletes() -> None:
    with mock_ecr():
        ecr = boto3.client("ecr", region_name="us-east-1")
        ecr.create_repository(repositoryName="edges/blobs")
        for number in range(3):
            ecr.put_image(repositoryName="edges/blobs", imageManifest=_manifest(number), imageTag=f"v{number}")

        def failures() -> set[str]:
            digests = [_digest(label) for label in ("shared", "own0", "own1", "config2", "never")]
            answer = ecr.batch_check_layer_availability(repositoryName="edges/blobs", layerDigests=digests)
            return {failure["layerDigest"] for failure in answer["failures"]}

        assert failures() == {_digest("never")}
        ecr.batch_delete_image(repositoryName="edges/blobs", imageIds=[{"imageTag": "v0"}, {"imageTag": "v2"}])
        assert failures() == {_digest(label) for label in ("own0", "config2", "never")}
        ecr.batch_delete_image(repositoryName="edges/blobs", imageIds=[{"imageTag": "v1"}])
        assert len(failures()) == 5


def _digest(label: str) -> str:
    return "sha256:" + hashlib.sha256(label.encode()).hexdigest()


def _manifest(number: int) -> str:
    """An OCI manifest naming its own config and layer and a layer every such manifest names."""
    layer = "application/vnd.oci.image.layer.v1.tar"
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": 1,
                "digest": _digest(f"config{number}"),
            },
            "layers": [
                {"mediaType": layer, "size": 1, "digest": _digest("shared")},
                {"mediaType": layer, "size": 1, "digest": _digest(f"own{number}")},
            ],
        }
    )


@pytest.mark.parametrize("script", ["growth", "listings"])
def test_quick_run_reports_every_target(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{script}.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert (line["benchmark"], line["quick"]) == (script, True)
    targets = [figure for figure in line["figures"] if figure["target"] is not None]
    assert targets
    assert done.returncode == (1 if any(figure["status"] == "MISS" for figure in targets) else 0)


def _decoded_by_json(listing: str, token: str, size: int) -> tuple[int, ...] | str:
    """What a page token meant when every token was read by ``json`` alone (the rule the fast reading keeps)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "invalid"
    if not (isinstance(raw, list) and len(raw) == size + 1 and raw[0] == listing):
        return "invalid"
    if not all(type(n) is int and n >= 0 for n in raw[1:]):
        return "invalid"
    return tuple(raw[1:])


def _decoded(listing: str, token: str, size: int) -> tuple[int, ...] | str:
    try:
        found = paging.decode(listing, token, size)
    except Exception as error:  # the refusal is compared, whatever it is
        return "invalid" if getattr(error, "code", "") == "InvalidParameterException" else repr(error)
    assert found is not None
    return found


_NUMBER_TEXTS = st.sampled_from(["0", "7", "07", "-1", "1e3", "1.0", " 5", "5 ", "٣", "+4", "", "00", "123456"])


@settings(max_examples=600, deadline=None)
@given(
    listing=st.text(max_size=30),
    numbers=st.lists(st.integers(0, 10**20), min_size=1, max_size=3),
    texts=st.lists(_NUMBER_TEXTS, min_size=1, max_size=3),
    spacing=st.sampled_from(["", " "]),
)
def test_page_tokens_mean_what_json_reads_in_them(
    listing: str, numbers: list[int], texts: list[str], spacing: str
) -> None:
    """A token this module wrote is read back (its shape read by hand); any other text means what ``json`` reads
    in it: numbers with leading zeros, signs, exponents or spaces, other listings and sizes."""
    token = paging.encode(listing, *numbers)
    assert paging.decode(listing, token, len(numbers)) == tuple(numbers)
    assert json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == [listing, *numbers]
    head = "[" + json.dumps(listing) + ","
    whole = head + " " * (-len(head.encode()) % 3)  # the head as encode pads it: the numbers read on their own
    crafted = head + spacing + ",".join(texts) + "]"
    compact = json.dumps([listing, *numbers], separators=(",", ":"))  # a token as this module wrote it before
    old = base64.urlsafe_b64encode(compact.encode()).decode().rstrip("=")
    assert paging.decode(listing, old, len(numbers)) == tuple(numbers)
    for text in (
        crafted,
        crafted.replace(",", ", "),
        whole + ",".join(texts) + "]",
        whole + spacing + ",".join(texts) + "]",
        compact,
        "[" + json.dumps(listing + "x") + ",1]",
    ):
        token = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        for size in (len(texts), 1):
            assert _decoded(listing, token, size) == _decoded_by_json(listing, token, size), text

"""Model-driven fuzzing of every ECR operation, through boto3, against a seeded registry.

For each operation in the installed botocore ECR model, hypothesis builds inputs from its input shape: valid values
(biased toward the seeded repositories, tags, digests, upload ids ...), boundary lengths and numbers, strings that
break the pattern, wrong enums, unicode (lone surrogates included), very long strings, empty and huge lists, wrong
JSON types, and hand-made JSON documents for the members that carry JSON (manifests, policies, lifecycle policies).
Each call goes through a client with ``parameter_validation=False``, so bad input reaches the mock. It must end in a
response or a ``ClientError`` whose code the operation declares (``operation_model.error_shapes``) or a protocol
code (SerializationException, UnknownOperationException), never with a 500 or any other exception.

Client-side exclusions: botocore serialises without validating, and refuses some wrong types itself (a string
where a structure goes: ``'str' object has no attribute 'items'``; an int as a blob ...). Those never reach the
mock, so they are counted apart ("refused by botocore") and not judged: a ``before-send.ecr`` hook registered
ahead of the mock's tells whether a call was sent. Everything after that hook (the mock, botocore's parsing of its
answer) is judged.

An input is valid except for its *focus*: none, one, a few or all of its members get a value of any kind (so
deep paths are reached, not only the first validation error). Half the examples run inside a nested
``mock_ecr(strict=True)`` over the same registries. Before its call, an example may apply up to two "state
toggles" (valid calls such as deleting the registry policy or a tag) so that the Get/Delete operations meet both
states; the registry is seeded again after enough changing examples. Figures go to ``_reliability.REPORT``;
``test_inputs_that_crashed_the_mock`` keeps every crash found so far as a fixed input.
"""

from __future__ import annotations

import base64
import json
import random
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timezone
from functools import cache
from typing import Any

import boto3
import botocore.session
import pytest
from _manifests import (
    DOCKER_CONFIG,
    DOCKER_LAYER,
    DOCKER_V2,
    OCI_EMPTY,
    OCI_LAYER,
    OCI_MANIFEST,
    Built,
    digest_of,
    docker_manifest,
    oci_index,
    sha256_of,
)
from _reliability import PROFILES, REPORT, Finding, MockTracebacks, Profile, mock_tracebacks, settle, shorten
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import ListShape, OperationModel, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecr_mock import EcrMock, mock_ecr

if sys.version_info >= (3, 11):
    from re import _constants as sre_constants
    from re import _parser as sre_parse
else:
    import sre_constants
    import sre_parse

MODEL = botocore.session.get_session().get_service_model("ecr")
OPERATIONS = sorted(MODEL.operation_names)
PROTOCOL_CODES = frozenset({"SerializationException", "UnknownOperationException"})  # never InternalFailure
READ_ONLY = ("Describe", "List", "Get", "BatchGet", "BatchCheck", "Validate")
RESEED_AFTER = 25  # changing examples before the registry is seeded again
# One attempt per call. botocore's legacy ``retries={"max_attempts": n}`` counts *retries* (n + 1 attempts in
# all), so a 500 would be sent twice after a backoff sleep; ``total_max_attempts`` is the attempts themselves.
CLIENT_CONFIG = Config(parameter_validation=False, retries={"total_max_attempts": 1})

REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
ACCOUNT = "012345678910"
FOREIGN = "111122223333"

APP, LIB, EXCL, EMPTY = "seeded/app", "seeded/lib", "seeded/excl", "seeded/empty"
CACHED = "ecr-public/library/base"  # created by a pull through the seeded pull-through-cache rule
REPOSITORIES = (APP, LIB, EXCL, EMPTY, CACHED, "auto/created", "seeded/missing", "ab")
TAGS = ("v1", "v2", "latest", "multi", "dev-1", "prod-1", "nope")

CONFIG = b'{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}'
LAYERS = (b"layer one " * 9, b"layer two " * 8, b"upstream layer " * 3)


def image(config: bytes, *layers: bytes, config_type: str = DOCKER_CONFIG, **extra: Any) -> Built:
    """A manifest naming ``config`` and ``layers`` (its blobs, config first); images share blobs to keep seeding
    cheap: every blob costs three calls (initiate, upload, complete)."""

    def descriptor(media_type: str, data: bytes) -> dict[str, Any]:
        return {"mediaType": media_type, "size": len(data), "digest": sha256_of(data)}

    document = {
        "schemaVersion": 2,
        "mediaType": DOCKER_V2 if config_type == DOCKER_CONFIG else OCI_MANIFEST,
        **extra,
        "config": descriptor(config_type, config),
        "layers": [descriptor(DOCKER_LAYER if config_type == DOCKER_CONFIG else OCI_LAYER, layer) for layer in layers],
    }
    return Built(json.dumps(document, indent=2), (config, *layers))


IMG1 = image(CONFIG, LAYERS[0])
IMG2 = image(CONFIG, LAYERS[1])
IMG3 = image(CONFIG)  # untagged, archived
LIB_IMG = image(CONFIG, LAYERS[0], annotations={"repository": "lib"})
UPSTREAM_IMG = image(CONFIG, LAYERS[2])
REFERRER = image(
    b"{}",
    config_type=OCI_EMPTY,
    artifactType="application/vnd.example.sbom+json",
    subject={"mediaType": DOCKER_V2, "size": len(IMG1.manifest), "digest": IMG1.digest},
)
INDEX = oci_index([IMG1.manifest, IMG2.manifest])
MANIFESTS = (IMG1.manifest, IMG2.manifest, IMG3.manifest, LIB_IMG.manifest, REFERRER.manifest, INDEX)
DIGESTS = (*(digest_of(text) for text in MANIFESTS), "sha256:" + "0" * 64)
LAYER_DIGESTS = tuple(sha256_of(blob) for blob in (CONFIG, *LAYERS, b"{}"))
PART_DATA = b"first part of a layer upload"
MEDIA_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.container.image.v1+json",
    "application/vnd.example.sbom+json",
    "text/plain",
)

REPO_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "pull",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ],
    }
)
REGISTRY_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "replicate",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{FOREIGN}:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
            }
        ],
    }
)
LIFECYCLE_POLICIES = (
    json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": "expire untagged images beyond five",
                    "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 5},
                    "action": {"type": "expire"},
                }
            ]
        }
    ),
    json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPrefixList": ["v"],
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": 30,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
                    "action": {"type": "transition", "targetStorageClass": "archive"},
                },
            ]
        }
    ),
)
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/fuzz-puller"
SIGNING_PROFILE = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/fuzz_profile"
CREDENTIAL = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:ecr-pullthroughcache/fuzz-hub"
ARNS = (
    *(
        f"arn:aws:ecr:{region}:{account}:repository/{name}"
        for region, account, name in (
            (REGION, ACCOUNT, APP),
            (REGION, ACCOUNT, LIB),
            (REGION, ACCOUNT, "seeded/missing"),
            (OTHER_REGION, ACCOUNT, APP),
            (REGION, FOREIGN, APP),
        )
    ),
    "arn:aws-cn:ecr:cn-north-1:012345678910:repository/seeded/app",
    "arn:aws:s3:::bucket",
)

# Strings that break patterns, encodings and parsers. "\ud800" is a lone surrogate: valid in a JSON string
# escape, not encodable as UTF-8.
NASTY = (
    "", " ", " lead", "trail ", "UPPER", "a", "ab", "a/", "/a", "a//b", "a/../b", "..", ".", "-", "_", "a--b",
    "a___b", "*", "**", "?", "%2F", "%00", "\x00", "a\x00b", "\n", "\r\n", "\t", "\x7f", "é", "İ", "ﬁ", "日本語",
    "🚀", "\u200b", "\u202e", "\ufeff", "\ud800", "a\udfffb", "' OR '1'='1", "${jndi:ldap://127.0.0.1/a}",
    "../../../../etc/passwd", "null", "true", "0", "-1", "1e309", "NaN", "[]", "{}", "ROOT", "root", "sha256:",
    "sha256:" + "g" * 64, "sha256:" + "a" * 63, "sha512:" + "a" * 128, ":", "latest", "x" * 1000,
)  # fmt: skip


# --- placeholders for values only known once seeded --------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A seeded value drawn by name: upload ids, the backfill id, real page tokens, the uploaded part's digest."""

    kind: str
    index: int = 0


@dataclass
class Seeded:
    refs: dict[str, Any] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Ref):
            if value.kind == "token":
                return self.tokens[value.index % len(self.tokens)] if self.tokens else "no-token"
            return self.refs.get(value.kind, f"unseeded-{value.kind}")
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value


# --- generic strategies from shapes ------------------------------------------------------------------------

Strategy = st.SearchStrategy[Any]


def weighted(*choices: tuple[int, Strategy]) -> Strategy:
    """One of ``choices`` with the given weights; shrinks toward the first."""
    total = sum(weight for weight, _ in choices)

    def pick(k: int) -> Strategy:
        for weight, strategy in choices:
            if k < weight:
                return strategy
            k -= weight
        raise AssertionError(k)

    return st.integers(0, total - 1).flatmap(pick)


# Any code point, lone surrogates included (JSON can carry them as escapes, UTF-8 cannot). Drawn apart: inside one
# character strategy hypothesis would pick them in proportion to their share of code points (0.2 %).
SURROGATES: Strategy = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
UNICODE_TEXT: Strategy = st.lists(weighted((4, st.characters()), (1, SURROGATES)), min_size=1, max_size=30).map("".join)
JSON_LEAVES: Strategy = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([10**400, -1, 0, 2**63]),
    st.floats(),  # NaN and infinities included: json.dumps writes NaN / Infinity
    UNICODE_TEXT,
    st.sampled_from(NASTY),
)


def _containers(inner: Strategy) -> Strategy:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


JSON_VALUES: Strategy = st.recursive(JSON_LEAVES, _containers, max_leaves=12)
WRONG_TYPES: Strategy = st.sampled_from(["a-string", 7, -1, 1.5, True, None, [], {}, ["x"], {"k": "v"}])


def _text_of_length(lengths: Sequence[int], chars: str = "a0") -> Strategy:
    return st.tuples(st.sampled_from(sorted(set(lengths))), st.sampled_from(chars)).map(lambda t: t[1] * t[0])


def string_strategy(shape: Shape) -> Strategy:
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max")
    if "enum" in meta:
        enum = list(meta["enum"])
        wrong = [value.lower() for value in enum] + [enum[0] + " ", "", "UNKNOWN", "*"]
        return weighted((6, st.sampled_from(enum)), (2, st.sampled_from(wrong)), (1, WRONG_TYPES))
    if "pattern" in meta:
        valid = st.sampled_from(pattern_samples(meta["pattern"], low, high or 1024))
    else:
        ascii_text = st.characters(codec="ascii", exclude_categories=["Cc"])
        valid = st.text(ascii_text, min_size=low, max_size=max(low, min(high or 40, 40)))
    boundary = [length for length in (low, low - 1, high, (high or 0) + 1, 10_000, 100_000) if length and length >= 0]
    return weighted(
        (6, valid),
        (2, _text_of_length(boundary)),
        (2, st.sampled_from(NASTY)),
        (1, UNICODE_TEXT),
        (1, WRONG_TYPES),
    )


_CLASS_CHARS = {"CATEGORY_DIGIT": "0123456789", "CATEGORY_WORD": "azAZ09_é", "CATEGORY_SPACE": " \t"}


@cache
def pattern_samples(pattern: str, low: int, high: int) -> list[str]:
    """Strings that fully match ``pattern`` within the length bounds, sampled from the pattern itself (much
    cheaper than hypothesis' ``from_regex`` on ECR's nested patterns, ~15 ms a draw)."""
    rng = random.Random(pattern)
    parsed = sre_parse.parse(pattern)
    found: dict[str, None] = {}
    for attempt in range(400):
        out: list[str] = []
        _sample(parsed, rng, out, cap=1 + attempt % 5)
        text = "".join(out)
        if low <= len(text) <= high and re.fullmatch(pattern, text):
            found[text] = None
        if len(found) >= 40:
            break
    assert found, f"no sample of {pattern!r} fits {low}..{high}"
    return sorted(found, key=lambda text: (len(text), text))


def _sample(items: Any, rng: random.Random, out: list[str], cap: int) -> None:
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "IN":
            out.append(rng.choice(_class_choices(arg, rng)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            least, most, sub = arg
            most = least + cap if most == sre_constants.MAXREPEAT else min(most, least + cap)
            for _ in range(rng.randint(least, most)):
                _sample(sub, rng, out, cap)
        elif name == "SUBPATTERN":
            _sample(arg[-1], rng, out, cap)
        elif name == "BRANCH":
            _sample(rng.choice(arg[1]), rng, out, cap)
        elif name == "CATEGORY":
            out.append(rng.choice(_CLASS_CHARS.get(str(arg), "a")))
        elif name == "ANY":
            out.append(rng.choice("a0-_."))
        elif name != "AT":  # anchors emit nothing
            raise NotImplementedError(f"pattern element {name}")


def _class_choices(items: Any, rng: random.Random) -> list[str]:
    choices: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            choices.append(chr(arg))
        elif name == "RANGE":
            choices += [chr(arg[0]), chr(arg[1]), chr(rng.randint(*arg))]
        elif name == "CATEGORY":
            choices += list(_CLASS_CHARS.get(str(arg), "a"))
        else:
            raise NotImplementedError(f"character class element {name}")
    return choices


def integer_strategy(shape: Shape) -> Strategy:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    valid = st.integers(low if low is not None else -(2**31), high if high is not None else 2**31)
    edges = [0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 2**64]
    for bound in (low, high):
        if bound is not None:
            edges += [bound - 1, bound, bound + 1]
    return weighted((5, valid), (3, st.sampled_from(edges)), (1, st.sampled_from(["5", 1.5, True, None, [1]])))


def blob_strategy(shape: Shape) -> Strategy:
    high = shape.metadata.get("max", 1024)
    sizes = st.sampled_from([0, 1, 5 * 1024 * 1024, high, high + 1])
    return weighted(
        (6, st.binary(max_size=64)),
        (1, sizes.map(lambda n: b"\0" * n)),
        (1, st.text(max_size=20)),  # botocore encodes a str itself
        (1, st.sampled_from([7, None, [b"x"]])),  # refused by botocore (client-side)
    )


def dumped(document: Any) -> st.SearchStrategy[str]:
    """``document`` as JSON text: escaped to ASCII, or not (then a lone surrogate stays one in the text)."""
    return st.booleans().map(lambda ascii_only: json.dumps(document, ensure_ascii=ascii_only))


def _or_junk(strategy: Strategy) -> Strategy:
    """A part of a JSON document: usually of the right kind, often any JSON value at all."""
    return weighted((3, strategy), (2, JSON_VALUES))


DESCRIPTOR: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "mediaType": _or_junk(st.sampled_from(MEDIA_TYPES)),
        "digest": _or_junk(st.sampled_from(DIGESTS + LAYER_DIGESTS)),
        "size": _or_junk(st.integers(-(2**70), 2**70)),
        "platform": _or_junk(st.fixed_dictionaries({"architecture": st.text(max_size=8), "os": st.text(max_size=8)})),
        "annotations": JSON_VALUES,
    },
)
MANIFEST_DOCUMENTS: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "schemaVersion": _or_junk(st.sampled_from([1, 2])),
        "mediaType": _or_junk(st.sampled_from(MEDIA_TYPES)),
        "artifactType": _or_junk(st.text(max_size=20)),
        "config": _or_junk(DESCRIPTOR),
        "layers": _or_junk(st.lists(DESCRIPTOR, max_size=3)),
        "manifests": _or_junk(st.lists(DESCRIPTOR, max_size=3)),
        "subject": _or_junk(DESCRIPTOR),
        "annotations": _or_junk(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)),
        "fsLayers": _or_junk(st.lists(st.fixed_dictionaries({"blobSum": _or_junk(st.sampled_from(LAYER_DIGESTS))}))),
    },
).flatmap(dumped)
MAX_MANIFEST = 4_194_304
DEEP = 100_000
MANIFEST_SPECIALS = (
    "",
    "{",
    "null",
    "[]",
    "[" * DEEP + "]" * DEEP,
    '{"a":' * 30_000 + "1" + "}" * 30_000,
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": ' + "[" * DEEP + "]" * DEEP + "}",
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "annotations": {"k": "\ud800"}}',
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "x": "\ud800"}'.replace("\\ud800", "\ud800"),
    "\ufeff" + IMG1.manifest,
    IMG1.manifest + " " * (MAX_MANIFEST - len(IMG1.manifest)),
    IMG1.manifest + " " * (MAX_MANIFEST + 1 - len(IMG1.manifest)),
    '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": [], "size": 1e999}',
    '{"mediaType": "application/vnd.oci.image.manifest.v1+json", "mediaType": "text/plain"}',
)


def _annotated(text: str, ascii_only: bool) -> str:
    """A seeded manifest carrying ``text`` in an annotation, escaped or written raw (lone surrogates too)."""
    document = json.loads(IMG2.manifest)
    document["annotations"] = {"org.example.note": text}
    return json.dumps(document, ensure_ascii=ascii_only)


MANIFESTS_STRATEGY: Strategy = weighted(
    (3, st.sampled_from(MANIFESTS)),
    (1, st.integers(100, 10**6).map(lambda n: docker_manifest(n, layer_sizes=(10,), config_size=10))),
    (1, st.lists(st.sampled_from(MANIFESTS), min_size=1, max_size=3).map(oci_index)),
    (3, MANIFEST_DOCUMENTS),
    (2, st.sampled_from(MANIFEST_SPECIALS)),
    (2, st.builds(_annotated, UNICODE_TEXT, st.booleans())),
    (1, st.text(max_size=40)),
)

STATEMENT: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "Sid": _or_junk(st.text(max_size=10)),
        "Effect": _or_junk(st.sampled_from(["Allow", "Deny", "allow"])),
        "Principal": _or_junk(st.sampled_from(["*", {"AWS": f"arn:aws:iam::{FOREIGN}:root"}, {"Service": "x"}, {}])),
        "NotPrincipal": JSON_VALUES,
        "Action": _or_junk(st.sampled_from(["ecr:*", "*", ["ecr:BatchGetImage"], "s3:GetObject", "bad action", []])),
        "NotAction": JSON_VALUES,
        "Resource": JSON_VALUES,
        "Condition": JSON_VALUES,
    },
)
POLICY_DOCUMENTS: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "Version": _or_junk(st.sampled_from(["2012-10-17", "2008-10-17", "2020-01-01"])),
        "Id": JSON_VALUES,
        "Statement": _or_junk(st.one_of(STATEMENT, st.lists(STATEMENT, max_size=3))),
    },
).flatmap(dumped)
POLICIES: Strategy = weighted(
    (3, st.sampled_from([REPO_POLICY, REGISTRY_POLICY])),
    (4, POLICY_DOCUMENTS),
    (
        1,
        st.sampled_from(
            ["", "{", "[" * DEEP + "]" * DEEP, "x" * 10_241, REPO_POLICY + " " * (10_240 - len(REPO_POLICY))]
        ),
    ),
    (1, st.text(max_size=30)),
)

SELECTION: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "tagStatus": _or_junk(st.sampled_from(["tagged", "untagged", "any", "TAGGED", "Any"])),
        "tagPrefixList": _or_junk(st.lists(st.sampled_from(["v", "", "release", "*"]), max_size=3)),
        "tagPatternList": _or_junk(st.lists(st.sampled_from(["v*", "*", "a*b*c*d*e*", ""]), max_size=3)),
        "countType": _or_junk(
            st.sampled_from(["imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned"])
        ),
        "countUnit": _or_junk(st.sampled_from(["days", "hours"])),
        "countNumber": _or_junk(st.integers(-1, 10**20)),
        "storageClass": _or_junk(st.sampled_from(["standard", "archive", "glacier"])),
    },
)
LIFECYCLE_RULE: Strategy = st.fixed_dictionaries(
    {},
    optional={
        "rulePriority": _or_junk(st.integers(-1, 10**12)),
        "description": _or_junk(st.text(max_size=30)),
        "selection": _or_junk(SELECTION),
        "action": _or_junk(
            st.fixed_dictionaries(
                {},
                optional={
                    "type": _or_junk(st.sampled_from(["expire", "transition", "delete"])),
                    "targetStorageClass": _or_junk(st.sampled_from(["archive", "standard"])),
                },
            )
        ),
    },
)
LIFECYCLE_DOCUMENTS: Strategy = st.fixed_dictionaries(
    {}, optional={"rules": _or_junk(st.lists(LIFECYCLE_RULE, max_size=4)), "extra": JSON_VALUES}
).flatmap(lambda document: dumped(document).map(lambda text: text.ljust(100)))  # the model's minimum length: 100
LIFECYCLE_TEXTS: Strategy = weighted(
    (3, st.sampled_from(LIFECYCLE_POLICIES)),
    (5, LIFECYCLE_DOCUMENTS),
    (1, st.sampled_from(["", "{}".ljust(100), ("[" * DEEP + "]" * DEEP), "x" * 30_721, '{"rules": NaN}'.ljust(100)])),
)


def _token(parts: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


LISTINGS = (
    f"images:{ACCOUNT}:{REGION}:{APP}",
    f"image-details:{ACCOUNT}:{REGION}:{APP}",
    f"repositories:{ACCOUNT}:{REGION}",
)
TOKENS: Strategy = weighted(
    (3, st.integers(0, 5).map(lambda i: Ref("token", i))),
    (3, st.lists(st.one_of(st.sampled_from(LISTINGS), JSON_LEAVES), max_size=4).map(_token)),
    (1, st.sampled_from(["", "=", "!!!", "e30", base64.b64encode(b"[" * 10_000).decode()])),
)

# Valid values per shape name: the seeded repositories, tags, digests ... (a valid input is built from these).
SEEDED: dict[str, Strategy] = {
    "RepositoryName": st.sampled_from(REPOSITORIES),
    "ImageTag": st.sampled_from(TAGS),
    "ImageDigest": st.sampled_from(DIGESTS),
    "LayerDigest": st.sampled_from(LAYER_DIGESTS),
    "BatchedOperationLayerDigest": st.sampled_from(LAYER_DIGESTS),
    "UploadId": st.sampled_from([Ref("upload-open"), Ref("upload-part")]),
    "ReplicationBackfillId": st.just(Ref("backfill")),
    "Arn": st.sampled_from(ARNS),
    "PullThroughCacheRuleRepositoryPrefix": st.sampled_from(["ecr-public", "hub", "ROOT", "quay", "auto"]),
    "Prefix": st.sampled_from(["auto", "auto/", "ROOT", "seeded", "none"]),
    "PrincipalArn": st.sampled_from([PRINCIPAL, f"arn:aws:iam::{ACCOUNT}:user/other"]),
    "Region": st.sampled_from([REGION, OTHER_REGION, "ap-south-1"]),
    "RegistryId": weighted((4, st.just(ACCOUNT)), (1, st.just(FOREIGN))),
    "ImageManifest": weighted(
        (4, st.sampled_from(MANIFESTS)),
        (2, st.integers(100, 10**6).map(lambda n: docker_manifest(n, layer_sizes=(10,), config_size=10))),
        (1, st.lists(st.sampled_from(MANIFESTS), min_size=1, max_size=3).map(oci_index)),
    ),
    "RepositoryPolicyText": st.just(REPO_POLICY),
    "RegistryPolicyText": st.just(REGISTRY_POLICY),
    "LifecyclePolicyText": st.sampled_from(LIFECYCLE_POLICIES),
    "LifecyclePolicyTextForRepositoryCreationTemplate": st.sampled_from(LIFECYCLE_POLICIES),
    "NextToken": st.integers(0, 5).map(lambda i: Ref("token", i)),
    "MediaType": st.sampled_from(MEDIA_TYPES),
    "ArtifactType": st.sampled_from(MEDIA_TYPES),
    "Url": st.sampled_from(
        ["public.ecr.aws", "registry-1.docker.io", "quay.io", f"{ACCOUNT}.dkr.ecr.{OTHER_REGION}.amazonaws.com"]
    ),
    "CredentialArn": st.just(CREDENTIAL),
    "CustomRoleArn": st.just(f"arn:aws:iam::{ACCOUNT}:role/ecr-pull"),
    "SigningProfileArn": st.just(SIGNING_PROFILE),
    "AccountSettingName": st.sampled_from(["BASIC_SCAN_TYPE_VERSION", "REGISTRY_POLICY_SCOPE", "BLOB_MOUNTING"]),
    "AccountSettingValue": st.sampled_from(["AWS_NATIVE", "CLAIR", "V1", "V2", "ENABLED", "DISABLED"]),
    "KmsKey": st.just(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    "TagKey": st.sampled_from(["team", "env", "k" * 128]),
    "TagValue": st.sampled_from(["fuzz", "", "v" * 256]),
    "PartSize": st.sampled_from([0, len(PART_DATA)]),
}
# Extra bad values per shape name, beside the generic ones (JSON documents with every part wrong in turn ...).
JUNK: dict[str, Strategy] = {
    "ImageManifest": MANIFESTS_STRATEGY,
    "RepositoryPolicyText": POLICIES,
    "RegistryPolicyText": POLICIES,
    "LifecyclePolicyText": LIFECYCLE_TEXTS,
    "LifecyclePolicyTextForRepositoryCreationTemplate": LIFECYCLE_TEXTS,
    "NextToken": TOKENS,
    "RegistryId": st.sampled_from(["123", "01234567891", "0123456789100", "abcdefghijkl"]),
    "Url": st.sampled_from(["x.azurecr.io", "https://quay.io/", "example.com", "public.ecr.aws/extra"]),
    "TagKey": st.sampled_from(["k" * 129, "aws:reserved", ""]),
    "TagValue": st.just("v" * 257),
    "PartSize": st.sampled_from([len(PART_DATA) - 1, len(PART_DATA) + 1, 2**63 - 1]),
}


class _Drop:
    """A required member left out."""

    def __repr__(self) -> str:
        return "<dropped>"


DROP = _Drop()


def _without_dropped(params: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if value is not DROP}


class Inputs:
    """Strategies for an operation's input, built from the model once per shape. An input is valid except for
    its *focus*: none, one, a few or all of its members (at every level) get a value of any kind."""

    def __init__(self) -> None:
        self._valid: dict[str, Strategy] = {}
        self._any: dict[str, Strategy] = {}
        self._focused: dict[tuple[str, frozenset[str]], Strategy] = {}

    def operation(self, operation: OperationModel) -> Strategy:
        shape = operation.input_shape
        generic = st.just({}) if shape is None else self.structure(shape)
        recipe = RECIPES.get(operation.name)
        return generic if recipe is None else weighted((3, recipe), (7, generic))

    def structure(self, shape: StructureShape) -> Strategy:
        names = sorted(shape.members)
        if not names:
            return st.just({})
        focus = weighted(
            (2, st.just(frozenset[str]())),
            (6, st.sampled_from(names).map(lambda name: frozenset([name]))),
            (2, st.frozensets(st.sampled_from(names), min_size=1, max_size=3)),
            (1, st.just(frozenset(names))),
        )
        return focus.flatmap(lambda fuzzed: self._focus(shape, fuzzed))

    def _focus(self, shape: StructureShape, fuzzed: frozenset[str]) -> Strategy:
        key = (shape.name, fuzzed)
        if key not in self._focused:
            required = set(shape.required_members)
            fixed: dict[str, Strategy] = {}
            optional: dict[str, Strategy] = {}
            for name, member in shape.members.items():
                if name in fuzzed:
                    bad = self.any(member)
                    fixed[name] = weighted((12, bad), (1, st.just(DROP))) if name in required else bad
                elif name in required:
                    fixed[name] = self.valid(member)
                else:
                    optional[name] = self.valid(member)
            self._focused[key] = st.fixed_dictionaries(fixed, optional=optional).map(_without_dropped)
        return self._focused[key]

    # --- valid values -----------------------------------------------------------------------------------

    def valid(self, shape: Shape) -> Strategy:
        if shape.name not in self._valid:
            self._valid[shape.name] = SEEDED[shape.name] if shape.name in SEEDED else self._build_valid(shape)
        return self._valid[shape.name]

    def _build_valid(self, shape: Shape) -> Strategy:
        meta, kind = shape.metadata, shape.type_name
        low, high = meta.get("min", 0), meta.get("max")
        if isinstance(shape, StructureShape):
            members = {name: self.valid(member) for name, member in shape.members.items()}
            required = set(shape.required_members)
            return st.fixed_dictionaries(
                {name: s for name, s in members.items() if name in required},
                optional={name: s for name, s in members.items() if name not in required},
            )
        if isinstance(shape, ListShape):
            return st.lists(self.valid(shape.member), min_size=low, max_size=max(low, min(high or 3, 3)))
        if kind == "string":
            if "enum" in meta:
                return st.sampled_from(list(meta["enum"]))
            if "pattern" in meta:
                return st.sampled_from(pattern_samples(meta["pattern"], low, high or 1024))
            ascii_text = st.characters(codec="ascii", exclude_categories=["Cc"])
            return st.text(ascii_text, min_size=low, max_size=max(low, min(high or 30, 30)))
        if kind in ("integer", "long"):
            return st.integers(low if "min" in meta else -5, min(high, 1000) if high is not None else 1000)
        if kind == "boolean":
            return st.booleans()
        if kind == "blob":
            return st.binary(max_size=64)
        if kind == "timestamp":
            return st.datetimes(timezones=st.just(timezone.utc))
        return JSON_VALUES  # map / float / document: none in ECR's input today

    # --- values of any kind -------------------------------------------------------------------------------

    def any(self, shape: Shape) -> Strategy:
        if shape.name not in self._any:
            self._any[shape.name] = self._build_any(shape)
        return self._any[shape.name]

    def _build_any(self, shape: Shape) -> Strategy:
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            return weighted((30, self.structure(shape)), (1, WRONG_TYPES))
        if isinstance(shape, ListShape):
            return self._list(shape)
        if kind == "string":
            generic = string_strategy(shape)
        elif kind in ("integer", "long"):
            generic = integer_strategy(shape)
        elif kind == "boolean":
            generic = weighted((8, st.booleans()), (1, st.sampled_from(["true", 1, 0, None])))
        elif kind == "blob":
            generic = blob_strategy(shape)
        else:
            generic = self._build_valid(shape)
        junk = JUNK.get(shape.name)
        if junk is None:
            return weighted((3, self.valid(shape)), (7, generic))
        return weighted((2, self.valid(shape)), (5, junk), (3, generic))

    def _list(self, shape: ListShape) -> Strategy:
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
        item = weighted((1, self.valid(shape.member)), (1, self.any(shape.member)))
        edges = sorted({size for size in (0, low, high, (high or 0) + 1) if size is not None})
        # at the edges, one drawn item repeated; huge lists (1000, 10 000 entries) repeat a small one, so that a
        # 100 000-character string is never repeated 10 000 times
        at_edge = st.tuples(item, st.sampled_from(edges)).map(lambda t: [t[0]] * t[1])
        huge = st.tuples(self.small(shape.member), st.sampled_from([1000, 10_000])).map(lambda t: [t[0]] * t[1])
        return weighted(
            (16, st.lists(item, min_size=low, max_size=max(low, min(high or 4, 4)))),
            (3, at_edge),
            (1, huge),
            (1, st.sampled_from(["not-a-list", 5, {"k": "v"}, None])),
        )

    def small(self, shape: Shape) -> Strategy:
        """A short valid value of ``shape``: what huge lists are made of."""
        if isinstance(shape, StructureShape):
            return st.fixed_dictionaries({name: self.small(shape.members[name]) for name in shape.required_members})
        if shape.type_name == "string" and shape.name not in ("ImageManifest",):
            return self.valid(shape)
        return {"list": st.just([]), "boolean": st.booleans(), "blob": st.just(b"x")}.get(shape.type_name, st.just(1))


@st.composite
def upload_part(draw: st.DrawFn) -> dict[str, Any]:
    """A part that fits: the first part of the open upload, or the second of the upload holding PART_DATA."""
    data = draw(st.binary(min_size=1, max_size=64))
    which = draw(st.sampled_from(["upload-open", "upload-part"]))
    first = 0 if which == "upload-open" else len(PART_DATA)
    return {
        "repositoryName": APP,
        "uploadId": Ref(which),
        "partFirstByte": first,
        "partLastByte": first + len(data) - 1,
        "layerPartBlob": data,
    }


@st.composite
def put_image(draw: st.DrawFn) -> dict[str, Any]:
    """A push of a seeded manifest or of a hostile one, with its digest or not, into a seeded repository."""
    manifest = draw(weighted((1, st.sampled_from(MANIFESTS)), (1, MANIFESTS_STRATEGY)))
    params: dict[str, Any] = {"repositoryName": draw(st.sampled_from([APP, LIB, EXCL, "auto/created"]))}
    params["imageManifest"] = manifest
    tag = draw(st.one_of(st.none(), st.sampled_from(TAGS)))
    if tag is not None:
        params["imageTag"] = tag
    if draw(st.booleans()):
        params["imageDigest"] = sha256_of(manifest.encode("utf-8", "surrogatepass"))  # lone surrogates too
    return params


RECIPES: dict[str, Strategy] = {
    "UploadLayerPart": upload_part(),
    "CompleteLayerUpload": st.builds(
        lambda which: {"repositoryName": APP, "uploadId": Ref(which), "layerDigests": [Ref("part-digest")]},
        st.sampled_from(["upload-part", "upload-open"]),
    ),
    "PutImage": put_image(),
}

INPUTS = Inputs()


# --- calling and judging ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: bool
    response: dict[str, Any] | None = None
    code: str | None = None
    status: int | None = None
    error: BaseException | None = None
    trace: str = ""
    body: bytes = b""


_clients: list[Any] = []


def fuzz_client() -> Any:
    """One client for the module, made inside the first test's mock (so it holds the fake credentials) and reused
    by every later one: a mock answers clients made before it started. Each mock activation hands boto3.client()
    a fresh default session, ~0.1 s to build, which 62+ tests would pay each."""
    if not _clients:
        _clients.append(boto3.Session().client("ecr", region_name=REGION, config=CLIENT_CONFIG))
    return _clients[0]


class Caller:
    """A boto3 client whose calls are judged: it knows whether a call left botocore (a ``before-send.ecr`` hook
    registered ahead of the mock's) and what the mock logged if a handler crashed."""

    def __init__(self, tracebacks: MockTracebacks) -> None:
        self.client = fuzz_client()
        self.tracebacks = tracebacks
        self._sent: list[bytes] = []
        events = self.client.meta.events  # the shared client: this caller's hook replaces the previous one's
        events.unregister("before-send.ecr", unique_id="fuzz-caller")
        events.register_first("before-send.ecr", self._mark, unique_id="fuzz-caller")

    def _mark(self, request: Any, **_: Any) -> None:
        body = request.body
        self._sent.append(body if isinstance(body, bytes) else str(body).encode())

    def call(self, operation: str, params: dict[str, Any]) -> Outcome:
        self._sent.clear()
        self.tracebacks.take()
        try:
            response = getattr(self.client, xform_name(operation))(**params)
        except ClientError as error:
            meta = error.response.get("ResponseMetadata", {})
            return Outcome(
                bool(self._sent),
                code=error.response.get("Error", {}).get("Code"),
                status=meta.get("HTTPStatusCode"),
                error=error,
                trace=self.tracebacks.take(),
                body=self._body(),
            )
        except Exception as error:  # judged below: before sending it is botocore's, after it a finding
            return Outcome(bool(self._sent), error=error, trace=traceback.format_exc(), body=self._body())
        return Outcome(True, response=response, status=200, body=self._body())

    def _body(self) -> bytes:
        return self._sent[0] if self._sent else b""


def judge(area: str, operation: str, params: dict[str, Any], outcome: Outcome) -> Finding | None:
    """The finding this outcome is, or None when it is an answer the operation may give."""
    declared = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
    request = shorten(params)
    if outcome.error is not None and outcome.code is None:
        detail = f"{type(outcome.error).__name__}: {shorten(str(outcome.error), 300)}"
        return Finding(area, operation, "crash", detail, request, outcome.trace)
    if outcome.status is not None and outcome.status >= 500:
        message = shorten(str(outcome.error), 300)
        return Finding(
            area, operation, "status-500", f"{outcome.code} ({outcome.status}): {message}", request, outcome.trace
        )
    if outcome.code is not None and outcome.code not in declared and outcome.code not in PROTOCOL_CODES:
        detail = f"{outcome.code}: {shorten(str(outcome.error), 300)}"
        return Finding(area, operation, "undeclared-code", detail, request, outcome.trace)
    return None


# --- the fuzzing session: seeding, toggles, reseeding ------------------------------------------------------


def _upload(caller: FuzzSession, repository: str, blobs: Sequence[bytes]) -> None:
    for blob in blobs:
        upload = caller.ok("InitiateLayerUpload", {"repositoryName": repository})["uploadId"]
        part = {"partFirstByte": 0, "partLastByte": len(blob) - 1, "layerPartBlob": blob}
        caller.ok("UploadLayerPart", {"repositoryName": repository, "uploadId": upload, **part})
        digest = sha256_of(blob)
        caller.ok("CompleteLayerUpload", {"repositoryName": repository, "uploadId": upload, "layerDigests": [digest]})


def _push(caller: FuzzSession, repository: str, manifest: str, *tags: str) -> None:
    for tag in tags or (None,):
        params = {"repositoryName": repository, "imageManifest": manifest}
        caller.ok("PutImage", params if tag is None else {**params, "imageTag": tag})


def _seed_upstream(mock: EcrMock) -> None:
    upstream = mock.upstream("public.ecr.aws")
    upstream.create_repository("library/base")
    for blob in UPSTREAM_IMG.blobs:
        upstream.put_blob("library/base", blob)
    upstream.put_image("library/base", UPSTREAM_IMG.manifest, tag="latest")


def _apply_lifecycle(session: FuzzSession) -> None:
    session.mock.apply_lifecycle_policies()


Toggle = Callable[["FuzzSession"], object]
TOGGLES: dict[str, Toggle] = {
    "delete registry policy": lambda s: s.any("DeleteRegistryPolicy", {}),
    "put registry policy": lambda s: s.any("PutRegistryPolicy", {"policyText": REGISTRY_POLICY}),
    "delete signing configuration": lambda s: s.any("DeleteSigningConfiguration", {}),
    "delete lifecycle policy": lambda s: s.any("DeleteLifecyclePolicy", {"repositoryName": APP}),
    "delete repository policy": lambda s: s.any("DeleteRepositoryPolicy", {"repositoryName": APP}),
    "untag latest": lambda s: s.any("BatchDeleteImage", {"repositoryName": APP, "imageIds": [{"imageTag": "latest"}]}),
    "restore archived": lambda s: s.any(
        "UpdateImageStorageClass",
        {"repositoryName": APP, "imageId": {"imageDigest": IMG3.digest}, "targetStorageClass": "STANDARD"},
    ),
    "archive v2": lambda s: s.any(
        "UpdateImageStorageClass",
        {"repositoryName": APP, "imageId": {"imageTag": "v2"}, "targetStorageClass": "ARCHIVE"},
    ),
    "delete pull-through rule": lambda s: s.any("DeletePullThroughCacheRule", {"ecrRepositoryPrefix": "ecr-public"}),
    "delete template": lambda s: s.any("DeleteRepositoryCreationTemplate", {"prefix": "auto"}),
    "delete empty repository": lambda s: s.any("DeleteRepository", {"repositoryName": EMPTY}),
    "deregister exclusion": lambda s: s.any("DeregisterPullTimeUpdateExclusion", {"principalArn": PRINCIPAL}),
    "clear replication": lambda s: s.any("PutReplicationConfiguration", {"replicationConfiguration": {"rules": []}}),
    "clear scanning rules": lambda s: s.any("PutRegistryScanningConfiguration", {"scanType": "BASIC", "rules": []}),
    "apply lifecycle policies": _apply_lifecycle,
}


@dataclass(frozen=True)
class Example:
    strict: bool  # answered by a nested mock_ecr(strict=True) over the same registries
    toggles: tuple[str, ...]
    params: dict[str, Any]


class FuzzSession:
    """One operation's fuzzing: a seeded registry, seeded again once enough examples have changed it."""

    def __init__(self, mock: EcrMock, caller: Caller, operation: str) -> None:
        self.mock = mock
        self.caller = caller
        self.operation = operation
        self.seeded = Seeded()
        self.dirty = True
        self.since_seed = 0
        self.reached = 0
        self.findings: list[Finding] = []

    def any(self, operation: str, params: dict[str, Any]) -> Outcome:
        """A valid call made while seeding or toggling, judged like the rest."""
        outcome = self.caller.call(operation, params)
        REPORT.setup_calls += 1
        self._record(judge("model-fuzz", operation, params, outcome))
        return outcome

    def ok(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        outcome = self.any(operation, params)
        if outcome.response is None:
            raise AssertionError(f"seeding call {operation}({shorten(params)}) failed: {outcome.error!r}")
        return outcome.response

    def _record(self, finding: Finding | None) -> None:
        if finding is not None:
            self.findings.append(REPORT.add_finding(finding))

    def reseed(self) -> None:
        self.mock.reset()
        self.seeded = seed(self)
        self.dirty, self.since_seed = False, 0

    def run(self, example: Example) -> None:
        if self.dirty and self.since_seed >= RESEED_AFTER:
            self.reseed()
        for name in example.toggles:
            TOGGLES[name](self)
            self.dirty = True
        params = self.seeded.resolve(example.params)
        if example.strict:
            with mock_ecr(strict=True):
                outcome = self.caller.call(self.operation, params)
        else:
            outcome = self.caller.call(self.operation, params)
        self.since_seed += 1
        if not outcome.sent:
            REPORT.client_side[self.operation] += 1
            return
        self.reached += 1
        REPORT.fuzz_calls[self.operation] += 1
        REPORT.fuzz_outcome(self.operation, "ok" if outcome.error is None else str(outcome.code or "exception"))
        self._record(judge("model-fuzz", self.operation, params, outcome))
        if outcome.error is None and not self.operation.startswith(READ_ONLY):
            self.dirty = True


def seed(session: FuzzSession) -> Seeded:
    """Registry policy, replication, scanning, signing, a creation template, a pull-time exclusion; repositories
    (mutable, immutable, with exclusions, KMS); images with their layers uploaded (tagged, untagged, archived, an
    index, a referrer); lifecycle and repository policies, a lifecycle preview; pull-through-cache rules and a
    cached image; open uploads; a replication backfill; real page tokens. All through boto3 but the upstream."""
    ok = session.ok
    destination = {"region": OTHER_REGION, "registryId": ACCOUNT}
    replication = {"destinations": [destination], "repositoryFilters": [{"filter": APP, "filterType": "PREFIX_MATCH"}]}
    scan_filters = [{"filter": "seeded/*", "filterType": "WILDCARD"}]
    signing_filters = [{"filter": "seeded/*", "filterType": "WILDCARD_MATCH"}]
    ok("PutRegistryPolicy", {"policyText": REGISTRY_POLICY})
    ok("PutReplicationConfiguration", {"replicationConfiguration": {"rules": [replication]}})
    ok(
        "PutRegistryScanningConfiguration",
        {"rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": scan_filters}]},
    )
    ok(
        "PutSigningConfiguration",
        {
            "signingConfiguration": {
                "rules": [{"signingProfileArn": SIGNING_PROFILE, "repositoryFilters": signing_filters}]
            }
        },
    )
    applied_for = ["CREATE_ON_PUSH", "PULL_THROUGH_CACHE", "REPLICATION"]
    ok("CreateRepositoryCreationTemplate", {"prefix": "auto", "appliedFor": applied_for, "description": "fuzz"})
    ok("RegisterPullTimeUpdateExclusion", {"principalArn": PRINCIPAL})
    ok("CreateRepository", {"repositoryName": APP, "tags": [{"Key": "team", "Value": "fuzz"}]})
    ok("CreateRepository", {"repositoryName": LIB, "imageTagMutability": "IMMUTABLE"})
    exclusions = [{"filterType": "WILDCARD", "filter": "dev-*"}]
    excl = {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION", "imageTagMutabilityExclusionFilters": exclusions}
    ok("CreateRepository", {"repositoryName": EXCL, **excl})
    ok("CreateRepository", {"repositoryName": EMPTY, "encryptionConfiguration": {"encryptionType": "KMS"}})
    _upload(session, APP, [CONFIG, LAYERS[0], LAYERS[1], b"{}"])
    _upload(session, LIB, LIB_IMG.blobs)
    _push(session, APP, IMG1.manifest, "v1", "latest")
    _push(session, APP, IMG2.manifest, "v2")
    _push(session, APP, INDEX, "multi")
    _push(session, APP, IMG3.manifest)
    _push(session, APP, REFERRER.manifest)
    _push(session, LIB, LIB_IMG.manifest, "v1")
    ok(
        "UpdateImageStorageClass",
        {"repositoryName": APP, "imageId": {"imageDigest": IMG3.digest}, "targetStorageClass": "ARCHIVE"},
    )
    ok("PutLifecyclePolicy", {"repositoryName": APP, "lifecyclePolicyText": LIFECYCLE_POLICIES[0]})
    ok("SetRepositoryPolicy", {"repositoryName": APP, "policyText": REPO_POLICY})
    ok("StartLifecyclePolicyPreview", {"repositoryName": APP})
    _seed_upstream(session.mock)
    ok("CreatePullThroughCacheRule", {"ecrRepositoryPrefix": "ecr-public", "upstreamRegistryUrl": "public.ecr.aws"})
    ok(
        "CreatePullThroughCacheRule",
        {"ecrRepositoryPrefix": "hub", "upstreamRegistryUrl": "registry-1.docker.io", "credentialArn": CREDENTIAL},
    )
    ok("BatchGetImage", {"repositoryName": CACHED, "imageIds": [{"imageTag": "latest"}]})
    seeded = Seeded()
    seeded.refs["upload-open"] = ok("InitiateLayerUpload", {"repositoryName": APP})["uploadId"]
    upload = seeded.refs["upload-part"] = ok("InitiateLayerUpload", {"repositoryName": APP})["uploadId"]
    part = {"partFirstByte": 0, "partLastByte": len(PART_DATA) - 1, "layerPartBlob": PART_DATA}
    ok("UploadLayerPart", {"repositoryName": APP, "uploadId": upload, **part})
    seeded.refs["part-digest"] = sha256_of(PART_DATA)
    seeded.refs["backfill"] = ok("StartReplicationBackfill", {"destination": destination})["replicationBackfillId"]
    for operation, params in (
        ("ListImages", {"repositoryName": APP, "maxResults": 1}),
        ("DescribeImages", {"repositoryName": APP, "maxResults": 1}),
        ("DescribeRepositories", {"maxResults": 1}),
        ("ListImageReferrers", {"repositoryName": APP, "subjectId": {"imageDigest": IMG1.digest}, "maxResults": 1}),
    ):
        token = ok(operation, params).get("nextToken")
        if token:
            seeded.tokens.append(token)
    return seeded


def examples(operation: str) -> st.SearchStrategy[Example]:
    toggles = weighted(
        (6, st.just(())), (4, st.lists(st.sampled_from(sorted(TOGGLES)), min_size=1, max_size=2).map(tuple))
    )
    return st.builds(Example, st.booleans(), toggles, INPUTS.operation(MODEL.operation_model(operation)))


# --- the test -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_call_ends_in_a_declared_answer(operation: str, profile: Profile) -> None:
    REPORT.profiles.add(profile.name)
    strategy = examples(operation)
    with mock_ecr() as mock, mock_tracebacks() as tracebacks:
        session = FuzzSession(mock, Caller(tracebacks), operation)
        session.reseed()

        @settings(
            max_examples=profile.fuzz_examples,
            derandomize=profile.derandomize,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(example=strategy)
        def fuzz(example: Example) -> None:
            session.run(example)

        fuzz()
    assert session.reached >= profile.fuzz_minimum, (
        f"only {session.reached} of {profile.fuzz_examples} {operation} calls reached the mock "
        f"({REPORT.client_side[operation]} refused by botocore so far)"
    )
    settle(session.findings)


# --- the crashes found so far, as fixed inputs (the fuzz tests above meet them only by chance) -------------

SURROGATE_MANIFEST = json.dumps({**json.loads(IMG2.manifest), "annotations": {"note": "\ud800"}}, ensure_ascii=False)
LIST_VERSION_POLICY = json.dumps({"Version": ["2012-10-17"], "Statement": [{"Effect": "Allow"}]})
TEMPLATE = {"prefix": "auto", "appliedFor": ["CREATE_ON_PUSH"]}
FOUND: list[Any] = [
    # fixed in 88f7782: UnicodeEncodeError in _manifest.digest_of (a 500 InternalFailure)
    pytest.param("PutImage", {"repositoryName": APP, "imageManifest": SURROGATE_MANIFEST}, id="PutImage-surrogate"),
    # fixed in 88f7782: TypeError (unhashable) in _policy._valid, `document["Version"] not in VERSIONS` (a 500)
    pytest.param("PutRegistryPolicy", {"policyText": LIST_VERSION_POLICY}, id="PutRegistryPolicy-list-Version"),
    pytest.param(
        "SetRepositoryPolicy", {"repositoryName": APP, "policyText": LIST_VERSION_POLICY}, id="SetRepositoryPolicy"
    ),
    pytest.param(
        "CreateRepositoryCreationTemplate",
        {**TEMPLATE, "prefix": "other", "repositoryPolicy": LIST_VERSION_POLICY},
        id="CreateRepositoryCreationTemplate",
    ),
    pytest.param(
        "UpdateRepositoryCreationTemplate",
        {**TEMPLATE, "repositoryPolicy": LIST_VERSION_POLICY},
        id="UpdateRepositoryCreationTemplate",
    ),
    # Was a 500: UnicodeEncodeError building the token for a registry id holding a lone surrogate, which default
    # mode lets through (it skips registryId patterns).
    pytest.param("GetAuthorizationToken", {"registryIds": [ACCOUNT, "\udfff"]}, id="GetAuthorizationToken-surrogate"),
]


@pytest.mark.parametrize(("operation", "params"), FOUND)
def test_inputs_that_crashed_the_mock(operation: str, params: dict[str, Any]) -> None:
    with mock_ecr() as mock, mock_tracebacks() as tracebacks:
        session = FuzzSession(mock, Caller(tracebacks), operation)
        session.reseed()
        outcome = session.caller.call(operation, params)
    finding = judge("model-fuzz", operation, params, outcome)
    assert finding is None, finding.render()

"""What ECR accepts as an image tag (ecr-behaviour.md 2.1, 5.3). The model allows 1..300 characters of anything (the
wire layer checks the length); ECR refuses characters outside ``[a-zA-Z0-9-_.]``, and, as the registry API's tag
grammar ``[A-Za-z0-9_][A-Za-z0-9._-]*`` says, a tag starting with ``-`` or ``.``."""

from __future__ import annotations

import re

from ecr_mock._errors import InvalidParameterException

_CHARACTERS = re.compile(r"[a-zA-Z0-9\-_.]+")
# the message users report from ECR for a character outside the set (obs)
_CHARACTERS_TEXT = "must satisfy regular expression '[a-zA-Z0-9-_.]+'"
# unconfirmed wording, in the same style, for the first-character rule
_FIRST_TEXT = "must satisfy regular expression '[a-zA-Z0-9_][a-zA-Z0-9-_.]*'"


def check_image_tag(tag: str) -> None:
    """InvalidParameterException at 'imageTag' for a tag ECR refuses (in both modes: no seed or moto test relies
    on such a tag being accepted)."""
    if not _CHARACTERS.fullmatch(tag):
        raise InvalidParameterException.at("imageTag", _CHARACTERS_TEXT)
    if tag[0] in ".-":
        raise InvalidParameterException.at("imageTag", _FIRST_TEXT)

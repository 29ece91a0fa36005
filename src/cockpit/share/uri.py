"""The share's address: ``dynamodb://TABLE?region=REGION[&profile=PROFILE]``.

One line in the config (``share = "dynamodb://cockpit-share?region=eu-central-1"``, which
``cockpit share init`` prints) or the global ``--share``. The table is named as DynamoDB
allows (3 to 255 of ``[A-Za-z0-9_.-]``); the region is required, because a table lives in
one region and every host must find the same one; the profile is optional (the AWS
credential chain decides without it).

Parsed by hand, strictly: nothing is decoded, guessed or ignored. Any mistake is one
:class:`ShareUriError` whose message is one line naming the part that is wrong; the caller
says where the URI came from (``--share``, the config file's line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cockpit.content.errors import did_you_mean
from cockpit.content.regions import region_problem

SCHEME = "dynamodb://"
FORM = "dynamodb://TABLE?region=REGION[&profile=PROFILE]"
#: DynamoDB's rule for table names (API reference, CreateTable, TableName).
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
#: A region's shape, checked before botocore's list (which may be unavailable).
_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-\d{1,2}")
#: What a profile name may hold here: no character a URI or a TOML string would need escaped.
_PROFILE = re.compile(r"[A-Za-z0-9_.@+-]{1,128}")
_KEYS = ("region", "profile")


class ShareUriError(ValueError):
    """A share URI Cockpit cannot use; the message is one line saying what is wrong."""


def _shown(value: str, limit: int = 60) -> str:
    """``value`` quoted on one line (control characters escaped), cut to ``limit``."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def check_table(name: str) -> str:
    """``name`` if DynamoDB allows it as a table name, else ShareUriError."""
    if not _TABLE.fullmatch(name):
        raise ShareUriError(f"table name {_shown(name)}: DynamoDB allows 3 to 255 letters, digits, '_', '-' and '.'")
    return name


def check_region(name: str) -> str:
    """``name`` if it is an AWS region, else ShareUriError (with the closest one)."""
    problem = region_problem(name) if _REGION.fullmatch(name) else f"{_shown(name)} is not an AWS region"
    if problem:
        raise ShareUriError(f"region {problem}")
    return name


def check_profile(name: str) -> str:
    if not _PROFILE.fullmatch(name):
        raise ShareUriError(f"profile {_shown(name)}: use 1 to 128 letters, digits, '_', '.', '@', '+' and '-'")
    return name


@dataclass(frozen=True)
class ShareUri:
    """Where the share lives. Built by :func:`parse` or directly; both check every part."""

    table: str
    region: str
    profile: str | None = None

    def __post_init__(self) -> None:
        check_table(self.table)
        check_region(self.region)
        if self.profile is not None:
            check_profile(self.profile)

    def __str__(self) -> str:
        return f"{SCHEME}{self.table}?region={self.region}" + (f"&profile={self.profile}" if self.profile else "")


def parse(text: str) -> ShareUri:
    """The ShareUri ``text`` names, or ShareUriError saying what is wrong with it."""
    if not isinstance(text, str) or not text.startswith(SCHEME):
        shown = _shown(text) if isinstance(text, str) else type(text).__name__
        raise ShareUriError(f"{shown} is not a share URI: {FORM}")
    table, mark, query = text[len(SCHEME):].partition("?")
    check_table(table)
    found: dict[str, str] = {}
    for part in query.split("&") if mark else ():
        key, equals, value = part.partition("=")
        if not part:
            raise ShareUriError(f"an empty query part (a stray '?' or '&'); the form is {FORM}")
        if key not in _KEYS:
            shown = f"query key {_shown(key)}" if key else f"query part {_shown(part)}"
            raise ShareUriError(f"unknown {shown}{did_you_mean(key, list(_KEYS))}; the form is {FORM}")
        if key in found:
            raise ShareUriError(f"query key {key!r} is given twice")
        if not equals or not value:
            raise ShareUriError(f"query key {key!r} has no value")
        found[key] = value
    if "region" not in found:
        raise ShareUriError(f"no region: add ?region=REGION, the table's AWS region ({FORM})")
    return ShareUri(table, found["region"], found.get("profile"))

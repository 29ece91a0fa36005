"""Who signed an AWS request and which resources a write names: what CloudTrail records.

The counting middleware keeps these on each outside write (``RequestRecord.access_key``,
``resources``) so CloudTrail ``LookupEvents`` can answer "who changed what" from what the
estate actually received (``answers/cloudtrail_events.py``). Reads are not looked at: only
writes become trail events, and parsing every body would cost the panes' refreshes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote

from cockpit.estate.wsgi_body import peek_body

#: Request parameters that name a resource, in the protocols' spellings (form, JSON).
_NAMING_SUFFIXES = ("Name", "Identifier", "Arn", "Id", "name", "identifier", "arn")
_NAMING_EXACT = {"cluster", "service", "taskDefinition", "FunctionName", "TableName", "Bucket"}
_SKIP = {"Action", "Version", "ClientToken", "clientToken", "NextToken", "nextToken"}
#: Fixed words of REST paths (Lambda, API Gateway, GuardDuty, Route53), not resource names.
_REST_WORDS = {"functions", "restapis", "stages", "code", "tags", "detector", "configuration", "hostedzone",
               "healthcheck", "rrset"}
_MAX_RESOURCES = 8


def access_key_of(environ: dict[str, Any]) -> str:
    """The access key id of the SigV4 credential (header or presigned URL); "" if unsigned."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    credential = ""
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    elif "X-Amz-Credential=" in environ.get("QUERY_STRING", ""):
        credential = parse_qs(environ["QUERY_STRING"]).get("X-Amz-Credential", [""])[0]
    return credential.split("/", 1)[0] if "/" in credential else ""


def _names(params: dict[str, Any]) -> list[str]:
    found = []
    for key, value in params.items():
        if key in _SKIP or not isinstance(value, str) or not value:
            continue
        short = key.rsplit(".", 1)[-1]
        if short in _NAMING_EXACT or short.endswith(_NAMING_SUFFIXES):
            found.append(value)
    return found


def resources_of(environ: dict[str, Any]) -> tuple[str, ...]:
    """Resource names a write request carries: REST path segments, or naming form/JSON fields."""
    content_type = environ.get("CONTENT_TYPE", "")
    names: list[str] = []
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = parse_qs(peek_body(environ).decode("utf-8", "replace"))
        names = _names({k: v[0] for k, v in form.items()})
    elif "json" in content_type and environ.get("HTTP_X_AMZ_TARGET"):
        try:
            data = json.loads(peek_body(environ) or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            names = _names(data)
    else:  # REST: /bucket/key, /2015-03-31/functions/<name>/code, /restapis/<id>/stages/<name>
        parts = [unquote(p) for p in (environ.get("PATH_INFO") or "/").split("/") if p]
        parts = [p for p in parts if not p[:1].isdigit() and p not in _REST_WORDS]
        names = parts[:1] + (["/".join(parts[1:])] if len(parts) > 1 else [])  # bucket, key (with its slashes)
        host = environ.get("HTTP_HOST", "")
        label, _, rest = host.partition(".")
        if rest.startswith("s3") and label != "s3" and not host[:1].isdigit():
            names.insert(0, host.split(".", 1)[0])  # virtual-hosted S3: bucket.s3.amazonaws.com
    unique = list(dict.fromkeys(names))
    return tuple(unique[:_MAX_RESOURCES])

"""CloudTrail ``LookupEvents`` (seed 001's P0 "Recent Changes", seed 004's audit) from what the estate received.

Every outside write the AWS estate served is in its ``RequestLog`` with the access key that
signed it, the resource names it carried and the world time it arrived; those are the
events. The estate's own seeding and driving (internal) are not: they are the world, not
someone's change. Reads are not events either (CloudTrail keeps them, but the runbooks ask
"what changed"). REST writes are named by matching the method and path against botocore's
request URIs (query strings are not recorded: the shortest matching name wins, so
``PUT /bucket/key`` is ``PutObject``).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from cockpit.estate import catalogue as cat
from cockpit.estate.answers.call import Call
from cockpit.estate.answers.protocol import AnswerError, service_model
from cockpit.estate.requestlog import RequestRecord

_SOURCES = {"cloudwatch": "monitoring", "elbv2": "elasticloadbalancing", "ses": "email"}
_DEFAULT_WINDOW = 90 * 86400


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    routes = []
    try:
        model = service_model(service)
    except Exception:  # noqa: BLE001 - an unknown service simply has no REST names
        return []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        if "?" in uri:
            continue
        pattern = re.escape(uri.rstrip("/") or "/")
        pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", pattern)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        routes.append((http.get("method", "GET"), re.compile(f"^{pattern}/?$"), name))
    return sorted(routes, key=lambda r: len(r[2]))


def event_name(record: RequestRecord) -> str:
    if " /" not in record.operation:
        return record.operation
    method, path = record.operation.split(" ", 1)
    for route_method, pattern, name in _rest_routes(record.service):
        if route_method == method and pattern.match(path):
            return name
    return record.operation


class Usernames:
    """Access key -> IAM user name (the estate's own ``testing`` key is moto's user)."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, call: Call, access_key: str) -> str:
        if access_key in self._known:
            return self._known[access_key]
        name = cat.ESTATE_USER
        if access_key.startswith(("AKIA", "ASIA")):
            iam = call.clients("iam", cat.US_REGION)
            try:
                name = iam.get_access_key_last_used(AccessKeyId=access_key).get("UserName") or name
            except iam.exceptions.ClientError:
                pass  # a key the account never issued: AWS would not have accepted it; show the estate's user
        self._known[access_key] = name
        return name


_usernames = Usernames()


def _event(record: RequestRecord, call: Call) -> dict[str, Any]:
    name = event_name(record)
    source = f"{_SOURCES.get(record.service, record.service)}.amazonaws.com"
    user = _usernames(call, record.access_key)
    at = datetime.fromtimestamp(record.world_at or record.at, timezone.utc)
    event_id = hashlib.sha1(f"{record.at}:{record.operation}:{record.resources}".encode()).hexdigest()
    event_id = f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:32]}"
    detail = {"eventVersion": "1.08", "eventID": event_id, "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "eventSource": source, "eventName": name, "awsRegion": record.region or cat.US_REGION,
              "eventType": "AwsApiCall", "readOnly": False, "sourceIPAddress": "127.0.0.1",
              "userIdentity": {"type": "IAMUser", "userName": user, "accessKeyId": record.access_key,
                               "accountId": cat.ACCOUNT_ID,
                               "arn": f"arn:aws:iam::{cat.ACCOUNT_ID}:user/{user}"},
              "requestParameters": {"resources": list(record.resources)}, "recipientAccountId": cat.ACCOUNT_ID}
    return {"EventId": event_id, "EventName": name, "ReadOnly": "false", "AccessKeyId": record.access_key,
            "EventTime": at, "EventSource": source, "Username": user,
            "Resources": [{"ResourceName": r} for r in record.resources],
            "CloudTrailEvent": json.dumps(detail)}


_ATTRIBUTES = {"EventId": "EventId", "EventName": "EventName", "ReadOnly": "ReadOnly", "Username": "Username",
               "EventSource": "EventSource", "AccessKeyId": "AccessKeyId"}


def _keep(event: dict[str, Any], attributes: list[dict[str, str]]) -> bool:
    for attribute in attributes:
        key, value = attribute.get("AttributeKey", ""), attribute.get("AttributeValue", "")
        if key == "ResourceName":
            if value not in {r["ResourceName"] for r in event["Resources"]}:
                return False
        elif key == "ResourceType":
            return False  # the estate does not type resources: nothing matches a type
        elif key in _ATTRIBUTES and str(event[_ATTRIBUTES[key]]) != value:
            return False
    return True


def _epoch(value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return float(value)


def lookup_events(params: dict[str, Any], call: Call) -> dict[str, Any]:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise AnswerError(400, "InvalidLookupAttributesException", "You can specify only one lookup attribute.")
    now = call.world_now()
    start, end = _epoch(params.get("StartTime"), now - _DEFAULT_WINDOW), _epoch(params.get("EndTime"), now)
    if start > end:
        raise AnswerError(400, "InvalidTimeRangeException", "Start time must be before end time.")
    limit = int(params.get("MaxResults") or 50)
    if not 1 <= limit <= 50:
        raise AnswerError(400, "InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    records = [r for r in call.log.records() if r.component == "aws" and r.mutating
               and start <= (r.world_at or r.at) <= end]
    events = [e for e in (_event(r, call) for r in reversed(records)) if _keep(e, attributes)]
    token = params.get("NextToken") or "0"
    if not token.isdigit():
        raise AnswerError(400, "InvalidNextTokenException", f"Invalid NextToken {token!r}.")
    offset = int(token)
    page = events[offset:offset + limit]
    result: dict[str, Any] = {"Events": page}
    if offset + limit < len(events):
        result["NextToken"] = str(offset + limit)
    return result

"""AWS Health ``DescribeEvents`` (seed 000's P1/P2 root cause: "Check AWS Health Dashboard").

moto has no Health API. The estate's AWS Health reports what the estate itself is doing to
its clients: while a scenario holds a regional outage of a service (``wsgi_outage.Outages``),
an open ``issue`` event for that service and region (``AWS_S3_OPERATIONAL_ISSUE``, as AWS
names it), its start the first time the estate was asked after the outage began (the
outage list keeps no start time); when the outage ends the event is ``closed``. With no
outage the answer is empty, as AWS's is on a quiet day. ``filter`` is applied on services,
regions and eventStatusCodes; the rest of it is not (documented).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cockpit.estate.answers.call import Call

_NAMES = {"s3": "S3", "dynamodb": "DYNAMODB", "ec2": "EC2", "rds": "RDS", "lambda": "LAMBDA"}


def _events(call: Call) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str], dict[str, Any]] = call.store.setdefault("health_events", {})
    outages = call.outages.active() if call.outages is not None else []
    now = datetime.fromtimestamp(call.world_now(), timezone.utc)
    for service, region in outages:
        key = (service, region)
        if key not in seen or seen[key]["statusCode"] == "closed":
            name = _NAMES.get(service, service.upper())
            seen[key] = {
                "arn": f"arn:aws:health:{region}::event/{name}/AWS_{name}_OPERATIONAL_ISSUE/"
                       f"AWS_{name}_OPERATIONAL_ISSUE_{region.upper().replace('-', '')}_{int(now.timestamp())}",
                "service": name, "eventTypeCode": f"AWS_{name}_OPERATIONAL_ISSUE", "eventTypeCategory": "issue",
                "region": region, "availabilityZone": "", "startTime": now, "lastUpdatedTime": now,
                "statusCode": "open", "eventScopeCode": "PUBLIC"}
        else:
            seen[key]["lastUpdatedTime"] = now
    for key, event in seen.items():
        if key not in outages and event["statusCode"] == "open":
            event.update(statusCode="closed", endTime=now, lastUpdatedTime=now)
    return list(seen.values())


def describe_events(params: dict[str, Any], call: Call) -> dict[str, Any]:
    wanted = params.get("filter") or {}
    services = set(wanted.get("services") or [])
    regions = set(wanted.get("regions") or [])
    codes = set(wanted.get("eventStatusCodes") or [])
    events = [e for e in _events(call)
              if (not services or e["service"] in services) and (not regions or e["region"] in regions)
              and (not codes or e["statusCode"] in codes)]
    return {"events": sorted(events, key=lambda e: e["startTime"], reverse=True)}



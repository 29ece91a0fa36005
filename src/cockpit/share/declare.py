"""Declaring an incident with a share configured: the team sees it at once, under a number
no other host gave another incident.

Each file numbers its incidents ``INC-<day>-<n>`` from its own last one, so two hosts
declaring at once would both make -0001. Here the number is reserved in the share first
(``TableLog.claim_number``: one conditional write on ``SHARE``/``A#<id>``), from one past
the larger of this file's last and the share's last of the day, counting up on conflict;
then the incident is declared under it and shared (``sync.share_incident``). With the
share away, the incident is declared here as always, and one line says it is not shared
yet (``cockpit incident share ID`` shares it once the share answers).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cockpit.share.log import NumberTaken, TableLog
from cockpit.share.sync import Outcome, ShareRefused, share_incident
from cockpit.share.table import SHARE_PK, number_sk
from cockpit.timeline import Timeline
from cockpit.timeline.model import Incident, utc_now

#: Numbers tried before giving up (each a conditional write lost to another host).
_TRIES = 20


@dataclass(frozen=True)
class Declared:
    incident: Incident
    outcome: Outcome | None  # the first round with the share (None: not shared)
    warning: str | None = None  # one line when it is not shared


def _share_last(log: TableLog, prefix: str) -> int:
    """The share's highest incident number reserved under ``prefix`` (``INC-20261205-``), or 0."""
    answer = log.client.query(TableName=log.uri.table, ConsistentRead=True, ScanIndexForward=False, Limit=1,
                              KeyConditionExpression="pk = :p AND begins_with(sk, :day)",
                              ExpressionAttributeValues={":p": {"S": SHARE_PK}, ":day": {"S": number_sk(prefix)}})
    log.requests += 1
    items = answer.get("Items", [])
    try:
        return int(items[0]["sk"]["S"].rsplit("-", 1)[1]) if items else 0
    except (KeyError, ValueError, IndexError):
        return 0


def declare_shared(tl: Timeline, log: TableLog, title: str, level: str, **declare: Any) -> Declared:
    """Declare and share; never fails for the share (``Declared.warning`` says what did not happen)."""
    from cockpit.sources.errors import classify

    uid = declare.pop("uid", None) or f"declared-{uuid.uuid4().hex}"
    if (earlier := tl.event(uid)) is not None:  # a retried declare (a pager's alert id): that incident
        return Declared(tl.incident(earlier.incident_id), None)
    now = utc_now()
    prefix = f"INC-{now:%Y%m%d}-"
    try:
        number = max(tl.next_number(now), _share_last(log, prefix) + 1)
        if number > 9999:  # a day's numbers have four digits; anything else in the share is not ours to follow
            raise ShareRefused(f"the share's last number today is past {prefix}9999")
        for _ in range(_TRIES):
            try:
                log.claim_number(f"{prefix}{number:04d}", uid, tl.actor)
                break
            except NumberTaken:
                number += 1
        else:
            raise ShareRefused(f"{_TRIES} numbers in a row were taken by other hosts")
    except Exception as exc:  # offline, throttled, denied, or that: declared here, shared later
        why = str(exc) if isinstance(exc, ShareRefused) else f"share offline: {classify(exc)}"
        incident = tl.declare(title, level, uid=uid, **declare)
        return Declared(incident, None, f"{incident.id} is not shared yet ({why}): `cockpit incident share "
                                        f"{incident.id}` shares it once the share answers")
    incident = tl.declare(title, level, uid=uid, number=number, **declare)
    try:
        return Declared(incident, share_incident(tl, log, incident.id))
    except ShareRefused as exc:
        return Declared(incident, None, f"{incident.id} is not shared yet ({exc}): `cockpit incident share "
                                        f"{incident.id}` shares it once the share answers")

"""Which alarm transitions belong in an incident's timeline.

During an incident, an alarm that fires or clears is logged automatically (issue 4;
design: "during an incident, logged to the timeline"). The panes poll snapshots, not
transitions, so the transitions are read off each snapshot:

- **fired**: in ALARM, and its state changed at or after the incident was detected;
- **cleared**: back to OK after it fired during this incident (an alarm that was always
  OK, or recovered before the incident, is not news).

Alarms already firing when an incident is declared on a screen are logged by the declaration
itself (:func:`firing`, ``Timeline.declare(firing=...)``), with their real fired-at times; the
first of them is the incident's detection.

Each transition carries the alarm's own state-change time, and the timeline's event uid is
derived from (incident, region, alarm, transition, time), so every cockpit watching the
same alarm may log it and one event results.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cockpit.timeline.model import Event, Incident, parse_ts


class AlarmLike(Protocol):
    name: str
    region: str
    state: str
    reason: str
    severity: str
    updated_at: datetime | None


@dataclass(frozen=True)
class AlarmTransition:
    alarm: str
    region: str
    transition: str  # "fired" | "cleared"
    at: datetime
    state: str
    reason: str
    severity: str

    def as_kwargs(self) -> dict[str, Any]:
        return {"region": self.region, "state": self.state, "reason": self.reason, "alarm_severity": self.severity}


def fired_in(events: Iterable[Event]) -> dict[tuple[str, str], datetime]:
    """(alarm, region) → when it last fired, from an incident's alarm events."""
    fired: dict[tuple[str, str], datetime] = {}
    for event in events:
        if event.kind == "alarm_fired":
            fired[(event.data.get("alarm", ""), event.data.get("region") or "")] = parse_ts(event.ts)
    return fired


def still_firing(events: Iterable[Event]) -> list[str]:
    """The alarms an incident's timeline last saw fire and never saw clear ("name (region)"),
    in the order they fired: what resolving would leave burning. Read from the timeline, so
    the headless CLI knows as much as the cockpit that logged them."""
    last: dict[tuple[str, str], str] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind in ("alarm_fired", "alarm_cleared"):
            key = (event.data.get("alarm", ""), event.data.get("region") or "")
            last.pop(key, None)  # re-insert: the order is the latest firing's
            last[key] = event.kind
    return [f"{alarm} ({region})" if region else alarm for (alarm, region), kind in last.items()
            if kind == "alarm_fired"]


def firing_warning(names: list[str]) -> str | None:
    """One line: "2 alarms still firing: a (eu-west-1), b" (None when none is)."""
    if not names:
        return None
    return f"{len(names)} alarm{'s' if len(names) != 1 else ''} still firing: {', '.join(names)}"


def transitions(incident: Incident, alarms: Iterable[AlarmLike], fired: dict[tuple[str, str], datetime]
                ) -> list[AlarmTransition]:
    """The transitions in ``alarms`` (one snapshot) that the incident's timeline should hold."""
    if incident.status != "open":
        return []
    detected = parse_ts(incident.detected_at)
    out = []
    for alarm in alarms:
        at = alarm.updated_at
        if at is None:
            continue
        key = (alarm.name, alarm.region)
        if alarm.state == "ALARM" and at >= detected:
            out.append(AlarmTransition(alarm.name, alarm.region, "fired", at, alarm.state, alarm.reason,
                                       alarm.severity))
        elif alarm.state == "OK" and key in fired and at >= fired[key]:
            out.append(AlarmTransition(alarm.name, alarm.region, "cleared", at, alarm.state, alarm.reason,
                                       alarm.severity))
    return out


def firing(alarms: Iterable[AlarmLike]) -> list[AlarmTransition]:
    """The alarms of one snapshot that are in ALARM, as "fired" at their real state-change
    time: what ``Timeline.declare(firing=...)`` logs when an incident is declared on a
    screen, so the alarms that led to the declaration are on its timeline and set detection."""
    return [AlarmTransition(a.name, a.region, "fired", a.updated_at, a.state, a.reason, a.severity)
            for a in alarms if a.state == "ALARM" and a.updated_at is not None]


def record_all(timeline: Any, incident_id: str, found: list[AlarmTransition]) -> int:
    """Write ``found`` to the timeline in one transaction (one fsync for an alarm storm)."""
    with timeline.transaction():
        for t in found:
            timeline.record_alarm_transition(incident_id, t.alarm, t.transition, t.at, **t.as_kwargs())
    return len(found)

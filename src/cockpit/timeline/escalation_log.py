"""Which escalations an incident owes, and the one timeline event each writes when it falls due.

Seed 002's escalation matrix says whom to bring in after 15 minutes and after 1 hour (P0:
Incident Commander, then CTO; P1: Engineering Lead, then CTO; P2: Engineering Lead; P3:
none): ``severity.SEVERITIES``. Showing the ladder is not enough — a responder heads-down in a
failover does not watch a header — so when an open incident crosses one of its points, the
cockpit writes one ``escalation_due`` event and rings (``ui/incident/reminders.py``).

A point is **owed** while the incident is open and its impact is not yet mitigated, its
severity's matrix has it, the incident's elapsed time has reached it, and nobody has
recorded the escalation to that contact (an ``escalated`` event naming them: the
responder's "P: paged …"). Mitigation ends it: the runbooks put escalation before the fix
(seed 000's P1 response: "Engage Stakeholders (15-30 min)" comes before "Implement
Mitigation"; seed 004's 7 steps: "Mitigate: apply immediate fix, rollback" before "Resolve:
verify fix works"); the people a matrix pulls in are there to stop the impact, so once it
has stopped nobody is paged for it. Severity is read at each evaluation, so raising P2 to
P1 adds the CTO at 1 h, and lowering it to P3 owes nothing more.

The event's identity is derived from data, like the alarm transitions
(``alarm_log.py``): the uid is a hash of (incident, point's elapsed time, contact). Two
cockpits on one file, or one restarted, write the same uid; ``append`` ignores the second,
so the timeline holds one event per point per incident. The contact is part of the point
(P1 and P2 both owe the Engineering Lead at 15 min: one point, whichever level it was).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cockpit.timeline.model import Event, EventKind, Incident
from cockpit.timeline.severity import severity


def point_time(after: timedelta) -> str:
    """The matrix's own words for a point: "15 min", "1 h"."""
    minutes = int(after.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes and minutes % 60 == 0 else f"{minutes} min"


@dataclass(frozen=True)
class DuePoint:
    """One escalation an incident owes now."""

    level: str  # the incident's severity when it fell due
    after: timedelta
    to: str
    source: str

    @property
    def message(self) -> str:
        """What the toast and the timeline say: "P1 open 15 min: escalate to the Engineering Lead"."""
        return f"{self.level} open {point_time(self.after)}: escalate to the {self.to}"

    def uid(self, incident_id: str) -> str:
        key = "|".join((incident_id.strip().upper(), str(int(self.after.total_seconds())), self.to.casefold()))
        return "escalation-" + hashlib.sha256(key.encode()).hexdigest()[:32]

    def data(self, elapsed: timedelta) -> dict[str, Any]:
        return {"to": self.to, "after_s": int(self.after.total_seconds()), "severity": self.level,
                "elapsed_s": int(elapsed.total_seconds()), "source": self.source}


def stopped(incident: Incident) -> bool:
    """No escalation is owed once the incident is resolved or its impact mitigated."""
    return incident.status != "open" or incident.mitigated_at is not None


def escalated_to(events: Iterable[Event]) -> set[str]:
    """Contacts an ``escalated`` event names (case-folded): escalations done."""
    return {str(e.data.get("to", "")).strip().casefold() for e in events if e.kind == EventKind.ESCALATED}


def owed(incident: Incident, events: Iterable[Event], elapsed: timedelta) -> list[DuePoint]:
    """The points of the incident's severity reached by ``elapsed`` and not yet done
    (whether or not their ``escalation_due`` event is written): what the header prompts."""
    if stopped(incident):
        return []
    done = escalated_to(events)
    sev = severity(incident.severity)
    return [DuePoint(sev.level, e.after, e.to, e.source) for e in sev.escalations
            if elapsed >= e.after and e.to.casefold() not in done]


def unlogged(incident: Incident, events: Iterable[Event], elapsed: timedelta) -> list[DuePoint]:
    """The owed points whose ``escalation_due`` event the timeline does not hold yet."""
    events = list(events)
    logged = {e.uid for e in events if e.kind == EventKind.ESCALATION_DUE}
    return [p for p in owed(incident, events, elapsed) if p.uid(incident.id) not in logged]


def record_due(timeline: Any, incident: Incident, points: list[DuePoint], elapsed: timedelta) -> int:
    """Write each point's ``escalation_due`` event in one transaction; a point another
    cockpit (or this one before a restart) already wrote is left as it is."""
    with timeline.transaction():
        for point in points:
            timeline.record_escalation_due(incident.id, point, elapsed)
    return len(points)

"""Which alarm transitions belong in an incident's timeline.

During an incident, an alarm that fires or clears is logged automatically (issue 4;
design: "during an incident, logged to the timeline"). The panes poll snapshots, not
transitions, so the transitions are read off each snapshot:

- **fired**: in ALARM, its state changed at or after the incident was detected (or the
  cockpit saw it out of ALARM while the incident was open: below), and the timeline does
  not already have it firing (its last logged transition is not "fired");
- **cleared**: back to OK while the timeline has it firing (an alarm that was always OK,
  or recovered before the incident, is not news).

Whether a transition is new is decided by the timeline's last logged transition of that
alarm (the state :func:`~cockpit.sources.alarm_changes.changes`, the detector the alarms
pane shares, compares with), not by comparing state-change times read at different moments: the emulated estate
stamps times so that *ages* are scenario ages (``estate/wsgi_cloudwatch.py``), so at
``--speed 30`` the same firing reads 29 seconds earlier every second. Detection is such a
time too, read when the incident was declared: a firing seen a second after it happened
reads 30 s old, and one that came soon after the declaration read as older than the
incident and was left out (issue found in a drill at x30: four firings missing from the
timeline and the postmortem). So an alarm the cockpit itself saw out of ALARM while the
incident was open (``seen_quiet``) is news when it fires, whatever its stamp; the
detection test still keeps out alarms that were firing before the incident, unseen.

Alarms already firing when an incident is declared on a screen are logged by the declaration
itself (:func:`firing`, ``Timeline.declare(firing=...)``), with their real fired-at times; the
first of them is the incident's detection.

Each transition carries the alarm's own state-change time (the event's time), but its
identity is its place in the alarm's story on this timeline: the timeline's event uid is
derived from (incident, region, alarm, transition, *ordinal*), the n-th transition of that
alarm the incident logged (fired and cleared alternate, so the ordinal says which firing or
clearing it is). Two cockpits that read the timeline and then both log the same firing write
one event, even when they read its time at different moments from an estate at ``--speed
10`` (where that time moves: 9 s earlier every second); a time key made them two.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cockpit.sources.alarm_changes import AlarmLike, changes
from cockpit.timeline.model import Event, Incident, parse_ts


@dataclass(frozen=True)
class AlarmTransition:
    alarm: str
    region: str
    transition: str  # "fired" | "cleared"
    at: datetime
    state: str
    reason: str
    severity: str
    ordinal: int | None = None  # the n-th transition of this alarm on the incident's timeline

    def as_kwargs(self) -> dict[str, Any]:
        return {"region": self.region, "state": self.state, "reason": self.reason, "alarm_severity": self.severity,
                "ordinal": self.ordinal}


class LoggedAlarms(dict[tuple[str, str], str]):
    """(alarm, region) → its last transition on the timeline ("fired" or "cleared"), and in
    ``counts`` how many transitions of it the timeline holds."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[tuple[str, str], int] = {}


def last_logged(events: Iterable[Event]) -> LoggedAlarms:
    """(alarm, region) → its last transition on the timeline ("fired" or "cleared"), with counts."""
    last = LoggedAlarms()
    for event in sorted(events, key=lambda e: e.place):
        if event.kind in ("alarm_fired", "alarm_cleared"):
            key = (event.data.get("alarm", ""), event.data.get("region") or "")
            last[key] = event.kind.removeprefix("alarm_")
            last.counts[key] = last.counts.get(key, 0) + 1
    return last


def still_firing(events: Iterable[Event]) -> list[str]:
    """The alarms an incident's timeline last saw fire and never saw clear ("name (region)"),
    in the order they fired: what resolving would leave burning. Read from the timeline, so
    the headless CLI knows as much as the cockpit that logged them."""
    last: dict[tuple[str, str], str] = {}
    for event in sorted(events, key=lambda e: e.place):
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


def transitions(incident: Incident, alarms: Iterable[AlarmLike], logged: LoggedAlarms,
                seen_quiet: Collection[tuple[str, str]] = ()) -> list[AlarmTransition]:
    """The transitions in ``alarms`` (one snapshot) that the incident's timeline should hold
    and does not yet: ``logged`` is :func:`last_logged` of its events; ``seen_quiet`` the
    alarms, as (name, region), seen out of ALARM in an earlier snapshot while the incident
    was open. Each is numbered after the ones logged (its ``ordinal``: its identity on the
    timeline, see the module docstring)."""
    if incident.status != "open":
        return []
    detected = parse_ts(incident.detected_at)
    out = []
    for change in changes((((a.name, a.region), a) for a in alarms), lambda key: _LOGGED_STATE.get(logged.get(key))):
        alarm = change.alarm
        at = alarm.updated_at
        if at is None:
            continue
        ordinal = logged.counts.get(change.key, 0) + 1
        if change.fired and (at >= detected or change.key in seen_quiet):
            out.append(AlarmTransition(alarm.name, alarm.region, "fired", at, alarm.state, alarm.reason,
                                       alarm.severity, ordinal))
        elif change.cleared:
            out.append(AlarmTransition(alarm.name, alarm.region, "cleared", at, alarm.state, alarm.reason,
                                       alarm.severity, ordinal))
    return out


#: The state an alarm was last known in, by its last transition on the timeline.
_LOGGED_STATE = {"fired": "ALARM", "cleared": "OK"}


def firing(alarms: Iterable[AlarmLike]) -> list[AlarmTransition]:
    """The alarms of one snapshot that are in ALARM, as "fired" at their real state-change
    time: what ``Timeline.declare(firing=...)`` logs when an incident is declared on a
    screen, so the alarms that led to the declaration are on its timeline and set detection.
    A new incident's first transition of each alarm: ordinal 1."""
    return [AlarmTransition(a.name, a.region, "fired", a.updated_at, a.state, a.reason, a.severity, 1)
            for a in alarms if a.state == "ALARM" and a.updated_at is not None]


def record_all(timeline: Any, incident_id: str, found: list[AlarmTransition]) -> int:
    """Write ``found`` to the timeline in one transaction (one fsync for an alarm storm)."""
    with timeline.transaction():
        for t in found:
            timeline.record_alarm_transition(incident_id, t.alarm, t.transition, t.at, **t.as_kwargs())
    return len(found)

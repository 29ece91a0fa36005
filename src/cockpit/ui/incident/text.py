"""Words for the incident widgets: times, durations, the header's lines. Pure functions.

Kept apart from the widgets so what a responder reads (the escalation prompt above all) is
tested without a terminal, and so the modes read as words, not only as colours: a drill
must be unmistakable on a monochrome terminal too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text

from cockpit.content.durations import format_duration
from cockpit.exercise.clock import update_due_in
from cockpit.timeline.model import EventKind, parse_ts
from cockpit.timeline.escalation_log import owed, point_time
from cockpit.timeline.severity import escalation_status, severity

if TYPE_CHECKING:
    from cockpit.timeline.model import Event, Incident
    from cockpit.timeline.severity import EscalationStatus, Severity

#: The banner each mode wears in the header; a real incident gets none.
MODE_BANNERS: dict[str, str] = {"drill": " DRILL ", "tabletop": " TABLETOP "}

NO_INCIDENT = "no incident — press i to declare"


def clock_time(ts: str) -> str:
    """``HH:MM:SS`` (UTC) of a timeline timestamp (they are all UTC with a ``Z``)."""
    return ts[11:19] if len(ts) >= 19 and ts[10] == "T" else ts


def duration(delta: timedelta) -> str:
    """``42s``, ``14m05s``, ``2h03m``, ``1d02h``: the elapsed time a responder reads at a glance."""
    return format_duration(max(0.0, delta.total_seconds()))


def severity_choice(sev: Severity) -> str:
    """One line per level in the pickers: ``P1 Critical · Complete service outage…``."""
    return f"{sev.level} {sev.name:<8} {sev.definition}"


def severity_details(sev: Severity) -> str:
    """The runbooks' words for a level, shown under the picker."""
    update = f"status updates every {int(sev.update_every.total_seconds() // 60)} min" if sev.update_every else "no update cadence"
    return (f"{sev.label}: {sev.definition}. e.g. {sev.examples}\n"
            f"Respond {sev.response_text} · resolve {sev.resolution_text} · {update}")


def status(incident: Incident, now: datetime, elapsed: timedelta | None = None) -> EscalationStatus:
    """Where the incident stands; ``elapsed`` is its own clock's (``exercise.clock.incident_elapsed``:
    scenario time in a drill), else the wall time since detection."""
    if elapsed is None:
        elapsed = now - parse_ts(incident.detected_at)
    target = incident.response_target_seconds
    return escalation_status(incident.severity, elapsed, incident.acknowledged_at is not None,
                             timedelta(seconds=target) if target else None)


def title_line(incident: Incident, now: datetime | None = None, elapsed: timedelta | None = None) -> Text:
    """``INC-… P1 DRILL 14m05s title`` — the mode banner reversed so it cannot be missed;
    the elapsed time (since detection) when ``now`` is given."""
    text = Text()
    text.append(incident.id, style="bold")
    text.append(" ")
    text.append(f" {incident.severity} ", style="bold reverse")
    banner = MODE_BANNERS.get(incident.mode)
    if banner:
        text.append(" ")
        text.append(banner, style="bold reverse")
    if incident.status != "open":
        text.append(f" {incident.status.upper()}", style="bold")
    if now is not None:
        text.append(f" {duration(now - parse_ts(incident.detected_at) if elapsed is None else elapsed)}")
    text.append(f"  {incident.title}")
    return text


def shapes_clock_line(event: Event) -> bool:
    """An event the clock line reads: an escalation recorded or due, an exercise's clock
    checkpoint (the scenario time of a drill), or what set the next status update's due time. The widgets keep only these, so a tick every
    second does not walk an incident's thousands of alarm and step events."""
    return (event.kind in (EventKind.ESCALATED, EventKind.ESCALATION_DUE) or bool(event.data.get("exercise"))
            or "next_update_due" in event.data)


def clock_line(incident: Incident, now: datetime, elapsed: timedelta | None = None,
               events: Iterable[Event] = ()) -> tuple[Text, bool]:
    """Escalations owed, the status-update reminder, the response target, the ladder.

    Alerts come first so that at 80 columns they are the part that is never cut off.
    Returns the line and whether it carries an alert (the escalation prompt or an overdue
    update), so the header can change class. An escalation recorded as done (an
    ``escalated`` event naming the contact, in ``events``) or a mitigated incident owes
    none (``escalation_log.owed``).
    """
    events = list(events)
    state = status(incident, now, elapsed)
    sev = state.severity
    text = Text()
    if incident.status != "open":
        return Text(f"{incident.status} after {duration(state.elapsed)}"), False
    alert = False
    points = owed(incident, events, state.elapsed)
    if state.response_overdue or points:
        alert = True
        who = ", ".join(p.to for p in points) or state.ladder.contact
        reason = (f"{state.response_text} response target passed" if state.response_overdue
                  else f"{sev.level} open {point_time(points[-1].after)}")
        text.append(f"⚠ ESCALATE to {who}: {reason} ", style="bold")
    late = None
    due = update_due_in(incident, events, now)
    if due is not None and due.total_seconds() <= 0:
        alert, late = True, -due
        text.append(f"⚠ STATUS UPDATE DUE ({duration(-due)} late) ", style="bold")
    info = []
    if incident.acknowledged_at:
        info.append("acknowledged")
    elif not state.response_overdue:
        info.append(f"respond {'≤' if state.response is not None else ''}{state.response_text}")
    if due is not None and late is None:
        info.append(f"next update in {duration(due)}")
    info.append(f"{state.ladder.level} {state.ladder.contact}")
    text.append(" · ".join(info), style="dim" if alert else "")
    return text, alert


def event_cells(event: Event) -> tuple[Text, Text, Text, Text]:
    """A timeline row: time (UTC), actor, kind, message on one line. Text, not str: a
    table parses strings as markup, and a note may well say ``[api-gateway]``."""
    return (Text(clock_time(event.ts)), Text(event.actor), Text(event.kind),
            Text(" ".join(event.message.split())))


#: Data an event carries for other hosts, not for reading: what it set on the incident row
#: (``timeline/project.py``), which its message already says.
_NOT_SHOWN = frozenset({"set"})


def event_detail(event: Event) -> str:
    """The whole of one event (the table cuts long messages): when, who, what, data."""
    data = " ".join(f"{k}={v}" for k, v in event.data.items()
                    if v not in (None, "", {}, []) and k not in _NOT_SHOWN)
    return f"{event.ts} {event.actor} {event.kind}: {event.message}" + (f"  [{data}]" if data else "")


def summary(incident: Incident, now: datetime, elapsed: timedelta | None = None,
            events: Iterable[Event] = ()) -> Text:
    """The timeline screen's incident summary (several lines)."""
    text = title_line(incident, now, elapsed)
    sev = severity(incident.severity)
    text.append(f"\n{sev.label}: {sev.definition}")
    roles = [f"{name} {value}" for name, value in (("commander", incident.commander), ("scribe", incident.scribe),
                                                     ("comms", incident.communications)) if value]
    text.append("\n" + (" · ".join(roles) if roles else "no roles assigned"))
    times = [f"{label} {clock_time(value)}" for label, value in (
        ("detected", incident.detected_at), ("declared", incident.declared_at),
        ("acknowledged", incident.acknowledged_at), ("mitigated", incident.mitigated_at),
        ("resolved", incident.resolved_at)) if value]
    text.append("\n" + " · ".join(times) + " UTC")
    line, _ = clock_line(incident, now, elapsed, events)
    text.append("\n")
    text.append_text(line)
    return text

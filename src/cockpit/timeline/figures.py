"""Every figure a report states about an incident, computed once from its record.

The Markdown postmortem, the notifications (``comms.py``) and the JSON export's ``figures``
read the same :class:`Figures`, so a report can never say "acknowledged after 7 s — met"
while the incident row says it was never acknowledged, or a notification promise "up to
15 minutes" of data loss after the run measured 25. The rules (docs/timeline.md, Figures):

* **Detected** is the incident row's ``detected_at``: the first alarm that fired on the
  responder's screen before the declaration (``Timeline.declare(firing=...)``), a time
  given at declaration, else the declaration itself. ``detected_by`` says which.
* **Acknowledged** is what was recorded (an ``acknowledged`` event), nothing inferred. The
  first human response is a figure of its own, never passed off as an acknowledgement.
* **Mitigated** and **resolved** are the row's times (resolving mitigates, if nothing did).
* **Measurements** are ``metric`` events (a playbook's ``measures``, a drill's meter),
  the latest per name, judged against the target recorded with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from collections.abc import Iterable
from itertools import chain
from typing import Any

from cockpit.timeline.model import Event, EventKind, Incident, parse_ts

#: What counts as a person responding (for "first response").
RESPONSES = frozenset({EventKind.ACKNOWLEDGED, EventKind.NOTE, EventKind.STATUS_UPDATE, EventKind.ROLE_ASSIGNED,
                       EventKind.STEP_STARTED, EventKind.RUN_STARTED, EventKind.ESCALATED, EventKind.APPROVAL})
#: Metric names that are the data lost / at risk, best first (a playbook's rpo measure; the drill meter's).
DATA_LOSS_NAMES = ("rpo", "data_loss", "Data loss (replication lag at cut-over)")
_UNIT_SECONDS = {"s": 1.0, "sec": 1.0, "seconds": 1.0, "min": 60.0, "m": 60.0, "minutes": 60.0,
                 "h": 3600.0, "hours": 3600.0}


def human(delta: timedelta | None) -> str:
    """``1h 02m 03s`` / ``4m 05s`` / ``7s``; ``—`` for no figure."""
    if delta is None:
        return "—"
    seconds = int(round(delta.total_seconds()))
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return sign + (f"{h}h {m:02d}m {s:02d}s" if h else f"{m}m {s:02d}s" if m else f"{s}s")


def spoken(seconds: float) -> str:
    """A duration as a notification says it: ``25 minutes``, ``1 hour 5 minutes``, ``40 seconds``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = int(round(seconds / 60))
    h, m = divmod(minutes, 60)
    parts = ([f"{h} hour{'s' if h != 1 else ''}"] if h else []) + ([f"{m} minute{'s' if m != 1 else ''}"] if m else [])
    return " ".join(parts)


@dataclass(frozen=True)
class Measurement:
    """One recorded metric: the latest value of its name."""

    name: str
    title: str
    value: float
    target: float | None
    unit: str | None
    better: str
    at: str
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def seconds(self, value: float | None = None) -> float | None:
        """``value`` (default: the measured one) in seconds, when the unit is a time."""
        factor = _UNIT_SECONDS.get((self.unit or "").lower())
        v = self.value if value is None else value
        return None if factor is None else v * factor

    def shown(self, value: float | None = None) -> str:
        v = self.value if value is None else value
        secs = self.seconds(v)
        if secs is not None:
            return human(timedelta(seconds=secs))
        return f"{v:g}" + (f" {self.unit}" if self.unit else "")

    @classmethod
    def of(cls, event: Event) -> Measurement | None:
        d = event.data
        value, target = d.get("value"), d.get("target")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        return cls(name=str(d.get("name")), title=str(d.get("title") or d.get("name")), value=float(value),
                   target=float(target) if isinstance(target, (int, float)) and not isinstance(target, bool) else None,
                   unit=d.get("unit"), better=str(d.get("better") or "lower"), at=event.ts,
                   source=d.get("source") if isinstance(d.get("source"), dict) else {})


@dataclass(frozen=True)
class Figures:
    detected_at: str
    detected_by: str
    declared_at: str
    acknowledged_at: str | None
    first_response: Event | None
    mitigated_at: str | None
    resolved_at: str | None
    measurements: dict[str, Measurement]

    def since_detection(self, ts: str | None) -> timedelta | None:
        return parse_ts(ts) - parse_ts(self.detected_at) if ts else None

    @property
    def time_to_declare(self) -> timedelta | None:
        return self.since_detection(self.declared_at)

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self.since_detection(self.acknowledged_at)

    @property
    def time_to_first_response(self) -> timedelta | None:
        return self.since_detection(self.first_response.ts if self.first_response else None)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.since_detection(self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.since_detection(self.resolved_at)

    @property
    def data_loss(self) -> Measurement | None:
        """The measured data lost / at risk (a playbook's rpo measure, else a drill's)."""
        return next((self.measurements[n] for n in DATA_LOSS_NAMES if n in self.measurements), None)

    def to_json(self) -> dict[str, Any]:
        def secs(delta: timedelta | None) -> float | None:
            return None if delta is None else round(delta.total_seconds(), 3)

        return {
            "detected_at": self.detected_at, "detected_by": self.detected_by, "declared_at": self.declared_at,
            "acknowledged_at": self.acknowledged_at,
            "first_response_at": self.first_response.ts if self.first_response else None,
            "mitigated_at": self.mitigated_at, "resolved_at": self.resolved_at,
            "seconds_to": {"declare": secs(self.time_to_declare), "acknowledge": secs(self.time_to_acknowledge),
                           "first_response": secs(self.time_to_first_response),
                           "mitigate": secs(self.time_to_mitigate), "resolve": secs(self.time_to_resolve)},
            "measurements": {m.name: {"title": m.title, "value": m.value, "target": m.target, "unit": m.unit,
                                      "better": m.better, "met": m.met, "at": m.at, "source": m.source}
                             for m in self.measurements.values()},
        }


#: The kinds :func:`figures` reads: an export asks the database for these alone.
FIGURE_KINDS = frozenset({EventKind.METRIC, EventKind.ALARM_FIRED, EventKind.DECLARED, *RESPONSES})


def figures(incident: Incident, events: Iterable[Event]) -> Figures:
    """The figures of ``incident`` from its row and its events (in commit order), read in one
    pass: an export feeds them from the database cursor, one at a time."""
    measurements: dict[str, Measurement] = {}
    first: Event | None = None
    alarm: Event | None = None
    declared = False
    for e in events:
        if e.kind == EventKind.METRIC and "name" in e.data and (m := Measurement.of(e)) is not None:
            measurements[m.name] = m
        if e.kind in RESPONSES and (first is None or (e.ts, e.place) < (first.ts, first.place)):
            first = e
        if (alarm is None and e.kind == EventKind.ALARM_FIRED and e.ts == incident.detected_at
                and e.ts <= incident.declared_at):
            alarm = e
        declared = declared or e.kind == EventKind.DECLARED
    return Figures(detected_at=incident.detected_at, detected_by=_detected_by(incident, alarm, declared),
                   declared_at=incident.declared_at, acknowledged_at=incident.acknowledged_at,
                   first_response=first, mitigated_at=incident.mitigated_at, resolved_at=incident.resolved_at,
                   measurements=measurements)


def _detected_by(incident: Incident, alarm: Event | None, declared: bool) -> str:
    """How the incident was detected: the alarm that fired at its detection time, if any."""
    if alarm is not None:
        where = f" ({alarm.data['region']})" if alarm.data.get("region") else ""
        return f"alarm {alarm.data.get('alarm')}{where} fired"
    if incident.detected_at != incident.declared_at:
        return "given when it was declared" if declared else "recorded"
    return "when declared: no alarm had fired on the screen"


#: What :func:`figures` reads every one of: the rest (the responses) counts only by its earliest.
_EVERY = frozenset({EventKind.METRIC, EventKind.ALARM_FIRED, EventKind.DECLARED})


def of(tl: Any, incident_id: str) -> Figures:
    """:func:`figures` of an incident, reading only the events that decide them: the metrics,
    alarms and declaration in commit order, and of the responses (every note and step start
    of a long incident) the earliest alone, found by SQLite."""
    incident = tl.incident(incident_id)
    earliest = tl.iter_events(incident.id, kinds=RESPONSES, by_time=True, limit=1)
    return figures(incident, chain(tl.iter_events(incident.id, kinds=_EVERY), earliest))

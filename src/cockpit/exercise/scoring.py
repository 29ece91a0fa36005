"""Scoring a team against a scenario's expectations, from the timeline alone.

Every rule is a pure function of the incident's events and the scenario clock, so the same
verdict comes out in the live exercise, in ``cockpit incident export`` a week later, and
from an imported JSON file. Each verdict carries its *evidence*: the events that met the
rule, or the ones that show how it was missed.

The exercise's own bookkeeping (start, clock checkpoints, injects, the final score) is
written as ``inject`` events with ``data.exercise`` set; it is never a team action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cockpit.content.durations import format_duration
from cockpit.exercise.clock import ClockMap
from cockpit.timeline.model import Event, EventKind

#: What counts as the team doing something (the first one is "team response").
TEAM_ACTIONS = {
    EventKind.NOTE, EventKind.STATUS_UPDATE, EventKind.SEVERITY_CHANGED, EventKind.ROLE_ASSIGNED,
    EventKind.ACKNOWLEDGED, EventKind.ESCALATED, EventKind.RUN_STARTED, EventKind.STEP_STARTED,
    EventKind.APPROVAL, EventKind.DECISION, EventKind.ACTION_ITEM, EventKind.MITIGATED,
}


def machinery(event: Event) -> bool:
    """An event the exercise wrote about itself (start, clock, end), not an inject or an action."""
    return bool(event.data.get("exercise")) and event.data.get("exercise") != "inject"


def injects(events: list[Event]) -> list[Event]:
    return [e for e in events if e.kind == EventKind.INJECT and e.data.get("exercise") == "inject"]


def team_actions(events: list[Event]) -> list[Event]:
    return [e for e in events if e.kind in TEAM_ACTIONS and not machinery(e)]


def rank(level: str) -> int:
    return int(level.strip().upper().lstrip("P"))


@dataclass
class Verdict:
    id: str
    description: str
    rule: str
    met: bool
    detail: str
    evidence: list[Event] = field(default_factory=list)
    at: float | None = None  # scenario seconds of the deciding event

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "rule": self.rule, "met": self.met,
                "detail": self.detail, "at": self.at,
                "evidence": [{"ts": e.ts, "kind": e.kind, "actor": e.actor, "message": e.message}
                             for e in self.evidence]}


def _when(seconds: float | None) -> str:
    return "—" if seconds is None else f"T+{format_duration(seconds)}"


def _within(clock: ClockMap, event: Event, within: float | None) -> tuple[bool, float]:
    at = clock.at_ts(event.ts)
    return (within is None or at <= within + 1e-6), at


def _first_in_time(rid: str, desc: str, rule: str, clock: ClockMap, found: list[Event], within: float | None,
                   what: str) -> Verdict:
    """Met when the first matching event came within the limit."""
    if not found:
        return Verdict(rid, desc, rule, False, f"no {what} recorded")
    ok, at = _within(clock, found[0], within)
    limit = f" (limit T+{format_duration(within)})" if within is not None else ""
    if ok:
        return Verdict(rid, desc, rule, True, f"{what} at {_when(at)}{limit}", [found[0]], at)
    return Verdict(rid, desc, rule, False, f"{what} only at {_when(at)}{limit}", [found[0]], at)


def score(expectations: list[dict[str, Any]], events: list[Event], clock: ClockMap,
          end_at: float | None = None) -> list[Verdict]:
    """One verdict per expectation (given as the scenario's dicts, as stored in the timeline)."""
    team = [e for e in events if not machinery(e)]
    out: list[Verdict] = []
    for exp in expectations:
        rid, desc = exp["id"], exp["description"]
        if exp.get("declared"):
            r = exp["declared"]
            found = [e for e in team if (e.kind == EventKind.SEVERITY_CHANGED and rank(e.data.get("to", "P4")) <= rank(r["severity"]))
                     or (e.kind == EventKind.DECLARED and rank(e.data.get("severity", "P4")) <= rank(r["severity"]))]
            out.append(_first_in_time(rid, desc, "declared", clock, found, r.get("within"),
                                      f"severity {r['severity']} or worse"))
        elif exp.get("ran_playbook"):
            r = exp["ran_playbook"]
            found = [e for e in team if e.kind == EventKind.RUN_STARTED and e.data.get("playbook_id") == r["id"]]
            out.append(_first_in_time(rid, desc, "ran_playbook", clock, found, r.get("within"), f"run of {r['id']}"))
        elif exp.get("approval_before"):
            out.append(_approval_before(rid, desc, exp["approval_before"], team, clock))
        elif exp.get("status_updates"):
            out.append(_status_updates(rid, desc, exp["status_updates"]["every"], events, clock, end_at))
        elif exp.get("event"):
            r = exp["event"]
            text = (r.get("contains") or "").lower()
            found = [e for e in team if e.kind == r["kind"] and text in e.message.lower()]
            what = f"{r['kind']}" + (f" mentioning {r['contains']!r}" if text else "")
            out.append(_first_in_time(rid, desc, "event", clock, found, r.get("within"), what))
    return out


def _approval_before(rid: str, desc: str, r: dict[str, Any], team: list[Event], clock: ClockMap) -> Verdict:
    step = r["step"]
    reached = [e for e in team if e.kind.startswith("step_") and e.data.get("step_id") == step
               and not str((e.data or {}).get("reason", "")).startswith(("goto", "when"))]
    if not reached:
        return Verdict(rid, desc, "approval_before", False, f"step {step} was never reached")
    first = reached[0]
    text = (r.get("approval") or "").lower()
    approvals = [e for e in team if e.kind == EventKind.APPROVAL and e.seq < first.seq
                 and e.data.get("decision", "approved") == "approved"
                 and text in str(e.data.get("subject", "")).lower()]
    at = clock.at_ts(first.ts)
    if approvals:
        ok, when = _within(clock, approvals[-1], r.get("within"))
        if ok:
            return Verdict(rid, desc, "approval_before", True,
                           f"approved by {approvals[-1].data.get('approver')} at {_when(when)}, before {step} "
                           f"at {_when(at)}", [approvals[-1], first], when)
    return Verdict(rid, desc, "approval_before", False, f"{step} at {_when(at)} with no approval before it", [first], at)


def _status_updates(rid: str, desc: str, every: float, events: list[Event], clock: ClockMap,
                    end_at: float | None) -> Verdict:
    first_inject = next((e for e in injects(events)), None)
    start = float(first_inject.data.get("at", 0.0)) if first_inject else 0.0
    end = end_at if end_at is not None else max((clock.at_ts(e.ts) for e in events), default=start)
    updates = [e for e in events if e.kind == EventKind.STATUS_UPDATE and not machinery(e)]
    marks = [(start, None)] + [(clock.at_ts(e.ts), e) for e in updates] + [(end, None)]
    marks.sort(key=lambda m: m[0])
    gaps = [(b[0] - a[0], a[0], b[0]) for a, b in zip(marks, marks[1:])]
    worst = max(gaps, default=(0.0, start, end))
    detail = (f"{len(updates)} status update(s) from {_when(start)} to {_when(end)}; longest gap "
              f"{format_duration(worst[0])} ({_when(worst[1])}–{_when(worst[2])}), limit {format_duration(every)}")
    return Verdict(rid, desc, "status_updates", worst[0] <= every + 1e-6, detail, updates, None)

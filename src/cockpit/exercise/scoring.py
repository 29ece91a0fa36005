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
class Check:
    """One piece of evidence judged: met or not, a line saying what was (or was not) found
    and when, and the events it rests on."""

    rule: str
    met: bool
    detail: str
    evidence: list[Event] = field(default_factory=list)
    at: float | None = None  # scenario seconds of the deciding event

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "met": self.met, "detail": self.detail, "at": self.at,
                "evidence": [_evidence(e) for e in self.evidence]}


def _evidence(e: Event) -> dict[str, Any]:
    return {"ts": e.ts, "kind": e.kind, "actor": e.actor, "message": e.message}


@dataclass
class Verdict:
    id: str
    description: str
    rule: str
    met: bool
    detail: str
    evidence: list[Event] = field(default_factory=list)
    at: float | None = None  # scenario seconds of the deciding event
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "rule": self.rule, "met": self.met,
                "detail": self.detail, "at": self.at, "evidence": [_evidence(e) for e in self.evidence],
                "checks": [c.as_dict() for c in self.checks]}


def _when(seconds: float | None) -> str:
    return "—" if seconds is None else f"T+{format_duration(seconds)}"


@dataclass
class _Context:
    """What every rule judges against: the team's events, all events, the clock, the end,
    and when each inject was given (for ``after``)."""

    events: list[Event]
    team: list[Event]
    clock: ClockMap
    end_at: float | None
    given: dict[str, float]  # inject id -> scenario seconds it was given
    playbook_of_run: dict[str, str]

    def limit(self, r: dict[str, Any]) -> tuple[float | None, str, str | None]:
        """(deadline in scenario seconds or None, how to say it, why it cannot be judged)."""
        within, after = r.get("within"), r.get("after")
        if after is not None and after not in self.given:
            return None, "", f"inject {after} was never given"
        if within is None:
            return None, "", None
        if after is None:
            return within, f" (limit T+{format_duration(within)})", None
        base = self.given[after]
        return base + within, f" (limit {format_duration(within)} after {after} at {_when(base)})", None


def _first_in_time(rule: str, ctx: _Context, r: dict[str, Any], found: list[Event], what: str,
                   count: int = 1, missing: str | None = None) -> Check:
    """Met when the ``count``-th matching event came by the deadline."""
    deadline, limit, unjudgeable = ctx.limit(r)
    if unjudgeable:
        return Check(rule, False, f"{what}: {unjudgeable}", found[:count])
    if len(found) < count:
        have = f"only {len(found)} of {count} " if found else "no "
        return Check(rule, False, missing or f"{have}{what} recorded{limit}", found)
    deciding = found[count - 1]
    at = ctx.clock.at_ts(deciding.ts)
    times = f"{count} × " if count > 1 else ""
    if deadline is None or at <= deadline + 1e-6:
        return Check(rule, True, f"{times}{what} at {_when(at)}{limit}", found[:count], at)
    return Check(rule, False, f"{times}{what} only at {_when(at)}{limit}", found[:count], at)


def _in(text: str | None, message: str) -> bool:
    return (text or "").lower() in message.lower()


def judge(rule: str, r: dict[str, Any], ctx: _Context) -> Check:
    """One piece of evidence (``rule`` is its kind, ``r`` its fields) against the timeline."""
    team = ctx.team
    if rule == "declared":
        found = [e for e in team if (e.kind == EventKind.SEVERITY_CHANGED and rank(e.data.get("to", "P4")) <= rank(r["severity"]))
                 or (e.kind == EventKind.DECLARED and rank(e.data.get("severity", "P4")) <= rank(r["severity"]))]
        return _first_in_time(rule, ctx, r, found, f"severity {r['severity']} or worse")
    if rule == "ran_playbook":
        found = [e for e in team if e.kind == EventKind.RUN_STARTED and e.data.get("playbook_id") == r["id"]]
        return _first_in_time(rule, ctx, r, found, f"run of {r['id']}")
    if rule == "step":
        return _step(r, ctx)
    if rule == "decision":
        return _decision(r, ctx)
    if rule == "approval_before":
        return _approval_before(r, team, ctx.clock)
    if rule == "status_updates":
        return _status_updates(r["every"], ctx.events, ctx.clock, ctx.end_at)
    if rule == "role":
        role = r["role"]
        found = [e for e in team if (e.kind == EventKind.ROLE_ASSIGNED and e.data.get("role") == role)
                 or (role == "commander" and e.kind == EventKind.DECLARED and e.data.get("commander"))]
        return _first_in_time(rule, ctx, r, found, f"{role} named")
    if rule == "note":
        found = [e for e in team if e.kind == EventKind.NOTE and _in(r["contains"], e.message)]
        return _first_in_time(rule, ctx, r, found, f"note mentioning {r['contains']!r}")
    if rule == "event":
        found = [e for e in team if e.kind == r["kind"] and _in(r.get("contains"), e.message)]
        what = f"{r['kind']}" + (f" mentioning {r['contains']!r}" if r.get("contains") else "")
        return _first_in_time(rule, ctx, r, found, what, count=int(r.get("count", 1)))
    return Check(rule, False, f"unknown rule {rule!r} (written by a newer cockpit?)")


def _step(r: dict[str, Any], ctx: _Context) -> Check:
    name, state = f"{r['playbook']}/{r['step']}", r.get("state", "succeeded")
    mine = [e for e in ctx.team if e.kind.startswith("step_") and e.data.get("step_id") == r["step"]
            and e.data.get("playbook_id") == r["playbook"]]
    found = [e for e in mine if e.kind == f"step_{state}"]
    missing = None
    if not found:
        others = [e for e in mine if e.kind != EventKind.STEP_STARTED]
        if others:  # it ran, but did not end as expected: say how it did end
            last = others[-1]
            missing = (f"step {name} never {state}: {last.kind.removeprefix('step_')} at "
                       f"{_when(ctx.clock.at_ts(last.ts))} ({last.message})")
        else:
            missing = f"step {name} never ran" if not mine else f"step {name} started but never finished"
    check = _first_in_time("step", ctx, r, found, f"step {name} {state}", missing=missing)
    if missing:
        check.evidence = mine[-1:]
    return check


def _decision(r: dict[str, Any], ctx: _Context) -> Check:
    wanted = r.get("option")
    options = [wanted] if isinstance(wanted, str) else list(wanted or [])
    name = (f"{r['playbook']}/" if r.get("playbook") else "") + r["step"]
    taken = [e for e in ctx.team if e.kind == EventKind.DECISION and e.data.get("step_id") == r["step"]
             and (not r.get("playbook") or ctx.playbook_of_run.get(e.data.get("run_id", "")) == r["playbook"])]
    found = [e for e in taken if not options or e.data.get("choice") in options]
    what = f"decision {name}" + (f" = {' or '.join(options)}" if options else "")
    missing = None
    if not found:
        missing = (f"no {what}: decided {', '.join(str(e.data.get('choice')) for e in taken)} "
                   f"at {_when(ctx.clock.at_ts(taken[0].ts))}") if taken else f"no {what} recorded"
    check = _first_in_time("decision", ctx, r, found, what, missing=missing)
    if missing:
        check.evidence = taken[:1]
    return check


def score(expectations: list[dict[str, Any]], events: list[Event], clock: ClockMap,
          end_at: float | None = None) -> list[Verdict]:
    """One verdict per expectation (given as the scenario's dicts, as stored in the timeline)."""
    given: dict[str, float] = {}
    for e in injects(events):
        given.setdefault(str(e.data.get("id")), float(e.data.get("at", 0.0)))
    runs = {e.data.get("run_id"): e.data.get("playbook_id") for e in events if e.kind == EventKind.RUN_STARTED}
    ctx = _Context(events, [e for e in events if not machinery(e)], clock, end_at, given, runs)
    out: list[Verdict] = []
    for exp in expectations:
        rid, desc = exp["id"], exp["description"]
        if exp.get("any_of") or exp.get("all_of"):
            every = bool(exp.get("all_of"))
            pieces = [next(iter(p.items())) for p in exp.get("all_of") or exp.get("any_of")]
            checks = [judge(rule, r, ctx) for rule, r in pieces]
            met = all(c.met for c in checks) if every else any(c.met for c in checks)
            out.append(_combined(rid, desc, "all_of" if every else "any_of", met, checks))
        else:
            rule = next((k for k in exp if k not in ("id", "description")), "")
            c = judge(rule, exp.get(rule) or {}, ctx)
            out.append(Verdict(rid, desc, rule, c.met, c.detail, c.evidence, c.at, [c]))
    return out


def _combined(rid: str, desc: str, rule: str, met: bool, checks: list[Check]) -> Verdict:
    """``any_of`` met: what met it; missed: what was looked for and not found. ``all_of``:
    every piece, each saying met or missed."""
    if rule == "any_of" and met:
        used = [c for c in checks if c.met]
        detail = "; ".join(c.detail for c in used)
    elif rule == "any_of":
        used = checks
        detail = "none of: " + "; ".join(c.detail for c in checks)
    else:
        used = checks
        detail = "; ".join(("" if c.met else "MISSED ") + c.detail for c in checks)
    at = max((c.at for c in used if c.met and c.at is not None), default=None)
    evidence = [e for c in used for e in c.evidence]
    return Verdict(rid, desc, rule, met, detail, evidence, at, checks)


def _approval_before(r: dict[str, Any], team: list[Event], clock: ClockMap) -> Check:
    step = r["step"]
    reached = [e for e in team if e.kind.startswith("step_") and e.data.get("step_id") == step
               and not str((e.data or {}).get("reason", "")).startswith(("goto", "when"))]
    if not reached:
        return Check("approval_before", False, f"step {step} was never reached")
    first = reached[0]
    text = (r.get("approval") or "").lower()
    approvals = [e for e in team if e.kind == EventKind.APPROVAL and e.place < first.place
                 and e.data.get("decision", "approved") == "approved"
                 and text in str(e.data.get("subject", "")).lower()]
    at = clock.at_ts(first.ts)
    if approvals:
        when = clock.at_ts(approvals[-1].ts)
        if r.get("within") is None or when <= r["within"] + 1e-6:
            return Check("approval_before", True,
                         f"approved by {approvals[-1].data.get('approver')} at {_when(when)}, before {step} "
                         f"at {_when(at)}", [approvals[-1], first], when)
    return Check("approval_before", False, f"{step} at {_when(at)} with no approval before it", [first], at)


def _status_updates(every: float, events: list[Event], clock: ClockMap, end_at: float | None) -> Check:
    """A cadence is kept only by updates: none at all is a miss however short the exercise,
    and the gaps counted are first inject → first update, update → update, last update → end."""
    first_inject = next((e for e in injects(events)), None)
    start = float(first_inject.data.get("at", 0.0)) if first_inject else 0.0
    end = end_at if end_at is not None else max((clock.at_ts(e.ts) for e in events), default=start)
    updates = [e for e in events if e.kind == EventKind.STATUS_UPDATE and not machinery(e)]
    if not updates:
        return Check("status_updates", False, f"no status update from {_when(start)} to {_when(end)} "
                                              f"(one at least every {format_duration(every)} expected)")
    marks = [(start, None)] + [(clock.at_ts(e.ts), e) for e in updates] + [(max(end, start), None)]
    marks.sort(key=lambda m: m[0])
    gaps = [(b[0] - a[0], a[0], b[0]) for a, b in zip(marks, marks[1:])]
    worst = max(gaps, default=(0.0, start, end))
    detail = (f"{len(updates)} status update(s) from {_when(start)} to {_when(end)}; longest gap "
              f"{format_duration(worst[0])} ({_when(worst[1])}–{_when(worst[2])}), limit {format_duration(every)}")
    return Check("status_updates", worst[0] <= every + 1e-6, detail, updates, None)

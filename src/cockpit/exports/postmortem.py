"""The Markdown postmortem: what a responder pastes into the incident report.

Built in plain Python rather than a template because a 10,000-event timeline must render
in well under a second and every table cell needs escaping (a ``|`` in a note would break
the table). Sections follow seed 000's "Post-Incident" and seed 003's DR test metrics:
the header, summary, impact, key events, durations against the severity's targets, RTO/RPO
against the playbook's targets, root cause, contributing factors, what went well and badly,
action items, approvals, playbook runs, and the timeline.

Every figure comes from :mod:`cockpit.timeline.figures` (the same figures the JSON export
and the notifications state). The narrative sections are notes filed under a kind
(``cockpit incident note ID --kind root-cause TEXT``; ``model.NOTE_KINDS``): a section with no
note says how to add one rather than inventing text. In the timeline a step's start and its
outcome are one row, with how long it took.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cockpit.exports.after_action import render_section
from cockpit.timeline.figures import Figures, Measurement, figures, human
from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import NOTE_KINDS, Event, EventKind, Incident, parse_ts
from cockpit.timeline.severity import escalation_status, severity

__all__ = ["cell", "human", "render_markdown"]

_STEP_ENDS = {EventKind.STEP_SUCCEEDED, EventKind.STEP_FAILED, EventKind.STEP_SKIPPED, EventKind.STEP_CANCELLED,
              EventKind.STEP_UNKNOWN}


def cell(text: Any) -> str:
    """A value safe inside a Markdown table cell."""
    if text is None or text == "":
        return "—"
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _within(achieved: timedelta | None, target: timedelta | None) -> bool | None:
    return None if achieved is None or target is None else achieved <= target


def _notes(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e.kind == EventKind.NOTE and e.data.get("kind") == kind]


def _bullets(notes: list[Event], kind: str, incident_id: str) -> list[str]:
    if notes:
        return [f"- {' '.join(n.message.splitlines())} ({n.actor}, {n.ts[11:19]})" for n in notes] + [""]
    return [f"Not recorded (`cockpit incident note {incident_id} --kind {kind} TEXT`, or the note dialog's kind).",
            ""]


class _Clock:
    """Times shown as ``HH:MM:SS`` when the whole incident fits in one UTC day, else ``MM-DD HH:MM:SS``."""

    def __init__(self, stamps: list[str]) -> None:
        self.days = sorted({s[:10] for s in stamps})

    @property
    def caption(self) -> str:
        return f"Times are UTC on {self.days[0]}." if len(self.days) == 1 else "Times are UTC."

    def __call__(self, ts: str | None) -> str:
        if not ts:
            return "—"
        return ts[11:19] if len(self.days) == 1 else f"{ts[5:10]} {ts[11:19]}"


# -- the timeline rows --------------------------------------------------------------------------
def timeline_rows(events: list[Event]) -> list[tuple[str, str, str, str]]:
    """(ts, actor, kind, text) by time; a step's start and its outcome are one row at the start,
    saying how it ended and how long it took. A start with no outcome says so."""
    ends: dict[tuple[Any, Any, Any], Event] = {}
    for e in events:
        if e.kind in _STEP_ENDS:
            ends.setdefault((e.data.get("run_id"), e.data.get("step_id"), e.data.get("attempt")), e)
    used: set[str] = set()
    rows: list[tuple[str, str, str, str, int]] = []
    for e in events:
        if e.kind == EventKind.STEP_STARTED:
            end = ends.get((e.data.get("run_id"), e.data.get("step_id"), e.data.get("attempt")))
            if end is not None and end.seq > e.seq:
                used.add(end.uid)
                took = end.data.get("duration_s")
                seconds = float(took) if isinstance(took, (int, float)) else \
                    (parse_ts(end.ts) - parse_ts(e.ts)).total_seconds()
                kind = "step " + end.kind.removeprefix("step_")
                rows.append((e.ts, e.actor, kind, f"{end.message} (took {human(timedelta(seconds=seconds))})", e.seq))
            else:
                rows.append((e.ts, e.actor, "step started", f"{e.message} (no outcome recorded)", e.seq))
    for e in events:
        if e.kind == EventKind.STEP_STARTED or e.uid in used:
            continue
        kind = e.kind.replace("_", " ")
        if e.kind == EventKind.NOTE and e.data.get("kind"):
            kind = f"note ({e.data['kind']})"
        rows.append((e.ts, e.actor, kind, e.message, e.seq))
    rows.sort(key=lambda r: (r[0], r[4]))
    return [r[:4] for r in rows]


# -- sections -----------------------------------------------------------------------------------
def _header(incident: Incident, fig: Figures, events: list[Event]) -> list[str]:
    sev = severity(incident.severity)
    first_severity = next((e.data.get("severity") for e in events if e.kind == EventKind.DECLARED), None)
    changed = f" (declared {first_severity})" if first_severity and first_severity != sev.level else ""
    rows = [
        ("Incident", incident.id), ("Mode", incident.mode), ("Status", incident.status),
        ("Severity", sev.label + changed),
        ("Commander", incident.commander), ("Scribe", incident.scribe), ("Communications", incident.communications),
        ("Detected", f"{fig.detected_at} — {fig.detected_by}"),
        ("Declared", fig.declared_at),
        ("Acknowledged", fig.acknowledged_at or "not recorded"),
        ("Mitigated", fig.mitigated_at or "not recorded"),
        ("Resolved", fig.resolved_at or "not resolved"),
    ]
    return ["| | |", "| --- | --- |", *(f"| {k} | {cell(v)} |" for k, v in rows), ""]


def _durations(incident: Incident, fig: Figures) -> list[str]:
    sev = severity(incident.severity)
    # The alert matrix's response time when the incident was declared on one of its rows.
    state = escalation_status(incident.severity, timedelta(0), False,
                              timedelta(seconds=incident.response_target_seconds)
                              if incident.response_target_seconds else None)
    whose = "alert matrix response" if incident.response_target_seconds else f"{sev.level} response"
    out = ["## Durations", "", f"Measured from detection ({fig.detected_by}).", "",
           "| Measure | Achieved | Target | Met |", "| --- | --- | --- | --- |"]
    out.append(f"| Time to declare | {human(fig.time_to_declare)} | — | — |")
    if fig.acknowledged_at:
        tta = fig.time_to_acknowledge
        out.append(f"| Time to acknowledge | {human(tta)} | {cell(state.response_text)} ({whose}) "
                   f"| {_met(_within(tta, state.response))} |")
    else:
        out.append(f"| Time to acknowledge | not recorded | {cell(state.response_text)} ({whose}) "
                   "| not judged |")
    if fig.first_response is not None:
        what = fig.first_response.kind.replace("_", " ")
        out.append(f"| First response ({cell(what)} by {cell(fig.first_response.actor)}) "
                   f"| {human(fig.time_to_first_response)} | — | — |")
    out.append(f"| Time to mitigate | {human(fig.time_to_mitigate)} | — | — |")
    ttr = fig.time_to_resolve
    out.append(f"| Time to resolve | {human(ttr)} | {cell(sev.resolution_text)} ({sev.level} resolution) "
               f"| {_met(_within(ttr, sev.resolution))} |")
    out.append("")
    return out


def _objective_row(m: Measurement) -> str:
    title = m.title if m.title != m.name else m.name
    label = f"{m.name.upper()}: {title}" if m.name in ("rto", "rpo") and title != m.name else title
    target = "—" if m.target is None else f"{'≤' if m.better == 'lower' else '≥'} {m.shown(m.target)}"
    source = m.source.get("step_id")
    where = f" ({source})" if source else ""
    return f"| {cell(label)}{cell(where) if where else ''} | {cell(m.shown())} | {cell(target)} | {_met(m.met)} |"


def _objectives(fig: Figures) -> list[str]:
    out = ["## Recovery objectives (RTO / RPO)", ""]
    if fig.measurements:
        out += ["| Measure | Achieved | Target | Met |", "| --- | --- | --- | --- |"]
        out += [_objective_row(m) for m in fig.measurements.values()]
    else:
        out.append("No RTO/RPO measurement was recorded: a playbook records them when it declares `measures:` "
                   "(docs/playbooks.md).")
    out.append("")
    return out


def _impact(incident: Incident, events: list[Event]) -> list[str]:
    out = ["## Impact", ""]
    notes = _notes(events, "impact")
    if notes:
        out += _bullets(notes, "impact", incident.id)
    else:
        statuses = [e for e in events if e.kind == EventKind.STATUS_UPDATE]
        last = f" Last status update: {statuses[-1].message}" if statuses else ""
        out += [f"Not recorded beyond the title ({incident.title}).{last} Add it with "
                f"`cockpit incident note {incident.id} --kind impact TEXT`.", ""]
    alarms = sorted({(e.data.get("alarm"), e.data.get("region")) for e in events if e.kind == EventKind.ALARM_FIRED},
                    key=lambda a: (str(a[0]), str(a[1])))
    if alarms:
        out += ["Alarms that fired:", ""]
        out += [f"- {name}" + (f" ({region})" if region else "") for name, region in alarms] + [""]
    return out


def _actions(events: list[Event]) -> list[str]:
    out = ["## Action items", ""]
    rows = [(e.message, e.data.get("owner"), e.data.get("due")) for e in events if e.kind == EventKind.ACTION_ITEM]
    rows += [(e.message, e.actor, None) for e in _notes(events, "action")]
    if rows:
        out += ["| Action | Owner | Due |", "| --- | --- | --- |"]
        out += [f"| {cell(text)} | {cell(owner)} | {cell(due)} |" for text, owner, due in rows]
    else:
        out.append("None recorded.")
    out.append("")
    return out


def render_markdown(tl: Timeline, incident_id: str) -> str:
    incident = tl.incident(incident_id)
    events = tl.events(incident.id)
    fig = figures(incident, events)
    clock = _Clock([e.ts for e in events])
    out: list[str] = [f"# Postmortem: {incident.title}", ""]
    out += _header(incident, fig, events)

    out += ["## Summary", "", incident.title + ".", ""]
    statuses = [e for e in events if e.kind == EventKind.STATUS_UPDATE]
    if statuses:
        out += [f"Last status update ({clock(statuses[-1].ts)}): {statuses[-1].message}", ""]
    resolution = next((e for e in reversed(events) if e.kind == EventKind.RESOLVED), None)
    if resolution:
        out += [f"Resolution ({clock(resolution.ts)}): {resolution.message}", ""]

    out += _impact(incident, events)

    key = _notes(events, "key")
    out += ["## Key events", ""]
    if key:
        out += [f"- {clock(e.ts)} {' '.join(e.message.splitlines())} ({e.actor})" for e in key] + [""]
    else:
        out += _bullets([], "key", incident.id)

    out += _durations(incident, fig)
    out += _objectives(fig)
    for kind in ("root-cause", "contributing", "went-well", "went-badly"):
        out += [f"## {NOTE_KINDS[kind]}", ""] + _bullets(_notes(events, kind), kind, incident.id)
    out += _actions(events)

    approvals = [e for e in events if e.kind == EventKind.APPROVAL]
    out += ["## Approvals", ""]
    if approvals:
        out += ["| Time | Approver | Subject | Decision |", "| --- | --- | --- | --- |"]
        out += [f"| {clock(e.ts)} | {cell(e.data.get('approver'))} | {cell(e.data.get('subject'))} "
                f"| {cell(e.data.get('decision'))} |" for e in approvals]
    else:
        out.append("None recorded.")
    out.append("")

    runs = tl.runs(incident.id)
    if runs:
        out += ["## Playbook runs", "", "| Run | Playbook | Mode | Status | Steps |", "| --- | --- | --- | --- | --- |"]
        for run in runs:
            counts: dict[str, int] = {}
            for step in tl.step_states(run.id):
                counts[step.state] = counts.get(step.state, 0) + 1
            steps = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
            out.append(f"| {run.id} | {cell(run.playbook_id)} | {run.mode}{' (dry run)' if run.dry_run else ''} "
                       f"| {run.status} | {cell(steps)} |")
        out.append("")

    if incident.mode in ("drill", "tabletop"):
        out += render_section(tl, incident.id, events)  # the drill / after-action report

    out += ["## Timeline", "", clock.caption, "", "| Time | Actor | Kind | Event |", "| --- | --- | --- | --- |"]
    for ts, actor, kind, text in timeline_rows(events):
        out.append(f"| {clock(ts)} | {cell(actor)} | {cell(kind)} | {cell(text)} |")
    out.append("")
    return "\n".join(out)

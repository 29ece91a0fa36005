"""The Markdown postmortem: what a responder pastes into the incident report.

Built in plain Python rather than a template because a 10,000-event timeline must render
in well under a second and every table cell needs escaping (a ``|`` in a note would break
the table). Sections follow seed 000's "Post-Incident" and seed 003's DR test metrics:
the header, summary, impact, key events, durations against the severity's targets, RTO/RPO
against the playbook's targets, root cause, contributing factors, what went well and badly,
action items, approvals, playbook runs, and the timeline.

It is written as it is read (:func:`write_markdown`), never held whole: the sections above
the timeline read the few events they need, and the timeline is written row by row as SQLite
reads the events in time order, so a 100,000-event incident is exported in a few MB.

Every figure comes from :mod:`cockpit.timeline.figures` (the same figures the JSON export
and the notifications state). The narrative sections are notes filed under a kind
(``cockpit incident note ID --kind root-cause TEXT``; ``model.NOTE_KINDS``): a section with no
note says how to add one rather than inventing text. In the timeline a step's start and its
outcome are one row, with how long it took.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TextIO

from cockpit.exports.after_action import render_section
from cockpit.textsafe import sanitize
from cockpit.timeline.figures import Figures, Measurement, human
from cockpit.timeline.figures import of as figures_of
from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import NOTE_KINDS, Event, EventKind, Incident, parse_ts
from cockpit.timeline.severity import escalation_status, severity

__all__ = ["cell", "human", "render_markdown", "write_markdown"]

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


def _bullets(notes: list[Event], kind: str, incident_id: str) -> list[str]:
    if notes:
        return [f"- {' '.join(n.message.splitlines())} ({n.actor}, {n.ts[11:19]})" for n in notes] + [""]
    return [f"Not recorded (`cockpit incident note {incident_id} --kind {kind} TEXT`, or the note dialog's kind).",
            ""]


class _Clock:
    """Times shown as ``HH:MM:SS`` when the whole incident fits in one UTC day, else ``MM-DD HH:MM:SS``."""

    def __init__(self, span: tuple[str, str] | None) -> None:
        """``span``: the first and last events' times (text sorts as time, so their days are the
        first and last days)."""
        self.days = [] if span is None else sorted({span[0][:10], span[1][:10]})

    @property
    def caption(self) -> str:
        return f"Times are UTC on {self.days[0]}." if len(self.days) == 1 else "Times are UTC."

    def __call__(self, ts: str | None) -> str:
        if not ts:
            return "—"
        return ts[11:19] if len(self.days) == 1 else f"{ts[5:10]} {ts[11:19]}"


# -- what the sections read -----------------------------------------------------------------------
#: The note kinds with a section of their own (``action`` notes join the action items).
_SECTION_NOTES = ("impact", "key", "root-cause", "contributing", "went-well", "went-badly", "action")
#: The other kinds the sections above the timeline read.
_SECTION_KINDS = (EventKind.DECLARED, EventKind.STATUS_UPDATE, EventKind.RESOLVED, EventKind.ALARM_FIRED,
                  EventKind.ACTION_ITEM, EventKind.APPROVAL)


@dataclass
class _Record:
    """What the sections above the timeline say, read in two passes over the few events they
    need (not every note and step): the notes filed under a section's kind, the approvals and
    action items (all written by people, a few dozen), the alarms that fired (each once), and
    the first declaration, the last status update and the last resolution."""

    first_severity: Any = None
    last_status: Event | None = None
    resolution: Event | None = None
    alarms: set[tuple[Any, Any]] = field(default_factory=set)
    action_items: list[Event] = field(default_factory=list)
    approvals: list[Event] = field(default_factory=list)
    notes: dict[str, list[Event]] = field(default_factory=lambda: {kind: [] for kind in _SECTION_NOTES})

    @classmethod
    def read(cls, tl: Timeline, incident_id: str) -> _Record:
        record, declared = cls(), False
        for e in tl.iter_events(incident_id, kinds=_SECTION_KINDS):
            if e.kind == EventKind.DECLARED and not declared:
                record.first_severity, declared = e.data.get("severity"), True
            elif e.kind == EventKind.STATUS_UPDATE:
                record.last_status = e
            elif e.kind == EventKind.RESOLVED:
                record.resolution = e
            elif e.kind == EventKind.ALARM_FIRED:
                record.alarms.add((e.data.get("alarm"), e.data.get("region")))
            elif e.kind == EventKind.ACTION_ITEM:
                record.action_items.append(e)
            elif e.kind == EventKind.APPROVAL:
                record.approvals.append(e)
        for e in tl.iter_events(incident_id, kinds=[EventKind.NOTE], data={"kind": _SECTION_NOTES}):
            if e.data.get("kind") in _SECTION_NOTES:
                record.notes[e.data["kind"]].append(e)
        return record


# -- the timeline rows --------------------------------------------------------------------------
def _pairs(keys: Iterable[tuple[int, str, Any, Any, Any]]) -> dict[int, int]:
    """Which outcome each step start is shown with: start seq → outcome seq, from the step
    events' ``(seq, kind, run_id, step_id, attempt)`` in commit order. A start goes with the
    first outcome of its run, step and attempt when that outcome came after it."""
    first_outcome: set[tuple[Any, Any, Any]] = set()
    waiting: dict[tuple[Any, Any, Any], list[int]] = {}  # starts before their key's first outcome
    pairs: dict[int, int] = {}
    for seq, kind, *key in keys:
        step = (key[0], key[1], key[2])
        if kind == EventKind.STEP_STARTED:
            if step not in first_outcome:
                waiting.setdefault(step, []).append(seq)
        elif kind in _STEP_ENDS and step not in first_outcome:
            first_outcome.add(step)
            for start in waiting.pop(step, ()):
                pairs[start] = seq
    return pairs


def timeline_rows(tl: Timeline, incident_id: str) -> Iterator[tuple[str, str, str, str]]:
    """(ts, actor, kind, text) by time; a step's start and its outcome are one row at the start,
    saying how it ended and how long it took. A start with no outcome says so.

    Streamed as SQLite reads the events in time order, one at a time, their data decoded only
    for a note (its kind) and a paired step (its outcome, read when its start is reached). What
    is held is which start goes with which outcome: a few numbers a step attempt, read first
    from the step events' keys alone (:meth:`step_event_keys`)."""
    pairs = _pairs(tl.step_event_keys(incident_id))
    shown = set(pairs.values())  # outcomes shown in their start's row
    for seq, ts, actor, kind, message, data in tl.iter_event_rows(incident_id, by_time=True):
        if kind == EventKind.STEP_STARTED:
            if seq not in pairs:
                yield ts, actor, "step started", f"{message} (no outcome recorded)"
                continue
            end = tl.events_after(pairs[seq] - 1, incident_id, limit=1)[0]  # the outcome itself
            took = end.data.get("duration_s")
            seconds = float(took) if isinstance(took, (int, float)) else \
                (parse_ts(end.ts) - parse_ts(ts)).total_seconds()
            yield (ts, actor, "step " + end.kind.removeprefix("step_"),
                   f"{end.message} (took {human(timedelta(seconds=seconds))})")
        elif seq not in shown:
            label = kind.replace("_", " ")
            # The data is JSON written by ``store.dumps``: a note with no "kind" key has no kind.
            if kind == EventKind.NOTE and '"kind"' in data and (note_kind := json.loads(data).get("kind")):
                label = f"note ({note_kind})"
            yield ts, actor, label, message


# -- sections -----------------------------------------------------------------------------------
def _header(incident: Incident, fig: Figures, first_severity: Any) -> list[str]:
    sev = severity(incident.severity)
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


def _impact(incident: Incident, record: _Record) -> list[str]:
    out = ["## Impact", ""]
    notes = record.notes["impact"]
    if notes:
        out += _bullets(notes, "impact", incident.id)
    else:
        last = f" Last status update: {record.last_status.message}" if record.last_status else ""
        out += [f"Not recorded beyond the title ({incident.title}).{last} Add it with "
                f"`cockpit incident note {incident.id} --kind impact TEXT`.", ""]
    alarms = sorted(record.alarms, key=lambda a: (str(a[0]), str(a[1])))
    if alarms:
        out += ["Alarms that fired:", ""]
        out += [f"- {name}" + (f" ({region})" if region else "") for name, region in alarms] + [""]
    return out


def _actions(record: _Record) -> list[str]:
    out = ["## Action items", ""]
    rows = [(e.message, e.data.get("owner"), e.data.get("due")) for e in record.action_items]
    rows += [(e.message, e.actor, None) for e in record.notes["action"]]
    if rows:
        out += ["| Action | Owner | Due |", "| --- | --- | --- |"]
        out += [f"| {cell(text)} | {cell(owner)} | {cell(due)} |" for text, owner, due in rows]
    else:
        out.append("None recorded.")
    out.append("")
    return out


def _lines(tl: Timeline, incident: Incident) -> Iterator[str]:
    """The postmortem, line by line (each is written with its newline)."""
    record = _Record.read(tl, incident.id)
    fig = figures_of(tl, incident.id)
    clock = _Clock(tl.event_span(incident.id))
    yield from [f"# Postmortem: {incident.title}", ""]
    yield from _header(incident, fig, record.first_severity)

    out = ["## Summary", "", incident.title + ".", ""]
    if record.last_status:
        out += [f"Last status update ({clock(record.last_status.ts)}): {record.last_status.message}", ""]
    if record.resolution:
        out += [f"Resolution ({clock(record.resolution.ts)}): {record.resolution.message}", ""]

    out += _impact(incident, record)

    key = record.notes["key"]
    out += ["## Key events", ""]
    if key:
        out += [f"- {clock(e.ts)} {' '.join(e.message.splitlines())} ({e.actor})" for e in key] + [""]
    else:
        out += _bullets([], "key", incident.id)

    out += _durations(incident, fig)
    out += _objectives(fig)
    for kind in ("root-cause", "contributing", "went-well", "went-badly"):
        out += [f"## {NOTE_KINDS[kind]}", ""] + _bullets(record.notes[kind], kind, incident.id)
    out += _actions(record)

    out += ["## Approvals", ""]
    if record.approvals:
        out += ["| Time | Approver | Subject | Decision |", "| --- | --- | --- | --- |"]
        out += [f"| {clock(e.ts)} | {cell(e.data.get('approver'))} | {cell(e.data.get('subject'))} "
                f"| {cell(e.data.get('decision'))} |" for e in record.approvals]
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
        # The drill / after-action report; an exercise's scoring reads every event (an
        # ordinary incident declared as a drill, only its injects).
        out += render_section(tl, incident.id)
    yield from out

    yield from ["## Timeline", "", clock.caption, "", "| Time | Actor | Kind | Event |", "| --- | --- | --- | --- |"]
    for ts, actor, kind, text in timeline_rows(tl, incident.id):
        yield f"| {clock(ts)} | {cell(actor)} | {cell(kind)} | {cell(text)} |"


def write_markdown(tl: Timeline, incident_id: str, out: TextIO, *, sanitized: bool = False) -> None:
    """Write the postmortem to ``out`` as it is read: the sections above the timeline from the
    few events they need, then the timeline as SQLite reads it in time order, so an incident of
    any size is written in bounded memory. Every read sees the file as it was when the export
    began (``snapshot``). ``sanitized``: each line without what a terminal would act on
    (``textsafe.sanitize``), as every display channel shows it; an escape sequence is cut at
    the end of its line and never eats the lines after it."""
    clean = sanitize if sanitized else None
    with tl.snapshot():
        for line in _lines(tl, tl.incident(incident_id)):
            out.write((clean(line) if clean else line) + "\n")


def render_markdown(tl: Timeline, incident_id: str) -> str:
    """:func:`write_markdown` into a string (tests; short incidents)."""
    out = io.StringIO()
    write_markdown(tl, incident_id, out)
    return out.getvalue()

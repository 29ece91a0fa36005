"""The Markdown postmortem: what a responder pastes into the incident report.

Built in plain Python rather than a template because a 10,000-event timeline must render
in well under a second and every table cell needs escaping (a ``|`` in a note would break
the table). Sections follow seed 000's "Post-Incident" and seed 003's DR test metrics:
summary, impact, durations against the severity's targets, RTO/RPO against targets,
approvals, action items, playbook runs, and the full timeline.

Definitions (docs/timeline.md): every duration counts from *detection*; "acknowledged" is
the first ``acknowledged`` event or, failing that, the first human response (note, status
update, role, step); "mitigated" is the first ``mitigated`` event, else the resolution.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import Event, EventKind, Incident, parse_ts
from cockpit.timeline.severity import severity

_RESPONSES = {EventKind.ACKNOWLEDGED, EventKind.NOTE, EventKind.STATUS_UPDATE, EventKind.ROLE_ASSIGNED,
              EventKind.STEP_STARTED, EventKind.RUN_STARTED, EventKind.ESCALATED}


def cell(text: Any) -> str:
    """A value safe inside a Markdown table cell."""
    if text is None or text == "":
        return "—"
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def human(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return sign + (f"{h}h {m:02d}m {s:02d}s" if h else f"{m}m {s:02d}s" if m else f"{s}s")


def _between(start: str, end: str | None) -> timedelta | None:
    return parse_ts(end) - parse_ts(start) if end else None


def _met(achieved: timedelta | None, target: timedelta | None) -> str:
    if achieved is None or target is None:
        return "—"
    return "yes" if achieved <= target else "**no**"


def milestones(incident: Incident, events: list[Event]) -> dict[str, str | None]:
    """When the incident was acknowledged, mitigated and resolved (ISO times or None)."""
    acknowledged = incident.acknowledged_at
    if acknowledged is None:
        acknowledged = next((e.ts for e in events if e.kind in _RESPONSES), None)
    return {"acknowledged": acknowledged, "mitigated": incident.mitigated_at or incident.resolved_at,
            "resolved": incident.resolved_at}


def latest_metrics(events: list[Event]) -> dict[str, dict[str, Any]]:
    metrics: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.kind == EventKind.METRIC and "name" in event.data:
            metrics[str(event.data["name"])] = event.data
    return metrics


def metric_met(data: dict[str, Any]) -> str:
    value, target = data.get("value"), data.get("target")
    if not isinstance(value, (int, float)) or not isinstance(target, (int, float)):
        return "—"
    ok = value <= target if data.get("better", "lower") == "lower" else value >= target
    return "yes" if ok else "**no**"


def render_markdown(tl: Timeline, incident_id: str) -> str:
    incident = tl.incident(incident_id)
    events = tl.events(incident.id)
    sev = severity(incident.severity)
    marks = milestones(incident, events)
    first_severity = next((e.data.get("severity") for e in events if e.kind == EventKind.DECLARED), None)
    statuses = [e for e in events if e.kind == EventKind.STATUS_UPDATE]
    out: list[str] = [f"# Postmortem: {incident.title}", ""]
    rows = [
        ("Incident", incident.id), ("Mode", incident.mode), ("Status", incident.status),
        ("Severity", sev.label + (f" (declared {first_severity})" if first_severity and first_severity != sev.level else "")),
        ("Commander", incident.commander), ("Scribe", incident.scribe), ("Communications", incident.communications),
        ("Detected", incident.detected_at), ("Declared", incident.declared_at), ("Resolved", incident.resolved_at),
    ]
    out += ["| | |", "| --- | --- |", *(f"| {k} | {cell(v)} |" for k, v in rows), ""]

    out += ["## Summary", "", incident.title + ".", ""]
    if statuses:
        out += [f"Last status update ({statuses[-1].ts}): {statuses[-1].message}", ""]
    resolution = next((e for e in reversed(events) if e.kind == EventKind.RESOLVED), None)
    if resolution:
        out += [f"Resolution ({resolution.ts}): {resolution.message}", ""]

    out += ["## Impact", "", f"{sev.label}: {sev.definition} (examples: {sev.examples}).", ""]
    alarms = sorted({(e.data.get("alarm"), e.data.get("region")) for e in events if e.kind == EventKind.ALARM_FIRED},
                    key=lambda a: (str(a[0]), str(a[1])))
    if alarms:
        out += ["Alarms that fired during the incident:", ""]
        out += [f"- {name}" + (f" ({region})" if region else "") for name, region in alarms] + [""]

    out += ["## Durations", "", "Measured from detection.", "",
            "| Measure | Achieved | Target | Met |", "| --- | --- | --- | --- |"]
    tta = _between(incident.detected_at, marks["acknowledged"])
    ttm = _between(incident.detected_at, marks["mitigated"])
    ttr = _between(incident.detected_at, marks["resolved"])
    out.append(f"| Time to acknowledge | {human(tta)} | {cell(sev.response_text)} ({sev.level} response) "
               f"| {_met(tta, sev.response)} |")
    out.append(f"| Time to mitigate | {human(ttm)} | — | — |")
    out.append(f"| Time to resolve | {human(ttr)} | {cell(sev.resolution_text)} ({sev.level} resolution) "
               f"| {_met(ttr, sev.resolution)} |")
    out.append("")

    out += ["## Recovery objectives (RTO / RPO)", ""]
    metrics = latest_metrics(events)
    if metrics:
        out += ["| Metric | Achieved | Target | Met |", "| --- | --- | --- | --- |"]
        for name, data in metrics.items():
            unit = f" {data['unit']}" if data.get("unit") else ""
            target = f"{data['target']}{unit}" if data.get("target") is not None else None
            out.append(f"| {cell(name)} | {cell(str(data.get('value')) + unit)} | {cell(target)} | {metric_met(data)} |")
    else:
        out.append("No RTO/RPO measurements were recorded for this incident.")
    out.append("")

    approvals = [e for e in events if e.kind == EventKind.APPROVAL]
    out += ["## Approvals", ""]
    if approvals:
        out += ["| Time (UTC) | Approver | Subject | Decision |", "| --- | --- | --- | --- |"]
        out += [f"| {e.ts} | {cell(e.data.get('approver'))} | {cell(e.data.get('subject'))} "
                f"| {cell(e.data.get('decision'))} |" for e in approvals]
    else:
        out.append("None recorded.")
    out.append("")

    items = [e for e in events if e.kind == EventKind.ACTION_ITEM]
    out += ["## Action items", ""]
    if items:
        out += ["| Action | Owner | Due |", "| --- | --- | --- |"]
        out += [f"| {cell(e.message)} | {cell(e.data.get('owner'))} | {cell(e.data.get('due'))} |" for e in items]
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
        from cockpit.exercise.report import render_section  # the drill / after-action report

        out += render_section(tl, incident.id)

    out += ["## Timeline", "", "| Time (UTC) | Actor | Kind | Event |", "| --- | --- | --- | --- |"]
    for e in sorted(events, key=lambda e: (e.ts, e.seq)):
        out.append(f"| {e.ts} | {cell(e.actor)} | {e.kind} | {cell(e.message)} |")
    out.append("")
    return "\n".join(out)

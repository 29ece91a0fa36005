"""The after-action report (tabletop) and the drill report, from the timeline alone.

``cockpit incident export ID --format md`` appends :func:`render_section` to the postmortem
of a drill or tabletop incident; :func:`summary` is the same content as data for the JSON
export. Both recompute the verdicts from the events (the scenario's expectations and
targets are stored in the exercise's start event), so a report of an imported file, or of
an exercise whose process died, says the same as the live one.
"""

from __future__ import annotations

from typing import Any

from cockpit.content.durations import format_duration
from cockpit.exercise.clock import Checkpoint, ClockMap
from cockpit.exercise.scoring import injects, machinery, score, team_actions
from cockpit.exercise.verdict import LABELS, drill_line, targets_from_spec
from cockpit.timeline.model import Event, EventKind


def _cell(text: Any) -> str:
    if text is None or text == "":
        return "—"
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _t(seconds: float | None) -> str:
    return "—" if seconds is None else f"T+{format_duration(seconds)}"


def _phases(playbook_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(phase id → {title, budget}, step id → phase id) from the playbook, if it still loads."""
    from cockpit.content.errors import ContentError
    from cockpit.content.playbooks import find_playbook

    try:
        playbook = find_playbook(playbook_id)
    except (ContentError, OSError):
        return {}, {}
    phases = {p.id: {"title": p.title, "budget": p.budget} for p in playbook.targets.phases}
    return phases, {s.id: s.phase for s in playbook.steps if s.phase}


def summary(tl: Any, incident_id: str, events: list[Event] | None = None) -> dict[str, Any] | None:
    """The exercise's report as data; None when the incident is not an exercise. ``events``:
    the incident's events, when the caller has read them already (read here otherwise)."""
    if events is None:
        # Whether it is an exercise is in its first inject: ask for injects alone first, so an
        # ordinary incident's export does not read (and decode) every event once more.
        if not any(e.data.get("exercise") == "start" for e in tl.events(incident_id, kinds=[EventKind.INJECT])):
            return None
        events = tl.events(incident_id)
    start = next((e for e in events if e.data.get("exercise") == "start"), None)
    if start is None:
        return None
    spec, clock = start.data.get("spec", {}), ClockMap.from_events(events)
    end = next((e for e in reversed(events) if e.data.get("exercise") == "end"), None)
    end_at = end.data.get("end_at") if end else None
    verdicts = score(spec.get("expectations", []), events, clock, end_at)
    actions = team_actions(events)
    relayed = []
    for inj in injects(events):
        answer = next((a for a in actions if a.place > inj.place), None)
        at = float(inj.data.get("at", 0.0))
        relayed.append({"id": inj.data.get("id"), "at": at, "title": inj.data.get("title"),
                        "audience": inj.data.get("audience"), "adhoc": bool(inj.data.get("adhoc")),
                        "response": answer.message if answer else None,
                        "response_kind": answer.kind if answer else None,
                        "response_after": max(0.0, clock.at_ts(answer.ts) - at) if answer else None})
    metrics = {}
    for e in events:
        # The drill meter's figures; a playbook's own measures (``source``: run and step) are
        # the postmortem's RTO/RPO section, not the drill's verdict.
        if e.kind == EventKind.METRIC and not machinery(e) and not e.data.get("source"):
            metrics[e.data.get("name")] = e.data
    phases_out = []
    for run in tl.runs(incident_id):
        phases, step_phase = _phases(run.playbook_id)
        spans: dict[str, list[float]] = {}
        for st in tl.step_states(run.id):
            if st.started_at and st.finished_at and st.step_id in step_phase:
                span = spans.setdefault(step_phase[st.step_id], [float("inf"), 0.0])
                span[0] = min(span[0], clock.at_ts(st.started_at))
                span[1] = max(span[1], clock.at_ts(st.finished_at))
        for pid, info in phases.items():
            took = spans[pid][1] - spans[pid][0] if pid in spans else None
            phases_out.append({"run_id": run.id, "playbook_id": run.playbook_id, "phase": pid, "title": info["title"],
                               "budget": info["budget"], "took": took,
                               "within": None if took is None or info["budget"] is None else took <= info["budget"]})
    items = [{"text": e.message, "owner": e.data.get("owner"), "due": e.data.get("due")}
             for e in events if e.kind == EventKind.ACTION_ITEM]
    expectations = [v.as_dict() for v in verdicts]
    mode = start.data.get("mode")
    judged = targets_from_spec(spec.get("drill") or {}, list(metrics.values())) if mode == "drill" else []
    runs = tl.runs(incident_id)
    line = None
    if mode == "drill":
        _, line = drill_line(judged, expectations, (runs[-1].playbook_id, runs[-1].status) if runs else None)
    incident = tl.incident(incident_id)
    return {"scenario": spec.get("scenario"), "title": spec.get("title"), "mode": mode,
            "speed": point.speed if (point := Checkpoint.from_dict(start.data.get("clock"))) else None,
            "ended_at": end_at,
            "ended_why": end.data.get("why") if end else None, "status": incident.status,
            "commander": incident.commander, "verdict": line,
            "injects": relayed, "expectations": expectations,
            "met": sum(v.met for v in verdicts), "missed": sum(not v.met for v in verdicts),
            "metrics": judged, "phases": phases_out, "action_items": items}


def _met(data: dict[str, Any]) -> str:
    value, target = data.get("value"), data.get("target")
    if value is None and target is not None:
        return "**not measured**"
    if not isinstance(value, (int, float)) or not isinstance(target, (int, float)):
        return "not judged"
    ok = value <= target if data.get("better", "lower") == "lower" else value >= target
    return "PASS" if ok else "**FAIL**"


def _closing(s: dict[str, Any]) -> str:
    """How the exercise ended and whether its incident is closed: a report must not leave
    the reader wondering whether the drill incident is still open, or who ran it."""
    ended = (f"Ended at {_t(s['ended_at'])}" + (f" ({s['ended_why']})" if s.get("ended_why") else "")
             if s.get("ended_at") is not None else "**Not ended** (the exercise process stopped before scoring)")
    return f"{ended}; incident {s.get('status')}; commander {s.get('commander') or '**none**'}."


def _how(v: dict[str, Any]) -> str:
    """Each piece of evidence looked for, met or missed, with what was found."""
    checks = v.get("checks") or []
    if len(checks) <= 1:
        return _cell(v["detail"])
    return "<br>".join(_cell(f"{'met' if c['met'] else 'missed'}: {c['detail']}") for c in checks)


def render_section(tl: Any, incident_id: str, events: list[Event] | None = None) -> list[str]:
    """Markdown lines of the after-action / drill report ([] for an ordinary incident);
    ``events`` as for :func:`summary`."""
    s = summary(tl, incident_id, events)
    if s is None:
        return []
    drill = s["mode"] == "drill"
    out = [f"## {'Drill report' if drill else 'After-action report'}", "",
           f"Scenario `{s['scenario']}` — {_cell(s['title'])}, played at ×{s['speed'] or 1:g}. "
           "Times are scenario time from the start of the exercise (T+).", "", _closing(s), ""]
    if drill:
        out += [f"**Verdict:** {_cell(s['verdict'])}", ""]
        out += ["### DR test metrics", ""]
        if s["metrics"]:
            out += ["| Metric | Measured | Target | Result |", "| --- | --- | --- | --- |"]
            for m in s["metrics"]:
                unit = f" {m['unit']}" if m.get("unit") else ""
                target = "—" if m.get("target") is None else f"{'≥' if m.get('better') == 'higher' else '≤'} {m['target']:g}{unit}"
                value = "—" if m.get("value") is None else f"{m['value']:g}{unit}"
                label = LABELS.get(m.get("name", ""), ("",))[0]
                name = _cell(m.get("name")) + (f" ({label})" if label in ("RTO", "RPO") else "")
                out.append(f"| {name} | {value} | {target} | {_met(m)} |")
        else:
            out.append("No metric was measured.")
        out.append("")
        if s["phases"]:
            out += ["### Step durations against the phase budgets", "",
                    "| Playbook | Phase | Took | Budget | Within |", "| --- | --- | --- | --- | --- |"]
            for p in s["phases"]:
                took = "—" if p["took"] is None else format_duration(p["took"])
                budget = "—" if p["budget"] is None else format_duration(p["budget"])
                within = "—" if p["within"] is None else ("yes" if p["within"] else "**no**")
                out.append(f"| {_cell(p['playbook_id'])} | {_cell(p['title'])} | {took} | {budget} | {within} |")
            out.append("")
    out += ["### Injects and responses", ""]
    if s["injects"]:
        out += ["| At | Inject | To | First response | After |", "| --- | --- | --- | --- | --- |"]
        for i in s["injects"]:
            title = i["title"] + (" (ad hoc)" if i["adhoc"] else "")
            after = "—" if i["response_after"] is None else format_duration(i["response_after"])
            out.append(f"| {_t(i['at'])} | {_cell(title)} | {_cell(i['audience'])} | "
                       f"{_cell(i['response']) if i['response'] else '**none**'} | {after} |")
    else:
        out.append("No inject was given.")
    out.append("")
    out += [f"### Expectations: {s['met']} met, {s['missed']} missed", ""]
    if s["expectations"]:
        out += ["| Expectation | Result | How | Evidence |", "| --- | --- | --- | --- |"]
        for v in s["expectations"]:
            evidence = "<br>".join(f"{e['ts']} {e['kind']}: {e['message']}" for e in v["evidence"]) or "—"
            out.append(f"| {_cell(v['id'])}: {_cell(v['description'])} | {'met' if v['met'] else '**MISSED**'} "
                       f"| {_how(v)} | {_cell(evidence)} |")
    else:
        out.append("The scenario sets no expectations.")
    out.append("")
    gaps = [v for v in s["expectations"] if not v["met"]]
    out += ["### Gaps", ""]
    out += [f"- {v['description']} ({v['detail']})" for v in gaps] or ["None: every expectation was met."]
    out.append("")
    out += ["### Action items", ""]
    if s["action_items"]:
        out += ["| Action | Owner | Due |", "| --- | --- | --- |"]
        out += [f"| {_cell(a['text'])} | {_cell(a['owner'])} | {_cell(a['due'])} |" for a in s["action_items"]]
    else:
        out.append("None recorded" + (": every gap above needs an owner." if gaps else "."))
    out.append("")
    return out


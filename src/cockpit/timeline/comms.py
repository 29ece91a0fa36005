"""Seed 003's communication templates (initial and resolution notifications), filled in.

The templates are Jinja files in ``templates/``; a team can override them by passing its
own folders first. Rendering is sandboxed: a template is operator content, and a template
should be able to read the incident, not call into Python. Whatever the incident does not
know (affected users, say) stays as the seed's bracketed placeholder, so a human sees what
is left to fill in rather than an invented figure; ``variables`` fill or override any field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2

from cockpit.content.sandbox import BoundedEnvironment, budget
from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import EventKind, TimelineError, iso, parse_ts
from cockpit.timeline.figures import figures, human, spoken
from cockpit.timeline.severity import severity

BUILTIN = Path(__file__).parent / "templates"
KINDS = ("initial", "resolution")


def _environment(extra_dirs: Iterable[Path]) -> BoundedEnvironment:
    """A team's own template is operator content: sandboxed, and every value it builds bounded
    like a playbook's templates (a ``'x'|center(10**9)`` is one error line, not 2 GB)."""
    loader = jinja2.FileSystemLoader([*map(str, extra_dirs), str(BUILTIN)])
    return BoundedEnvironment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                              keep_trailing_newline=True)


def context(tl: Timeline, incident_id: str, variables: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything the templates can use, computed from the incident's timeline. Figures come
    from :mod:`figures` (what the postmortem states): once a run measured the data at risk
    (a playbook's ``rpo`` measure, a drill's lag at cut-over), every notice says that figure,
    not the plan's "up to 15 minutes"."""
    incident = tl.incident(incident_id)
    events = tl.events(incident.id)
    fig = figures(incident, events)
    statuses = [e for e in events if e.kind == EventKind.STATUS_UPDATE]
    resolution = next((e for e in reversed(events) if e.kind == EventKind.RESOLVED), None)
    resolved = parse_ts(incident.resolved_at) if incident.resolved_at else None
    next_update = incident.next_update_due or iso(parse_ts(incident.declared_at) + timedelta(minutes=30))
    loss = fig.data_loss
    loss_seconds = loss.seconds() if loss else None
    target_seconds = loss.seconds(loss.target) if loss and loss.target is not None else None
    rpo = spoken(target_seconds) if target_seconds is not None else "15 minutes"  # seed 003's RPO for critical data
    if loss is None:
        data_loss, potential = "[None / X minutes]", f"Up to {rpo} (RPO)"
    else:
        measured = spoken(loss_seconds) if loss_seconds is not None else loss.shown()
        # The replication lag when traffic moved bounds what did not reach the replica.
        data_loss = f"Up to {measured} (measured: {loss.title}; RPO {rpo})"
        potential = data_loss
    ctx: dict[str, Any] = {
        "incident": incident.to_json(),
        "figures": fig.to_json(),
        "severity": {"label": severity(incident.severity).label, "level": incident.severity},
        "status": statuses[-1].message if statuses else "Investigating",
        "time": incident.declared_at,
        "summary": statuses[-1].message if statuses else incident.title,
        "expected_interruption": "30-60 minutes",  # seed 003's figure for a DR failover
        "rpo": rpo,
        "data_loss_potential": potential,
        "next_update": next_update,
        "duration": human(fig.time_to_resolve) if resolved else "[X hours Y minutes]",
        "downtime": human(fig.time_to_mitigate) if fig.mitigated_at else "[X minutes]",
        "data_loss": data_loss,
        "affected_users": "[Count]",
        # seed 000: incident report within 24 hours, postmortem within 72 hours.
        "postmortem_date": f"{(resolved + timedelta(hours=72)):%Y-%m-%d}" if resolved else "[DATE]",
        "report_due": f"{(resolved + timedelta(hours=24)):%Y-%m-%d}" if resolved else "[DATE]",
        "contact": "platform-ops@greenlang.io",
    }
    if resolution is not None and resolution.message != "Resolved":
        ctx["resolution_summary"] = resolution.message
    for key, value in (variables or {}).items():
        ctx[key] = tl.redactor.text(value)
    return ctx


def render_comms(tl: Timeline, incident_id: str, kind: str, variables: dict[str, str] | None = None,
                 template_dirs: Iterable[Path] = ()) -> str:
    """Render ``initial`` or ``resolution``; the result is redacted like anything written."""
    if kind not in KINDS:
        raise TimelineError(f"unknown notification {kind!r} (expected one of {', '.join(KINDS)})")
    ctx = context(tl, incident_id, variables)
    if kind == "resolution" and "summary" not in (variables or {}):
        ctx["summary"] = ctx.get("resolution_summary", "Services have been restored.")
    try:
        with budget():
            text = _environment(template_dirs).get_template(f"comms-{kind}.txt.j2").render(ctx)
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise TimelineError(f"{where}cannot render comms-{kind}: {exc}") from None
    return tl.redactor.text(text)

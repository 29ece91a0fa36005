"""What templates see while a run executes: params, steps.<id>.outputs/status, incident, screen.

Two flavours: the strict context of a real run (an output that is not there is an error,
so a step never calls AWS with an empty bucket name) and the preview context of dry runs
and guarded steps, where a value not known yet shows as ``<steps.find_hc.outputs.id>``.
"""

from __future__ import annotations

from typing import Any

from cockpit.content.templating import INCIDENT_FIELDS, Known, Placeholder


def incident_view(incident: Any) -> dict[str, Any]:
    """The incident fields templates may read (``incident.id`` ...)."""
    return {name: getattr(incident, name, None) for name in INCIDENT_FIELDS}


def strict_context(params: dict[str, Any], steps: dict[str, dict[str, Any]], incident: dict[str, Any],
                   screen: Any) -> dict[str, Any]:
    """``steps`` maps step id -> {"status", "outputs"} for every step of the playbook."""
    return {"params": params, "steps": steps, "incident": incident, "screen": screen}


def preview_context(params: dict[str, Any], steps: dict[str, dict[str, Any]], incident: dict[str, Any],
                    screen: Any) -> dict[str, Any]:
    """Like :func:`strict_context`, but anything missing previews as a placeholder."""
    known_steps = {
        sid: Known(f"steps.{sid}", {"status": rec.get("status"),
                                     "outputs": Known(f"steps.{sid}.outputs", rec.get("outputs") or {})})
        for sid, rec in steps.items()
    }
    return {"params": Known("params", params), "steps": Known("steps", known_steps),
            "incident": Known("incident", incident),
            "screen": screen if screen is not None else Placeholder("screen"),
            "result": Placeholder("result")}

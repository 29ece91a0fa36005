"""What templates see while a run executes: params, steps.<id>.outputs/status, incident, screen.

Two flavours: the strict context of a real run (an output that is not there is an error,
so a step never calls AWS with an empty bucket name) and the preview context of dry runs
and guarded steps, where a value not known yet shows as ``<steps.find_hc.outputs.id>``.

In the strict context a step's outputs are a :class:`StepOutputs`. A missing output is a
Jinja undefined value, so a template can test for it (``steps.x.outputs.ids is defined``,
``steps.x.outputs.ids | default([])``); used without a test, it raises
:class:`OutputNotProduced`, whose message says which output and why the step did not
produce it ("x was not executed: read-only (write step)"). The engine turns that into the
later step's own record (not executed in a guarded run, failed in a live one) instead of
an error escaping the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2 import StrictUndefined, UndefinedError

from cockpit.content.templating import INCIDENT_FIELDS, Known, Placeholder

#: ``steps.<id>.status`` of a step the policy guard (or a missing input in a guarded run)
#: kept from executing; it is persisted as ``skipped`` with the reason in its event.
NOT_EXECUTED = "not_executed"


class OutputNotProduced(UndefinedError):
    """A template used an output that an earlier step did not produce (its message says why)."""


class StepOutputs:
    """One step's outputs as templates see them: ``outputs.NAME`` or ``outputs['NAME']``.

    Not a dict on purpose: on a dict, ``steps.x.outputs.items`` would be the dict's method,
    not the output named ``items``. Only the outputs are attributes here.
    """

    __slots__ = ("_step", "_values", "_why")

    def __init__(self, step_id: str, values: dict[str, Any], why: str) -> None:
        self._step, self._values, self._why = step_id, values, why

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        return StrictUndefined(hint=f"needs steps.{self._step}.outputs.{name}, which was not produced: "
                                    f"{self._why}", name=name, exc=OutputNotProduced)

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


def template_status(record: dict[str, Any]) -> str:
    """``steps.<id>.status``: the persisted state, or ``not_executed`` for a step the guard kept."""
    return NOT_EXECUTED if record.get("not_executed") else str(record.get("status", "pending"))


def why_missing(step_id: str, record: dict[str, Any]) -> str:
    """Why ``step_id`` has no output that a later template asks for, in a few words."""
    status = str(record.get("status", "pending"))
    if record.get("not_executed"):
        return f"{step_id} was {record['not_executed']}"
    if status == "succeeded":
        return f"{step_id} succeeded without it"
    if status in ("failed", "skipped", "cancelled"):
        return f"{step_id} {status}"
    return f"{step_id} has not run yet"


def incident_view(incident: Any) -> dict[str, Any]:
    """The incident fields templates may read (``incident.id`` ...)."""
    return {name: getattr(incident, name, None) for name in INCIDENT_FIELDS}


def strict_context(params: dict[str, Any], steps: dict[str, dict[str, Any]], incident: dict[str, Any],
                   screen: Any) -> dict[str, Any]:
    """``steps`` maps step id -> its record (``status``, ``outputs``, ``not_executed``) for every step."""
    view = {sid: {"status": template_status(rec),
                  "outputs": StepOutputs(sid, rec.get("outputs") or {}, why_missing(sid, rec))}
            for sid, rec in steps.items()}
    return {"params": params, "steps": view, "incident": incident, "screen": screen}


def preview_context(params: dict[str, Any], steps: dict[str, dict[str, Any]], incident: dict[str, Any],
                    screen: Any) -> dict[str, Any]:
    """Like :func:`strict_context`, but anything missing previews as a placeholder."""
    known_steps = {
        sid: Known(f"steps.{sid}", {"status": template_status(rec),
                                     "outputs": Known(f"steps.{sid}.outputs", rec.get("outputs") or {})})
        for sid, rec in steps.items()
    }
    return {"params": Known("params", params), "steps": Known("steps", known_steps),
            "incident": Known("incident", incident),
            "screen": screen if screen is not None else Placeholder("screen"),
            "result": Placeholder("result")}

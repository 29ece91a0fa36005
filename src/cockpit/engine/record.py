"""Writing a run to the timeline: step state and its event in one transaction.

The engine's crash promise needs the state row and the timeline event to agree, so each
transition runs as one function on the timeline's thread inside one ``BEGIN IMMEDIATE``
transaction. The event carries what a postmortem needs: who, the step, the exact call
(redacted: by the store's patterns and by the run's secret parameter values), the result
summary and the duration.
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.timeline import EventKind, StepState, Timeline
from cockpit.timeline.model import STEP_EVENT
from cockpit.timeline.redact import MARK, Redactor

_STORE_CAP = 32 * 1024  # bytes of outputs kept per step in the database
_BULKY = ("response", "object", "body", "stdout", "stderr", "result")


def storable(outputs: dict[str, Any]) -> dict[str, Any]:
    """Outputs as kept in the database: bulky implicit ones are dropped when too large."""
    try:
        size = len(json.dumps(outputs, default=str))
    except (TypeError, ValueError):
        return {k: str(v) for k, v in outputs.items()}
    if size <= _STORE_CAP:
        return outputs
    slim = {k: v for k, v in outputs.items() if k not in _BULKY}
    slim["_dropped"] = [k for k in outputs if k in _BULKY]
    if len(json.dumps(slim, default=str)) > _STORE_CAP:
        return {"_dropped": list(outputs)}
    return slim


class Recorder:
    """Redacts with the run's secrets, then writes (call these on the timeline thread)."""

    def __init__(self, secrets: list[str]) -> None:
        self.redactor = Redactor(secrets)

    def clean(self, value: Any) -> Any:
        return self.redactor.value(value)

    def step(self, tl: Timeline, run_id: str, incident_id: str, step_id: str, state: StepState, *,
             message: str, attempt: int = 1, outputs: dict[str, Any] | None = None, error: str | None = None,
             data: dict[str, Any] | None = None, playbook_id: str = "", measured: list[Any] | None = None) -> None:
        """``measured``: the playbook measures this step's success gives (engine/measures.py),
        written in the same transaction, so a figure exists exactly when the success does."""
        outputs = self.clean(storable(outputs or {}))
        error = self.redactor.text(error) if error else None
        with tl.transaction():
            tl.set_step_state(run_id, step_id, state, attempt=attempt, outputs=outputs, error=error, log=False)
            kind = STEP_EVENT.get(state)
            if kind is not None:
                tl.append(incident_id, kind, self.redactor.text(message),
                          self.clean({"run_id": run_id, "playbook_id": playbook_id, "step_id": step_id,
                                      "attempt": attempt, "state": state.value, "outputs": outputs,
                                      "error": error, **(data or {})}))
            if measured:
                from cockpit.engine.measures import record

                record(tl, incident_id, measured, attempt)

    def pending(self, tl: Timeline, run_id: str, step_ids: list[str]) -> None:
        with tl.transaction():
            for step_id in step_ids:
                tl.set_step_state(run_id, step_id, StepState.PENDING, log=False)

    def event(self, tl: Timeline, incident_id: str, kind: EventKind, message: str, data: dict[str, Any]) -> None:
        tl.append(incident_id, kind, self.redactor.text(message), self.clean(data))


def secret_values(params: dict[str, Any], secret_names: list[str]) -> list[str]:
    return [str(params[n]) for n in secret_names if params.get(n) not in (None, "", MARK)]

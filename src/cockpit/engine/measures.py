"""Playbook measures: the figures a run records on the timeline when a step succeeds.

A playbook declares them (``measures:`` in the file, :class:`cockpit.content.playbook.Measure`):
``rpo: {value: steps.record_replication_state.outputs.latency_seconds}`` reads a step
output, ``rto: {until: storage_health_from_dr}`` times detection to a step's success. They
are written as ``metric`` events in the same transaction as the step's success, so the
postmortem, the JSON export and the notifications all read the one recorded figure, and a
figure is never recomputed later from a playbook file that may have changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.content.playbook import OBJECTIVES, Playbook
from cockpit.timeline.model import parse_ts, utc_now

_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Reading:
    """One measure taken from a step that succeeded; ``value`` None: time since detection."""

    name: str
    title: str
    value: float | None
    target: float | None
    source: dict[str, Any]


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            return None
    return None


def readings(playbook: Playbook, run_id: str, step_id: str, outputs: dict[str, Any]) -> list[Reading]:
    """The measures ``step_id``'s success gives. An output that holds no number (CloudWatch
    had no datapoint) gives none: the report says the figure was not measured, not 0."""
    out = []
    for name, measure in playbook.measures.items():
        if measure.step_id != step_id:
            continue
        target = getattr(playbook.targets, name) if name in OBJECTIVES else measure.target
        source = {"playbook_id": playbook.id, "run_id": run_id, "step_id": step_id,
                  "measure": measure.value or f"until {measure.until}"}
        if measure.until is not None:
            out.append(Reading(name, measure.title, None, target, source))
            continue
        number = _number(outputs.get(measure.output or ""))
        if number is not None:
            out.append(Reading(name, measure.title, number * _SECONDS[measure.unit], target, source))
    return out


def record(tl: Any, incident_id: str, found: list[Reading], attempt: int) -> None:
    """Write ``found`` as metric events (call inside the step's transaction, on the timeline thread).
    The uid is the run, measure and attempt: a retried write never records a figure twice."""
    for reading in found:
        value = reading.value
        if value is None:
            incident = tl.incident(incident_id)
            if incident.mode != "incident":
                continue  # an exercise runs on the scenario clock: its meter (exercise/drill.py) times it
            value = (utc_now() - parse_ts(incident.detected_at)).total_seconds()
        tl.record_metric(incident_id, reading.name, round(value, 3), target=reading.target, unit="s",
                         uid=f"measure-{reading.source['run_id']}-{reading.name}-{attempt}",
                         title=reading.title or None, source=reading.source)

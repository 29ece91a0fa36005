"""A drill's verdict in one line: the targets (RTO, RPO, …) *and* the expectations, both said.

A drill can meet every seed 003 target while the team missed what a good team does (no
status update in forty minutes); a line that said only "PASS" hid that. The line names each
target met or missed with the figure and the target ("RTO met (42m/60m)"), then how many
expectations were met or missed, and which. Pure functions of plain dicts, so the live drill
(``headless.py``) and the report recomputed from the timeline
(``cockpit/exports/after_action.py``) say the same.

Exit status stays with the targets and the run (a nightly job gates on seed 003's figures);
missed expectations change the head of the line from ``PASS`` to ``TARGETS MET`` so nobody
reads a clean pass.
"""

from __future__ import annotations

from typing import Any

FAILOVER, DATA_LOSS, AVAILABILITY, TEAM_RESPONSE = ("Failover time", "Data loss (replication lag at cut-over)",
                                                    "Availability during failover", "Team response")

#: metric name -> (what the line calls it, the scenario's drill.targets key, unit of that target)
LABELS = {FAILOVER: ("RTO", "failover_time"), DATA_LOSS: ("RPO", "data_loss"),
          AVAILABILITY: ("availability", "availability"), TEAM_RESPONSE: ("team response", "team_response")}


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:g}{'m' if unit == 'min' else unit}"


def metric_met(m: dict[str, Any]) -> bool | None:
    value, target = m.get("value"), m.get("target")
    if not isinstance(value, (int, float)) or not isinstance(target, (int, float)):
        return None
    return value <= target if m.get("better", "lower") == "lower" else value >= target


def metric_phrase(m: dict[str, Any]) -> str:
    """``RTO met (42m/60m)``, ``RPO MISSED (22m/15m)``, ``availability 0% (not judged)``."""
    label = LABELS.get(m.get("name", ""), (str(m.get("name", "")).lower(), ""))[0]
    unit, value, target = m.get("unit", ""), m.get("value"), m.get("target")
    if value is None:
        return f"{label} not measured (target {_figure(target, unit)})" if target is not None \
            else f"{label} not measured (not judged)"
    if target is None:
        return f"{label} {_figure(value, unit)} (not judged)"
    return f"{label} {'met' if metric_met(m) else 'MISSED'} ({_figure(value, unit)}/{_figure(target, unit)})"


def targets_from_spec(drill: dict[str, Any], measured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every metric the drill judges, measured or not: the timeline records only measured
    ones, so a judged target with no figure is added as unmeasured (it fails the drill)."""
    out = list(measured)
    have = {m.get("name") for m in measured}
    targets = drill.get("targets") or {}
    for name, (_, key) in LABELS.items():
        target = targets.get(key)
        if name not in have and target is not None:
            value = target if key == "availability" else round(float(target) / 60, 2)
            out.append({"name": name, "value": None, "target": value, "unit": "%" if key == "availability" else "min",
                        "better": "higher" if key == "availability" else "lower"})
    return out


def drill_line(metrics: list[dict[str, Any]], expectations: list[dict[str, Any]],
               run: tuple[str, str] | None = None) -> tuple[bool, str]:
    """(passed, line). ``metrics`` as ``Metric.as_dict()`` or recorded; ``expectations`` as
    ``Verdict.as_dict()``; ``run`` = (playbook id, status). ``passed``: every judged target
    measured and met and the run succeeded (expectations are said, not gated on)."""
    missed = [m for m in metrics if metric_met(m) is False]
    unmeasured = [m for m in metrics if m.get("value") is None and m.get("target") is not None]
    run_failed = run is not None and run[1] != "succeeded"
    passed = not missed and not unmeasured and not run_failed
    gaps = [e for e in expectations if not e.get("met")]
    if not passed:
        head = "FAIL"
    elif gaps:
        head = "TARGETS MET"
    else:
        head = "PASS"
    parts = []
    if run_failed:
        parts.append(f"the {run[0]} run {run[1]}")
    parts.append(", ".join(metric_phrase(m) for m in metrics) or "no metric measured")
    if not expectations:
        parts.append("the scenario sets no expectations")
    elif gaps:
        parts.append(f"{len(gaps)} of {len(expectations)} expectations missed: "
                     + "; ".join(f"{e['id']} ({e.get('detail', '')})" for e in gaps))
    else:
        parts.append(f"{len(expectations)} of {len(expectations)} expectations met")
    return passed, f"{head}: " + "; ".join(parts)

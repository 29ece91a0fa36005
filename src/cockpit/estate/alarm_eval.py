"""How CloudWatch decides an alarm's state from its last periods (pure; no clock, no I/O).

A minimal version of the interface helper "eval" builds (issue 11); the lead keeps eval's.
M out of N: the alarm goes to ALARM when at least ``datapoints_to_alarm`` of the last
``evaluation_periods`` periods breach, to OK when fewer do and enough are present, and
missing periods follow ``treat_missing_data`` (missing, ignore, breaching, notBreaching).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

_COMPARE = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}


@dataclass(frozen=True)
class AlarmRule:
    name: str
    namespace: str
    metric_name: str
    dimensions: dict[str, str]
    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    threshold: float
    comparison: str
    treat_missing_data: str = "missing"

    @staticmethod
    def from_describe(alarm: dict[str, Any]) -> AlarmRule | None:
        """A DescribeAlarms MetricAlarms entry as a rule; None for what it cannot evaluate."""
        statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        if alarm.get("Metrics") or not alarm.get("MetricName") or not statistic or not alarm.get("Period") \
                or alarm.get("ComparisonOperator") not in _COMPARE or alarm.get("Threshold") is None:
            return None
        return AlarmRule(
            name=alarm["AlarmName"], namespace=alarm.get("Namespace", ""), metric_name=alarm["MetricName"],
            dimensions={d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}, statistic=statistic,
            period=int(alarm["Period"]), evaluation_periods=int(alarm.get("EvaluationPeriods") or 1),
            datapoints_to_alarm=alarm.get("DatapointsToAlarm"), threshold=float(alarm["Threshold"]),
            comparison=alarm["ComparisonOperator"], treat_missing_data=alarm.get("TreatMissingData") or "missing")


@dataclass(frozen=True)
class Evaluation:
    state: str
    reason: str
    reason_data: dict[str, Any] = field(default_factory=dict)


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def evaluate(rule: AlarmRule, periods: Sequence[tuple[float, float | None]], previous_state: str,
             now: float) -> Evaluation:
    """The state after evaluating ``periods`` (the last ``evaluation_periods``, oldest first)."""
    compare, words = _COMPARE[rule.comparison]
    needed = rule.datapoints_to_alarm or rule.evaluation_periods
    present = [(at, v) for at, v in periods if v is not None]
    missing = len(periods) - len(present)
    breaching = sum(1 for _, v in present if compare(v, rule.threshold))
    if rule.treat_missing_data == "breaching":
        breaching += missing
    elif rule.treat_missing_data in ("missing", "ignore") and present:
        # Missing periods are not counted: enough of what is there must breach (AWS looks
        # further back for datapoints; a metric that stopped being published keeps its state).
        needed = min(needed, len(present))
    data = {"version": "1.0", "queryDate": _iso(now), "statistic": rule.statistic, "period": rule.period,
            "recentDatapoints": [v for _, v in present], "threshold": rule.threshold,
            "evaluatedDatapoints": [{"timestamp": _iso(at), "value": v} for at, v in reversed(present)]}
    if periods:
        data["startDate"] = _iso(periods[0][0])
    if not present and rule.treat_missing_data in ("missing", "ignore"):
        if rule.treat_missing_data == "ignore":
            return Evaluation(previous_state, "Insufficient Data: no datapoints; state kept (missing data ignored).",
                              data)
        return Evaluation("INSUFFICIENT_DATA",
                          f"Insufficient Data: {len(periods)} datapoints were unknown.", data)
    quoted = ", ".join(f"{v!r} ({_stamp(at)})" for at, v in reversed(present))
    count = len(present)
    noun = "datapoint" if count == 1 else "datapoints"
    verb = "was" if count == 1 else "were"
    if breaching >= needed:
        lead = f"{breaching} out of the last {len(periods)} datapoints" if needed < len(periods) else \
            f"{count} {noun}"
        return Evaluation("ALARM", f"Threshold Crossed: {lead} [{quoted}] {verb} {words} the threshold "
                                   f"({rule.threshold!r}).", data)
    return Evaluation("OK", f"Threshold Crossed: {count} {noun} [{quoted}] {verb} not {words} the threshold "
                            f"({rule.threshold!r}).", data)

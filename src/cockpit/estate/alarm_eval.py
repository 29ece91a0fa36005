"""CloudWatch metric-alarm evaluation, as AWS documents it, without I/O.

moto stores alarms but never evaluates them, so an alarm's state, its reason and the
metric a runbook reads with ``get-metric-statistics`` could disagree. The estate evaluates
each alarm from the metric's datapoints with :func:`evaluate`, which follows the
CloudWatch User Guide ("Alarm evaluation", "Configuring how CloudWatch alarms treat
missing data"):

* The last ``EvaluationPeriods`` (N) datapoints decide; ``DatapointsToAlarm`` (M) of them
  must breach for ``ALARM`` (M of N; the breaching ones need not be consecutive).
* A caller may pass more periods than N, oldest first: the extra, older ones are the
  *evaluation range* CloudWatch retrieves. When at least N real datapoints exist in the
  range the N most recent real ones decide and the missing-data setting does not apply;
  otherwise missing datapoints are filled as ``breaching`` / ``notBreaching`` say (as few
  as possible, every real datapoint counts), left out for ``missing`` / ``ignore``.
* No datapoint in the whole range: ``missing`` gives ``INSUFFICIENT_DATA``, ``ignore``
  keeps the previous state, ``breaching`` ``ALARM``, ``notBreaching`` ``OK``.
* Premature transitions: with ``missing``, the alarm goes to ``ALARM`` when the oldest
  datapoint of the last N is breaching and at least M periods old and every more recent
  one is breaching or missing (``ignore`` keeps its state in that case).

The reason and ``StateReasonData`` are built in AWS's own wording (newest datapoint first
in the reason and in ``evaluatedDatapoints``, ``recentDatapoints`` oldest first), so what
``describe-alarms`` and ``describe-alarm-history`` print reads like the real thing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cockpit.estate.metric_math import is_statistic

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT_DATA = "INSUFFICIENT_DATA"

#: ComparisonOperator -> (test of value against threshold, the words AWS uses in reasons).
COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}

TREAT_MISSING = ("missing", "notBreaching", "breaching", "ignore")

#: How the reason names each missing-data treatment ("... treated as [NonBreaching].").
_TREATMENT_WORD = {"missing": "Missing", "notBreaching": "NonBreaching", "breaching": "Breaching", "ignore": "Ignore"}


@dataclass(frozen=True)
class AlarmRule:
    """What CloudWatch needs to evaluate one single-metric threshold alarm."""

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

    def __post_init__(self) -> None:
        if self.comparison not in COMPARISONS:
            raise ValueError(f"alarm {self.name!r}: unsupported ComparisonOperator {self.comparison!r}")
        if self.treat_missing_data not in TREAT_MISSING:
            raise ValueError(f"alarm {self.name!r}: TreatMissingData must be one of {', '.join(TREAT_MISSING)}")
        if not is_statistic(self.statistic):
            raise ValueError(f"alarm {self.name!r}: unsupported statistic {self.statistic!r}")
        if self.period <= 0 or self.evaluation_periods <= 0:
            raise ValueError(f"alarm {self.name!r}: Period and EvaluationPeriods must be positive")
        if self.datapoints_to_alarm is not None and not 0 < self.datapoints_to_alarm <= self.evaluation_periods:
            raise ValueError(f"alarm {self.name!r}: DatapointsToAlarm must be between 1 and EvaluationPeriods")

    @property
    def m(self) -> int:
        """Datapoints to alarm; AWS uses EvaluationPeriods when the alarm does not set it."""
        return self.datapoints_to_alarm or self.evaluation_periods

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison][0](value, self.threshold)

    @classmethod
    def from_describe(cls, alarm: Mapping[str, Any]) -> AlarmRule | None:
        """The rule of a boto3 ``DescribeAlarms`` ``MetricAlarms`` entry.

        None for alarms this evaluator cannot compute: metric math (``Metrics``),
        anomaly detection (``ThresholdMetricId`` or a band comparison), or an entry
        missing what a threshold alarm needs.
        """
        if alarm.get("Metrics") or alarm.get("ThresholdMetricId"):
            return None
        statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        needed = ("AlarmName", "MetricName", "Period", "EvaluationPeriods", "Threshold", "ComparisonOperator")
        if not statistic or any(alarm.get(key) is None for key in needed):
            return None
        if alarm["ComparisonOperator"] not in COMPARISONS or not is_statistic(statistic):
            return None
        return cls(
            name=alarm["AlarmName"],
            namespace=alarm.get("Namespace", ""),
            metric_name=alarm["MetricName"],
            dimensions={d["Name"]: d["Value"] for d in alarm.get("Dimensions") or ()},
            statistic=statistic,
            period=int(alarm["Period"]),
            evaluation_periods=int(alarm["EvaluationPeriods"]),
            datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]),
            threshold=float(alarm["Threshold"]),
            comparison=alarm["ComparisonOperator"],
            treat_missing_data=alarm.get("TreatMissingData") or "missing",
        )


@dataclass(frozen=True)
class Evaluation:
    """The state an evaluation arrives at, with AWS's StateReason and StateReasonData."""

    state: str
    reason: str
    reason_data: dict = field(default_factory=dict)


def evaluate(rule: AlarmRule, periods: Sequence[tuple[float, float | None]], previous_state: str,
             now: float, *, sample_counts: Mapping[float, float] | None = None) -> Evaluation:
    """Evaluate ``rule`` over ``periods`` ((period_start_epoch, value or None), oldest first).

    ``periods`` holds at least the last ``evaluation_periods`` periods; older ones before
    them form the evaluation range (module docstring). ``previous_state`` is the alarm's
    state before this evaluation (kept by ``ignore``, named in the reason's transition).
    ``now`` (epoch seconds) is the query date. ``sample_counts`` (period start -> number of
    raw samples), when given, fills ``sampleCount`` in ``evaluatedDatapoints``.
    """
    n, m = rule.evaluation_periods, rule.m
    window = list(periods[-n:])
    real = [(start, value) for start, value in periods if value is not None]
    data = _reason_data(rule, periods, window, now)

    if len(real) >= n:
        evaluated = real[-n:]
        breaching = sum(rule.breaches(v) for _, v in evaluated)
        return _crossed(rule, ALARM if breaching >= m else OK, evaluated, 0, previous_state, data, sample_counts)

    treatment = rule.treat_missing_data
    if not real:
        data["evaluatedDatapoints"] = []
        periods_word = f"{n} period{'s' if n != 1 else ''}"
        missing_words = f"{n} missing datapoint{'s were' if n != 1 else ' was'}"
        if treatment == "missing":
            reason = f"Insufficient Data: {n} datapoint{'s were' if n != 1 else ' was'} unknown."
            return Evaluation(INSUFFICIENT_DATA, reason, data)
        state = {"breaching": ALARM, "notBreaching": OK, "ignore": previous_state}[treatment]
        reason = (f"Threshold Crossed: no datapoints were received for {periods_word} and {missing_words} "
                  f"treated as [{_TREATMENT_WORD[treatment]}].")
        return Evaluation(state, reason, data)

    if treatment in ("breaching", "notBreaching"):
        filled = n - len(real)
        breaching = sum(rule.breaches(v) for _, v in real) + (filled if treatment == "breaching" else 0)
        state = ALARM if breaching >= m else OK
        return _crossed(rule, state, real, filled, previous_state, data, sample_counts)

    breaching = sum(rule.breaches(v) for _, v in real)
    if breaching >= m:
        return _crossed(rule, ALARM, real, 0, previous_state, data, sample_counts)
    if _premature(rule, periods, window):
        if treatment == "ignore":
            return _crossed(rule, previous_state, real, 0, previous_state, data, sample_counts)
        return _crossed(rule, ALARM, real, 0, previous_state, data, sample_counts)
    return _crossed(rule, OK, real, 0, previous_state, data, sample_counts)


def _premature(rule: AlarmRule, periods: Sequence[tuple[float, float | None]],
               window: Sequence[tuple[float, float | None]]) -> bool:
    """AWS's "avoiding premature transitions": the oldest real datapoint of the last N breaches,
    is at least M periods old, and nothing real since (or before, in the range) is within the threshold."""
    reals = [v for _, v in periods if v is not None]
    if not reals or not all(rule.breaches(v) for v in reals):
        return False
    for index, (_, value) in enumerate(window):
        if value is not None:
            return len(window) - index >= rule.m
    return False


def _crossed(rule: AlarmRule, state: str, evaluated: Sequence[tuple[float, float]], filled: int,
             previous_state: str, data: dict, sample_counts: Mapping[float, float] | None) -> Evaluation:
    """Build the "Threshold Crossed: ..." evaluation for ``state`` from the real datapoints evaluated."""
    n, m = rule.evaluation_periods, rule.m
    newest_first = list(reversed(evaluated))
    data["evaluatedDatapoints"] = [_evaluated(start, value, sample_counts) for start, value in newest_first]
    words = COMPARISONS[rule.comparison][1]
    if state == ALARM:
        shown = [(s, v) for s, v in newest_first if rule.breaches(v)]
        count = len(shown) + (filled if rule.treat_missing_data == "breaching" else 0)
        relation, minimum = words, m
    else:
        shown = [(s, v) for s, v in newest_first if not rule.breaches(v)]
        count = len(shown) + (filled if rule.treat_missing_data == "notBreaching" else 0)
        relation, minimum = f"not {words}", n - m + 1
    listed = ", ".join(f"{_number(v)} ({_reason_time(s)})" for s, v in shown)
    verb = "was" if count == 1 else "were"
    reason = (f"Threshold Crossed: {count} out of the last {n} datapoints [{listed}] {verb} {relation} the threshold "
              f"({_number(rule.threshold)}) (minimum {minimum} datapoint{'s' if minimum != 1 else ''} "
              f"for {previous_state} -> {state} transition).")
    return Evaluation(state, reason, data)


def _reason_data(rule: AlarmRule, periods: Sequence[tuple[float, float | None]],
                 window: Sequence[tuple[float, float | None]], now: float) -> dict:
    start = window[0][0] if window else now - rule.evaluation_periods * rule.period
    return {
        "version": "1.0",
        "queryDate": _iso(now),
        "startDate": _iso(start),
        "statistic": rule.statistic,
        "period": rule.period,
        "recentDatapoints": [float(v) for _, v in periods if v is not None],
        "threshold": float(rule.threshold),
    }


def _evaluated(start: float, value: float, sample_counts: Mapping[float, float] | None) -> dict:
    entry: dict[str, Any] = {"timestamp": _iso(start)}
    if sample_counts is not None and start in sample_counts:
        entry["sampleCount"] = float(sample_counts[start])
    entry["value"] = float(value)
    return entry


def _iso(epoch: float) -> str:
    """StateReasonData's timestamp format: ``2026-03-12T09:13:00.000+0000``."""
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _reason_time(epoch: float) -> str:
    """The reason's datapoint time, day first as AWS writes it: ``12/03/26 09:13:00``."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def _number(value: float) -> str:
    """A double as AWS (Java's ``Double.toString``) prints it: ``10.0``, ``0.5``, ``1.5E7``."""
    value = float(value)
    if value == 0:
        return "0.0"
    text = repr(value)
    if 1e-3 <= abs(value) < 1e7 and "e" not in text:
        return text
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent)}"
    sign = "-" if value < 0 else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    digits = (whole + fraction).rstrip("0") or "0"
    tail = digits[1:] or "0"
    return f"{sign}{digits[0]}.{tail}E{len(whole) - 1}"


# -- moving the times an evaluation wrote (the estate's world -> wall edge) -----------------

_REASON_TIME = re.compile(r"\((\d{2}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})\)")
_DATA_TIMES = ("queryDate", "startDate")


def moved_state(reason: str, data: Mapping[str, Any] | None, seconds: float) -> tuple[str, dict[str, Any] | None]:
    """An evaluated state's reason and StateReasonData with the times the evaluation wrote
    moved by ``seconds``: the datapoint times in the reason, ``queryDate``, ``startDate`` and
    ``evaluatedDatapoints[].timestamp``.

    Only a "Threshold Crossed: ..." state is the evaluation's own; a SetAlarmState reason
    and its data are the caller's words and are returned as written.
    """
    copied = dict(data) if data is not None else None
    if not reason.startswith("Threshold Crossed:") or not seconds:
        return reason, copied

    def move(found: re.Match[str]) -> str:
        at = datetime.strptime(found.group(1), "%d/%m/%y %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
        return f"({_reason_time(at + seconds)})"

    reason = _REASON_TIME.sub(move, reason)
    if copied is not None:
        for key in _DATA_TIMES:
            if isinstance(copied.get(key), str):
                copied[key] = _moved_iso(copied[key], seconds)
        points = copied.get("evaluatedDatapoints")
        if isinstance(points, list):
            copied["evaluatedDatapoints"] = [
                {**p, "timestamp": _moved_iso(p["timestamp"], seconds)}
                if isinstance(p, dict) and isinstance(p.get("timestamp"), str) else p for p in points]
    return reason, copied


def _moved_iso(stamp: str, seconds: float) -> str:
    try:
        at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return stamp  # not the evaluation's format
    return _iso(at + seconds)

"""The estate's CloudWatch alarm evaluator: alarm state follows the metrics, in world time.

moto stores alarm definitions (PutMetricAlarm, DeleteAlarms) and never evaluates them.
This plays CloudWatch's evaluator: once a world minute (and at once for an alarm it has
not seen, or whose definition changed) it evaluates every metric alarm over its last
``EvaluationPeriods`` periods of the :class:`MetricStore`, with ``alarm_eval.evaluate``,
and writes the result onto moto's alarm (state, reason, reason data, world timestamp), so
DescribeAlarms' ``StateValue`` filter keeps working. Every transition is kept for
DescribeAlarmHistory, with ``HistoryData`` as AWS writes it. SetAlarmState is a transition
too, and lasts until the next evaluation, as in AWS.

Periods end at the evaluation minute ([m - k·P, m - (k-1)·P)), which is why AWS's reasons
quote datapoints stamped at any minute, not at period boundaries. Pause freezes world
time, so nothing is evaluated while paused; speed makes world minutes pass faster.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cockpit.estate.alarm_eval import AlarmRule, Evaluation, evaluate, moved_state
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.metric_math import statistic
from cockpit.estate.metrics import MetricStore, series_key

log = logging.getLogger(__name__)

#: CloudWatch evaluates alarms with periods of a minute or more once a minute.
EVALUATION_INTERVAL = 60


def world_datetime(at: float) -> datetime:
    """A world epoch as moto stores timestamps (naive UTC)."""
    return datetime.fromtimestamp(at, timezone.utc).replace(tzinfo=None)


def epoch_of(stamp: datetime) -> float:
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)).timestamp()


@dataclass(frozen=True)
class HistoryItem:
    region: str
    alarm_name: str
    at: float  # world time
    summary: str
    data: dict[str, Any]
    kind: str = "StateUpdate"

    def as_aws(self, to_wall: float) -> dict[str, Any]:
        """The DescribeAlarmHistory entry, its timestamp and the times its states' evaluations
        wrote (reason, reason data) moved by ``to_wall`` seconds (world→wall)."""
        data = dict(self.data)
        for side in ("oldState", "newState"):
            state = data.get(side)
            if isinstance(state, dict) and isinstance(state.get("stateReason"), str):
                given = state.get("stateReasonData")
                reason, moved = moved_state(state["stateReason"], given if isinstance(given, dict) else None, to_wall)
                data[side] = {**state, "stateReason": reason}
                if moved is not None:
                    data[side]["stateReasonData"] = moved
        return {"AlarmName": self.alarm_name, "AlarmType": "MetricAlarm",
                "Timestamp": datetime.fromtimestamp(self.at + to_wall, timezone.utc),
                "HistoryItemType": self.kind, "HistorySummary": self.summary,
                "HistoryData": json.dumps(data)}


def describe_entry(alarm: Any) -> dict[str, Any]:
    """A moto alarm as the DescribeAlarms entry ``AlarmRule.from_describe`` reads."""
    out: dict[str, Any] = {
        "AlarmName": alarm.name, "Namespace": alarm.namespace, "MetricName": alarm.metric_name,
        "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
        "Statistic": alarm.statistic, "ExtendedStatistic": alarm.extended_statistic, "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods, "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold, "ComparisonOperator": alarm.comparison_operator,
        "TreatMissingData": alarm.treat_missing_data,
    }
    if alarm.metric_data_queries:
        out["Metrics"] = [q.__dict__ for q in alarm.metric_data_queries]
    for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if out[key] is not None:
            out[key] = int(out[key])
    if out["Threshold"] is not None:
        out["Threshold"] = float(out["Threshold"])
    return out


class AlarmEvaluator:
    """Evaluates moto's metric alarms against the store; keeps their history."""

    def __init__(self, store: MetricStore, clock: ScenarioClock, account_id: str) -> None:
        self.store = store
        self.clock = clock
        self.account_id = account_id
        self._lock = threading.RLock()
        self._history: list[HistoryItem] = []
        self._seen: dict[tuple[str, str], Any] = {}  # (region, name) -> configuration timestamp evaluated
        self._last_minute: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- moto's alarms ---------------------------------------------------------------------

    def _alarms(self) -> list[tuple[str, Any]]:
        from moto.cloudwatch.models import cloudwatch_backends

        account = cloudwatch_backends[self.account_id]
        return [(region, alarm) for region, backend in list(dict.items(account))
                for alarm in list(backend.alarms.values()) if alarm.rule is None]

    def find(self, region: str, name: str) -> Any | None:
        return next((a for r, a in self._alarms() if r == region and a.name == name), None)

    # -- evaluating ------------------------------------------------------------------------

    def periods(self, region: str, rule: AlarmRule, now: float) -> list[tuple[float, float | None]]:
        """The last ``evaluation_periods`` periods ending at the current world minute, oldest first."""
        end = math.floor(now / EVALUATION_INTERVAL) * EVALUATION_INTERVAL
        start = end - rule.period * rule.evaluation_periods
        key = series_key(region, rule.namespace, rule.metric_name, rule.dimensions)
        points = self.store.points(key, start, end, now)
        out: list[tuple[float, float | None]] = []
        for i in range(rule.evaluation_periods):
            lo = start + i * rule.period
            samples = [v for at, v in points if lo <= at < lo + rule.period]
            out.append((lo, statistic(samples, rule.statistic) if samples else None))
        return out

    def evaluate_due(self, *, force: bool = False) -> int:
        """Evaluate every alarm if a world minute began since last time (or ``force``), and any
        alarm not evaluated since it was defined. Returns how many were evaluated."""
        now = self.clock.world_now()
        minute = math.floor(now / EVALUATION_INTERVAL)
        every = force or minute != self._last_minute
        self._last_minute = minute
        count = 0
        with self._lock:
            for region, alarm in self._alarms():
                key = (region, alarm.name)
                if every or self._seen.get(key) != alarm.configuration_updated_timestamp:
                    self._evaluate(region, alarm, now)
                    count += 1
        return count

    def _evaluate(self, region: str, alarm: Any, now: float) -> None:
        key = (region, alarm.name)
        first = key not in self._seen
        self._seen[key] = alarm.configuration_updated_timestamp
        rule = AlarmRule.from_describe(describe_entry(alarm))
        if rule is None:
            return  # metric math and anomaly alarms: left as they are
        if first:
            # An alarm starts in INSUFFICIENT_DATA, as in AWS (moto says OK): its first
            # evaluation is then a transition like any other, kept in its history, so that
            # "changed state recently" reads the same from DescribeAlarms and from the history.
            alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
        result = evaluate(rule, self.periods(region, rule, now), alarm.state_value, now)
        if first and result.state == alarm.state_value:
            alarm.state_reason, alarm.state_reason_data = result.reason, json.dumps(result.reason_data)
            alarm.state_updated_timestamp = world_datetime(now)
            return
        if result.state != alarm.state_value:
            self._transition(region, alarm, result, now)

    def _transition(self, region: str, alarm: Any, result: Evaluation, now: float) -> None:
        old = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}
        if alarm.state_reason_data and alarm.state_reason_data != "{}":
            old["stateReasonData"] = _json(alarm.state_reason_data)
        new: dict[str, Any] = {"stateValue": result.state, "stateReason": result.reason}
        if result.reason_data:
            new["stateReasonData"] = result.reason_data
        self._history.append(HistoryItem(region, alarm.name, now,
                                         f"Alarm updated from {alarm.state_value} to {result.state}",
                                         {"version": "1.0", "oldState": old, "newState": new}))
        alarm.state_value, alarm.state_reason = result.state, result.reason
        alarm.state_reason_data = json.dumps(result.reason_data) if result.reason_data else "{}"
        alarm.state_updated_timestamp = world_datetime(now)
        log.info("alarm %s (%s) -> %s: %s", alarm.name, region, result.state, result.reason)

    def set_state(self, region: str, alarm: Any, state: str, reason: str, reason_data: str | None) -> None:
        """SetAlarmState: a transition that lasts until the next evaluation (as in AWS)."""
        with self._lock:
            self._seen[(region, alarm.name)] = alarm.configuration_updated_timestamp
            data = _json(reason_data) if reason_data else {}
            self._transition(region, alarm, Evaluation(state, reason, data), self.clock.world_now())

    def history(self, region: str) -> list[HistoryItem]:
        with self._lock:
            return [h for h in self._history if h.region == region]

    # -- the loop ------------------------------------------------------------------------

    def start(self, interval: float = 0.25) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(interval,), name="alarm-evaluator", daemon=True)
        self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.evaluate_due()
            except Exception:  # the estate must outlive one bad evaluation; the log says what broke
                log.exception("alarm evaluation failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text

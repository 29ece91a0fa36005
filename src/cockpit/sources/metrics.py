"""The runbooks' CloudWatch thresholds, watched: one ``GetMetricData`` per region a refresh.

A screen's ``metrics:`` lists checks (:class:`~cockpit.content.screen.MetricCheck`): a series
(or a ratio of two, as a percentage), how to read it over its window (the latest datapoint,
or the window summed / maxed / averaged: a month's error ratio for an SLO), and the levels
``warn_above``/``critical_above``/``warn_below``/``critical_below`` in shown units (the raw
value times ``scale``). The checks of one region and window go into one call (500 queries
a call, chunked beyond): a call spans one window, so a day-long storage-size check does not
drag two days of one-minute latency points along with it, nor a month's availability the
last hour's error rate. Calls per refresh: one per (region, window) the screen uses.

No datapoint in the window is *unknown* unless the check says ``no_data: ok`` (a service
that publishes nothing when nothing happens): "no reading" must not pass for "below the
threshold". A check with ``budget: true`` says how much room is left before its critical
(else warning) threshold — an SLO's error budget, a monthly cost budget.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from typing import Any

from cockpit.content.screen import MetricCheck, Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.metric_data import Points, metric_data
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level, utcnow



def _query(qid: str, namespace: str, metric: str, dimensions: dict[str, str], stat: str,
           period: int) -> dict[str, Any]:
    dims = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    return {"Id": qid, "ReturnData": True,
            "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
                           "Period": period, "Stat": stat}}


def build_queries(checks: list[MetricCheck]) -> list[dict[str, Any]]:
    """The queries for ``checks``: ``m<index>`` for the series, ``d<index>`` for a ratio's denominator."""
    queries = []
    for index, check in enumerate(checks):
        queries.append(_query(f"m{index}", check.namespace, check.metric, check.dimensions, check.stat,
                              check.period_seconds))
        if check.per is not None:
            per = check.per
            queries.append(_query(f"d{index}", per.namespace, per.metric, per.dimensions, per.stat,
                                  check.period_seconds))
    return queries


def reduce(points: Points, how: str) -> float | None:
    """The window's reading: the newest datapoint, or all of them summed / maxed / averaged."""
    if not points:
        return None
    values = [v for _, v in points]
    if how == "latest":
        return max(points)[1]
    if how == "sum":
        return sum(values)
    if how == "max":
        return max(values)
    return sum(values) / len(values)


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e6:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def shown(check: MetricCheck, value: float) -> str:
    """``450 ms``, ``99.95 %``, ``$42``: the reading in the check's unit."""
    if check.unit == "$":
        return f"${value:,.2f}"
    if check.per is not None:
        return f"{value:.3f}".rstrip("0").rstrip(".") + " %"
    return f"{_number(value)} {check.unit}".rstrip()


def assess(check: MetricCheck, value: float) -> tuple[Level, str]:
    """The worst threshold ``value`` crosses, and which (``above 200 ms``); the value itself is the status."""
    rules = ((check.critical_above, Level.CRITICAL, ">"), (check.critical_below, Level.CRITICAL, "<"),
             (check.warn_above, Level.WARNING, ">"), (check.warn_below, Level.WARNING, "<"))
    for limit, level, sign in rules:
        if limit is None:
            continue
        if (sign == ">" and value > limit) or (sign == "<" and value < limit):
            return level, f"{'above' if sign == '>' else 'below'} {shown(check, limit)}"
    return Level.OK, ""


def line(check: MetricCheck) -> str:
    """The first threshold, as the runbook writes it: ``> 200 ms``, ``< 99.9 %``."""
    for limit, sign in ((check.warn_above, ">"), (check.critical_above, ">"), (check.warn_below, "<"),
                        (check.critical_below, "<")):
        if limit is not None:
            return f"{sign} {shown(check, limit)}"
    return ""


def budget_left(check: MetricCheck, value: float) -> float | None:
    """The share of the room before the (critical, else warning) limit still unused, 0..1.

    Above-limits: ``1 - value / limit`` (a $100 budget with $42 spent: 58 % left). Below-limits
    (availability 99.9 %): the allowed shortfall ``100 - limit`` against the actual ``100 - value``.
    """
    above = check.critical_above if check.critical_above is not None else check.warn_above
    below = check.critical_below if check.critical_below is not None else check.warn_below
    if above is not None and above > 0:
        return max(0.0, 1.0 - value / above)
    if below is not None and below < 100:
        return max(0.0, 1.0 - (100.0 - value) / (100.0 - below))
    return None


def item_for(check: MetricCheck, region: str, points: Points, per: Points | None) -> ServiceItem:
    """One check's row: status is the reading, level and problem from its thresholds."""
    raw = reduce(points, check.reduce)
    value: float | None
    if check.per is None:
        value = None if raw is None else raw * check.scale
    else:
        denominator = reduce(per or [], check.reduce)
        if raw is None and denominator:  # errors unpublished while requests flow: none failed
            raw = 0.0
        value = None if raw is None or not denominator else 100.0 * raw / denominator
        if value is not None and check.invert:
            value = 100.0 - value
    detail: dict[str, Any] = {"metric": f"{check.namespace} {check.metric}", "stat": check.stat,
                              "window_minutes": check.window_minutes, "value": value}
    if check.note:
        detail["note"] = check.note
    detail["line"] = line(check)
    if value is None:
        level = Level.OK if check.no_data == "ok" else Level.UNKNOWN
        problem = "" if level == Level.OK else f"no datapoint in {check.window_minutes} min"
        return ServiceItem("metric", check.name, region, "no data", level, problem, detail=detail)
    level, problem = assess(check, value)
    status = shown(check, value)
    if check.budget:
        left = budget_left(check, value)
        if left is not None:
            detail["budget_left"] = round(left, 4)
            status = f"{status} · {left:.0%} left"
    return ServiceItem("metric", check.name, region, status, level, problem, detail=detail)


class MetricsSource(Source[ServiceItem]):
    """Every ``metrics:`` check of a screen, in screen order, in the services pane."""

    name = "metrics"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        default = screen.regions[0] if screen.regions else ""
        self.checks = list(screen.metrics)
        self.regions = [check.region or default for check in self.checks]
        self.conn = conn

    async def fetch(self) -> tuple[ServiceItem, ...]:
        by_span: dict[tuple[str, int], list[int]] = defaultdict(list)
        for index, (region, check) in enumerate(zip(self.regions, self.checks)):
            by_span[(region, check.window_minutes)].append(index)
        results = await asyncio.gather(*(self._region(region, indexes) for (region, _), indexes in by_span.items()))
        items: dict[int, ServiceItem] = {}
        for found in results:
            items.update(found)
        return tuple(items[i] for i in range(len(self.checks)))

    async def _region(self, region: str, indexes: list[int]) -> dict[int, ServiceItem]:
        checks = [self.checks[i] for i in indexes]
        client = await self.conn.aws("cloudwatch", region)
        end = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - timedelta(minutes=max(c.window_minutes for c in checks))
        queries = build_queries(checks)
        series, calls = await metric_data(client, queries, start, end)
        self.calls += calls
        out: dict[int, ServiceItem] = {}
        for local, (index, check) in enumerate(zip(indexes, checks)):
            since = end - timedelta(minutes=check.window_minutes)
            points = [p for p in series.get(f"m{local}", []) if p[0] >= since]
            per = [p for p in series.get(f"d{local}", []) if p[0] >= since] if check.per is not None else None
            out[index] = item_for(check, region, points, per)
        return out

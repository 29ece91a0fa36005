"""The recent datapoints of the metric an alarm watches, for its detail plot.

Fetched once when a responder opens an alarm's detail (never by the pane's polling: one
``GetMetricStatistics`` per opened detail), over the last hour at the alarm's own period
and statistic, so the plot shows what the alarm evaluated against its threshold.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.sources.alarms import AlarmItem
from cockpit.sources.connections import Connections
from cockpit.sources.errors import require
from cockpit.sources.snapshot import utcnow

Points = list[tuple[datetime, float]]


class NoMetric(ValueError):
    """The alarm watches no single metric (a composite or metric-math alarm)."""


async def alarm_datapoints(conn: Connections, alarm: AlarmItem, *, minutes: int = 60) -> Points:
    """``(timestamp, value)`` of the alarm's metric over the last ``minutes``, oldest first.

    Raises :class:`NoMetric` when there is nothing to fetch, and whatever the client raises
    otherwise (the caller classifies it, as for a source).
    """
    if not alarm.metric or not alarm.namespace:
        raise NoMetric("this alarm watches no single metric (composite or metric math): nothing to plot")
    client = await conn.aws("cloudwatch", alarm.region)
    end = utcnow()
    period = alarm.period or 60
    params: dict[str, Any] = {
        "Namespace": alarm.namespace, "MetricName": alarm.metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in alarm.dimensions],
        "StartTime": end - timedelta(minutes=minutes), "EndTime": end, "Period": period,
    }
    stat = alarm.statistic or "Average"
    extended = stat[:1].lower() in ("p", "t") and stat[1:2].isdigit()
    params["ExtendedStatistics" if extended else "Statistics"] = [stat]
    answer = await client.get_metric_statistics(**params)
    points: Points = []
    for point in require(answer, "Datapoints", "GetMetricStatistics") or ():
        value = (point.get("ExtendedStatistics") or {}).get(stat) if extended else point.get(stat)
        when = point.get("Timestamp")
        if value is None or not isinstance(when, datetime):
            continue
        points.append((when if when.tzinfo else when.replace(tzinfo=timezone.utc), float(value)))
    return sorted(points)

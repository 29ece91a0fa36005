"""S3 replication lag per pair, against the pair's RPO, through batched GetMetricData.

S3 publishes replication metrics in ``AWS/S3`` under the dimensions ``SourceBucket``,
``DestinationBucket`` and ``RuleId`` (when replication metrics / RTC are enabled on the
rule). Every pair's four metrics go into ONE ``GetMetricData`` call per source region (up to
500 queries a call, chunked beyond), so calls per refresh grow with regions, not with pairs
or metrics. The window is the last ``history_minutes`` at 1-minute resolution: the latest
point is the reading, the series is the sparkline.

The latest point may be old: S3 stops publishing when its region is down. The reading
carries its timestamp (``latency_at``), and one older than the screen's
``replication_stale_seconds`` is *unknown*, not current: an old lag shown as today's would
say the replica is fine (or doomed) when nobody knows. A pair that had a reading and then
none at all in the window keeps that last reading, still unknown, rather than turning into
"no data" (which means "nothing to replicate").
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from cockpit.content.screen import ReplicationPair, Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.metric_data import Points, metric_data
from cockpit.sources.snapshot import Level, utcnow

#: metric name -> (query id suffix, statistic)
METRICS: dict[str, tuple[str, str]] = {
    "ReplicationLatency": ("lat", "Maximum"),
    "OperationsPendingReplication": ("ops", "Maximum"),
    "OperationsFailedReplication": ("fail", "Sum"),
    "BytesPendingReplication": ("bytes", "Maximum"),
}


@dataclass(frozen=True)
class ReplicationItem:
    """One pair's latest readings (None: S3 published nothing in the window)."""

    id: str
    source_bucket: str
    destination_bucket: str
    region: str
    rule_id: str
    rpo_seconds: int
    latency_seconds: float | None
    pending_operations: float | None
    failed_operations: float | None
    pending_bytes: float | None
    history: tuple[float, ...]  # ReplicationLatency, oldest first
    level: Level
    problem: str  # why the level is not ok ("" when ok)
    #: Timestamp of the latest ReplicationLatency datapoint (CloudWatch's: the start of its
    #: one-minute period). None when there is none.
    latency_at: datetime | None = None
    #: No datapoint within the screen's ``replication_stale_seconds``: the readings are the
    #: last known ones, not current, and the level is unknown.
    stale: bool = False
    #: ``(timestamp, value)`` of each ReplicationLatency datapoint, oldest first: the detail plot's x axis.
    series: tuple[tuple[datetime, float], ...] = ()

    def latency_age(self, now: datetime | None = None) -> float | None:
        """Seconds since the latest lag datapoint's timestamp; None without one."""
        if self.latency_at is None:
            return None
        return max(0.0, ((now or utcnow()) - self.latency_at).total_seconds())

    @property
    def rpo_used(self) -> float | None:
        """Share of the RPO budget the current lag uses (1.0 = at the RPO)."""
        if self.latency_seconds is None:
            return None
        return self.latency_seconds / self.rpo_seconds


def assess(pair: ReplicationPair, latency: float | None, pending: float | None, failed: float | None,
           pending_ops_critical: int, failed_ops_warning: int) -> tuple[Level, str]:
    """Lag past the RPO or too many pending operations is critical; nearing it is a warning."""
    problems: list[tuple[Level, str]] = []
    if latency is not None:
        if latency >= pair.rpo_seconds:
            problems.append((Level.CRITICAL, f"lag {latency:.0f}s past RPO {pair.rpo_seconds}s"))
        elif latency >= pair.warn_fraction * pair.rpo_seconds:
            problems.append((Level.WARNING, f"lag {latency:.0f}s is {latency / pair.rpo_seconds:.0%} of RPO"))
    if pending is not None and pending > pending_ops_critical:
        problems.append((Level.CRITICAL, f"{pending:.0f} operations pending (> {pending_ops_critical})"))
    if failed is not None and failed >= failed_ops_warning:
        problems.append((Level.WARNING, f"{failed:.0f} operations failed"))
    if not problems:
        return Level.OK, ""
    worst = max(level for level, _ in problems)
    return worst, "; ".join(text for _, text in problems)


def build_queries(pairs: list[ReplicationPair], period: int) -> list[dict[str, Any]]:
    """The GetMetricData queries for ``pairs``; ids are ``p<index>_<metric>``."""
    queries = []
    for index, pair in enumerate(pairs):
        dims = [{"Name": "SourceBucket", "Value": pair.source_bucket},
                {"Name": "DestinationBucket", "Value": pair.destination_bucket},
                {"Name": "RuleId", "Value": pair.rule_id}]
        for metric, (suffix, stat) in METRICS.items():
            queries.append({
                "Id": f"p{index}_{suffix}",
                "MetricStat": {"Metric": {"Namespace": "AWS/S3", "MetricName": metric, "Dimensions": dims},
                               "Period": period, "Stat": stat},
                "ReturnData": True,
            })
    return queries


class ReplicationSource(Source[ReplicationItem]):
    """Every replication pair of a screen, in screen order."""

    name = "replication"
    pane = "replication"

    def __init__(self, screen: Screen, conn: Connections, *, history_minutes: int = 30, period: int = 60,
                 timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.pairs = list(screen.replication)
        self.thresholds = screen.thresholds
        self.conn = conn
        self.history_minutes = history_minutes
        self.period = period
        #: The last item of each pair that had a reading (see the module docstring).
        self._known: dict[str, ReplicationItem] = {}

    async def fetch(self) -> tuple[ReplicationItem, ...]:
        by_region: dict[str, list[ReplicationPair]] = defaultdict(list)
        for pair in self.pairs:
            by_region[pair.source_region].append(pair)
        results = await asyncio.gather(*(self._region(region, pairs) for region, pairs in by_region.items()))
        items = {item.id: item for region_items in results for item in region_items}
        now = utcnow()
        for pair_id, item in items.items():
            if item.latency_at is None and pair_id in self._known:
                item = self._known[pair_id]
            elif item.latency_at is not None:
                self._known[pair_id] = item
            items[pair_id] = self._aged(item, now)
        return tuple(items[p.id] for p in self.pairs)

    def _aged(self, item: ReplicationItem, now: datetime) -> ReplicationItem:
        """``item`` as it stands at ``now``: unknown, saying how old, once its reading is stale."""
        age = item.latency_age(now)
        if age is None or age <= self.thresholds.replication_stale_seconds:
            return item
        last = f"; last: {item.problem}" if item.problem else ""
        return replace(item, level=Level.UNKNOWN, stale=True, problem=f"no datapoint for {_duration(age)}{last}")

    async def _region(self, region: str, pairs: list[ReplicationPair]) -> list[ReplicationItem]:
        client = await self.conn.aws("cloudwatch", region)
        end = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - timedelta(minutes=self.history_minutes)
        queries = build_queries(pairs, self.period)
        series, calls = await metric_data(client, queries, start, end)
        self.calls += calls
        return [self._item(index, pair, region, series) for index, pair in enumerate(pairs)]

    def _item(self, index: int, pair: ReplicationPair, region: str,
              series: dict[str, Points]) -> ReplicationItem:
        def timed(suffix: str) -> list[tuple[datetime, float]]:
            return sorted(series.get(f"p{index}_{suffix}", []))

        def latest(suffix: str) -> float | None:
            values = timed(suffix)
            return values[-1][1] if values else None

        lat = timed("lat")
        latency, pending, failed = latest("lat"), latest("ops"), latest("fail")
        level, problem = assess(pair, latency, pending, failed, self.thresholds.replication_pending_ops_critical,
                                self.thresholds.replication_failed_ops_warning)
        item = ReplicationItem(
            id=pair.id, source_bucket=pair.source_bucket, destination_bucket=pair.destination_bucket, region=region,
            rule_id=pair.rule_id, rpo_seconds=pair.rpo_seconds, latency_seconds=latency, pending_operations=pending,
            failed_operations=failed, pending_bytes=latest("bytes"), history=tuple(v for _, v in lat), level=level,
            problem=problem, latency_at=lat[-1][0] if lat else None, series=tuple(lat),
        )
        return item


def _duration(seconds: float) -> str:
    """``45s``, ``12m``, ``2h05m``: how long a pair has had no datapoint."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"

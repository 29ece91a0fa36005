"""CloudWatch alarms of a screen: firing, insufficient data, and recently back to OK.

API economy: one paginated ``DescribeAlarms`` listing per region per refresh, *not* one per
state: AWS's ``StateValue`` filter takes a single state, so asking for ALARM and
INSUFFICIENT_DATA (and recent OK transitions) separately would triple the calls. The
listing covers metric and composite alarms (``AlarmTypes``) and is narrowed server-side
with ``AlarmNamePrefix`` when the screen filters on exactly one prefix. Regions are listed
in parallel. Severity comes from the screen's rules (the runbooks' response matrices).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.content.screen import Alarms, Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.errors import require
from cockpit.sources.snapshot import Level, utcnow


@dataclass(frozen=True)
class AlarmItem:
    """One alarm as the pane shows it."""

    name: str
    region: str
    state: str  # ALARM | INSUFFICIENT_DATA | OK
    severity: str  # critical | warning (the rule's, whatever the state)
    level: Level  # what it means now: severity when ALARM, warning when no data, ok when OK
    reason: str
    updated_at: datetime | None
    type: str  # metric | composite
    namespace: str = ""
    metric: str = ""
    threshold: float | None = None
    description: str = ""
    #: What the alarm watches, so its detail can fetch the metric's datapoints.
    dimensions: tuple[tuple[str, str], ...] = ()
    statistic: str = ""  # Average, Maximum, … or an extended one (p99)
    period: int | None = None

    def age(self, now: datetime | None = None) -> float | None:
        if self.updated_at is None:
            return None
        return max(0.0, ((now or utcnow()) - self.updated_at).total_seconds())


def worst_first(item: AlarmItem) -> tuple[int, bool, float, str]:
    """Where an alarm goes in the one order of alarms (``cockpit status``, and the alarms
    pane's default sort): worst level first, then the most recent state change (an alarm
    that never changed state last), then by name."""
    updated = item.updated_at
    return (-item.level, updated is None, -updated.timestamp() if updated is not None else 0.0, item.name)


def _level(state: str, severity: str) -> Level:
    if state == "ALARM":
        return Level.CRITICAL if severity == "critical" else Level.WARNING
    if state == "INSUFFICIENT_DATA":
        return Level.WARNING
    return Level.OK


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class AlarmsSource(Source[AlarmItem]):
    """Alarms of every region of a screen, worst first (:func:`worst_first`)."""

    name = "alarms"
    pane = "alarms"

    def __init__(self, screen: Screen, conn: Connections, *, page_size: int = 100, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.alarms is not None
        self.rules: Alarms = screen.alarms
        self.regions = screen.alarm_regions
        self.conn = conn
        self.page_size = page_size

    async def fetch(self) -> tuple[AlarmItem, ...]:
        per_region = await asyncio.gather(*(self._region(r) for r in self.regions))
        return tuple(sorted((item for region_items in per_region for item in region_items), key=worst_first))

    async def _region(self, region: str) -> list[AlarmItem]:
        client = await self.conn.aws("cloudwatch", region)
        params: dict[str, Any] = {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": self.page_size}
        if len(self.rules.prefixes) == 1 and not self.rules.patterns:
            params["AlarmNamePrefix"] = self.rules.prefixes[0]
        cutoff = utcnow() - timedelta(minutes=self.rules.recent_ok_minutes)
        wanted = set(self.rules.states)
        items: list[AlarmItem] = []
        seen: set[str] = set()
        while True:
            self.calls += 1
            page = await client.describe_alarms(**params)
            require(page, "MetricAlarms", "DescribeAlarms")
            for kind, key in (("metric", "MetricAlarms"), ("composite", "CompositeAlarms")):
                for raw in page.get(key) or ():
                    item = self._item(raw, kind, region)
                    if item.name in seen or not self.rules.matches(item.name):
                        continue
                    recent_ok = item.state == "OK" and item.updated_at is not None and item.updated_at >= cutoff \
                        and self.rules.recent_ok_minutes > 0
                    if item.state in wanted or recent_ok:
                        seen.add(item.name)
                        items.append(item)
            token = page.get("NextToken")
            if not token:
                return items
            params["NextToken"] = token

    def _item(self, raw: dict[str, Any], kind: str, region: str) -> AlarmItem:
        name = raw["AlarmName"]
        state = raw["StateValue"]
        severity = self.rules.severity_of(name)
        return AlarmItem(
            name=name, region=region, state=state, severity=severity, level=_level(state, severity),
            reason=str(raw.get("StateReason") or ""), updated_at=_aware(raw.get("StateUpdatedTimestamp")),
            type=kind, namespace=str(raw.get("Namespace") or ""), metric=str(raw.get("MetricName") or ""),
            threshold=raw.get("Threshold"), description=str(raw.get("AlarmDescription") or ""),
            dimensions=tuple((str(d.get("Name")), str(d.get("Value"))) for d in raw.get("Dimensions") or ()),
            statistic=str(raw.get("Statistic") or raw.get("ExtendedStatistic") or ""),
            period=raw.get("Period"),
        )

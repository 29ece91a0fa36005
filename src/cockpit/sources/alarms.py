"""CloudWatch alarms of a screen: firing, insufficient data, and recently back to OK.

API economy. A small account is read as one paginated ``DescribeAlarms`` listing per
region (metric and composite alarms, narrowed server-side with ``AlarmNamePrefix`` when the
screen filters on exactly one prefix): one call answers every state at once. A big account,
whose listing runs past :data:`LISTING_PAGES` pages, is mostly alarms that are OK and that
the pane does not show, so from then on that region is read *by state*: a listing filtered
server-side with ``StateValue`` for each state the pane shows, and, for the alarms back to
OK recently, ``DescribeAlarmHistory`` since the cutoff, whose alarms are then described by
name. At 10,000 alarms with a few dozen firing that is a handful of calls instead of a
hundred pages, and the calls of one region run together. Where the history is not available
to the caller (no permission for it; an emulator without it) the region goes back to the
listing, which answers everything, for good; where reading it failed otherwise (throttled, a
5xx, a timeout) that refresh reads the listing and the next one asks for the history again.
Regions are read in parallel. Severity comes from the screen's rules (the runbooks' response
matrices).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.content.screen import Alarms, Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.errors import require, unavailable
from cockpit.sources.snapshot import Level, utcnow

#: A region whose whole listing takes more pages than this is read by state (module docstring).
LISTING_PAGES = 3
#: At most this many names in one ``DescribeAlarms`` ``AlarmNames`` (AWS's limit).
NAMES_PER_CALL = 100
#: A history longer than this many pages since the cutoff is a storm (alarms flapping by
#: the hundred): that refresh reads the listing, whose cost does not grow with the flapping.
HISTORY_PAGES = 5
_TYPES = ["MetricAlarm", "CompositeAlarm"]


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
        #: Regions read by state, and regions read as a listing whatever their size.
        self._by_state: set[str] = set()
        self._listing_only: set[str] = set()

    async def fetch(self) -> tuple[AlarmItem, ...]:
        per_region = await asyncio.gather(*(self._region(r) for r in self.regions))
        return tuple(sorted((item for region_items in per_region for item in region_items), key=worst_first))

    async def _region(self, region: str) -> list[AlarmItem]:
        client = await self.conn.aws("cloudwatch", region)
        if region in self._by_state:
            read = await self._read_by_state(client, region)
            if read is not None:
                return read
        items = await self._listing(client, region, pages=None if region in self._listing_only else LISTING_PAGES)
        if items is not None:
            return items
        self._by_state.add(region)
        read = await self._read_by_state(client, region)
        if read is not None:
            return read
        return await self._listing(client, region, pages=None) or []

    def _base_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"AlarmTypes": _TYPES, "MaxRecords": self.page_size}
        if len(self.rules.prefixes) == 1 and not self.rules.patterns:
            params["AlarmNamePrefix"] = self.rules.prefixes[0]
        return params

    def _cutoff(self) -> datetime | None:
        if self.rules.recent_ok_minutes <= 0:
            return None
        return utcnow() - timedelta(minutes=self.rules.recent_ok_minutes)

    def _shown(self, item: AlarmItem, cutoff: datetime | None) -> bool:
        """The pane shows it: a state it shows, or back to OK since the cutoff."""
        if item.state in self.rules.states:
            return True
        return cutoff is not None and item.state == "OK" and item.updated_at is not None \
            and item.updated_at >= cutoff

    async def _paged(self, client: Any, operation: str, params: dict[str, Any], key: str,
                     pages: int | None) -> AsyncIterator[dict[str, Any]]:
        """The pages of a paginated ``operation`` (``NextToken``), each checked for ``key``
        (:func:`require`), at most ``pages`` of them: the last one yielded still has a
        ``NextToken`` when it stopped there with more to read."""
        call = getattr(client, _method(operation))
        params = dict(params)
        read = 0
        while True:
            self.calls += 1
            read += 1
            page = await call(**params)
            require(page, key, operation)
            yield page
            token = page.get("NextToken")
            if not token or pages is not None and read >= pages:
                return
            params["NextToken"] = token

    async def _pages(self, client: Any, region: str, params: dict[str, Any],
                     pages: int | None) -> tuple[list[AlarmItem], bool]:
        """Every alarm a paginated DescribeAlarms answers that this screen's rules match, and
        whether it stopped after ``pages`` pages with more to read."""
        out: list[AlarmItem] = []
        page: dict[str, Any] = {}
        async for page in self._paged(client, "DescribeAlarms", params, "MetricAlarms", pages):
            for kind, key in (("metric", "MetricAlarms"), ("composite", "CompositeAlarms")):
                for raw in page.get(key) or ():
                    item = self._item(raw, kind, region)
                    if self.rules.matches(item.name):
                        out.append(item)
        return out, bool(page.get("NextToken"))

    async def _listing(self, client: Any, region: str, pages: int | None) -> list[AlarmItem] | None:
        """The shown alarms of the region's whole listing; None when it is longer than ``pages``."""
        every, more = await self._pages(client, region, self._base_params(), pages)
        if more:
            return None
        cutoff = self._cutoff()
        return _unique(item for item in every if self._shown(item, cutoff))

    async def _read_by_state(self, client: Any, region: str) -> list[AlarmItem] | None:
        """The shown alarms, asked for by state (module docstring); None when the region is
        to be read as a listing from now on (everything is shown, or the history is not
        available to the caller)."""
        if "OK" in self.rules.states:  # everything is shown: the listing is the cheapest read
            self._by_state.discard(region)
            self._listing_only.add(region)
            return None
        cutoff = self._cutoff()
        reads = [self._pages(client, region, {**self._base_params(), "StateValue": state}, None)
                 for state in self.rules.states]
        if cutoff is None:
            by_state = await asyncio.gather(*reads)
            return _unique(item for items, _ in by_state for item in items)
        *by_state, changed = await asyncio.gather(*reads, self._changed_since(client, cutoff),
                                                  return_exceptions=True)
        for result in by_state:
            if isinstance(result, BaseException):
                raise result
        if isinstance(changed, BaseException):
            if not isinstance(changed, Exception):  # cancelled: not an answer about the history
                raise changed
            if unavailable(changed):  # no permission for the history, or an endpoint without it
                self._by_state.discard(region)
                self._listing_only.add(region)
                return None
            # Throttled, a 5xx, a timeout: this refresh reads the listing, the next asks again.
            return await self._listing(client, region, pages=None) or []
        if changed is None:  # a storm: this refresh reads the listing (HISTORY_PAGES)
            return await self._listing(client, region, pages=None) or []
        # An alarm that changed since the cutoff is described by name, after the state
        # listings: its answer is the latest, even if it moved between two of them.
        names = sorted(n for n in changed if self.rules.matches(n))
        described = await asyncio.gather(*(
            self._pages(client, region, {"AlarmTypes": _TYPES, "AlarmNames": names[i:i + NAMES_PER_CALL]}, None)
            for i in range(0, len(names), NAMES_PER_CALL)))
        latest = {item.name: item for items, _ in described for item in items}
        every = [latest.get(item.name, item) for items, _ in by_state for item in items]  # type: ignore[union-attr]
        every += [item for item in latest.values()]
        return _unique(item for item in every if self._shown(item, cutoff))

    async def _changed_since(self, client: Any, cutoff: datetime) -> set[str] | None:
        """Names of the alarms whose state changed since ``cutoff`` (DescribeAlarmHistory);
        None when the history runs past :data:`HISTORY_PAGES` pages."""
        params: dict[str, Any] = {"HistoryItemType": "StateUpdate", "StartDate": cutoff, "AlarmTypes": _TYPES,
                                  "MaxRecords": self.page_size}
        names: set[str] = set()
        page: dict[str, Any] = {}
        async for page in self._paged(client, "DescribeAlarmHistory", params, "AlarmHistoryItems", HISTORY_PAGES):
            for entry in page["AlarmHistoryItems"] or ():
                name = entry.get("AlarmName") if isinstance(entry, dict) else None
                if isinstance(name, str):
                    names.add(name)
        return None if page.get("NextToken") else names

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


def _method(operation: str) -> str:
    """The client's method for an API operation: ``DescribeAlarmHistory`` → ``describe_alarm_history``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _unique(items: Any) -> list[AlarmItem]:
    """The first of each name (a listing may repeat an alarm that moved while it was read)."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.name not in seen:
            seen.add(item.name)
            out.append(item)
    return out

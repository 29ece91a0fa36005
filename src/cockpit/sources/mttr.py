"""Mean time to recovery against a screen's target, from the incidents the timeline resolved.

Sources sit below the timeline, so this one does not read it: the caller (``cockpit status``,
the cockpit screen) hands in a function returning ``(detected, resolved)`` of the real
incidents resolved since a moment (:func:`cockpit.timeline.recovery.resolved_since`), and
the read runs in a thread. No function (a caller with no timeline): the row is unknown
and says so. No incident resolved in the window: ok, "none resolved" — nothing to average.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from cockpit.content.screen import Screen
from cockpit.sources.base import Source
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level, utcnow

Recoveries = Callable[[datetime], list[tuple[datetime, datetime]]]


def _hours(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


class MttrSource(Source[ServiceItem]):
    """One row: MTTR over the window, warning above the target."""

    name = "mttr"

    def __init__(self, screen: Screen, recoveries: Recoveries | None, *,
                 clock: Callable[[], datetime] = utcnow, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.mttr is not None
        self.spec = screen.mttr
        self.recoveries = recoveries
        self.clock = clock

    async def fetch(self) -> tuple[ServiceItem, ...]:
        spec = self.spec
        window = f"{spec.window_days} d"
        detail: dict = {"target_hours": spec.target_hours, "window_days": spec.window_days}
        if spec.note:
            detail["note"] = spec.note
        if self.recoveries is None:
            return (ServiceItem("mttr", "time-to-recovery", window, "no timeline", Level.UNKNOWN,
                                "no incident timeline to measure on", detail=detail),)
        since = self.clock() - timedelta(days=spec.window_days)
        found = await asyncio.to_thread(self.recoveries, since)
        durations = [max(0.0, (resolved - detected).total_seconds()) for detected, resolved in found]
        detail["incidents"] = len(durations)
        if not durations:
            return (ServiceItem("mttr", "time-to-recovery", window, "none resolved", Level.OK, detail=detail),)
        mean = sum(durations) / len(durations)
        detail["mttr_seconds"] = round(mean, 1)
        status = f"{_hours(mean)} over {len(durations)} incident{'s' if len(durations) != 1 else ''}"
        target = spec.target_hours * 3600
        level = Level.WARNING if mean > target else Level.OK
        problem = f"above {_hours(target)}" if level != Level.OK else ""
        return (ServiceItem("mttr", "time-to-recovery", window, status, level, problem, detail=detail),)

"""Change windows on the clock: is a change in window now, and when does that change?

A screen's ``windows:`` are daily UTC windows (seed 001's pre-deployment check: "In
maintenance window (02:00-05:00)"). No provider is asked: the answer is the clock's, shown
in the services pane so a responder about to roll something back sees at once whether the
change is in window. The row is ok either way unless the screen says ``outside: warning``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cockpit.content.screen import MaintenanceWindow, Screen
from cockpit.sources.base import Source
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import Level, utcnow


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _span(minutes: float) -> str:
    minutes = int(minutes)
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def window_item(window: MaintenanceWindow, now: datetime) -> ServiceItem:
    """``open · closes in 1h12m`` or ``closed · opens in 20h30m``, from ``now`` (UTC)."""
    start, end = _minutes(window.start), _minutes(window.end)
    at = now.hour * 60 + now.minute + now.second / 60
    length = (end - start) % 1440 or 1440
    into = (at - start) % 1440
    span = f"{window.start}-{window.end} UTC"
    detail = {"window": span, "note": window.note} if window.note else {"window": span}
    if into < length:
        detail["open"] = True
        return ServiceItem("window", window.name, "UTC", f"open · closes in {_span(length - into)}", Level.OK,
                           detail=detail)
    detail["open"] = False
    level = Level.WARNING if window.outside == "warning" else Level.OK
    problem = f"outside the {span} window" if level != Level.OK else ""
    return ServiceItem("window", window.name, "UTC", f"closed · opens in {_span(1440 - into)}", level, problem,
                       detail=detail)


class WindowsSource(Source[ServiceItem]):
    """The screen's change windows against the clock; no provider calls."""

    name = "windows"

    def __init__(self, screen: Screen, *, clock: Callable[[], datetime] = utcnow, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self.windows = list(screen.windows)
        self.clock = clock

    async def fetch(self) -> tuple[ServiceItem, ...]:
        now = self.clock()
        return tuple(window_item(w, now) for w in self.windows)


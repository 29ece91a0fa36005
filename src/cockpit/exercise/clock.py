"""Scenario time for timeline events: "declared P1 within 5 minutes" is scenario minutes.

The scenario clock lives in the estate and can run fast (``--speed 60``), pause, and jump
(the facilitator's "next inject"). Timeline events carry wall-clock timestamps. So every
change of the clock is written to the timeline as a *checkpoint* (wall time, scenario
seconds, speed, paused), and a wall time maps to scenario time by extrapolating from the
last checkpoint before it. Because the checkpoints are in the timeline, a report computed
later from the database (or from a JSON export, on another machine) sees the same times.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Sequence
from typing import Any

from cockpit.timeline.model import parse_ts


@dataclass(frozen=True)
class Checkpoint:
    wall: float  # epoch seconds
    at: float  # scenario seconds
    speed: float
    paused: bool

    @classmethod
    def from_status(cls, status: dict[str, Any], wall: float | None = None) -> Checkpoint:
        return cls(time.time() if wall is None else wall, float(status["elapsed"]), float(status["speed"]),
                   bool(status["paused"]))

    def as_dict(self) -> dict[str, Any]:
        return {"wall": self.wall, "at": self.at, "speed": self.speed, "paused": self.paused}

    @classmethod
    def from_dict(cls, data: Any) -> Checkpoint | None:
        """The checkpoint an event recorded, or None when it is not one (a hand-edited or
        foreign import): a report then reads the checkpoints that are, never a traceback."""
        if not isinstance(data, dict):
            return None
        numbers = [data.get(k) for k in ("wall", "at", "speed")]
        if not all(isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers):
            return None
        if not isinstance(data.get("paused"), bool):
            return None
        wall, at, speed = (float(n) for n in numbers)  # type: ignore[arg-type]
        return cls(wall, at, speed, data["paused"])

    def predict(self, wall: float) -> float:
        return self.at if self.paused else self.at + (wall - self.wall) * self.speed


class ClockMap:
    """Wall time → scenario seconds, from checkpoints (kept sorted by wall time)."""

    def __init__(self, checkpoints: list[Checkpoint] | None = None) -> None:
        self.points: list[Checkpoint] = sorted(checkpoints or [], key=lambda c: c.wall)

    def add(self, point: Checkpoint) -> None:
        bisect.insort(self.points, point, key=lambda c: c.wall)

    @classmethod
    def from_events(cls, events: Sequence[Any]) -> ClockMap:
        """Every ``clock`` found in the exercise's own events (``data.exercise`` set)."""
        found = [Checkpoint.from_dict(e.data.get("clock")) for e in events
                 if isinstance(e.data, dict) and e.data.get("exercise")]
        return cls([point for point in found if point is not None])

    def at(self, wall: float) -> float:
        if not self.points:
            raise ValueError("no clock checkpoints: not an exercise timeline")
        i = bisect.bisect_right([c.wall for c in self.points], wall) - 1
        if i < 0:  # before the exercise started: extrapolate backwards, never below zero
            first = self.points[0]
            return max(0.0, first.at - (first.wall - wall) * (0 if first.paused else first.speed))
        return self.points[i].predict(wall)

    def at_ts(self, ts: str) -> float:
        """Scenario seconds of a timeline timestamp (ISO 8601)."""
        return self.at(parse_ts(ts).timestamp())


def incident_elapsed(incident: Any, events: Sequence[Any], now: datetime) -> timedelta:
    """How long ``incident`` has run at ``now``, by its own clock: the header's elapsed time
    and the escalation points (``timeline/escalation_log.py``) both read it.

    A drill or tabletop runs on the scenario clock (``--speed 30``: 15 scenario minutes pass
    in 30 s), so its elapsed time is scenario seconds between detection and now, mapped
    through the clock checkpoints the exercise wrote to the timeline. A real incident, or a
    rehearsal without checkpoints (declared by hand in a demo), runs on the wall clock."""
    wall = now - parse_ts(incident.detected_at)
    if incident.mode not in ("drill", "tabletop"):
        return wall
    clock = ClockMap.from_events(events)
    if not clock.points:
        return wall
    return timedelta(seconds=max(0.0, clock.at(now.timestamp()) - clock.at_ts(incident.detected_at)))


def update_due_in(incident: Any, events: Sequence[Any], now: datetime) -> timedelta | None:
    """How long until ``incident``'s next status update is due, by its own clock (negative:
    that late); None when no update is due.

    The due time is stored as wall time, the cadence (P1: every 30 min) added to when it was
    set. In a drill or tabletop the cadence is scenario minutes, as the elapsed time is: at
    ×30 a P1 owes its next update one wall minute after the last, not thirty. So the time
    left is the cadence less the scenario time passed since the event that set it (a status
    update, a severity change), or since the declaration."""
    if not incident.next_update_due:
        return None
    due = parse_ts(incident.next_update_due)
    if incident.mode not in ("drill", "tabletop"):
        return due - now
    clock = ClockMap.from_events(events)
    if not clock.points:
        return due - now
    set_at = next((e.ts for e in reversed(events)
                   if isinstance(e.data, dict) and e.data.get("next_update_due") == incident.next_update_due),
                  incident.declared_at)
    cadence = (due - parse_ts(set_at)).total_seconds()
    passed = clock.at(now.timestamp()) - clock.at_ts(set_at)
    return timedelta(seconds=cadence - passed)

"""Scenario time: real time times a speed factor, which a facilitator can pause and jump."""

from __future__ import annotations

import time


class ScenarioClock:
    """Scenario seconds elapsed. ``speed`` 60 plays a scenario minute per real second."""

    def __init__(self, speed: float = 1.0, *, monotonic=time.monotonic):
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        self._monotonic = monotonic
        self._speed = speed
        self._base = 0.0  # scenario seconds banked before the current running stretch
        self._since: float | None = monotonic()  # None while paused
        self.epoch = time.time()  # wall time at scenario 0: world time = epoch + now()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._since is None

    def now(self) -> float:
        if self._since is None:
            return self._base
        return self._base + (self._monotonic() - self._since) * self._speed

    def world_now(self) -> float:
        """World time in epoch seconds: what the estate stamps on datapoints, alarm transitions and events."""
        return self.epoch + self.now()

    def pause(self) -> None:
        if self._since is not None:
            self._base, self._since = self.now(), None

    def resume(self) -> None:
        if self._since is None:
            self._since = self._monotonic()

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be greater than 0")
        running = not self.paused
        self.pause()
        self._speed = speed
        if running:
            self.resume()

    def jump_to(self, scenario_seconds: float) -> None:
        """Move forward to ``scenario_seconds`` (never backward: what happened, happened)."""
        target = max(self.now(), scenario_seconds)
        running = not self.paused
        self._base, self._since = target, (self._monotonic() if running else None)

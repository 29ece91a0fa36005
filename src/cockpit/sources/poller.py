"""Refresh a source forever, one refresh at a time, backing off with jitter on failure.

The next refresh is scheduled only when the previous one has finished (as dolphie does), so
refreshes never pile up however slow the provider is. After a failure the delay grows
exponentially (``interval * 2**failures``, capped) with full jitter on the extra part, so a
fleet of cockpits does not hammer a recovering API in lockstep. ``cockpit status`` does not
need a poller: it calls :meth:`Source.refresh` once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

from cockpit.sources.base import Source
from cockpit.sources.snapshot import Snapshot

OnSnapshot = Callable[[Snapshot[Any]], Awaitable[None] | None]


def backoff_delay(interval: float, failures: int, *, cap: float = 60.0, rng: random.Random | None = None) -> float:
    """Delay before the next attempt: ``interval`` when healthy, else exponential with jitter.

    Never shorter than ``interval`` and never longer than ``max(cap, interval)``.
    """
    if failures <= 0:
        return interval
    ceiling = min(max(cap, interval), interval * 2 ** min(failures, 16))
    extra = ceiling - interval
    return interval + (rng or random).uniform(extra / 2, extra)


class Poller:
    """Drives one source: ``await poller.run()`` in a worker; ``refresh_now()`` from a key press."""

    def __init__(self, source: Source[Any], interval: float, on_snapshot: OnSnapshot, *,
                 max_backoff: float = 60.0, rng: random.Random | None = None) -> None:
        self.source = source
        self.interval = interval
        self.on_snapshot = on_snapshot
        self.max_backoff = max_backoff
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._running = asyncio.Event()
        self._running.set()
        self.refreshes = 0

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        """Stop refreshing after the current refresh (if any) ends."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()
        self._wake.set()

    def refresh_now(self) -> None:
        """Cut the current wait short. A refresh already in flight is not duplicated."""
        self._wake.set()

    def next_delay(self) -> float:
        return backoff_delay(self.interval, self.source.snapshot.failures, cap=self.max_backoff, rng=self._rng)

    async def run_once(self) -> Snapshot[Any]:
        snapshot = await self.source.refresh()
        self.refreshes += 1
        result = self.on_snapshot(snapshot)
        if asyncio.iscoroutine(result):
            await result
        return snapshot

    async def run(self) -> None:
        """Refresh, report, wait (interval or backoff), forever; cancel the task to stop."""
        while True:
            await self._running.wait()
            await self.run_once()
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.next_delay())
            except TimeoutError:
                pass

"""An asyncio face on the timeline, for the UI and the engine.

SQLite calls block (an fsync per commit, a wait for another cockpit's write lock), and
nothing may block the event loop. So every call runs on one dedicated thread that owns the
connection: calls are serialised in order, and the loop only awaits.

A live timeline pane polls like this (cheap: ``changed`` reads one pragma and a counter;
it is true after any commit, this connection's own writes included)::

    async with AsyncTimeline(path, actor) as tl:
        seq = 0
        while True:
            if await tl.changed():
                for event in await tl.events_after(seq, incident_id):
                    show(event); seq = event.seq
            await asyncio.sleep(0.25)
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from cockpit.timeline.lifecycle import Timeline
from cockpit.timeline.model import Event, Incident

P = ParamSpec("P")
T = TypeVar("T")


class AsyncTimeline:
    def __init__(self, path: Path | str, actor: str | None = None, **kwargs: Any) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="timeline")
        self._args = (path, actor, kwargs)
        self._tl: Timeline | None = None

    async def open(self) -> AsyncTimeline:
        path, actor, kwargs = self._args
        self._tl = await self._run(lambda: Timeline(path, actor, **kwargs))
        return self

    async def close(self) -> None:
        if self._tl is not None:
            await self._run(self._tl.close)
            self._tl = None
        self._executor.shutdown(wait=True)

    async def __aenter__(self) -> AsyncTimeline:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    @property
    def sync(self) -> Timeline:
        """The underlying Timeline; only call it through :meth:`call`."""
        if self._tl is None:
            raise RuntimeError("AsyncTimeline is not open")
        return self._tl

    async def call(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any Timeline method on the timeline thread: ``await tl.call(tl.sync.note, id, "x")``."""
        return await self._run(functools.partial(method, *args, **kwargs))

    # The calls a UI makes most, typed for convenience.
    async def changed(self) -> bool:
        return await self._run(self.sync.changed)

    async def events_after(self, after_seq: int = 0, incident_id: str | None = None, limit: int = 1000) -> list[Event]:
        return await self._run(lambda: self.sync.events_after(after_seq, incident_id, limit))

    async def incident(self, incident_id: str) -> Incident:
        return await self._run(lambda: self.sync.incident(incident_id))

    async def open_incidents(self) -> list[Incident]:
        return await self._run(self.sync.open_incidents)

    async def declare(self, title: str, level: str, **kwargs: Any) -> Incident:
        return await self._run(lambda: self.sync.declare(title, level, **kwargs))

    async def note(self, incident_id: str, text: str) -> Event:
        return await self._run(lambda: self.sync.note(incident_id, text))

    async def set_severity(self, incident_id: str, level: str, reason: str | None = None) -> Event:
        return await self._run(lambda: self.sync.set_severity(incident_id, level, reason))

    async def resolve(self, incident_id: str, text: str = "Resolved") -> Event:
        return await self._run(lambda: self.sync.resolve(incident_id, text))

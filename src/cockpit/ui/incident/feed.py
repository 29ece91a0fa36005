"""The current incident, kept up to date from the shared timeline file: one feed per app.

Why one feed and not one poll per widget: ``changed()`` reads ``PRAGMA data_version`` on
the AsyncTimeline's single connection and *consumes* the change — if the pane and the
header both asked, one of them would miss it. So exactly one loop asks (the TimelinePane
runs it as its worker), and everyone who shows the incident subscribes to the feed's
signal and receives an immutable :class:`FeedUpdate`.

Which incident is "current": the one the responder pinned (the picker on the timeline
screen), else the most recently declared open incident in the file that the feed's
:class:`Follows` rule accepts — several cockpits on one host share the file, so a
colleague's ``declare`` shows up here within a second. The rule is what keeps rehearsals
apart: a cockpit on the real estate follows real incidents only (a drill or tabletop
declared in the same file never becomes its current incident), and a demo or exercise
follows only what was declared since it started (its estate is new each time, so an open
incident left by an earlier demo describes a world that no longer exists). Anything can
still be pinned on purpose.

Every commit wakes the feed, this app's own included: ``changed()`` pairs SQLite's
``data_version`` (other connections' commits) with the connection's ``total_changes`` (its
own), so a guided run's steps and the logged alarm transitions, written through the app's
one connection, appear without anyone calling :meth:`IncidentFeed.refresh`. The incident
actions still call it after a write, only so their result shows before the next poll.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from textual.dom import DOMNode
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from cockpit.textsafe import sanitize
from cockpit.timeline.model import Event, Incident, TimelineError, parse_ts

if TYPE_CHECKING:  # the store is imported by load_store(), after the first frame
    from cockpit.timeline.aio import AsyncTimeline

#: Seconds between two ``changed()`` checks: events from other cockpits appear within ~0.25 s.
POLL_INTERVAL = 0.25
#: Longest wait between attempts while the file cannot be read.
MAX_BACKOFF = 5.0


async def load_store() -> None:
    """Import the timeline store on a thread: it loads sqlite-utils, click and pluggy, whose
    import would freeze the keyboard on the event loop and is not needed for the first frame.
    A no-op once imported."""
    await asyncio.to_thread(import_module, "cockpit.timeline.aio")


@dataclass(frozen=True)
class Follows:
    """Which open incidents the feed may adopt as current without being pinned."""

    #: The modes followed (None: every mode).
    modes: frozenset[str] | None = None
    #: Only incidents declared at or after this instant (None: any time).
    since: datetime | None = None

    def __call__(self, incident: Incident) -> bool:
        if self.modes is not None and incident.mode not in self.modes:
            return False
        return self.since is None or parse_ts(incident.declared_at) >= self.since

    @classmethod
    def real(cls) -> Follows:
        """The cockpit on the real estate: real incidents, whenever declared."""
        return cls(modes=frozenset({"incident"}))

    @classmethod
    def rehearsal(cls, started: datetime) -> Follows:
        """A demo or exercise: any mode, declared since this session ``started``."""
        # declared_at is stored to the millisecond: compare at that precision
        return cls(since=started.replace(microsecond=started.microsecond // 1000 * 1000))


@dataclass(frozen=True)
class FeedUpdate:
    """What the feed knows after one poll; widgets redraw from it alone."""

    #: The current incident (None: no open incident and none pinned).
    incident: Incident | None
    #: Every event of the current incident, in timeline order (``Event.place``).
    events: tuple[Event, ...]
    #: The events that arrived with this update (all of them when ``reset``).
    new_events: tuple[Event, ...]
    #: True when the current incident changed, or an event arrived that sorts before the last
    #: shown: widgets start over from ``events``.
    reset: bool
    #: Open incidents, newest first (for the picker).
    open_incidents: tuple[Incident, ...] = ()
    #: Whether the current incident was pinned by the responder rather than followed.
    pinned: bool = False
    #: Why the last poll failed (the file is unreadable…); the last good data is kept.
    error: str | None = None


@dataclass
class IncidentFeed:
    """Polls the timeline and publishes :class:`FeedUpdate` on :attr:`signal`.

    ``timeline`` is awaited for an open AsyncTimeline (the app's, opened lazily)."""

    owner: DOMNode
    timeline: Callable[[], Awaitable[AsyncTimeline]]
    #: Which open incidents are followed when none is pinned (default: any).
    follows: Follows = field(default_factory=Follows)
    #: Published after every poll that found something, and after our own writes.
    signal: Signal[FeedUpdate] = field(init=False)
    #: The latest update (widgets mounted later start from it).
    latest: FeedUpdate = field(init=False)
    #: The incident this cockpit showed last, kept after it is resolved (no longer current):
    #: what a responder exports or reviews right after resolving.
    last_shown: Incident | None = None
    _pinned: str | None = None
    _last_seq: int = 0
    _started: bool = False
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _worker: Worker[None] | None = None

    def __post_init__(self) -> None:
        self.signal = Signal(self.owner, "incident-feed")
        self.latest = FeedUpdate(None, (), (), True)

    # -- who shows what --------------------------------------------------------------------
    def subscribe(self, node: DOMNode, callback: Callable[[FeedUpdate], object]) -> None:
        """Call ``callback`` (on ``node``'s message loop) with every update, starting now."""
        self.signal.subscribe(node, callback)
        node.call_next(callback, replace(self.latest, new_events=self.latest.events, reset=True))

    @property
    def incident(self) -> Incident | None:
        return self.latest.incident

    async def pin(self, incident_id: str | None) -> FeedUpdate:
        """Show ``incident_id`` whatever else is open; None: follow the newest open one."""
        self._pinned = incident_id.strip().upper() if incident_id else None
        return await self.refresh()

    async def declared(self, incident: Incident) -> FeedUpdate:
        """Show an incident this cockpit has just declared: followed like any other, or pinned
        when the rule would pass it over (a drill declared on the real estate is shown here,
        where someone asked for it, and in no other cockpit)."""
        return await self.pin(None if self.follows(incident) else incident.id)

    # -- polling ---------------------------------------------------------------------------
    async def refresh(self) -> FeedUpdate:
        """Poll now, changed or not: after a write of ours, to show it before the next poll."""
        return await self.poll(force=True)

    async def poll(self, force: bool = False) -> FeedUpdate | None:
        """One poll; publishes and returns the update, or None when nothing changed."""
        async with self._lock:
            tl = await self.timeline()
            if not await tl.changed() and not force and self._started:
                return None
            update = await self._fetch(tl)
            self._started = True
            self.latest = update
            if update.incident is not None:
                self.last_shown = update.incident
        self.signal.publish(update)
        return update

    async def _fetch(self, tl: AsyncTimeline) -> FeedUpdate:
        """One poll, every incident and event made safe to show (:func:`_shown`): this feed is
        the one way the timeline reaches the incident widgets, so no escape sequence a title
        or note carries (OSC 52, CSI…) is ever painted; the file keeps the text as written."""
        update = await self._fetch_raw(tl)
        return dataclasses.replace(
            update, incident=_shown(update.incident), open_incidents=tuple(map(_shown, update.open_incidents)),
            events=update.events[:len(update.events) - len(update.new_events)] + tuple(map(_shown, update.new_events))
            if not update.reset else tuple(map(_shown, update.events)),
            new_events=tuple(map(_shown, update.new_events)))

    async def _fetch_raw(self, tl: AsyncTimeline) -> FeedUpdate:
        before = self.latest
        if not self._started:
            # Start from the end of the file: only the current incident's past matters.
            self._last_seq = await tl.call(tl.sync.last_seq)
            fresh: list[Event] = []
        else:
            fresh = await self._events_since(tl)
        open_ = tuple(await tl.open_incidents())
        current = await self._current(tl, open_)
        if current is None:
            return FeedUpdate(None, (), (), before.incident is not None or not self._started, open_,
                              self._pinned is not None)
        if before.incident is None or before.incident.id != current.id or not self._started:
            events = tuple(await tl.call(tl.sync.events, current.id))
            return FeedUpdate(current, events, events, True, open_, self._pinned is not None)
        # Same incident: append what is new. ``events`` may already hold some of these
        # (read after ``last_seq``), hence the comparison on seq (the largest shown: events
        # are in timeline order, not seq order).
        last = max((e.seq for e in before.events), default=0)
        new = tuple(e for e in fresh if e.incident_id == current.id and e.seq > last)
        if new and before.events and min(e.place for e in new) < before.events[-1].place:
            # One arrived that sorts before what is shown (an import, or a host's backlog):
            # the incident is read again in its order rather than the event shown last.
            events = tuple(await tl.call(tl.sync.events, current.id))
            return FeedUpdate(current, events, events, True, open_, self._pinned is not None)
        return FeedUpdate(current, before.events + new, new, False, open_, self._pinned is not None)

    async def _events_since(self, tl: AsyncTimeline) -> list[Event]:
        fresh: list[Event] = []
        while True:
            batch = await tl.events_after(self._last_seq, None, 1000)
            fresh += batch
            if batch:
                self._last_seq = batch[-1].seq
            if len(batch) < 1000:
                return fresh

    async def _current(self, tl: AsyncTimeline, open_: tuple[Incident, ...]) -> Incident | None:
        if self._pinned is not None:
            try:
                return await tl.incident(self._pinned)
            except TimelineError:
                self._pinned = None  # gone (another file?): follow the newest again
        return next((incident for incident in open_ if self.follows(incident)), None)

    def ensure_running(self, node: DOMNode) -> Worker[None]:
        """Start the poll loop as a worker of ``node`` unless one is already running."""
        if self._worker is None or self._worker.state not in (WorkerState.PENDING, WorkerState.RUNNING):
            self._worker = node.run_worker(self.run(), name="incident-feed", group="incident-feed",
                                           exclusive=True, exit_on_error=False,
                                           description="poll the incident timeline")
        return self._worker

    async def run(self) -> None:
        """Poll forever (the TimelinePane's worker). Errors are shown, backed off, retried."""
        await load_store()
        backoff = POLL_INTERVAL
        while True:
            try:
                await self.poll()
            except (sqlite3.Error, TimelineError, OSError) as exc:
                self.latest = FeedUpdate(self.latest.incident, self.latest.events, (), False,
                                         self.latest.open_incidents, self.latest.pinned, f"timeline: {exc}")
                self.signal.publish(self.latest)
                backoff = min(MAX_BACKOFF, backoff * 2)
            else:
                if self.latest.error is not None:
                    self.latest = FeedUpdate(self.latest.incident, self.latest.events, (), False,
                                             self.latest.open_incidents, self.latest.pinned, None)
                    self.signal.publish(self.latest)
                backoff = POLL_INTERVAL
            await asyncio.sleep(backoff)


_SHOWN_FIELDS = ("title", "commander", "scribe", "communications", "actor", "message")


def _shown(item: Any) -> Any:
    """An incident or event with its free-text fields passed through :func:`sanitize`."""
    if item is None:
        return None
    changes = {f: sanitize(getattr(item, f)) for f in _SHOWN_FIELDS
               if isinstance(getattr(item, f, None), str) and sanitize(getattr(item, f)) != getattr(item, f)}
    return dataclasses.replace(item, **changes) if changes else item

"""Where the incident widgets find the app's timeline and its one feed.

The widgets are dropped into an app someone else owns, so they ask the app for what they
need instead of being handed it: ``app.timeline`` (an :class:`AsyncTimeline`, or a
zero-argument factory returning one) and ``app.config`` (db path and actor, used when the
app has no ``timeline``). The timeline is opened on first use, once, whoever asks first;
the feed is created once per app, so every widget sees the same current incident.

The timeline store is imported on a thread (``load_store``) the first time the timeline is
opened, never on the event loop nor before the first frame: the header and the pane show
"no incident" until the feed's first poll anyway.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual.app import App

from cockpit.timeline.model import utc_now
from cockpit.ui.incident.feed import Follows, IncidentFeed, load_store

if TYPE_CHECKING:
    from cockpit.timeline.aio import AsyncTimeline

_TL = "_cockpit_incident_timeline"
_FEED = "_cockpit_incident_feed"
_LOCK = "_cockpit_incident_lock"


def _make(app: App[Any]) -> AsyncTimeline:
    from cockpit.timeline.aio import AsyncTimeline

    given = getattr(app, "timeline", None)
    if isinstance(given, AsyncTimeline):
        return given
    if callable(given):
        return given()
    config = app.config  # type: ignore[attr-defined]
    return AsyncTimeline(config.db, config.actor, secrets=[getattr(config, "webhook_url", None) or ""])


def _is_open(tl: AsyncTimeline) -> bool:
    try:
        tl.sync
    except RuntimeError:
        return False
    return True


async def timeline_of(app: App[Any]) -> AsyncTimeline:
    """The app's AsyncTimeline, opened (on the timeline thread) the first time it is asked."""
    tl: AsyncTimeline | None = getattr(app, _TL, None)
    if tl is not None and _is_open(tl):
        return tl
    lock: asyncio.Lock = app.__dict__.setdefault(_LOCK, asyncio.Lock())
    async with lock:
        tl = getattr(app, _TL, None)
        if tl is None:
            await load_store()
            tl = _make(app)
            setattr(app, _TL, tl)
        if not _is_open(tl):
            await tl.open()
    return tl


def follows(app: App[Any]) -> Follows:
    """What the app's feed adopts as current: an app on an emulated estate or running an
    exercise (``app.estate`` / ``app.exercise_setup``: ``cockpit demo``, ``cockpit exercise``) is a rehearsal and follows only what was
    declared since it started; any other follows real incidents only (feed.py says why)."""
    if getattr(app, "estate", None) is not None or getattr(app, "exercise_setup", None) is not None:
        return Follows.rehearsal(utc_now())
    return Follows.real()


def feed_of(app: App[Any]) -> IncidentFeed:
    """The app's one IncidentFeed (see feed.py for why there is only one)."""
    feed: IncidentFeed | None = getattr(app, _FEED, None)
    if feed is None:
        feed = IncidentFeed(app, lambda: timeline_of(app), follows(app))
        setattr(app, _FEED, feed)
    return feed


async def close_timeline(app: App[Any]) -> None:
    """Close the timeline if this module opened it (call when the app shuts down)."""
    tl: AsyncTimeline | None = getattr(app, _TL, None)
    if tl is not None and _is_open(tl):
        await tl.close()

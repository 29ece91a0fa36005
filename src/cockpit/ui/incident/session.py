"""Where the incident widgets find the app's timeline and its one feed.

The widgets are dropped into an app someone else owns, so they ask the app's
:class:`~cockpit.ui.session.Session` for what they need instead of being handed it: its
``given_timeline`` (an :class:`AsyncTimeline`, or a zero-argument factory returning one) and
its ``config`` (db path and actor, used when no timeline is given). The timeline is opened on
first use, once, whoever asks first; the feed is created once per app, so every widget sees
the same current incident.

The timeline store is imported on a thread (``load_store``) the first time the timeline is
opened, never on the event loop nor before the first frame: the header and the pane show
"no incident" until the feed's first poll anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App

from cockpit.timeline.model import utc_now
from cockpit.ui.incident.feed import Follows, IncidentFeed, load_store
from cockpit.ui.session import Session, session_of

if TYPE_CHECKING:
    from cockpit.timeline.aio import AsyncTimeline

def _make(session: Session) -> AsyncTimeline:
    from cockpit.timeline.aio import AsyncTimeline

    given = session.given_timeline
    if isinstance(given, AsyncTimeline):
        return given
    if callable(given):
        return given()
    config = session.config
    return AsyncTimeline(config.db, config.actor, secrets=[config.webhook_url or ""])


def _is_open(tl: AsyncTimeline) -> bool:
    try:
        tl.sync
    except RuntimeError:
        return False
    return True


async def timeline_of(app: App[Any]) -> AsyncTimeline:
    """The app's AsyncTimeline, opened (on the timeline thread) the first time it is asked."""
    session = session_of(app)
    tl = session.timeline
    if tl is not None and _is_open(tl):
        return tl
    async with session.timeline_lock:
        tl = session.timeline
        if tl is None:
            await load_store()
            tl = session.timeline = _make(session)
        if not _is_open(tl):
            await tl.open()
    return tl


def follows(app: App[Any]) -> Follows:
    """What the app's feed adopts as current: a rehearsal (an emulated estate or an exercise:
    ``cockpit demo``, ``cockpit exercise``) follows only what was declared since it started;
    any other cockpit follows real incidents only (feed.py says why)."""
    return Follows.rehearsal(utc_now()) if session_of(app).rehearsal else Follows.real()


def feed_of(app: App[Any]) -> IncidentFeed:
    """The app's one IncidentFeed (see feed.py for why there is only one)."""
    session = session_of(app)
    if session.feed is None:
        session.feed = IncidentFeed(app, lambda: timeline_of(app), follows(app))
    return session.feed


async def close_timeline(app: App[Any]) -> None:
    """Close the timeline if this module opened it (call when the app shuts down)."""
    tl = session_of(app).timeline
    if tl is not None and _is_open(tl):
        await tl.close()

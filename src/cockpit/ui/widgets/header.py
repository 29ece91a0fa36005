"""The cockpit's one-line header: screen, incident slot, polling state, session badge, UTC clock.

The clock is UTC because incident timelines are: a responder in Berlin and one in Austin
read the same time. ``#incident-slot`` is empty until the incident UI fills it
(:meth:`CockpitHeader.show_incident`).

:class:`SessionBadge` says what kind of session this is — READ-ONLY, and in a demo or an
exercise the rehearsal's own timeline file — on every full screen (the cockpit's header,
the timeline screen; the guided run's title carries its READ-ONLY policy label). It reads
the app each time a screen is built, so a screen switched to with ``g`` wears it too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.app import App
from textual.widgets import Static

from cockpit.sources.snapshot import utcnow
from cockpit.ui.session import session_of


def session_badge(app: App[object]) -> str:
    """``READ-ONLY`` when nothing that writes may execute; ``timeline demo.db`` (the file's
    name) when the app runs on an emulated estate, whose incidents live in their own file."""
    session = session_of(app)
    parts = []
    if session.read_only:
        parts.append("READ-ONLY")
    if session.rehearsal and session.config.db is not None:
        parts.append(f"timeline {Path(session.config.db).name}")
    return " · ".join(parts)


class SessionBadge(Static):
    """The session's standing: see :func:`session_badge`; hidden when there is nothing to say."""

    DEFAULT_CSS = """
    SessionBadge { width: auto; max-width: 32; text-wrap: nowrap; text-overflow: ellipsis;
                   text-style: bold reverse; margin: 0 1 0 0; }
    """

    def on_mount(self) -> None:
        text = session_badge(self.app)
        self.update(text)
        self.display = bool(text)


class CockpitHeader(Horizontal):
    """Screen title on the left, the incident in the middle, state and clock on the right."""

    def __init__(self, title: str, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = title
        #: Gives "now"; frozen in snapshot images.
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="header-title")
        yield Static("", id="incident-slot")
        yield Static("", id="poll-state")
        yield SessionBadge(id="session-badge")
        yield Static(self._clock_text(), id="clock")

    def _clock_text(self) -> str:
        return self.clock().strftime("%H:%M:%SZ")

    def tick(self) -> None:
        # Same width every second: no layout pass (which would repaint the whole screen).
        self.query_one("#clock", Static).update(self._clock_text(), layout=False)

    def show_paused(self, paused: bool) -> None:
        state = self.query_one("#poll-state", Static)
        state.update("PAUSED" if paused else "")
        state.set_class(paused, "-paused")

    def show_incident(self, text: str) -> None:
        """For the incident UI: what to show in the header's incident slot ("" hides it)."""
        self.query_one("#incident-slot", Static).update(text)

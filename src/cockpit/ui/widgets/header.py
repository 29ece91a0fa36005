"""The cockpit's one-line header: screen, incident slot, polling state, UTC clock.

The clock is UTC because incident timelines are: a responder in Berlin and one in Austin
read the same time. ``#incident-slot`` is empty until the incident UI fills it
(:meth:`CockpitHeader.show_incident`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from cockpit.sources.snapshot import utcnow


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

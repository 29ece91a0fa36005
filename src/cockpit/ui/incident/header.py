"""The incident header: what incident this is, how long it has run, and what is overdue.

Two lines (three when the alerts need room: they wrap rather than being cut off),
redrawn from the feed and once a second for the clock. The mode wears a reversed banner
(DRILL / TABLETOP) and the widget a ``-drill``/``-tabletop`` class, so a rehearsal is
never mistaken for the real thing; ``-alert`` is set while the escalation prompt or the
status-update reminder is showing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from cockpit.timeline.model import utc_now
from cockpit.ui.incident.feed import FeedUpdate
from cockpit.ui.incident.session import feed_of
from cockpit.ui.incident.text import NO_INCIDENT, clock_line, title_line

if TYPE_CHECKING:
    from cockpit.timeline.model import Incident


class IncidentHeader(Vertical, can_focus=False):
    """Incident id, severity, mode, title; elapsed, response target, escalation, updates due."""

    DEFAULT_CSS = """
    IncidentHeader { height: auto; max-height: 3; padding: 0 1; background: $panel; }
    IncidentHeader > Static { height: auto; }
    IncidentHeader > .incident-title { height: 1; }
    IncidentHeader.-none { color: $text-muted; }
    IncidentHeader.-drill, IncidentHeader.-tabletop { background: $warning 30%; }
    IncidentHeader.-alert { background: $error 40%; }
    """

    def __init__(self, *, clock: Callable[[], datetime] = utc_now, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: Gives "now" (tests move it forward).
        self.clock = clock
        #: The incident shown (None: none open).
        self.incident: Incident | None = None
        #: Whether the escalation prompt or the update reminder is showing.
        self.alert = False
        #: The title and clock lines last drawn (None, None: "no incident"; redrawn only on a change).
        self._drawn: tuple[object, object] = ("", "")

    def compose(self) -> ComposeResult:
        yield Static(NO_INCIDENT, classes="incident-title")
        yield Static("", classes="incident-clock")

    def on_mount(self) -> None:
        feed_of(self.app).subscribe(self, self.show)
        self.set_interval(1.0, self.tick)

    def show(self, update: FeedUpdate) -> None:
        self.incident = update.incident
        self.tick()

    @property
    def text(self) -> str:
        """Both lines as plain text (what a screen reader or a test reads)."""
        return "\n".join(str(s.render()) for s in self.query(Static))

    def tick(self) -> None:
        """Redraw; the clock line changes every second."""
        incident = self.incident
        title = self.query_one(".incident-title", Static)
        clock = self.query_one(".incident-clock", Static)
        for mode in ("drill", "tabletop"):
            self.set_class(incident is not None and incident.mode == mode, f"-{mode}")
        self.set_class(incident is None, "-none")
        if incident is None:
            self.alert = False
            self.set_class(False, "-alert")
            if self._drawn != (None, None):  # once: each update asks for a layout of the screen
                self._drawn = (None, None)
                title.update(Text(NO_INCIDENT))
                clock.update("")
                clock.display = False
            return
        line, self.alert = clock_line(incident, self.clock())
        self.set_class(self.alert, "-alert")
        heading = title_line(incident, self.clock())
        heading.no_wrap, heading.overflow = True, "ellipsis"
        if self._drawn[0] != heading:
            title.update(heading, layout=False)  # one line, always: no layout pass every second
        if self._drawn[1] != line:
            clock.update(line)  # may wrap to two lines: a layout pass, only when it changed
        self._drawn = (heading, line)
        clock.display = True

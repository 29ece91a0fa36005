"""The incident header: what incident this is, how long it has run, and what is overdue.

Two lines (three when the alerts need room: they wrap rather than being cut off),
redrawn from the feed and once a second for the clock. The mode wears a reversed banner
(DRILL / TABLETOP) and the widget a ``-drill``/``-tabletop`` class, so a rehearsal is
never mistaken for the real thing; ``-alert`` is set while the escalation prompt or the
status-update reminder is showing.

The header is also where the escalation reminders are driven from (``reminders.py``): it
holds the incident, its events and the incident's clock (``exercise.clock.incident_elapsed``:
the scenario clock in a drill), ticks every second, and sits on the cockpit's base screen, so
the reminder reads the same elapsed time the responder reads, even under a dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker

from cockpit.exercise.clock import incident_elapsed
from cockpit.timeline.escalation_log import owed
from cockpit.timeline.model import utc_now
from cockpit.ui.failures import forward_failure
from cockpit.ui.incident.feed import FeedUpdate
from cockpit.ui.incident.reminders import reminders_of
from cockpit.ui.incident.session import feed_of
from cockpit.ui.incident.sharing import ShareSynced, share_configured, start_sharing
from cockpit.ui.incident.text import NO_INCIDENT, clock_line, shapes_clock_line, title_line

if TYPE_CHECKING:
    from cockpit.timeline.model import Event, Incident


class IncidentHeader(Vertical, can_focus=False):
    """Incident id, severity, mode, title; elapsed, response target, escalation, updates due."""

    DEFAULT_CSS = """
    IncidentHeader { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    IncidentHeader > .incident-share { height: 1; color: $text-muted; }
    IncidentHeader > .incident-share.-offline { color: $error; }
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
        #: The incident shown (None: none open), and its events (the clock checkpoints of a
        #: drill, the escalations recorded).
        self.incident: Incident | None = None
        #: Only the events the clock and the escalations read (escalated, escalation_due, the
        #: exercise's clock checkpoints), kept incrementally: the header ticks every second,
        #: and an incident may hold thousands of alarm and step events.
        self.events: tuple[Event, ...] = ()
        #: Its elapsed time at the last tick, by its own clock.
        self.elapsed = timedelta(0)
        #: The contacts owed an escalation at the last tick (the footer offers ``P`` while any is).
        self._owing: tuple[str, ...] = ()
        #: Whether the escalation prompt or the update reminder is showing.
        self.alert = False
        #: The title and clock lines last drawn (None, None: "no incident"; redrawn only on a change).
        self._drawn: tuple[object, object] = ("", "")

    def compose(self) -> ComposeResult:
        yield Static(NO_INCIDENT, classes="incident-title")
        yield Static("", classes="incident-clock")
        yield Static("", classes="incident-share")

    def on_mount(self) -> None:
        feed_of(self.app).subscribe(self, self.show)
        self.set_interval(1.0, self.tick)
        share = self.query_one(".incident-share", Static)
        share.display = share_configured(self)
        if share.display:
            share.update("share: connecting…")
            start_sharing(self, lambda: (self.incident.id,) if self.incident is not None else ())

    def on_share_synced(self, message: ShareSynced) -> None:
        """A round with the share ended: its state, and what waits to leave."""
        share = self.query_one(".incident-share", Static)
        share.set_class(message.outcome.error is not None, "-offline")
        shown = self.incident.id if self.incident is not None else None
        share.update(Text(message.outcome.short(shown) if message.outcome.error is None
                          else f"{message.outcome.short(shown)} · {message.outcome.why()}", no_wrap=True,
                          overflow="ellipsis"))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The share worker's failure (the file unusable) goes to the App, which says it."""
        forward_failure(self, event)

    def show(self, update: FeedUpdate) -> None:
        fresh = tuple(e for e in (update.events if update.reset else update.new_events) if shapes_clock_line(e))
        self.incident, self.events = update.incident, fresh if update.reset else self.events + fresh
        reminders_of(self.app).arrived(update)
        self.tick()

    @property
    def text(self) -> str:
        """Both lines as plain text (what a screen reader or a test reads)."""
        lines = [str(self.query_one(f".incident-{which}", Static).render()) for which in ("title", "clock")]
        share = self.query_one(".incident-share", Static)
        return "\n".join(lines + ([str(share.render())] if share.display else []))

    def tick(self) -> None:
        """Redraw; the clock line changes every second."""
        incident = self.incident
        title = self.query_one(".incident-title", Static)
        clock = self.query_one(".incident-clock", Static)
        for mode in ("drill", "tabletop"):
            self.set_class(incident is not None and incident.mode == mode, f"-{mode}")
        self.set_class(incident is None, "-none")
        if incident is None:
            reminders_of(self.app).check(None, (), timedelta(0))
            self.alert = False
            self.set_class(False, "-alert")
            if self._drawn != (None, None):  # once: each update asks for a layout of the screen
                self._drawn = (None, None)
                title.update(Text(NO_INCIDENT))
                clock.update("")
                clock.display = False
            return
        now = self.clock()
        self.elapsed = elapsed = incident_elapsed(incident, self.events, now)
        reminders_of(self.app).check(incident, self.events, elapsed)
        owing = tuple(p.to for p in owed(incident, self.events, elapsed))
        if owing != self._owing:  # ``P`` (record who was paged) matters now, or no longer
            self._owing = owing
            self.screen.refresh_bindings()
        line, self.alert = clock_line(incident, now, elapsed, self.events)
        self.set_class(self.alert, "-alert")
        heading = title_line(incident, now, elapsed)
        heading.no_wrap, heading.overflow = True, "ellipsis"
        if self._drawn[0] != heading:
            title.update(heading, layout=False)  # one line, always: no layout pass every second
        if self._drawn[1] != line:
            clock.update(line)  # may wrap to two lines: a layout pass, only when it changed
        self._drawn = (heading, line)
        clock.display = True

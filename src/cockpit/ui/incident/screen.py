"""The full timeline screen: every event of the current incident, filtered, and its summary.

Filters combine: a kind (``k`` cycles through the kinds present), an actor (``a`` cycles
through the responders present) and the filter field (``/`` or ``f``), whose words match
the message, and where ``kind:note`` or ``actor:alice`` narrow further. ``c`` clears them.
``i`` switches the current incident (the picker also offers "follow the newest").
The screen redraws from the same feed as the pane, so it is live too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from cockpit.exercise.clock import incident_elapsed
from cockpit.timeline.model import Event, Incident, TimelineError, utc_now
from cockpit.ui.failures import forward_failure
from cockpit.ui.incident.feed import FeedUpdate
from cockpit.ui.incident.form import FormDialog
from cockpit.ui.incident.pane import COLUMNS, append_events
from cockpit.ui.incident.session import feed_of, timeline_of
from cockpit.ui.incident.text import event_detail, shapes_clock_line, summary
from cockpit.ui.widgets.header import SessionBadge

#: The picker's value for "follow the newest open incident".
FOLLOW = ""


@dataclass(frozen=True)
class EventFilter:
    """Which events the screen shows; every part must match."""

    kind: str | None = None
    actor: str | None = None
    text: str = ""

    def matches(self, event: Event) -> bool:
        if self.kind is not None and event.kind != self.kind:
            return False
        if self.actor is not None and event.actor != self.actor:
            return False
        for word in self.text.lower().split():
            key, _, value = word.partition(":")
            if value and key == "kind":
                if value not in event.kind.lower():
                    return False
            elif value and key == "actor":
                if value not in event.actor.lower():
                    return False
            elif word not in event.message.lower():
                return False
        return True

    def describe(self) -> str:
        parts = [f"kind={self.kind or 'all'}", f"actor={self.actor or 'all'}"]
        if self.text.strip():
            parts.append(f"text={self.text.strip()!r}")
        return " · ".join(parts)


def cycle(values: list[str], current: str | None) -> str | None:
    """The next value after ``current`` (None = all, which comes first and after the last)."""
    if not values:
        return None
    if current not in values:
        return values[0]
    index = values.index(current) + 1
    return values[index] if index < len(values) else None


class IncidentPicker(FormDialog[str]):
    """Choose the current incident; returns its id, or FOLLOW for the newest open one."""

    TITLE = "Which incident?"
    VERB = "switch"

    def __init__(self, incidents: list[Incident], current: str | None) -> None:
        super().__init__()
        self.incidents = incidents
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option("follow the newest open incident", id="follow")]
        for incident in self.incidents:
            text = Text(f"{incident.id} {incident.severity} ")
            if incident.mode != "incident":
                text.append(incident.mode.upper(), style="reverse")
                text.append(" ")
            text.append(f"{incident.status:<8} {incident.title}")
            options.append(Option(text, id=incident.id))
        with Vertical(classes="dialog"):
            yield OptionList(*options, id="incidents", compact=True)
            yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        picker = self.query_one(OptionList)
        if self.current:
            try:
                picker.highlighted = picker.get_option_index(self.current)
            except Exception:  # noqa: BLE001 - OptionDoesNotExist; not worth importing its private home
                picker.highlighted = 0
        else:
            picker.highlighted = 0
        picker.focus()

    def submit(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        if option is None:
            self.refuse("pick an incident with ↑/↓")
            return
        self.dismiss(FOLLOW if option.id == "follow" else str(option.id))


#: The timeline screen with no incident: what its keys do here (``i`` picks an incident, it
#: does not declare one as on the cockpit), within 80 columns beside the session badge.
NO_INCIDENT_HERE = "no incident · i: pick one · esc: cockpit, where i declares"


class TimelineTable(DataTable):
    """The events, one a row: Home and End go to the first and the newest event, as in a pager
    (a DataTable's own go to its first and last column; End scrolled to the tail of the
    longest message and left every row looking blank)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First event", show=False),
        Binding("end", "scroll_bottom", "Newest event", show=False),
    ]


class TimelineScreen(Screen[None]):
    """The current incident's whole timeline, with filters and the incident summary."""

    CSS_PATH = "incident.tcss"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("k", "cycle_kind", "Kind"),
        Binding("a", "cycle_actor", "Actor"),
        Binding("slash,f", "focus_filter", "Filter"),
        Binding("c", "clear_filters", "Clear"),
        Binding("i", "pick_incident", "Incident"),
    ]

    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.clock = clock
        #: What is shown; every change redraws the table.
        self.filter = EventFilter()
        #: The latest update from the feed.
        self.update: FeedUpdate | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="timeline-top"):
            yield Static(NO_INCIDENT_HERE, id="incident-summary")
            yield SessionBadge(id="session-badge")
        yield Input(placeholder="/ filter: words in the message, kind:note, actor:alice", id="timeline-filter",
                    compact=True)
        yield Static("", id="timeline-filter-state")
        table: DataTable = TimelineTable(cursor_type="row", id="timeline-table")
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Static("", id="timeline-detail")
        yield Footer()

    def on_mount(self) -> None:
        feed_of(self.app).subscribe(self, self.show)
        self.set_interval(1.0, self._tick)
        self.query_one(DataTable).focus()

    @property
    def table(self) -> DataTable:
        return self.query_one("#timeline-table", DataTable)

    @property
    def shown(self) -> list[Event]:
        """The events the current filter lets through (what the table holds)."""
        events = self.update.events if self.update else ()
        return [e for e in events if self.filter.matches(e)]

    def show(self, update: FeedUpdate) -> None:
        self.update = update
        self._tick()
        if update.reset:
            self._redraw()
        else:
            append_events(self.table, [e for e in update.new_events if self.filter.matches(e)])
            self._describe()

    def _tick(self) -> None:
        incident = self.update.incident if self.update else None
        if incident is None:
            self.query_one("#incident-summary", Static).update(Text(NO_INCIDENT_HERE))
            return
        now, events = self.clock(), [e for e in self.update.events if shapes_clock_line(e)]
        self.query_one("#incident-summary", Static).update(
            summary(incident, now, incident_elapsed(incident, events, now), events))

    def _redraw(self) -> None:
        table = self.table
        with self.app.batch_update():
            table.clear()
            append_events(table, self.shown)
        self._describe()

    def _describe(self) -> None:
        total = len(self.update.events) if self.update else 0
        self.query_one("#timeline-filter-state", Static).update(
            Text(f"{self.table.row_count}/{total} events · {self.filter.describe()}"))

    def _set_filter(self, new: EventFilter) -> None:
        if new != self.filter:
            self.filter = new
            self._redraw()

    # -- filters ---------------------------------------------------------------------------
    def action_cycle_kind(self) -> None:
        events = self.update.events if self.update else ()
        kinds = sorted({e.kind for e in events})
        self._set_filter(EventFilter(cycle(kinds, self.filter.kind), self.filter.actor, self.filter.text))

    def action_cycle_actor(self) -> None:
        events = self.update.events if self.update else ()
        actors = sorted({e.actor for e in events})
        self._set_filter(EventFilter(self.filter.kind, cycle(actors, self.filter.actor), self.filter.text))

    def action_clear_filters(self) -> None:
        self.query_one("#timeline-filter", Input).value = ""
        self._set_filter(EventFilter())

    def action_focus_filter(self) -> None:
        self.query_one("#timeline-filter", Input).focus()

    @on(Input.Changed, "#timeline-filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self._set_filter(EventFilter(self.filter.kind, self.filter.actor, event.value))

    @on(DataTable.RowHighlighted, "#timeline-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Show the highlighted event whole under the table (cells are one line)."""
        seq = event.row_key.value
        found = next((e for e in (self.update.events if self.update else ()) if str(e.seq) == seq), None)
        self.query_one("#timeline-detail", Static).update(Text(event_detail(found)) if found else "")

    @on(Input.Submitted, "#timeline-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_back(self) -> None:
        if self.query_one("#timeline-filter", Input).has_focus:
            self.table.focus()
        else:
            self.dismiss(None)

    # -- which incident --------------------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This node's workers: a failure goes to the App, which says it and logs it."""
        forward_failure(self, event)

    @work(group="incident", exit_on_error=False, description="list incidents for the picker")
    async def action_pick_incident(self) -> None:
        try:
            tl = await timeline_of(self.app)
            incidents = await tl.call(tl.sync.incidents, None, 50)
        except (sqlite3.Error, TimelineError) as exc:
            self.notify(f"timeline: {exc}", severity="error", markup=False)
            return
        current = self.update.incident.id if self.update and self.update.pinned and self.update.incident else None
        choice = await self.app.push_screen_wait(IncidentPicker(incidents, current))
        if choice is not None:
            await feed_of(self.app).pin(choice or None)

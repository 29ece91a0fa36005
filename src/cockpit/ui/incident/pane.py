"""The timeline pane: the current incident's events as they are committed, by anyone.

The pane runs the app's incident feed as its worker (one loop per app: see feed.py) and
redraws from each :class:`FeedUpdate`: new events are appended in place (the table is
never cleared unless the current incident changes), so the cursor and scroll survive, and
the view follows the newest event only while the responder is looking at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import Worker

from cockpit.ui.failures import forward_failure
from cockpit.ui.incident.feed import FeedUpdate
from cockpit.ui.incident.session import feed_of
from cockpit.ui.incident.text import NO_INCIDENT, event_cells

if TYPE_CHECKING:
    from cockpit.timeline.model import Event

COLUMNS = ("time", "actor", "kind", "message")


def append_events(table: DataTable, events: tuple[Event, ...] | list[Event]) -> None:
    """Append rows (keyed by seq) and keep following the end if the cursor was there."""
    following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
    for event in events:
        if str(event.seq) in table.rows:
            continue  # already shown (an update delivered twice must not fail)
        table.add_row(*event_cells(event), key=str(event.seq))
    if following and table.row_count:
        table.move_cursor(row=table.row_count - 1, animate=False)


class TimelinePane(Vertical, can_focus=False):
    """The current incident's events, live (time UTC, actor, kind, message)."""

    DEFAULT_CSS = """
    TimelinePane { border: round $primary; padding: 0 1; height: 1fr; }
    TimelinePane > .timeline-empty { color: $text-muted; }
    TimelinePane > .timeline-error { color: $error; text-style: bold; }
    TimelinePane > DataTable { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", classes="timeline-error")
        yield Static(NO_INCIDENT, classes="timeline-empty")
        table: DataTable = DataTable(cursor_type="row", zebra_stripes=False, show_cursor=True)
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table

    def on_mount(self) -> None:
        self.border_title = "Timeline"
        self.query_one(".timeline-error", Static).display = False
        self.query_one(DataTable).display = False
        feed = feed_of(self.app)
        feed.subscribe(self, self.show)
        # After the app's first frame: opening the timeline imports the SQLite store (on a
        # thread, see feed.load_store), and the frame should not share the CPU with that.
        # Queued on the app, not the pane: the app's queue holds its own after-first-frame
        # work (on_mount), and this runs after it, once the screen has painted.
        self.app.call_after_refresh(feed.ensure_running, self)

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """This node's workers: a failure goes to the App, which says it and logs it."""
        forward_failure(self, event)

    def on_resize(self) -> None:
        # At 80x24 the pane is one line: give it to the newest event, not to the headings.
        self.table.show_header = self.size.height > 2

    def show(self, update: FeedUpdate) -> None:
        """Redraw from one feed update."""
        error = self.query_one(".timeline-error", Static)
        error.display = update.error is not None
        if update.error:
            error.update(Text(f"⚠ {update.error} (retrying)"))
        table = self.table
        empty = self.query_one(".timeline-empty", Static)
        if update.incident is None:
            table.clear()
            table.display, empty.display = False, True
            self.border_title = "Timeline"
            return
        table.display, empty.display = True, False
        with self.app.batch_update():
            if update.reset:
                table.clear()
                append_events(table, update.events)
            else:
                append_events(table, update.new_events)
        pin = " (pinned)" if update.pinned else ""
        self.border_title = f"Timeline · {update.incident.id}{pin}"
        self.border_subtitle = f"{len(update.events)} events"

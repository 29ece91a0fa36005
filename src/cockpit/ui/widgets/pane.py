"""What every live pane shares: a title, its data's age, a stale marker, the provider's error.

A pane keeps the latest snapshot of each of its sources. The border subtitle says how old
the data is (ticking once a second); when a refresh failed the pane gets the ``-stale``
class and a line inside it names the error, while the table keeps the last good rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.format import age


class Pane(Vertical, can_focus=False):
    """Base of the alarms, replication and services panes."""

    DEFAULT_CLASSES = "pane"
    #: Shown in the border until the first snapshot arrives.
    WAITING = "waiting for the first refresh…"
    TITLE = "Pane"

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Gives "now" (tests and snapshot images freeze it).
        self.clock = clock
        #: The latest snapshot of each source shown here, by source name.
        self.snapshots: dict[str, Snapshot[Any]] = {}

    def compose_error(self) -> ComposeResult:
        yield Static("", classes="pane-error")

    def on_mount(self) -> None:
        self.border_title = self.TITLE
        self.border_subtitle = self.WAITING

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def remember(self, snapshot: Snapshot[Any]) -> None:
        """Keep ``snapshot`` and redraw the error line and age."""
        self.snapshots[snapshot.source] = snapshot
        self.show_errors()
        self.tick()

    def show_errors(self) -> None:
        failing = [s for s in self.snapshots.values() if s.error is not None]
        self.set_class(bool(failing), "-stale")
        line = self.query_one(".pane-error", Static)
        line.display = bool(failing)
        if failing:
            text = Text()
            for snap in failing:
                if text:
                    text.append("\n")
                prefix = f"{snap.source}: " if len(self.snapshots) > 1 or self.always_name_source else ""
                text.append(f"⚠ {prefix}{snap.error}", style="bold")
                text.append(f" (failed {snap.failures}×, retrying)" if snap.failures > 1 else " (retrying)")
            line.update(text)

    #: Prefix errors with the source name even when the pane has one source.
    always_name_source = False

    def tick(self) -> None:
        """Refresh the age in the border; called by the screen once a second."""
        if not self.snapshots:
            return
        now = self.clock()
        ages = [s.age(now) for s in self.snapshots.values()]
        known = [a for a in ages if a is not None]
        oldest = max(known) if known else None
        stale = any(s.stale for s in self.snapshots.values())
        if oldest is None:
            text = "no data yet"
        else:
            text = f"{age(oldest)} old"
        if stale:
            text = f"STALE · {text}"
        self.border_subtitle = text


Row = tuple[Any, ...]


def sync_rows(table: DataTable, rows: dict[str, Row], columns: list[str], shown: dict[str, Row]) -> bool:
    """Make ``table`` hold exactly ``rows`` (key -> cells), changing only what differs.

    ``shown`` is the caller's record of what each row displays now; it is updated here.
    Rows are removed, added and updated cell by cell (never cleared and refilled), so the
    cursor and scroll position survive a refresh. Returns whether the set of rows changed
    (the caller then re-sorts).
    """
    changed = False
    for key in [k for k in shown if k not in rows]:
        table.remove_row(key)
        del shown[key]
        changed = True
    for key, cells in rows.items():
        before = shown.get(key)
        if before is None:
            table.add_row(*cells, key=key)
            changed = True
        elif before != cells:
            for column, old, new in zip(columns, before, cells):
                if old != new:
                    table.update_cell(key, column, new)
        shown[key] = cells
    return changed


def anchor_key(table: DataTable) -> str | None:
    """The row to keep the cursor on across a refresh, if any.

    None when the cursor is on the first row: the top of a pane is "the worst thing now",
    and a cursor nobody moved must stay there rather than follow an item that sank (which
    would scroll newly critical rows out of view). A cursor the responder moved follows
    its item.
    """
    return None if table.cursor_row == 0 else cursor_key(table)


def cursor_key(table: DataTable) -> str | None:
    """The key of the row under the cursor, if any."""
    if table.row_count == 0:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:  # the cursor may point past the last row mid-update
        return None


def restore_cursor(table: DataTable, key: str | None) -> None:
    """Put the cursor back on the row it was on before rows moved."""
    if key is None or table.row_count == 0:
        return
    try:
        index = table.get_row_index(key)
    except RowDoesNotExist:  # the row went away: leave the cursor where it is
        return
    if index != table.cursor_row:
        table.move_cursor(row=index, animate=False, scroll=False)


class KeyCell(Text):
    """A first-column cell that knows its row's key, so ``DataTable.sort`` can sort by item.

    ``DataTable.sort``'s key function sees cell values only; this is how it finds the item.
    """

    def __init__(self, text: Text | str, key: str) -> None:
        if isinstance(text, Text):
            super().__init__(text.plain, spans=list(text.spans))
        else:
            super().__init__(text)
        #: The row key of the row this cell belongs to.
        self.key = key

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and getattr(other, "key", None) == self.key

    __hash__ = None  # type: ignore[assignment]  # mutable, like Text


def sort_table(table: DataTable, order: dict[str, Any], reverse: bool = False) -> None:
    """Sort rows by ``order[row key]`` (the first cell of each row is a :class:`KeyCell`)."""
    table.sort(key=lambda row: order[row[0].key], reverse=reverse)


def resort(table: DataTable, order: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """Sort ``table`` by ``order`` unless every row already has the place it had; return ``order``.

    Sorting thousands of rows is the costly part of a refresh, so it runs only when a row
    came, went or changed place — including a row whose cells changed its rank (an alarm
    going from OK to ALARM keeps its row but must move to the top).
    """
    if order != previous:
        sort_table(table, order)
    return order

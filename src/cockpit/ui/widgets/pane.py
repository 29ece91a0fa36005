"""What every live pane shares: a title, its data's age, a stale marker, the provider's error.

A pane keeps the latest snapshot of each of its sources. The border subtitle says how old
the data is (ticking once a second); when a refresh failed the pane gets the ``-stale``
class and a line inside it names the error, while the table keeps the last good rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.widgets import DataTable, Static
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from cockpit.sources.snapshot import Snapshot, utcnow
from cockpit.ui.format import age
from cockpit.ui.widgets.table_rows import ChangesTable


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
        #: The border texts last set through :meth:`set_border_text`, by attribute name.
        self._border_texts: dict[str, str] = {}

    #: Set while a border title changes (see :meth:`refresh`).
    _border_only = False

    def set_border_title(self, value: str) -> None:
        """Set ``border_title``, repainting the border line only, and only on a change (see
        :meth:`set_border_text`)."""
        self.set_border_text("border_title", value)

    def set_border_subtitle(self, value: str) -> None:
        """Set ``border_subtitle``, repainting the border line only, and only on a change."""
        self.set_border_text("border_subtitle", value)

    def set_border_text(self, name: str, value: str) -> None:
        """Set Textual's ``border_title`` or ``border_subtitle`` (``name``) to ``value``, repainting
        the border line only, and only on a change.

        Textual repaints the whole pane for a new title (its table's every line goes through
        the compositor again): the age ticks every second in three panes, and the alarms
        title is set after every drawing step. Most of those set the same text again, so the
        last text set is kept here and compared; a change sets the attribute while
        :meth:`refresh` narrows the repaint to the top and bottom lines.
        """
        if self._border_texts.get(name, _UNSET) == value:
            return
        self._border_texts[name] = value
        self._border_only = True
        try:
            setattr(self, name, value)
        finally:
            self._border_only = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
        if self._border_only and not (regions or layout or recompose) and self.is_mounted:
            # The top line holds the title, the bottom one the subtitle (regions are relative to the content).
            x, y = self.content_offset
            width, height = self.outer_size
            regions = (Region(-x, -y, width, 1), Region(-x, height - 1 - y, width, 1))
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def compose_error(self) -> ComposeResult:
        yield Static("", classes="pane-error")

    def on_mount(self) -> None:
        self.set_border_title(self.TITLE)
        self.set_border_subtitle(self.WAITING)

    def show(self, snapshot: Snapshot[Any]) -> None:
        """Redraw from ``snapshot`` at once."""
        for _ in self.plan(snapshot):
            pass

    def plan(self, snapshot: Snapshot[Any]) -> Iterator[None]:
        """Redraw from ``snapshot`` in steps, yielding between them (each step is short).

        The screen runs the steps in time slices so a key press never waits for a whole
        2,000-row refresh; :meth:`show` runs them all at once.
        """
        raise NotImplementedError

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
        self.set_border_subtitle(text)


Row = tuple[Any, ...]

#: No border text set yet (a value no title equals).
_UNSET = object()

#: Rows added plus cells updated in one step of :func:`sync_steps` (each ~0.03-0.1 ms): a
#: refresh that changes a cell in each of 200 rows is drawn in two steps, not one of ~15 ms.
CHUNK = 100
#: Most rows a pane's table holds: the top of the order in force, the rest counted in the title.
#: A responder reads a screenful, then narrows with the filter or the sort; a table of thousands
#: of rows only costs time (each ``remove_row`` is O(rows), new rows are measured cell by cell).
MAX_ROWS = 200


def sync_steps(table: ChangesTable, rows: dict[str, Row], columns: list[str], shown: dict[str, Row],
               chunk: int = CHUNK) -> Iterator[None]:
    """Make ``table`` hold exactly ``rows`` (key -> cells) in their order, a chunk at a time.

    A generator: it yields after every ``chunk`` rows added or cells updated so the caller can
    hand the event loop to a key press (:class:`~cockpit.ui.screens.cockpit.CockpitScreen` runs it in time slices).
    ``shown`` is the caller's record of what the table holds, *in table order*; it is kept
    true after every step, so a run abandoned half-way leaves an exact record and the next
    run diffs from there. Rows are changed in place (``update_cell``, ``add_row``, and the
    rows gone removed in one pass) so the cursor and scroll survive; when most rows are new
    (a filter or a sort changed) the table is refilled instead and read from the top. After
    each chunk the rows present are put in order, so every frame painted is
    ordered (``DataTable.sort`` over at most :data:`MAX_ROWS` rows costs about a millisecond).
    """
    gone = [key for key in shown if key not in rows]
    if shown and len(gone) * 2 > len(shown):
        table.clear()  # the cursor goes back to the top: a new sort or filter reads from there
        shown.clear()
    elif gone:
        table.remove_rows(gone)  # one pass (remove_row renumbers the whole table each time)
        for key in gone:
            del shown[key]
    rank = {key: index for index, key in enumerate(rows)}
    done = 0  # rows added and cells updated since the last yield
    for key, cells in rows.items():
        before = shown.get(key)
        if before is not None and before == cells:
            continue
        if done >= chunk:
            put_in_order(table, rank, shown)
            yield
            done = 0
        if before is None:
            table.add_row(*cells, key=key)
            done += 1
        else:
            for column, old, new in zip(columns, before, cells):
                if old != new:
                    # A wider cell (a lag gaining its age) widens its column; otherwise the
                    # column keeps its width and only the row repaints.
                    table.update_cell(key, column, new, update_width=_cells(new) > _cells(old))
                    done += 1
        shown[key] = cells
    put_in_order(table, rank, shown)


def _cells(value: object) -> int:
    """Terminal cells a table cell's value takes on one line."""
    return value.cell_len if isinstance(value, Text) else cell_len(str(value))


def put_in_order(table: DataTable, rank: dict[str, int], shown: dict[str, Row]) -> None:
    """Sort the table's rows by ``rank`` unless they already are in that order (then free)."""
    keys = list(shown)
    ordered = sorted(keys, key=rank.__getitem__)
    if ordered != keys:
        table.sort(key=lambda row: rank[row[0].key])
        reordered = {key: shown[key] for key in ordered}
        shown.clear()
        shown.update(reordered)


def top(ranked: list[str], limit: int = MAX_ROWS) -> list[str]:
    """The keys a table shows: the first ``limit`` of ``ranked``."""
    return ranked[:limit]


def shown_count(shown: int, total: int, hint: str = "") -> str:
    """The title's note when a table holds only the top of its rows ("" when it holds all)."""
    return f" · top {shown:,} of {total:,}{hint}" if shown < total else ""


def keeping_cursor(table: DataTable, steps: Iterator[None]) -> Iterator[None]:
    """Run ``steps`` keeping the cursor on its item (see :func:`anchor_key`) across each step.

    The anchor is taken afresh before every step: between steps the responder may have
    moved the cursor, and that move must stand.
    """
    while True:
        keep = anchor_key(table)
        try:
            next(steps)
        except StopIteration:
            restore_cursor(table, keep)
            return
        restore_cursor(table, keep)
        yield


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

"""``ChangesTable``: a ``DataTable`` whose changes repaint what they change, and no more.

Textual's ``DataTable`` repaints the whole table on every ``update_cell`` (twenty cells
changed by a refresh means every visible line through the compositor), asks
for a layout of the whole screen on every ``remove_row`` (which also renumbers every row),
rebuilds its list of rows in screen order after every change (finding a row's place reads
it: O(rows) per ``update_cell``), and measures each new cell through Rich after parsing
strings as markup. At scale these held the event loop while keys waited (figures in
docs/performance.md). The same operations here:

* ``update_cell`` repaints its row only, and nothing when the row is scrolled away;
* ``remove_row`` asks for no layout (the size changes only with the row count, and then
  ``virtual_size`` asks); :meth:`ChangesTable.remove_rows` removes many rows in one pass;
* ``ordered_rows`` is rebuilt only when rows are added, removed, sorted or cleared;
* new rows of plain text are measured by their longest line (:mod:`cockpit.ui.widgets.cells`).

:class:`~cockpit.ui.widgets.table.LeanTable` adds the render caches on top. These overrides
use private parts of Textual's DataTable (8.x); tests/ui/test_table.py fails first if an
upgrade changes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.geometry import Region
from textual.render import measure
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, Row, RowDoesNotExist, RowKey

from cockpit.ui.widgets.cells import plain_width


class ChangesTable(DataTable):
    """A ``DataTable`` whose changes repaint only what they change (see the module docstring)."""

    #: Set while Textual's own update_cell / remove_row run (see :meth:`refresh`).
    _row_only = False
    _no_layout = False
    #: The rows in screen order, and what they were read from (see :attr:`ordered_rows`).
    _ordered: tuple[Any, int, list[Row]] | None = None

    def update_cell(self, row_key: RowKey | str, column_key: Any, value: Any, *, update_width: bool = False) -> None:
        """Textual's ``update_cell``, repainting only the row changed (and nothing if it is scrolled away).

        ``DataTable.update_cell`` repaints the whole table; with twenty cells changed per refresh
        that is every visible line through the compositor, even when its render is reused.
        """
        self._row_only = not update_width  # a new column width repaints everything, as before
        try:
            super().update_cell(row_key, column_key, value, update_width=update_width)
        finally:
            self._row_only = False
        if not update_width:
            index = self._row_locations.get(row_key if isinstance(row_key, RowKey) else RowKey(row_key))
            if index is not None:
                self.refresh_row(index)

    def remove_row(self, row_key: RowKey | str) -> None:
        """Textual's ``remove_row`` without its layout pass (a repaint of the whole screen).

        The table's size changes only when its row count does, and then ``virtual_size`` asks
        for the layout itself; in a full table (the top rows of a pane) a row leaves as another
        comes, and the screen around it stays as it is.
        """
        self._no_layout = True
        try:
            super().remove_row(row_key)
        finally:
            self._no_layout = False

    @property
    def ordered_rows(self) -> list[Row]:
        """The rows in screen order, rebuilt only when the order can have changed.

        Textual rebuilds this list after every change (its cache is keyed by the update count),
        and finding a row's place on screen reads it: each ``update_cell`` cost O(rows), a
        refresh that changes a cell in each of 200 rows O(rows²). The order changes only when
        rows are added (the count changes), or removed, sorted or cleared (``_row_locations``
        is replaced).
        """
        locations, count = self._row_locations, self.row_count
        cached = self._ordered
        if cached is not None and cached[0] is locations and cached[1] == count:
            return cached[2]
        rows = super().ordered_rows
        self._ordered = (locations, count, rows)
        return rows

    def remove_rows(self, row_keys: Iterable[RowKey | str]) -> None:
        """``remove_row`` for many rows at once: one pass over the table instead of one per row.

        Each ``DataTable.remove_row`` renumbers every row and re-checks the cursor, so a sort
        that drops a hundred rows from a pane's top 200 held the event loop a hundred times
        as long. The same steps, done once.
        """
        gone = {key if isinstance(key, RowKey) else RowKey(key) for key in row_keys}
        for key in gone:
            if key not in self._row_locations:
                raise RowDoesNotExist(f"Row key {key!r} is not valid.")
        if not gone:
            return
        locations = self._row_locations
        kept = sorted((locations.get(key), key) for key in locations if key not in gone)
        self._row_locations = type(locations)({key: index for index, (_, key) in enumerate(kept)})
        for key in gone:
            for column_key in self._data[key]:
                self._updated_cells.discard(CellKey(key, column_key))
            del self.rows[key]
            del self._data[key]
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate  # clamped to the rows left
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh()  # no layout: see remove_row
        self.check_idle()

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
        if self._row_only and not (regions or layout or recompose):
            return self  # update_cell repaints the row itself
        if self._no_layout:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Textual's column measuring for new rows, without Rich where a cell is plain text.

        ``DataTable`` measures every cell of every new row through Rich (and parses each string
        as markup first): for the 200 rows of a pane refilled after a sort or a filter, in
        one go on the event loop. A ``Text`` is as wide as its longest line, and so is a
        string with nothing Rich would interpret (no ``[`` markup, no ``:emoji:``); any other
        row is measured as Textual does. Labelled or auto-height rows take Textual's path.

        This runs when the loop is idle, possibly after a frame drew the new rows at the old
        widths. When a width changes, every line is repainted and the update count bumped, so
        no render made at the old widths is used again (Textual's own caches, which serve the
        misses of ours, are keyed by that count, not by the widths).
        """
        before = self._widths()
        self._measure(new_rows)
        self._widths_changed(before)

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        before = self._widths()  # ``update_cell(update_width=True)``: the same care as above
        super()._update_column_widths(updated_cells)
        self._widths_changed(before)

    def _widths(self) -> list[int]:
        return [column.get_render_width(self) for column in self.ordered_columns]

    def _widths_changed(self, before: list[int]) -> None:
        if self._widths() != before:
            self._update_count += 1
            self.refresh()

    def _measure(self, new_rows: Iterable[RowKey]) -> None:
        """Grow the columns to the new rows' cells (see :meth:`_update_dimensions`)."""
        rows = self.rows
        keys = [key for key in new_rows if key in rows and key in self._row_locations]
        if any(rows[key].label is not None or rows[key].auto_height for key in keys):
            super()._update_dimensions(keys)
            return
        columns = self.ordered_columns
        console = self.app.console
        for key in keys:
            data = self._data[key]
            widths = [plain_width(data.get(column.key)) for column in columns]
            if None in widths:  # something Rich renders: measure the row as Textual does
                _, cells = self._get_row_renderables(self._row_locations.get(key))
                widths = [measure(console, cell, 1) for cell in cells]
            for column, width in zip(columns, widths):
                if width > column.content_width:
                    column.content_width = width
        super()._update_dimensions(())  # the table's size from the widths now known

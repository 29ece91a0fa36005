"""``LeanTable``: a ``DataTable`` that re-renders only the cells and lines whose content changed.

Textual's ``DataTable`` keys every cached cell, row and line render by the table's update
count, so after *any* change (each refresh changes a few cells) every visible line is
rendered again through Rich, cell by cell, and a key pressed during that frame waits for it (the largest part
of the key latency left at scale, see docs/performance.md). Its caches also keep up to
10,000 cell renders per table that are never read again, which full collections walk.

Here the cell and line renders are keyed by *what they show* instead:

* a cell render is reused while the cell's value (the same object), width, style, cursor
  and hover state are the same. The row and column numbers Textual puts in each segment
  (mouse clicks read them) are added after the cache, so a row that only moved (a new
  alarm above it) is not rendered again;
* a line is reused while its row's values, position, column widths, cursor state and the
  widget's style are the same, so a refresh that changes a few rows renders a few lines;
* the widget's own style is computed once per paint, not once per line;
* a one-line text cell is drawn without Rich's pipeline (:mod:`cockpit.ui.widgets.cells`).

Changes repaint only what they change (:class:`~cockpit.ui.widgets.table_rows.ChangesTable`,
the base class: ``update_cell`` repaints its row, rows leave in one pass, no layout passes).

Everything else (data, keys, cursor, sorting, messages) is Textual's ``DataTable``; on a
miss the work is done by its own methods, so what is drawn is exactly what it draws
(tests/ui/test_table.py compares the two line by line). The overrides use private methods
and attributes of Textual's DataTable (8.x); an upgrade that changes them fails that test
first, and the fix is there or in dropping an override (each only saves time).
"""

from __future__ import annotations

from typing import Any

from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.renderables.styled import Styled
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from cockpit.ui.widgets.cells import one_line, same
from cockpit.ui.widgets.table_rows import ChangesTable

#: Renders kept by Textual's own caches, which now only serve the misses of ours.
SMALL = 64
#: Most line and cell renders kept per table (a 300x100 terminal shows ~100 lines, ~1,000
#: cells; the cursor row has a second render, and a focused table a second look).
LINES = 800
CELLS = 4000

_Lines = list[list[Segment]]

#: The component classes whose styles a line is drawn with.
PARTS = tuple(sorted(DataTable.COMPONENT_CLASSES))
#: The parts that only the cursor's line is drawn with (focus changes their colours).
CURSOR_PARTS = frozenset({"datatable--cursor", "datatable--fixed-cursor", "datatable--header-cursor"})
#: What every other line is drawn with.
OTHER_PARTS = tuple(part for part in PARTS if part not in CURSOR_PARTS)


class LeanTable(ChangesTable):
    """A ``DataTable`` whose repaint costs what changed (see the module docstring)."""

    #: Focus shows in the cursor bar only (bright when focused, dim when not): Textual's DataTable
    #: also tints the whole table and its header, so Tab between two panes repainted every line of
    #: both (at scale, the largest part of the key latency left; docs/performance.md).
    DEFAULT_CSS = """
    LeanTable:focus {
        background-tint: $foreground 0%;
        & > .datatable--header { background-tint: $foreground 0%; }
    }
    """

    #: Set while focus moves (see :meth:`_focus_moved`): repaints wait for the new look.
    _restyling = False
    #: Whether the console justifies as Rich's default (see :attr:`_left_justified`).
    _console_justify: bool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Private attributes of Textual's DataTable (8.x): replaced only if present, with the
        # same cache type, so a newer Textual that renames them keeps its own defaults.
        for name in ("_cell_render_cache", "_row_render_cache", "_line_cache", "_row_renderable_cache"):
            if isinstance(getattr(self, name, None), LRUCache):
                setattr(self, name, LRUCache(SMALL))
        #: Cell renders: (row, column, cursor, hover, styles) -> (value, check, lines without the
        #: row/column metadata, the row index they were last placed at, the lines placed there).
        #: The value is compared by identity (``update_cell`` stores a new object; 1 == 1.0 == True
        #: but they are drawn differently) and held here, so its id cannot be reused meanwhile.
        self._cells_by_content: dict[tuple[Any, ...], tuple[Any, tuple[Any, ...], _Lines, int, _Lines]] = {}
        #: The metadata style of each (row, column) (see :meth:`_place`).
        self._places: dict[tuple[int, int], Style] = {}
        #: Line renders: (row, line, cursor, hover, styles) -> (row's values, check, strip).
        self._lines_by_content: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[Any, ...], Strip]] = {}
        #: The widget's style while a paint is in progress (see :meth:`render_lines`).
        self._paint_style: Style | None = None
        #: The styles of the header, fixed rows and stripes during a paint (see :meth:`_row_style`).
        self._part_styles: dict[str, Style] = {}
        #: The styles of the table's parts since the last style update (see :meth:`_current_look`).
        self._look: tuple[Style, ...] | None = None
        self._other_look: tuple[Style, ...] | None = None

    # -- invalidation: what the checks cannot see -----------------------------------------

    def notify_style_update(self) -> None:
        # Called on every focus change too (:focus rules). Renders are not dropped: a cell's key
        # holds the styles it was drawn with, a line's the styles of the table's parts, so a
        # table that gets focus back reuses the renders of its last focused look.
        self._look = self._other_look = None
        if not self._restyling:
            super().notify_style_update()
            return
        # Focus moved: DataTable's own version, except that the lines the compositor keeps for
        # this table are not all dropped (:meth:`_focus_moved` marks the ones whose look changed).
        kept, self._styles_cache = self._styles_cache, type(self._styles_cache)()
        try:
            super().notify_style_update()
        finally:
            self._styles_cache = kept

    def _current_look(self) -> tuple[Style, ...]:
        """The styles of every part of the table (header, cursor, stripes…), as CSS has them now."""
        if self._look is None:
            self._look = tuple(self.get_component_rich_style(name, partial=False) for name in PARTS)
        return self._look

    def _current_other_look(self) -> tuple[Style, ...]:
        """The styles a line off the cursor is drawn with (the same focused or not, see DEFAULT_CSS)."""
        if self._other_look is None:
            look = dict(zip(PARTS, self._current_look()))
            self._other_look = tuple(look[name] for name in OTHER_PARTS)
        return self._other_look

    # -- focus: repaint the lines whose look changed -----------------------------------

    def _on_focus(self, event: events.Focus) -> None:
        self._focus_moved(event, True)

    def _on_blur(self, event: events.Blur) -> None:
        self._focus_moved(event, False)

    def _focus_moved(self, event: events.Focus | events.Blur, focused: bool) -> None:
        """``Widget._on_focus``/``_on_blur``, repainting only the lines whose look changed.

        Textual repaints the whole table when focus comes or goes (the styles change); here
        the styles are compared and, when only the cursor bar's changed (this table's CSS),
        only the cursor's line is repainted: Tab costs two lines instead of two tables.
        """
        event.prevent_default()  # the base handler would repaint every line
        before = (self.rich_style, self._current_other_look())
        self._restyling = True
        try:
            self.has_focus = focused  # restyles the table (its repaints are held, see refresh)
        finally:
            self._restyling = False
        if (self.rich_style, self._current_other_look()) == before and self.cursor_type != "column":
            self.refresh_row(self.cursor_row)  # a row or cell cursor: nothing outside its row changed
        else:
            self.refresh()
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self) if focused else events.DescendantBlur(self))

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
        if self._restyling and not (regions or layout or recompose):
            return self  # :meth:`_focus_moved` repaints what changed once the new styles are known
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _keep(self, renders: dict[tuple[Any, ...], Any], most: int) -> None:
        """Bound a render cache: drop the renders of rows gone, then everything if still too many."""
        if len(renders) <= most:
            return
        live = self._row_locations
        for key in [key for key in renders if key[0] is not self._header_row_key and key[0] not in live]:
            del renders[key]
        if len(renders) > most // 2:
            renders.clear()

    # -- painting ------------------------------------------------------------------------

    @property
    def rich_style(self) -> Style:
        """The widget's style; computed once per paint (it walks every ancestor's styles)."""
        if self._paint_style is not None:
            return self._paint_style
        return super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint_style = None
        self._paint_style = self.rich_style
        self._part_styles.clear()
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        header = row_key is self._header_row_key
        if header:
            row_index = -1
            values: tuple[Any, ...] = tuple(column.label for column in self.columns.values())
        else:
            row_index = self._row_locations.get(row_key)
            row = self.rows[row_key]
            values = (row.label, row.height, *self._data[row_key].values())
        cursor_type = self.cursor_type
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        if cursor_type == "row":
            on_cursor: Any = cursor.row == row_index
            on_hover: Any = hover.row == row_index
        else:
            on_cursor, on_hover = cursor, hover
        # A line off the cursor looks the same focused or not (DEFAULT_CSS); the cursor's line, or
        # a table whose CSS tints it on focus, keeps a render per look.
        look = self._current_look() if on_cursor else self._current_other_look()
        key = (row_key, line_no, on_cursor, on_hover, base_style, look)
        check = (row_index, x1, x2, self.size.width, cursor_type, self.show_cursor,
                 self._show_hover_cursor, self.fixed_columns, self.fixed_rows,
                 self.zebra_stripes, self._row_label_column_width, self.show_row_labels, self.header_height,
                 self.cell_padding,
                 tuple(column.get_render_width(self) for column in self.ordered_columns))
        cached = self._lines_by_content.get(key)
        if cached is not None and cached[1] == check and same(cached[0], values):
            return cached[2]
        strip = super()._render_line(y, x1, x2, base_style)
        self._keep(self._lines_by_content, LINES)
        self._lines_by_content[key] = (values, check, strip)
        return strip

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style, cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[_Lines, _Lines]:
        """Textual's row render for a table like the panes' (row cursor, no fixed columns, no labels).

        The same cells and padding as ``DataTable._render_line_in_row``, without looking up
        the header's and stripes' CSS for every line; other tables take
        Textual's own path.
        """
        if self.cursor_type != "row" or self.fixed_columns or self._should_render_row_labels:
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1
        row_style = self._row_style(row_index, base_style)
        on_cursor = cursor_location.row == row_index
        on_hover = hover_location.row == row_index
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        render_cell = self._render_cell
        row = [render_cell(row_index, column_index, row_style, width, cursor=on_cursor, hover=on_hover)[line_no]
               for column_index, width in enumerate(widths)]
        # The rest of the line, styled like the row (the cursor bar runs to the edge).
        extend_style, _ = self._get_styles_to_render_cell(row_index == -1, False, False, on_hover, on_cursor,
                                                          self.show_cursor, self._show_hover_cursor, False, False)
        extend_style = row_style + extend_style + Style.from_meta({"row": row_index, "column": 0,
                                                                    "out_of_bounds": True})
        remaining = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        row.append([Segment(" " * remaining, extend_style)])
        return [], row

    def _row_style(self, row_index: int, base_style: Style) -> Style:
        """``DataTable._get_row_style``, with the CSS of the header, fixed rows and stripes read once a paint."""
        if row_index == -1:
            part = "datatable--header"
        elif row_index < self.fixed_rows:
            part = "datatable--fixed"
        elif self.zebra_stripes:
            part = "datatable--odd-row" if row_index % 2 else "datatable--even-row"
        else:
            return base_style
        style = self._part_styles.get(part)
        if style is None:
            style = self._part_styles[part] = self.get_component_styles(part).rich_style
        return style

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> _Lines:
        """Textual's cell render, cached by content; the row/column metadata is added afterwards."""
        header = row_index == -1
        label = column_index == -1
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        fixed = not header and not label and (row_index < self.fixed_rows or column_index < self.fixed_columns)
        component_style, post_style = self._get_styles_to_render_cell(
            header, label, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        if header:
            value: Any = None if label else self.columns[column_key].label
            height = self.header_height
        else:
            row = self.rows[row_key]
            value = row.label if label else self._data[row_key].get(column_key)
            height = row.height
        key = (row_key, column_key, cursor, hover, base_style, component_style)
        check = (width, post_style, height, self.cell_padding,
                 label and self._should_render_row_labels)
        cached = self._cells_by_content.get(key)
        if cached is not None and cached[0] is value and cached[1] == check:
            if cached[3] == row_index:
                return cached[4]  # same place too: the very segments drawn last time
            lines = cached[2]
        else:
            lines = self._render_plain_cell(row_index, column_index, base_style + component_style, post_style,
                                            width, height, header)
            self._keep(self._cells_by_content, CELLS)
        placed = [list(Segment.apply_style(line, post_style=self._place(row_index, column_index))) for line in lines]
        self._cells_by_content[key] = (value, check, lines, row_index, placed)
        return placed

    def _place(self, row_index: int, column_index: int) -> Style:
        """The metadata Textual puts in a cell's segments (mouse clicks read the row and column)."""
        style = self._places.get((row_index, column_index))
        if style is None:
            if len(self._places) > CELLS:
                self._places.clear()
            style = self._places[row_index, column_index] = Style.from_meta({"row": row_index,
                                                                            "column": column_index})
        return style

    def _render_plain_cell(self, row_index: int, column_index: int, pre_style: Style, post_style: Style,
                           width: int, height: int, header: bool) -> _Lines:
        """What ``DataTable._render_cell`` draws, without the row/column metadata."""
        row_label, row_cells = self._get_row_renderables(row_index)
        cell = (row_label if row_label is not None else "") if column_index == -1 else row_cells[column_index]
        if height == 1:
            line = one_line(cell, width, self.cell_padding, pre_style, post_style, self.app.console) \
                if self._left_justified else None
            if line is not None:
                return [line]
        console_options = self.app.console_options
        if not header and height == 0 and self.rows[self._row_locations.get_key(row_index)].auto_height:
            options = console_options.update_width(width)  # auto height not measured yet
        else:
            options = console_options.update_dimensions(width, height)
        if height == 1:
            options = options.update(no_wrap=True)
        return self.app.console.render_lines(
            Styled(Padding(cell, (0, self.cell_padding)), pre_style=pre_style, post_style=post_style), options)

    @property
    def _left_justified(self) -> bool:
        """Whether the app's console options justify text as Rich's default (they do in Textual)."""
        if self._console_justify is None:
            self._console_justify = self.app.console_options.justify in (None, "default")
        return self._console_justify

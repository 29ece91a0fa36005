"""``KeyedTable``: the panes' table, on Textual's public Line API.

A pane shows the top of an ordered set of items that a refresh replaces wholesale: most rows
are unchanged, a few change a cell, some arrive or leave, the order may shift. Textual's
``DataTable`` is built for editing a table cell by cell; fed this way it re-renders every
visible line after any change and keeps per-cell structures that every change walks, which
is why the panes once subclassed its internals. This widget is shaped for the panes' use
instead:

* :meth:`KeyedTable.set_rows` takes the whole ordered ``{key: cells}`` mapping. Work is
  proportional to the rows given (a dict comparison per row), never to rendering;
* only visible lines are rendered (``render_line``), each from a per-row cache keyed by
  what it shows (its cells, the column widths, whether the cursor is on it, the look), so a
  refresh that changes three rows renders at most three lines, and only the lines whose
  content changed are repainted;
* the cursor stays on its item when rows move, unless it was on the first row: the top of
  a pane is "the worst thing now", and an untouched cursor stays there;
* a column grows to its widest cell and never shrinks while the table lives (a column
  that jumps back and forth as a lag gains and loses its age is harder to read).

Keys: up/down, page up/down, home/end move the cursor; enter (or a click on the cursor's
row) posts :class:`KeyedTable.RowSelected`; a cursor move posts
:class:`KeyedTable.RowHighlighted`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cockpit.textsafe import sanitize

Cell = Any  # str or rich Text; anything else is shown as str()
Cells = tuple[Cell, ...]


def cell_text(value: Cell) -> Text:
    """A cell as Rich ``Text`` (a copy: rendering truncates and pads it). A string is never
    read as markup, and nothing in a cell reaches the terminal as a control sequence (names
    and reasons come from AWS and the cluster)."""
    if isinstance(value, Text):
        if value.plain.isprintable() and "\x1b" not in value.plain:
            return value.copy()
        return Text(sanitize(value.plain, newlines=False), style=value.style, no_wrap=True)
    return Text(sanitize(str(value), newlines=False), no_wrap=True)


def cell_width(value: Cell) -> int:
    """Terminal cells a value takes on one line."""
    return value.cell_len if isinstance(value, Text) else cell_len(str(value))


class KeyedTable(ScrollView, can_focus=True):
    """Rows by key, in order, rendered line by line from a per-row cache (module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open the selected row", show=False),
        Binding("up", "cursor_up", "Move up", show=False),
        Binding("down", "cursor_down", "Move down", show=False),
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "keyed-table--header", "keyed-table--cursor", "keyed-table--cursor-focused"}

    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        & > .keyed-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .keyed-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .keyed-table--cursor-focused {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    class RowMessage(Message):
        """About one row: which table, the row's key and where it is now."""

        def __init__(self, table: KeyedTable, key: str, index: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.index = index

        @property
        def control(self) -> KeyedTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor moved to another row."""

    class RowSelected(RowMessage):
        """Enter, or a click, on the cursor's row."""

    def __init__(self, columns: Sequence[str], *, cell_padding: int = 1, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[str, ...] = tuple(columns)
        self.cell_padding = cell_padding
        self._keys: list[str] = []
        self._rows: dict[str, Cells] = {}
        self._index: dict[str, int] = {}
        self._widths: list[int] = [cell_len(c) for c in self.columns]
        self._cursor = 0
        #: key -> (cells, widths, on cursor, focused, look, strip): the line last rendered for it.
        self._lines: dict[str, tuple[Cells, tuple[int, ...], bool, bool, tuple[Style, ...], Strip]] = {}
        self._header: tuple[tuple[int, ...], tuple[Style, ...], Strip] | None = None
        self._look: tuple[Style, ...] | None = None

    def on_mount(self) -> None:
        # The header shows before the first rows do (a pane waiting for its first refresh).
        self.virtual_size = Size(self._line_width(), len(self._keys) + 1)

    # -- reading ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def keys(self) -> list[str]:
        """The row keys, top to bottom (a copy)."""
        return list(self._keys)

    def row(self, index: int) -> Cells:
        """The cells of the row at ``index`` (IndexError past the end)."""
        return self._rows[self._keys[index]]

    def index_of(self, key: str) -> int | None:
        return self._index.get(key)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None in an empty table)."""
        return self._keys[self._cursor] if self._keys else None

    # -- writing ------------------------------------------------------------------------

    def set_rows(self, rows: Mapping[str, Sequence[Cell]]) -> None:
        """Show exactly ``rows`` (key -> cells, one per column), in their order.

        The cursor follows its item if the responder moved it off the first row, and stays
        on the first row otherwise (see the module docstring). Lines are repainted only
        where what they show changed.
        """
        anchor = self.cursor_key if self._cursor > 0 else None
        old_keys = self._keys
        old_rows = self._rows
        keys = list(rows)
        new_rows: dict[str, Cells] = {}
        widths = self._widths
        grown = False
        for key in keys:
            cells = tuple(rows[key])
            if len(cells) != len(self.columns):
                raise ValueError(f"row {key!r} has {len(cells)} cells for {len(self.columns)} columns")
            previous = old_rows.get(key)
            if previous is not None and previous == cells:
                cells = previous  # keep the object: the line cache compares by identity first
            else:
                for column, value in enumerate(cells):
                    width = cell_width(value)
                    if width > widths[column]:
                        widths[column] = width
                        grown = True
            new_rows[key] = cells
        self._keys = keys
        self._rows = new_rows
        self._index = {key: index for index, key in enumerate(keys)}
        for key in [key for key in self._lines if key not in new_rows]:
            del self._lines[key]
        size = Size(self._line_width(), len(keys) + 1)
        resized = size != self.virtual_size
        self.virtual_size = size
        cursor = self._index.get(anchor, self._cursor) if anchor is not None else 0
        self._cursor = max(0, min(cursor, len(keys) - 1))
        if grown or resized:  # new widths, or a scrollbar to show or resize: every line
            self._header = None
            self.refresh()
        else:
            self._refresh_changed(old_keys, old_rows)
        self._scroll_to_cursor()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped), scroll it into view, say so."""
        if not self._keys:
            return
        index = max(0, min(index, len(self._keys) - 1))
        if index == self._cursor:
            return
        before, self._cursor = self._cursor, index
        self._refresh_rows(before, index)
        self._scroll_to_cursor()
        self.post_message(self.RowHighlighted(self, self._keys[index], index))

    # -- keys and mouse -----------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page())

    def action_scroll_top(self) -> None:
        self.move_cursor(0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(len(self._keys) - 1)

    def action_select_cursor(self) -> None:
        if self._keys:
            self.post_message(self.RowSelected(self, self._keys[self._cursor], self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = int(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._keys):
            event.stop()
            if index == self._cursor:
                self.action_select_cursor()
            else:
                self.move_cursor(index)

    def on_focus(self, event: events.Focus) -> None:
        self._focus_moved(event, True)

    def on_blur(self, event: events.Blur) -> None:
        self._focus_moved(event, False)

    def _focus_moved(self, event: events.Focus | events.Blur, focused: bool) -> None:
        """What Widget's own focus handlers do, except repainting every line: only the cursor's
        line looks different focused (its bar's colour), so Tab between two panes repaints two
        lines instead of two tables."""
        event.prevent_default()
        self.has_focus = focused
        if self._keys:
            self._refresh_rows(self._cursor)
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self) if focused else events.DescendantBlur(self))

    # -- painting -----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._look = None
        self._header = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # not size: the vertical scrollbar covers a column
        scroll_x, scroll_y = self.scroll_offset
        base = self._current_look()[0]  # the widget's style walks every ancestor: once per style change
        if y == 0:
            strip = self._header_line()
        else:
            index = scroll_y + y - 1
            if not 0 <= index < len(self._keys):
                return Strip.blank(width, base)
            strip = self._row_line(index)
        end = scroll_x + width
        if strip.cell_length > end and strip.crop(end).text.strip():
            # Text goes on past the pane's edge: say so where it is cut. Cut bare, "line > 100
            # ms" read "line > 10", another threshold.
            shown = strip.crop(scroll_x, end - 1)
            style = next((segment.style for segment in reversed(list(shown)) if segment.text.strip()), base)
            return Strip.join([shown, Strip([Segment("…", style)], 1)])
        return strip.crop_extend(scroll_x, end, base)

    def _current_look(self) -> tuple[Style, ...]:
        """(base, header, cursor, focused cursor) as CSS has them now."""
        if self._look is None:
            self._look = (self.rich_style,
                          *(self.get_component_rich_style(name, partial=False) for name in
                            ("keyed-table--header", "keyed-table--cursor", "keyed-table--cursor-focused")))
        return self._look

    def _line_width(self) -> int:
        return sum(width + 2 * self.cell_padding for width in self._widths)

    def _header_line(self) -> Strip:
        widths = tuple(self._widths)
        look = self._current_look()
        cached = self._header
        if cached is not None and cached[0] == widths and cached[1] == look:
            return cached[2]
        strip = self._draw(self.columns, widths, look[1])
        self._header = (widths, look, strip)
        return strip

    def _row_line(self, index: int) -> Strip:
        key = self._keys[index]
        cells = self._rows[key]
        widths = tuple(self._widths)
        on_cursor = index == self._cursor
        focused = self.has_focus
        look = self._current_look()
        cached = self._lines.get(key)
        if (cached is not None and (cached[0] is cells or cached[0] == cells) and cached[1] == widths
                and cached[2] == on_cursor and cached[3] == focused and cached[4] == look):
            return cached[5]
        over = (look[3] if focused else look[2]) if on_cursor else None
        strip = self._draw(cells, widths, look[0], over)
        self._lines[key] = (cells, widths, on_cursor, focused, look, strip)
        return strip

    def _draw(self, cells: Sequence[Cell], widths: Sequence[int], style: Style, over: Style | None = None) -> Strip:
        """One line: each cell padded to its column, the rest of the width in the line's style."""
        pad = " " * self.cell_padding
        line = Text(no_wrap=True, end="")
        for value, width in zip(cells, widths):
            text = cell_text(value)
            text.truncate(width, overflow="ellipsis", pad=True)
            line.append(pad)
            line.append_text(text)
            line.append(pad)
        total = max(self._line_width(), self.size.width)
        line.truncate(total, pad=True)
        segments = line.render(self.app.console, end="")
        return Strip(Segment.apply_style(segments, style=style, post_style=over), total)

    # -- repainting what changed --------------------------------------------------------

    def _refresh_changed(self, old_keys: list[str], old_rows: dict[str, Cells]) -> None:
        """Repaint the visible lines whose row changed (a different key, or other cells)."""
        if not self.is_mounted:
            return
        top = int(self.scroll_y)
        visible = max(0, self.size.height - 1)
        for index in range(top, top + visible):
            new_key = self._keys[index] if index < len(self._keys) else None
            old_key = old_keys[index] if index < len(old_keys) else None
            if new_key != old_key or (new_key is not None and self._rows[new_key] is not old_rows.get(new_key)):
                self.refresh_line(index + 1)

    def _refresh_rows(self, *indexes: int) -> None:
        for index in indexes:
            self.refresh_line(index + 1)

    def refresh_line(self, y: int) -> None:
        # The header is line 0 and never scrolls: row lines sit one below their index.
        if self.is_mounted:
            super().refresh_line(y)

    def _page(self) -> int:
        return max(1, self.size.height - 2)

    def _scroll_to_cursor(self) -> None:
        if not self.is_mounted:
            return
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + visible:
            self.scroll_to(y=self._cursor - visible + 1, animate=False, immediate=True)

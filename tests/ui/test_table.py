"""LeanTable draws exactly what Textual's DataTable draws, after every kind of change.

LeanTable reuses cell and line renders while what they show is the same; a reuse that
missed a change would leave an old value, an old cursor bar or an old order on screen.
Each step below changes two tables the same way, one LeanTable and one DataTable, and
compares every line they paint (text, colours and the row/column data mouse clicks read),
as the screen gets them: through the widget's line cache, which keeps a line until the
table marks it for repainting (a focus change repaints the cursor's line only).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable

from cockpit.ui.widgets.table import LeanTable

COLUMNS = ("lvl", "name", "age", "note", "more")


def cells(i: int, tick: int = 0) -> tuple[object, ...]:
    """Cells of every kind the panes use, and a few they might: styled, marked up, wide, empty."""
    level = Text("CRIT", "bold") if i % 3 == 0 else "ok"
    note = Text.assemble(("note ", "italic"), (f"{i}", "bold reverse"), " [x]")
    more = ("[b]marked[/b] up", "", "東京 wide", Text("ends\n"), 3.5)[i % 5]
    return (level, f"service-{i:03d}", f"{(i * 7 + tick) % 60}s", note, more)


#: The focus look of the panes' tables (LeanTable's CSS): the cursor bar changes, nothing else.
UNTINTED = """
DataTable { height: 12; }
DataTable:focus { background-tint: $foreground 0%; & > .datatable--header { background-tint: $foreground 0%; } }
"""


class Pair(App[None]):
    CSS = UNTINTED

    def compose(self) -> ComposeResult:
        yield LeanTable(id="lean", cursor_type="row")
        yield DataTable(id="plain", cursor_type="row")

    def tables(self) -> list[DataTable]:
        return [self.query_one("#lean", DataTable), self.query_one("#plain", DataTable)]

    def fill(self, rows: int) -> None:
        """The same columns and ``rows`` rows in both tables."""
        for table in self.tables():
            for column in COLUMNS:
                table.add_column(column, key=column)
            for i in range(rows):
                table.add_row(*cells(i), key=f"k{i}")


def painted(table: DataTable) -> list[list[tuple[str, object]]]:
    """Every line of ``table`` as the compositor gets it (``Widget.render_lines``: the line cache first)."""
    width, height = table.outer_size
    return [[(seg.text, seg.style) for seg in strip] for strip in Widget.render_lines(table, Region(0, 0, width, height))]


async def same_picture(pilot, app: Pair, what: str) -> None:
    """Both tables paint the same lines (neither focused: focus changes the colours)."""
    app.set_focus(None)
    await pilot.pause()
    lean, plain = app.tables()
    assert painted(lean) == painted(plain), what


async def same_focused_picture(pilot, app: Pair, what: str) -> None:
    """Each table, focused in turn, paints the same lines."""
    pictures = []
    for table in app.tables():
        table.focus()
        await pilot.pause()
        pictures.append(painted(table))
    assert pictures[0] == pictures[1], what


async def test_a_lean_table_paints_what_a_datatable_paints_after_every_change():
    app = Pair()
    async with app.run_test(size=(70, 30)) as pilot:
        app.fill(30)
        await same_picture(pilot, app, "first rows")
        lean, plain = app.tables()
        painted(lean)  # warm LeanTable's caches: the next steps must not reuse stale renders

        for table in app.tables():
            table.update_cell("k1", "age", "59m")
            table.update_cell("k2", "lvl", Text("WARN", "bold"))
            table.update_cell("k4", "note", 4.0)  # a float is drawn "4.00", unlike an int 4
        await same_picture(pilot, app, "cells updated in place")
        for table in app.tables():
            table.update_cell("k4", "note", 4)
        await same_picture(pilot, app, "an equal value of another type")

        for table in app.tables():
            table.add_row("ok", "a-new-row-with-a-longer-name", "1s", "wide", "", key="wide")
        painted(lean)  # a frame painted before the new row is measured (widths change after it)
        await same_picture(pilot, app, "a new row widens a column: every row is drawn to the new width")
        for table in app.tables():
            table.remove_row("wide")

        for table in app.tables():
            table.move_cursor(row=3)
        await same_picture(pilot, app, "cursor moved")
        lean, plain = app.tables()
        assert isinstance(lean, LeanTable) and not isinstance(plain, LeanTable)
        assert painted(lean)[4] != painted(lean)[5]  # the cursor bar is on the fourth row
        await same_focused_picture(pilot, app, "focused: the cursor bar and header change colour")
        await same_picture(pilot, app, "focus gone again")

        for table in app.tables():
            table.sort(key=lambda row: row[1], reverse=True)
        await same_picture(pilot, app, "rows sorted: every row moved, none changed")

        for table in app.tables():
            table.remove_row("k0")
            table.add_row(*cells(0, tick=5), key="k0")
            table.update_cell("k9", "name", "a-much-longer-service-name-that-widens-the-column")
        await same_picture(pilot, app, "row removed and added back, a column widened")

        for table in app.tables():
            table.update_cell("k15", "age", "NEW")  # row 14: out of view until the scroll
            table.scroll_to(y=10, animate=False)
        await same_picture(pilot, app, "scrolled")
        assert any("NEW" in seg[0] for line in painted(app.tables()[0]) for seg in line)

        await same_focused_picture(pilot, app, "scrolled, focused")

        assert lean.coordinate_to_cell_key(lean.cursor_coordinate).row_key.value == "k26"
        lean.remove_rows(["k3", "k5", "k20", "k26"])  # the row under the cursor among them
        for key in ("k3", "k5", "k20", "k26"):
            plain.remove_row(key)
        await same_picture(pilot, app, "several rows removed at once")
        assert lean.cursor_coordinate == plain.cursor_coordinate and lean.row_count == plain.row_count == 26
        assert [lean.get_row_at(i) for i in range(26)] == [plain.get_row_at(i) for i in range(26)]

        for table in app.tables():
            table.clear()
            for i in range(5):
                table.add_row(*cells(i, tick=9), key=f"k{i}")
        await same_picture(pilot, app, "cleared and refilled")


class TintedPair(Pair):
    """Both tables tinted when focused, as Textual's DataTable is: every line changes colour."""

    CSS = """
    DataTable { height: 12; }
    DataTable:focus { background-tint: $foreground 20%; & > .datatable--header { background-tint: $foreground 20%; } }
    """


async def test_a_lean_table_tinted_on_focus_repaints_every_line():
    app = TintedPair()
    async with app.run_test(size=(70, 30)) as pilot:
        app.fill(12)
        for table in app.tables():
            table.move_cursor(row=2)
        await same_picture(pilot, app, "first rows")
        painted(app.tables()[0])
        await same_focused_picture(pilot, app, "focused: every line tinted")
        await same_picture(pilot, app, "focus gone: the tint with it")

"""The panes' table (``KeyedTable``) as a responder meets it: rows in the order given, the
cursor where the responder left it, keys and clicks, hostile cell text, and repaints that
cost what changed."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from cockpit.ui.widgets.keyed_table import KeyedTable

from .helpers import screen_text

pytestmark = pytest.mark.slow  # Textual Pilot


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[str] = []
        self.highlighted: list[str] = []

    def compose(self) -> ComposeResult:
        yield KeyedTable(["lvl", "name", "state"], id="t")

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        self.selected.append(event.key)

    def on_keyed_table_row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)


def alarms(n: int, state: str = "ALARM") -> dict[str, tuple[object, ...]]:
    return {f"k{i}": ("CRIT" if i % 3 == 0 else "ok", f"alarm-{i}", Text(state, "bold")) for i in range(n)}


def lines(app: App) -> list[str]:
    return [line.rstrip() for line in screen_text(app).splitlines()]


async def test_rows_show_in_the_order_given_under_a_header() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(KeyedTable)
        assert lines(app)[0].split() == ["lvl", "name", "state"]  # before any row
        table.set_rows(alarms(3))
        await pilot.pause()
        assert [line.split()[1] for line in lines(app)[1:4]] == ["alarm-0", "alarm-1", "alarm-2"]
        table.set_rows(dict(reversed(alarms(3).items())))
        await pilot.pause()
        assert [line.split()[1] for line in lines(app)[1:4]] == ["alarm-2", "alarm-1", "alarm-0"]
        table.set_rows({})
        await pilot.pause()
        assert lines(app)[0].split() == ["lvl", "name", "state"] and not any(lines(app)[1:])


async def test_an_untouched_cursor_stays_on_top_and_a_moved_one_follows_its_row() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        table.set_rows(alarms(4))
        await pilot.pause()
        newest_first = {"k9": ("CRIT", "alarm-9", "ALARM"), **alarms(4)}
        table.set_rows(newest_first)
        assert table.cursor_key == "k9"  # the top is "the worst thing now"
        await pilot.press("down", "down")
        assert table.cursor_key == "k1" and app.highlighted[-1] == "k1"
        moved = {k: v for k, v in newest_first.items() if k != "k1"} | {"k1": newest_first["k1"]}
        table.set_rows(moved)  # k1 sinks from row 2 to the bottom
        assert table.cursor_row == 4 and table.cursor_key == "k1"
        table.set_rows({k: v for k, v in newest_first.items() if k != "k1"})  # its row leaves
        assert table.cursor_key is not None and 0 <= table.cursor_row < 4


async def test_keys_move_and_scroll_the_cursor_enter_and_a_click_select() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 6)) as pilot:  # a header and five rows
        table = app.query_one(KeyedTable)
        table.focus()
        table.set_rows(alarms(30))
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_key == "k29" and "alarm-29" in lines(app)[-1]  # scrolled to it
        assert lines(app)[0].split() == ["lvl", "name", "state"]  # the header stays
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert table.cursor_row > 1 and f"alarm-{table.cursor_row}" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [table.cursor_key]
        await pilot.press("home")
        await pilot.click(KeyedTable, offset=(5, 3))  # the third row: cursor there
        await pilot.pause()
        assert table.cursor_key == "k2" and app.selected == [app.selected[0]]
        await pilot.click(KeyedTable, offset=(5, 3))  # again: select it
        await pilot.pause()
        assert app.selected[-1] == "k2"


async def test_cell_text_is_shown_as_text_never_as_markup_or_terminal_control() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 4)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_rows({"x": ("[bold red]CRIT[/]", "evil\x1b[2J\x1b]0;pwned\x07name", Text("st\x1b[31mate"))})
        await pilot.pause()
        row = lines(app)[1]
        assert "[bold red]CRIT[/]" in row
        assert "evilname" in row and "pwned" not in row and "\x1b" not in screen_text(app)
        assert "state" in row


async def test_a_column_grows_to_its_widest_cell_and_a_wide_table_scrolls_sideways() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 4)) as pilot:
        table = app.query_one(KeyedTable)
        table.focus()
        long = "an-alarm-name-longer-than-the-screen"
        table.set_rows({"a": ("ok", long, "OK"), "b": ("ok", "short", "OK")})
        await pilot.pause()
        shown = lines(app)[1].split()[1]
        assert shown.endswith("…") and long.startswith(shown[:-1])  # cut by the screen edge, and says so
        assert lines(app)[2].split()[1] == "short"
        table.scroll_right(animate=False)
        table.scroll_to(x=20, animate=False, immediate=True)
        await pilot.pause()
        assert "OK" in lines(app)[1]


async def test_a_refresh_renders_only_the_rows_it_changed(monkeypatch) -> None:
    """The reason the panes have their own table: 200 rows a refresh, a few changed."""
    app = TableApp()
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_rows(alarms(200))
        await pilot.pause()
        drawn: list[object] = []
        original = KeyedTable._draw

        def counting(self, cells, *args, **kwargs):
            drawn.append(cells[1])
            return original(self, cells, *args, **kwargs)

        monkeypatch.setattr(KeyedTable, "_draw", counting)
        rows = alarms(200)
        rows["k3"] = ("CRIT", "alarm-3", Text("OK"))  # one visible row changes
        table.set_rows(rows)
        await pilot.pause()
        assert drawn == ["alarm-3"]


async def test_text_under_the_vertical_scrollbar_is_cut_where_it_shows_and_says_so() -> None:
    """The rows were drawn as wide as the widget, scrollbar column included: its last visible
    character fell under the scrollbar, and "line > 100 ms" read "line > 10"."""
    app = TableApp()
    # 38 columns: the rows' own width, so only the scrollbar hides anything.
    async with app.run_test(size=(38, 4)) as pilot:
        table = app.query_one(KeyedTable)
        table.set_rows({f"r{i}": ("ok", "dynamodb-latency", "line > 100 ms") for i in range(10)})
        await pilot.pause()
        assert table.show_vertical_scrollbar
        row = lines(app)[1]
        assert "…" in row and "line > 10" in row, row

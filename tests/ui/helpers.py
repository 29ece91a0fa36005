"""What the user sees, as text, and waiting for it."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

from rich.console import Console
from textual.app import App


def screen_text(app: App) -> str:
    """The screen as plain text, exactly as composited (what a terminal would show).

    The one copy the UI tests share (tests/ui, ui_incident, ui_playbook). It renders the
    screen the way ``App.export_screenshot`` does, minus the SVG: Textual's only public way
    to the composited screen is that SVG, whose text comes in positioned spans that would
    have to be parsed back into lines. So this is the suite's one use of Textual internals
    (``Screen._compositor``, ``App._background_screens``, the same two calls
    ``export_screenshot`` makes); if Textual moves them, this is the one place to change.
    """
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, force_terminal=True,
                      color_system=None, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


async def wait_for(pilot, check: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    """Let the app run until ``check()`` is truthy; fail with the screen when it never is."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await pilot.pause(0.05)
    raise AssertionError(f"not seen within {timeout} s: {what}\n{screen_text(pilot.app)}")


async def seconds_to_answer(pilot, key: str, answered: Callable[[], object], timeout: float = 5.0) -> float:
    """Press ``key`` and return how long the app took to act on it (``answered()`` turned truthy).

    Timed by polling the app's own event loop every 10 ms while the key is delivered, so a
    blocked loop shows as a late answer. Not the time ``pilot.press`` takes: that also waits
    until the whole process looks idle (Textual's ``wait_for_idle``, up to 1 s twice), which a
    test process busy polling a misbehaving provider rarely is.
    """
    started = time.perf_counter()
    press = asyncio.create_task(pilot.press(key))
    try:
        while not answered() and time.perf_counter() - started < timeout:
            await asyncio.sleep(0.01)
        return time.perf_counter() - started
    finally:
        await press


async def wait_for_text(pilot, *needles: str, timeout: float = 20.0) -> str:
    """Wait until every needle is on screen; return the screen."""
    await wait_for(pilot, lambda: all(n in screen_text(pilot.app) for n in needles), timeout, f"{needles!r}")
    return screen_text(pilot.app)


async def settle(pilot) -> None:
    await pilot.pause()
    await asyncio.sleep(0)


def rows(app: App, pane_id: str) -> list[list[str]]:
    """The rows of a pane's table as displayed (plain text), top to bottom."""
    from cockpit.ui.widgets.keyed_table import KeyedTable

    table = app.screen.query_one(f"#{pane_id} KeyedTable", KeyedTable)
    return [[getattr(cell, "plain", str(cell)) for cell in table.row(i)] for i in range(table.row_count)]


def row(app: App, pane_id: str, *needles: str) -> list[str] | None:
    """The first row of a pane that contains every needle in some cell, else None."""
    for cells in rows(app, pane_id):
        if all(any(n in c for c in cells) for n in needles):
            return cells
    return None


def pane_error(app: App, pane_id: str) -> str:
    """The error line inside a pane ("" when it is hidden)."""
    from textual.widgets import Static

    line = app.screen.query_one(f"#{pane_id} .pane-error", Static)
    return str(line.render()) if line.display else ""

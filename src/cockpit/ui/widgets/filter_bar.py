"""``FilterBar``: the one-line filter input that takes the footer's place while you type.

A filter box inside the alarms pane took three of its lines and covered the rows being
filtered (at 80x24 with an incident: all but one). The bar sits where the footer was,
which is the one line nothing is lost on while typing (the footer's keys are not keys
while the input has focus). Each keystroke filters the pane at once; Enter keeps the
filter (the pane's title says it) and gives the line back to the footer; Esc clears it.
"""

from __future__ import annotations

from typing import Protocol

from textual.binding import Binding
from textual.widgets import Input


class Filterable(Protocol):
    """What the bar filters (the alarms pane)."""

    filter: str

    def set_filter(self, text: str) -> None: ...

    def focus_rows(self) -> None: ...


class FilterBar(Input):
    """A one-line input docked at the bottom, shown instead of the footer while it has a target."""

    DEFAULT_CSS = """
    FilterBar {
        dock: bottom;
        height: 1;
        border: none;
        padding: 0 1;
        display: none;
    }
    FilterBar:focus { border: none; }
    """
    BINDINGS = [Binding("escape", "clear", "Clear filter")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="/ filter: name, region, state, reason · Enter keeps · Esc clears", id=id)
        self.target: Filterable | None = None

    def open(self, target: Filterable) -> None:
        """Show the bar (the footer goes) with ``target``'s filter, ready to type."""
        self.target = target
        with self.prevent(Input.Changed):
            self.value = target.filter
        self._show(True)
        self.cursor_position = len(self.value)
        self.screen.set_focus(self)  # now, not after a refresh: the keys typed next are the filter

    def _show(self, shown: bool) -> None:
        self.display = shown
        for footer in self.screen.query("KeysFooter"):
            footer.display = not shown

    def close(self) -> None:
        """Back to the footer, focus back on the rows."""
        target, self.target = self.target, None
        self._show(False)
        if target is not None:
            target.focus_rows()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.target is not None:
            self.target.set_filter(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()

    def on_blur(self) -> None:
        """Focus went elsewhere (a click, Tab): the filter stays, the footer comes back."""
        if self.target is not None:
            self.close()

    def action_clear(self) -> None:
        if self.target is not None:
            self.target.set_filter("")
        self.close()

"""Pick from a list: the screens to switch to (``g``) and the playbooks a screen offers (``b``).

Both are modals that ``dismiss()`` with the chosen id (or None on Esc); the cockpit screen
decides what the choice means.
"""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class ChooseScreen(ModalScreen[str | None]):
    """A titled list of (id, label) options; Enter picks, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]], *, note: str = "",
                 current: str | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title, self._options, self._note, self._current = title, options, note, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            if self._note:
                yield Static(self._note, classes="dialog-note")
            yield OptionList(*(Option(label, id=key) for key, label in self._options), id="choices")

    def on_mount(self) -> None:
        self.query_one(".dialog").border_title = self._title
        self.query_one(".dialog").border_subtitle = "Enter to choose · Esc to cancel"
        options = self.query_one(OptionList)
        if self._current is not None:
            for index, (key, _) in enumerate(self._options):
                if key == self._current:
                    options.highlighted = index

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def screen_options(names: list[str], titles: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, f"[b]{escape(name)}[/]  {escape(titles.get(name, ''))}") for name in names]

"""Pick from a list: the screens to switch to (``g``) and the playbooks a screen offers (``b``).

The playbook list starts with what the screen's response plans suggest for what is firing
(``sources/response.py``), best first, with the reason and each decision criterion's live
state; the screen's other playbooks follow.

Both are modals that ``dismiss()`` with the chosen id (or None on Esc); the cockpit screen
decides what the choice means.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cockpit.ui.format import one_line


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


#: Characters a suggested playbook's lines are cut to: the picker's list at 80 columns.
WIDTH = 64
#: Said for a playbook the screen names that no file provides (or that does not load).
MISSING = "(not found or does not load: cockpit playbook validate)"


def playbook_options(suggested: list[Any], offered: list[str], playbooks: dict[str, Any]) -> list[tuple[str, str]]:
    """The picker's rows: the playbooks the response plans suggest for what is firing, best
    first, each with its reason and the live state of its decision criteria; then the rest of
    the screen's playbooks in the screen's order."""
    options: list[tuple[str, str]] = []
    for offer in suggested:
        playbook = playbooks.get(offer.playbook_id)
        title = one_line(playbook.title if playbook else MISSING, max(8, WIDTH - 4 - len(offer.playbook_id)))
        # One line each at 80 columns: the alarms are in the pane, the reason in the screen file.
        lines = [f"[b]▶ {escape(offer.playbook_id)}[/]  {escape(title)}",
                 f"  [dim]{escape(one_line(f'{offer.because[0].name}: {offer.plan.reason}', WIDTH - 2))}[/]"]
        lines += [f"  [{_STATUS_STYLE[c.status]}]{escape(one_line(c.short, WIDTH - 2))}[/]" for c in offer.checks]
        options.append((offer.playbook_id, "\n".join(lines)))
    shown = {offer.playbook_id for offer in suggested}
    for playbook_id in offered:
        if playbook_id not in shown:
            playbook = playbooks.get(playbook_id)
            options.append((playbook_id, f"[b]{escape(playbook_id)}[/]  {escape(playbook.title if playbook else MISSING)}"))
    return options


_STATUS_STYLE = {"met": "bold green", "not met": "yellow", "unknown": "dim"}

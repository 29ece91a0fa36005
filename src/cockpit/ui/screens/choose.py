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
        self.call_after_refresh(self._fit_list)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_list)

    def _fit_list(self) -> None:
        """Cap the list at the room the dialog has below its note.

        The dialog grows with its content up to 90 % of the screen; a list taller than what is
        left was clipped by the dialog, so at 80x24 the last playbooks and the highlight that
        End or ↓ moved onto them were off screen (Enter then ran a playbook nobody saw). A CSS
        cap on an auto-height child cannot say "what the auto-height parent has left", so the
        room is worked out once the note is laid out, and the list scrolls within it.
        """
        dialog = self.query_one(".dialog")
        options = self.query_one(OptionList)
        notes = sum(n.outer_size.height + n.styles.margin.bottom for n in dialog.query(".dialog-note"))
        room = self.size.height * 9 // 10 - dialog.styles.gutter.height - notes
        cap = max(3, min(20, room))
        if options.styles.max_height is None or options.styles.max_height.value != cap:
            options.styles.max_height = cap
            options.call_after_refresh(options.scroll_to_highlight)

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

"""What every incident dialog shares: keyboard-only, Enter submits, Escape cancels.

A responder at 3 a.m. should not have to learn each dialog: Tab moves between fields,
Enter (in a field or on a list) submits the whole dialog, ``ctrl+s`` submits from anywhere,
Escape gives up with nothing written. A refused value (an empty title) is said inside the
dialog, on one line, and the dialog stays open.
"""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from cockpit.timeline.severity import SEVERITIES, Severity
from cockpit.ui.forms import TypedText
from cockpit.ui.incident.text import severity_choice, severity_details

T = TypeVar("T")

HINT = "enter: {verb} · tab: next field · esc: cancel"


class FormDialog(TypedText, ModalScreen[T]):
    """Base of the incident dialogs; subclasses implement :meth:`submit`."""

    CSS_PATH = "incident.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit", show=False),
    ]
    #: Word shown in the hint line for Enter.
    VERB = "save"
    #: The dialog's border title.
    TITLE = ""

    def compose_footer(self) -> ComposeResult:
        yield Static("", classes="dialog-error")
        yield Static(HINT.format(verb=self.VERB), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(".dialog").border_title = self.TITLE
        self.query_one(".dialog-error", Static).display = False

    def refuse(self, message: str) -> None:
        """Say why the dialog cannot be submitted, and stay open."""
        error = self.query_one(".dialog-error", Static)
        error.update(Text(f"⚠ {message}"))
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        self.submit()

    def submit(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    @on(OptionList.OptionSelected)
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.submit()


class SeverityList(OptionList):
    """P0–P4 with the runbooks' definitions; the highlighted one is the choice.

    The choice carries a ``▶`` mark, not only the highlight's colour: on a monochrome
    terminal or with NO_COLOR a colour is all that would tell the levels apart."""

    MARK, UNMARKED = "▶ ", "  "

    def __init__(self, current: str = "P2", *, id: str | None = None) -> None:
        super().__init__(*(self._prompt(s, False) for s in SEVERITIES.values()), id=id, compact=True)
        self._initial = list(SEVERITIES).index(current) if current in SEVERITIES else 2

    def _prompt(self, sev: Severity, chosen: bool) -> Text:
        return Text((self.MARK if chosen else self.UNMARKED) + severity_choice(sev))

    def on_mount(self) -> None:
        self.highlighted = self._initial

    @on(OptionList.OptionHighlighted)
    def _mark_choice(self, event: OptionList.OptionHighlighted) -> None:
        for index, sev in enumerate(SEVERITIES.values()):
            self.replace_option_prompt_at_index(index, self._prompt(sev, index == event.option_index))

    @property
    def level(self) -> str:
        return list(SEVERITIES)[self.highlighted if self.highlighted is not None else self._initial]


class SeverityDetails(Static):
    """The highlighted level's definition, targets and source, under the list."""

    def show(self, level: str) -> None:
        self.update(severity_details(SEVERITIES[level]))

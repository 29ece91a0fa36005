"""The questions a run asks a person, one modal each; every dialog returns its answer with ``dismiss``.

Escape always means "no answer" (``None``): the engine then leaves the step where it was,
nothing is run or recorded as done, and the responder can answer later, skip with a reason
or abort. A dialog refuses an answer that cannot be right (an empty name, an unticked
item, a mistyped target) on one line inside the dialog and stays open, so a typo at 3 a.m.
never fails a step by accident; the engine checks the same things again before it acts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option as ListOption

from cockpit.content.playbook import Option

T = TypeVar("T")

CSS = str(Path(__file__).with_name("playbook.tcss"))


class PlaybookDialog(ModalScreen[T], Generic[T]):
    """Base: a bordered box, an error line, a hint; Escape cancels (dismisses None)."""

    CSS_PATH = CSS
    BINDINGS = [Binding("escape", "cancel", "No answer")]
    #: The box's border title.
    TITLE = ""
    #: The hint line under the box.
    HINT = "enter: answer · esc: no answer now"

    def __init__(self, step_title: str) -> None:
        super().__init__()
        #: The step that asks (shown at the top, so the responder knows which one).
        self.step_title = step_title

    def compose(self) -> ComposeResult:
        with Vertical(classes="pb-dialog"):
            yield Static(Text(self.step_title, style="bold"), classes="pb-dialog-step")
            yield from self.compose_body()
            yield Static("", classes="pb-dialog-error")
            yield Static(self.HINT, classes="pb-dialog-hint")

    def compose_body(self) -> ComposeResult:  # pragma: no cover - abstract
        yield from ()

    def on_mount(self) -> None:
        self.query_one(".pb-dialog").border_title = self.TITLE
        self.query_one(".pb-dialog-error").display = False

    def refuse(self, message: str) -> None:
        """Say why the answer is not accepted, and stay open."""
        error = self.query_one(".pb-dialog-error", Static)
        error.update(f"⚠ {message}")
        error.display = True

    def action_cancel(self) -> None:
        self.dismiss(None)


class ApprovalDialog(PlaybookDialog[str]):
    """An approval step: the approver types their name; returns it."""

    TITLE = "Approval"
    HINT = "enter: approve as this name · esc: no answer now"

    def __init__(self, step_title: str, approver: str, prompt: str) -> None:
        super().__init__(step_title)
        self.approver, self.prompt = approver, prompt

    def compose_body(self) -> ComposeResult:
        yield Static(self.prompt, classes="pb-dialog-prompt")
        yield Static(f"Approver ({self.approver}), type your name:")
        yield Input(placeholder="name of the person approving", id="approver")

    @on(Input.Submitted, "#approver")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if not name:
            self.refuse("type the approver's name (esc if nobody has approved yet)")
            return
        self.dismiss(name)


def option_text(option: Option, suggested: bool) -> Text:
    """One decision option: its label, where it leads, and the condition it carries."""
    text = Text("★ " if suggested else "  ", style="bold")
    text.append(option.label, style="bold" if suggested else "")
    if option.goto:
        text.append(f"  → {option.goto}", style="dim")
    if suggested:
        text.append("  (suggested: its condition holds)", style="italic")
    if option.condition:
        text.append(f"\n    when {' '.join(option.condition.split())}", style="dim")
    return text


class DecisionDialog(PlaybookDialog[str]):
    """A decision: pick one option; the engine's suggestion (if any) is marked and highlighted."""

    TITLE = "Decision"
    HINT = "↑↓: option · enter: decide · esc: no answer now"

    def __init__(self, step_title: str, prompt: str, options: list[Option], suggested: str | None) -> None:
        super().__init__(step_title)
        self.prompt, self.options, self.suggested = prompt, options, suggested

    def compose_body(self) -> ComposeResult:
        yield Static(self.prompt, classes="pb-dialog-prompt")
        yield OptionList(*(ListOption(option_text(o, o.id == self.suggested), id=o.id) for o in self.options),
                         id="options")

    def on_mount(self) -> None:
        super().on_mount()
        options = self.query_one("#options", OptionList)
        ids = [o.id for o in self.options]
        options.highlighted = ids.index(self.suggested) if self.suggested in ids else 0
        options.focus()

    @on(OptionList.OptionSelected, "#options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class ChecklistDialog(PlaybookDialog[list[str]]):
    """A manual checklist: space ticks an item, enter confirms once every item is ticked."""

    TITLE = "Checklist"
    HINT = "space: tick · enter: confirm all · esc: no answer now"
    BINDINGS = [Binding("enter", "confirm", "Confirm", priority=True)]

    def __init__(self, step_title: str, items: list[str]) -> None:
        super().__init__(step_title)
        self.items = items

    def compose_body(self) -> ComposeResult:
        yield SelectionList[str](*((item, item) for item in self.items), id="items")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#items").focus()

    def action_confirm(self) -> None:
        ticked = self.query_one("#items", SelectionList).selected
        if len(ticked) < len(self.items):
            self.refuse(f"{len(ticked)} of {len(self.items)} ticked: tick every item, or esc and skip with a reason")
            return
        self.dismiss([i for i in self.items if i in ticked])


class ConfirmDestructiveDialog(PlaybookDialog[str]):
    """A destructive step: shows the exact call and proceeds only when the target's name is typed exactly."""

    TITLE = "Destructive step"
    HINT = "enter: run it · esc: do not run"

    def __init__(self, step_title: str, call: list[str], expected: str) -> None:
        super().__init__(step_title)
        self.call, self.expected = call, expected

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="pb-dialog-call"):
            yield Static(Text("\n".join(self.call)))
        yield Static(Text.assemble("This changes the estate. Type ", (self.expected, "bold reverse"),
                                   " to run it:"))
        yield Input(placeholder=self.expected, id="typed")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#typed").focus()

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() != self.expected:
            self.refuse(f"does not match: type {self.expected} exactly (nothing was run)")
            return
        self.dismiss(event.value.strip())


VERDICTS = [
    ("done", "It happened: mark the step done (I checked the estate)"),
    ("rerun", "Run it again"),
    ("skip", "Skip it (it did not happen and must not)"),
]


class VerifyUnknownDialog(PlaybookDialog[str]):
    """A step was running when the last session ended: the responder checks and says what happened."""

    TITLE = "Outcome unknown — verify"
    HINT = "↑↓: verdict · enter: record it · esc: decide later"

    def __init__(self, step_title: str, call: list[str]) -> None:
        super().__init__(step_title)
        self.call = call

    def compose_body(self) -> ComposeResult:
        yield Static("This step was running when the last session ended; nobody knows whether it "
                     "finished. Check the estate, then say what happened. It is never re-run silently.",
                     classes="pb-dialog-prompt")
        with VerticalScroll(classes="pb-dialog-call"):
            yield Static(Text("\n".join(self.call)))
        yield OptionList(*(ListOption(label, id=verdict) for verdict, label in VERDICTS), id="verdicts")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#verdicts").focus()

    @on(OptionList.OptionSelected, "#verdicts")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class ReasonDialog(PlaybookDialog[str]):
    """Why: skipping a step or aborting the run needs a reason, which the timeline keeps."""

    HINT = "enter: confirm · esc: cancel"

    def __init__(self, step_title: str, title: str, question: str, value: str = "") -> None:
        super().__init__(step_title)
        self.TITLE, self.question, self.value = title, question, value

    def compose_body(self) -> ComposeResult:
        yield Static(self.question, classes="pb-dialog-prompt")
        yield Input(value=self.value, placeholder="reason", id="reason")

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.refuse("a reason is needed: it goes into the timeline")
            return
        self.dismiss(reason)

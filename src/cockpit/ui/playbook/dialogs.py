"""The questions a run asks a person, one modal each; every dialog returns its answer with ``dismiss``.

Escape always means "no answer" (``None``): the engine then leaves the step where it was,
nothing is run or recorded as done, and the responder can answer later, skip with a reason
or abort. A dialog refuses an answer that cannot be right (an empty name, a mistyped
target) on one line inside the dialog and stays open, so a typo at 3 a.m.
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
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option as ListOption

from cockpit.engine.operator import OptionState, Rejection
from cockpit.textsafe import sanitize
from cockpit.ui.forms import TypedText

T = TypeVar("T")

CSS = str(Path(__file__).with_name("playbook.tcss"))


class PlaybookDialog(TypedText, ModalScreen[T], Generic[T]):
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
            yield Static("", classes="pb-dialog-error", markup=False)
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


class ApprovalDialog(PlaybookDialog[str | Rejection]):
    """An approval step: the approver types their name; returns it, or a :class:`Rejection`.

    A reason typed in the second field turns the same enter into a rejection: the hint says
    which of the two enter will do before it is pressed.
    """

    TITLE = "Approval"
    FORM_NAME = "the approval"
    HINT = "enter: approve as this name · tab: reason, to reject · esc: no answer now"
    REJECT_HINT = "enter: REJECT, with this reason · clear the reason to approve · esc: no answer now"

    def __init__(self, step_title: str, approver: str, prompt: str) -> None:
        super().__init__(step_title)
        self.approver, self.prompt = approver, prompt

    def compose_body(self) -> ComposeResult:
        yield Static(self.prompt, classes="pb-dialog-prompt", markup=False)
        yield Static(f"Approver ({self.approver}), type your name:", markup=False)
        yield Input(placeholder="name of the person approving or rejecting", id="approver")
        yield Static("To reject instead, say why (the run then stops at this step):")
        yield Input(placeholder="reason for rejecting (empty: approve)", id="reason")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#approver").focus()

    @on(Input.Changed, "#reason")
    def _reason_changed(self, event: Input.Changed) -> None:
        hint = self.REJECT_HINT if event.value.strip() else self.HINT
        self.query_one(".pb-dialog-hint", Static).update(hint)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self.query_one("#approver", Input).value.strip()
        reason = " ".join(self.query_one("#reason", Input).value.split())
        if not name:
            self.query_one("#approver").focus()
            self.refuse("type the name of who " + ("rejects" if reason else "approves")
                        + " (esc if nobody has answered yet)")
            return
        self.dismiss(Rejection(name, reason) if reason else name)


#: Met / not met in words as well as a sign, so it reads without colour.
MET_MARKS = {"met": "✓ met", "not met": "✗ not met", "unknown": "? unknown"}


def option_text(option: OptionState, suggested: bool) -> Text:
    """One decision option as a person reads it: its label, where it leads, and whether
    its criterion is met now, with the evidence (never the raw condition)."""
    text = Text("★ " if suggested else "  ", style="bold")
    text.append(sanitize(option.label), style="bold" if suggested else "")
    if option.goto:
        text.append(f"  → {'end of the run' if option.goto == 'end' else option.goto}", style="dim")
    if suggested:
        text.append("  (suggested)", style="italic")
    why = sanitize(option.evidence)
    if option.met is not None:
        text.append(f"\n    {MET_MARKS[option.met]}", style="bold" if option.met == "met" else "")
        if why:
            text.append(f": {why}", style="dim")
    elif why:
        text.append(f"\n    {why}", style="dim")
    return text


class DecisionDialog(PlaybookDialog[str]):
    """A decision: pick one option; the engine's suggestion (if any) is marked and highlighted."""

    TITLE = "Decision"
    HINT = "↑↓: option · enter: decide · esc: no answer now"

    def __init__(self, step_title: str, prompt: str, options: list[OptionState], suggested: str | None) -> None:
        super().__init__(step_title)
        self.prompt, self.options, self.suggested = prompt, options, suggested

    def compose_body(self) -> ComposeResult:
        yield Static(self.prompt, classes="pb-dialog-prompt", markup=False)
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


def check_mark(item: str, ticked: bool) -> Text:
    """One checklist line: ``[x]``/``[ ]`` read the same with or without colour."""
    return Text.assemble(("[x] " if ticked else "[ ] ", "bold" if ticked else ""), sanitize(item))


class ChecklistDialog(PlaybookDialog[list[str]]):
    """A manual checklist: space ticks the highlighted item; enter confirms every item.

    Enter is "I have done all of these": it ticks what is left, shows it ticked, and returns
    every item. Ticking one by one is for keeping one's place while working down the list.
    """

    TITLE = "Checklist"
    HINT = "space: tick/untick · enter: confirm all (ticks every item) · esc: no answer now"
    BINDINGS = [Binding("enter", "confirm", "Confirm all", priority=True),
                Binding("space", "toggle", "Tick", show=False)]

    def __init__(self, step_title: str, items: list[str]) -> None:
        super().__init__(step_title)
        self.items = items
        #: Indexes of the items ticked so far.
        self.ticked: set[int] = set()

    def compose_body(self) -> ComposeResult:
        yield OptionList(*(ListOption(check_mark(item, False)) for item in self.items), id="items")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#items").focus()

    def _show(self, index: int) -> None:
        self.query_one("#items", OptionList).replace_option_prompt_at_index(
            index, check_mark(self.items[index], index in self.ticked))

    def action_toggle(self) -> None:
        index = self.query_one("#items", OptionList).highlighted
        if index is None:
            return
        self.ticked ^= {index}
        self._show(index)

    @on(OptionList.OptionSelected, "#items")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        """A mouse click ticks the item (enter is bound above and confirms)."""
        event.stop()
        self.ticked ^= {event.option_index}
        self._show(event.option_index)

    def action_confirm(self) -> None:
        for index in set(range(len(self.items))) - self.ticked:
            self.ticked.add(index)
            self._show(index)
        self.dismiss(list(self.items))


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
        # Not the expected text as a placeholder: grey text in the field reads as already typed.
        yield Input(placeholder="type the text above", id="typed")

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
        yield Static(self.question, classes="pb-dialog-prompt", markup=False)
        yield Input(value=self.value, placeholder="reason", id="reason")

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.refuse("a reason is needed: it goes into the timeline")
            return
        self.dismiss(reason)

"""Quitting without losing anything: ask first when a step is executing or a form holds typed text.

``q`` (and ctrl+c) at 3 a.m. can be a slip. Two things would be lost silently: a playbook
step whose call is executing (the process would die mid-call), and text typed into a
dialog (a note, a declaration, an approval) that was never submitted. When either is true,
:func:`quit_or_ask` shows :class:`QuitDialog`, which says exactly what quitting will do;
"keep" is highlighted. Quitting anyway first cancels the step through the engine
(``Engine.cancel``) and waits for it to be recorded ``cancelled``, the same state the ``x``
key leaves, so the run reopens at that step with nothing run twice.

The app imports this module when someone quits, not for its first frame: it brings in the
playbook screen (and so the engine).
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol, runtime_checkable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cockpit.ui.forms import TypedText
from cockpit.ui.playbook.start import running_screen

#: How long quitting waits for a cancelled step to be recorded (a shell gets SIGTERM, then
#: SIGKILL after 5 s) before it exits anyway.
CANCEL_WAIT_S = 10.0


@runtime_checkable
class RunningWork(Protocol):
    """A screen with work that quitting would interrupt (the guided playbook screen)."""

    def quit_concern(self) -> str | None:
        """What quitting now would do to it, in a sentence; None when nothing."""
        ...

    async def stop_for_quit(self) -> None:
        """Put the work in a recorded state before the app exits."""
        ...


def _running_work(app: App[Any]) -> list[RunningWork]:
    screens: list[Any] = [*app.screen_stack, running_screen(app)]
    found: list[RunningWork] = []
    for screen in screens:
        if isinstance(screen, RunningWork) and screen not in found:
            found.append(screen)
    return found


def concerns(app: App[Any]) -> tuple[list[RunningWork], list[str]]:
    """(the work to stop before exiting, every sentence the quit question shows)."""
    work, lines = [], []
    for screen in _running_work(app):
        concern = screen.quit_concern()
        if concern:
            work.append(screen)
            lines.append(concern)
    for screen in app.screen_stack:
        if isinstance(screen, TypedText) and screen.typed_text():
            lines.append(f"Unsaved text in {screen.form_name()}: quitting throws it away.")
    return work, lines


class QuitDialog(ModalScreen[bool]):
    """Quit anyway (y), or keep working (n, escape; highlighted). The keys are named on each
    line, so the choice reads without colour."""

    DEFAULT_CSS = """
    QuitDialog { align: center middle; }
    QuitDialog #quit-dialog {
        width: 72; height: auto; max-height: 20; border: round $error; background: $surface; padding: 0 1;
    }
    QuitDialog #quit-choice { height: auto; margin-top: 1; }
    QuitDialog .quit-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,n", "keep", "Keep working"), Binding("y", "quit_anyway", "Quit anyway")]

    def __init__(self, lines: list[str], running: bool) -> None:
        super().__init__()
        self.lines, self.running = lines, running

    def compose(self) -> ComposeResult:
        quit_label = "Quit anyway: cancel the step, record it, then quit" if self.running else "Quit anyway"
        with Vertical(id="quit-dialog"):
            for line in self.lines:
                yield Static(Text(f"• {line}"), classes="quit-line")
            yield OptionList(Option("n  Keep working", id="keep"), Option(f"y  {quit_label}", id="quit"),
                             id="quit-choice")
            yield Static("n or esc: keep working · y: quit anyway · ↑↓ enter", classes="quit-hint")

    def on_mount(self) -> None:
        self.query_one("#quit-dialog").border_title = "Quit Cockpit?"
        choice = self.query_one("#quit-choice", OptionList)
        choice.highlighted = 0
        choice.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id == "quit")

    def action_keep(self) -> None:
        self.dismiss(False)

    def action_quit_anyway(self) -> None:
        self.dismiss(True)


async def quit_or_ask(app: App[Any]) -> None:
    """The app's quit action: exit now when nothing would be lost, else ask first."""
    if isinstance(app.screen, QuitDialog):
        return  # the question is on screen: answer it (a second q is not a yes)
    work, lines = concerns(app)
    if not lines:
        app.exit()
        return

    async def answered(quit_anyway: bool | None) -> None:
        if not quit_anyway:
            return
        for screen in work:
            try:
                await asyncio.wait_for(screen.stop_for_quit(), CANCEL_WAIT_S)
            except TimeoutError:
                app.log.error("quitting: a cancelled step was not recorded within %ss", CANCEL_WAIT_S)
        app.exit()

    app.push_screen(QuitDialog(lines, running=bool(work)), callback=answered)

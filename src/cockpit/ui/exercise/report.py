"""The end of an exercise on screen: the facilitator's confirmation, then the after-action report.

Ending scores the team and resolves the exercise incident, which cannot be undone from
here, so F9 asks first (``y`` / Enter to end, ``n`` / Escape to carry on). The report is the
same Markdown ``cockpit incident export`` appends (``exercise/report.py``); ``x`` writes the
whole postmortem with it to a file, as ``cockpit incident export ID --format md -o FILE`` would.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label


class ConfirmEndScreen(ModalScreen[bool]):
    """"End the exercise now?" — dismisses with True to end it."""

    DEFAULT_CSS = """
    ConfirmEndScreen { align: center middle; }
    #confirm-end { width: 64; height: auto; border: thick $warning; padding: 0 1; }
    #confirm-end Label { width: 100%; }
    #confirm-end Horizontal { height: auto; }
    """
    BINDINGS = [Binding("y", "answer(True)", "End it"), Binding("n,escape", "answer(False)", "Carry on")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.exercise_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-end"):
            yield Label(f"End the exercise “{self.exercise_title}” now?", markup=False)
            yield Label("The team is scored on what the timeline holds and the incident is resolved.")
            with Horizontal():
                yield Button("End exercise (y)", variant="warning", id="end")
                yield Button("Carry on (n)", id="carry-on")

    def on_mount(self) -> None:
        self.query_one("#carry-on", Button).focus()  # Enter by habit must not end it

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "end")

    def action_answer(self, end: bool) -> None:
        self.dismiss(end)


class AfterActionScreen(ModalScreen[None]):
    """The after-action report of an ended exercise; ``x`` exports it, Escape closes."""

    DEFAULT_CSS = """
    AfterActionScreen { layout: vertical; }
    #after-action { width: 100%; height: 1fr; border: thick $accent; }
    #after-action-status { height: 1; padding: 0 1; }
    """
    BINDINGS = [Binding("x", "export", "Export report"), Binding("escape,c", "close", "Close")]

    def __init__(self, incident_id: str, report: str, export: Callable[[str], Awaitable[Path]]) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.report = report
        self._export = export
        #: Where the report was last exported (None: not yet).
        self.exported: Path | None = None

    def compose(self) -> ComposeResult:
        from textual.widgets import Markdown  # markdown-it: not on the cockpit's first frame

        with VerticalScroll(id="after-action"):
            yield Markdown(self.report or f"{self.incident_id}: not an exercise incident.")
        yield Label(f"{self.incident_id} resolved — x export the report, Esc close", id="after-action-status",
                    markup=False)
        yield Footer()

    @work(exclusive=True, exit_on_error=False, description="exporting the after-action report")
    async def action_export(self) -> None:
        try:
            path = await self._export(self.incident_id)
        except OSError as exc:
            self.notify(f"Export failed: {exc}", severity="error", timeout=10)
            return
        self.exported = path
        self.query_one("#after-action-status", Label).update(f"Exported to {path}")
        self.notify(f"After-action report written to {path}", title="Exported")

    def action_close(self) -> None:
        self.dismiss(None)

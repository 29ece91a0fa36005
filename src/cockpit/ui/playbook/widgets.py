"""The two panes of the guided screen: the step list and the selected step's detail.

Both are functions of :class:`~cockpit.ui.playbook.progress.RunProgress`: the list updates
its rows in place (``update_cell``), the detail redraws the one step it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Markdown, Static

from cockpit.content import steps as kinds
from cockpit.textsafe import sanitize
from cockpit.ui.playbook.progress import STATE_LABELS, RunProgress, StepView, took

#: Room for a step's number and title in the list (the rest of the 80 columns is the detail pane).
TITLE_WIDTH = 21


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _numbered(view: StepView, title: str) -> str:
    return _short(f"{view.number:>2} {title}", TITLE_WIDTH)


def state_cell(view: StepView) -> Text:
    word, style = STATE_LABELS.get(view.label, (view.label, ""))
    return Text(word, style=style)


class StepList(DataTable[Any]):
    """Every step with its state and duration; phases as header rows with their clock against the budget."""

    def __init__(self, progress: RunProgress, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.progress = progress

    def on_mount(self) -> None:
        self.add_column("state", key="state", width=9)
        self.add_column("step", key="title", width=TITLE_WIDTH)
        self.add_column("time", key="time", width=9)
        phase = object()
        for view in self.progress.steps.values():
            if view.phase != phase and view.phase in self.progress.phases:
                title = self.progress.phases[view.phase].title
                self.add_row("", Text(_short(title, TITLE_WIDTH), style="bold underline"), "",
                             key=f"phase:{view.phase}")
            phase = view.phase
            self.add_row(state_cell(view), _numbered(view, view.title), "", key=view.id)
        self.refresh_clocks()

    def show_step(self, view: StepView, title: str | None = None) -> None:
        """Redraw one step's row in place."""
        self.update_cell(view.id, "state", state_cell(view))
        self.update_cell(view.id, "time", took(view.duration))
        if title is not None:
            self.update_cell(view.id, "title", _numbered(view, title))

    def refresh_clocks(self, now: datetime | None = None) -> None:
        for phase_id in self.progress.phases:
            if not self.progress.phase_steps(phase_id):
                continue
            text, over = self.progress.phase_text(phase_id, now)
            self.update_cell(f"phase:{phase_id}", "time", Text(text, style="bold red" if over else "bold"),
                             update_width=False)

    def follow(self, step_id: str) -> None:
        """Move the cursor to ``step_id`` (the step the run is at)."""
        self.move_cursor(row=self.get_row_index(step_id))

    @property
    def selected_step(self) -> str | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return None if key is None or key.startswith("phase:") else key


class StepDetail(VerticalScroll):
    """One step: title and state, the exact call, what is expected, the result and live output, instructions."""

    def compose(self) -> ComposeResult:
        # The call first: on 24 rows it is what the responder must see before pressing enter.
        yield Static(id="pb-step-head")
        yield Static(id="pb-step-state")
        yield Static(id="pb-call")
        yield Static(id="pb-expected")
        yield Static(id="pb-output")
        yield Markdown(id="pb-instructions")

    def show(self, view: StepView, *, title: str, instructions: str, call: list[str], refusal: str | None,
             is_current: bool, same_step: bool) -> None:
        # Titles, instructions and calls are rendered with the run's parameters: whatever a
        # parameter holds, nothing a terminal would act on reaches the screen.
        title, instructions = sanitize(title, newlines=False), sanitize(instructions)
        call = [sanitize(line) for line in call]
        head = Text(f"{view.number}. {title}", style="bold")
        head.append(f"  [{view.kind} · {view.risk}]", style="dim")
        self.query_one("#pb-step-head", Static).update(head)
        self.query_one("#pb-step-state", Static).update(_state_text(view, refusal, is_current))
        if not same_step:
            self.query_one("#pb-instructions", Markdown).update(instructions)
        self.query_one("#pb-instructions", Markdown).display = bool(instructions.strip())
        actions = [line for line in call if not _is_expectation(line)]
        expected = [line for line in call if _is_expectation(line)]
        self.query_one("#pb-call", Static).update(_section("Call", actions))
        self.query_one("#pb-expected", Static).update(_section("Expected", expected or _expected_for(view)))
        self.query_one("#pb-output", Static).update(_output(view))


def _is_expectation(line: str) -> bool:
    bare = line.strip()
    return bare.startswith(("expect", "output ", "until ")) or bare.startswith("expect status")


def _expected_for(view: StepView) -> list[str]:
    return list(kinds.of(view.kind).expected)


def _section(name: str, lines: list[str]) -> Text:
    text = Text(name, style="bold underline")
    for line in lines or ["—"]:
        text.append("\n" + line)
    return text


def _state_text(view: StepView, refusal: str | None, is_current: bool) -> Text:
    word, style = STATE_LABELS.get(view.label, (view.label, ""))
    text = Text(word, style=style)
    if view.duration is not None:
        text.append(f" in {took(view.duration)}")
    if view.attempt > 1:
        text.append(f" (attempt {view.attempt})")
    if view.summary:
        text.append(f": {view.summary}")
    if view.error and view.error not in view.summary:
        text.append(f"\nerror: {view.error}", style="red")
    if view.question:
        text.append(f"\nwaiting for you: {view.question}", style="bold yellow")
    if view.state == "pending" and refusal:
        text.append(f"\nwill be {refusal} — the call is shown, not made", style="magenta")
    if view.state == "unknown":
        text.append("\nwas running when the last session ended: press enter to verify", style="bold yellow")
    if is_current and view.state in ("pending", "waiting"):
        text.append("\n← current step: enter runs it", style="bold")
    return text


def _output(view: StepView) -> Text:
    text = Text("Result", style="bold underline")
    if view.outputs:
        for key, value in view.outputs.items():
            text.append(f"\n{key} = {value!r}"[:300])
    if view.lines:
        text.append("\n" + "\n".join(view.lines))
    if not view.outputs and not view.lines:
        text.append("\n—" if view.state in ("pending", "waiting") else f"\n{view.summary or view.state}")
    return text

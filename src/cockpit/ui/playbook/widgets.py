"""The panes of a run's screen: the title, the clocks, the step list and the selected step's detail.

All are functions of :class:`~cockpit.ui.playbook.progress.RunProgress`: the list updates
its rows in place (``update_cell``), the detail redraws the one step it shows. Two screens
show a run with them: the guided screen (``screen.py``, the run driven here) and the
follow screen (``follow.py``, a run another host drives: ``driver`` names who, and the
hints say what they do instead of which key to press).
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


def run_title(badge: str, title: str, incident_id: str) -> Text:
    """The screen's top line: the badge first (a long title never pushes it off the screen),
    the playbook's title, the incident."""
    text = Text()
    if badge:
        text.append(f" {badge.upper()} ", style="bold reverse magenta")
        text.append(" ")
    text.append(sanitize(title, newlines=False), style="bold")
    text.append(f"  · {incident_id}", style="dim")
    return text


class RunClock(Static):
    """The run's clocks: the phase the run is in against its budget, the run against its RTO,
    the steps done and the run's status."""

    def show(self, progress: RunProgress, phase: str | None) -> None:
        phase_part = Text()
        if phase and phase in progress.phases:
            spent, late = progress.phase_text(phase)
            phase_part.append(f"{progress.phases[phase].title} {spent}", style="bold red" if late else "")
        rto, over = progress.rto_text()
        run_part = Text(rto, style="bold red" if over else "")
        done = sum(1 for v in progress.steps.values() if v.finished_state)
        run_part.append(f" · {done}/{len(progress.steps)} steps · {progress.status}")
        self.update(self._lines(phase_part, run_part))

    def _lines(self, phase_part: Text, run_part: Text) -> Text:
        """One line when the phase and the run's clock fit the width, else two (phase first):
        at 80 columns a long phase title would otherwise push the step count off the line."""
        width = self.size.width or max(1, self.screen.size.width - 2)
        if not phase_part:
            return run_part
        if phase_part.cell_len + 3 + run_part.cell_len <= width:
            return Text.assemble(phase_part, " · ", run_part)
        phase_part.truncate(width, overflow="ellipsis")
        run_part.truncate(width, overflow="ellipsis")
        return Text.assemble(phase_part, "\n", run_part)


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
             is_current: bool, same_step: bool, driver: str | None = None) -> None:
        """``driver``: who drives the run from another host (the follow screen); None: the run is driven here."""
        # Titles, instructions and calls are rendered with the run's parameters: whatever a
        # parameter holds, nothing a terminal would act on reaches the screen.
        title, instructions = sanitize(title, newlines=False), sanitize(instructions)
        call = [sanitize(line) for line in call]
        head = Text(f"{view.number}. {title}", style="bold")
        head.append(f"  [{view.kind} · {view.risk}]", style="dim")
        self.query_one("#pb-step-head", Static).update(head)
        self.query_one("#pb-step-state", Static).update(_state_text(view, refusal, is_current, driver))
        if not same_step:
            self.query_one("#pb-instructions", Markdown).update(instructions)
        self.query_one("#pb-instructions", Markdown).display = bool(instructions.strip())
        actions = [line for line in call if not _is_expectation(line)]
        expected = [line for line in call if _is_expectation(line)]
        self.query_one("#pb-call", Static).update(_section("Call", actions))
        self.query_one("#pb-expected", Static).update(_section("Expected", expected or _expected_for(view)))
        self.query_one("#pb-output", Static).update(_output(view, driver))


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


def _state_text(view: StepView, refusal: str | None, is_current: bool, driver: str | None = None) -> Text:
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
    if driver is not None:  # followed: nothing here runs it; say who does
        if view.state == "unknown":
            text.append(f"\noutcome unknown: {driver} verifies it", style="bold yellow")
        elif is_current and view.state in ("pending", "waiting", "running"):
            doing = "is running it" if view.state == "running" else "runs it next"
            text.append(f"\n← current step: {driver} {doing}", style="bold")
        return text
    if view.state == "unknown":
        text.append("\nwas running when the last session ended: press enter to verify", style="bold yellow")
    if is_current and view.state in ("pending", "waiting"):
        text.append("\n← current step: enter runs it", style="bold")
    return text


def _output(view: StepView, driver: str | None = None) -> Text:
    text = Text("Result", style="bold underline")
    if view.outputs:
        for key, value in view.outputs.items():
            # repr() escapes a value's controls; a key came from a playbook, or another host's event
            text.append(f"\n{sanitize(str(key), newlines=False)} = {value!r}"[:300])
    if view.lines:
        text.append("\n" + "\n".join(view.lines))
    if not view.outputs and not view.lines:
        if driver is not None and view.state == "running":  # live lines stay on the driver's screen
            text.append(f"\n— shown here when the step ends on {driver}'s cockpit")
        else:
            text.append("\n—" if view.state in ("pending", "waiting") else f"\n{view.summary or view.state}")
    return text

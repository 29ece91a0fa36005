"""What the guided screen knows about a run: each step's state, timing and output; the clocks.

A plain model (no widgets) fed by the engine's events and, when a run is reopened, by the
timeline's step records, so the list, the detail pane and the clocks are functions of it.
Time is wall-clock UTC: the RTO counts people's time too (a decision that took ten
minutes is ten minutes of outage), and a resumed run keeps counting from its real start.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cockpit.content.durations import format_duration
from cockpit.content.event_kinds import EventKind
from cockpit.content.playbook import Playbook
from cockpit.engine.events import EngineEvent, StepFinished, StepOutput, StepStarted, StepWaiting
from cockpit.textsafe import sanitize

#: Lines of live output kept per step (a chatty shell step must not eat memory).
MAX_LINES = 500

#: How each state reads in the step list: (glyph and word, style).
STATE_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("· pending", "dim"),
    "running": ("▶ running", "bold cyan"),
    "waiting": ("? waiting", "bold yellow"),
    "succeeded": ("✓ ok", "green"),
    "failed": ("✗ FAILED", "bold red"),
    "skipped": ("↷ skipped", "dim"),
    "not executed": ("⊘ not run", "magenta"),
    "unknown": ("‽ UNKNOWN", "bold reverse yellow"),
    "cancelled": ("■ cancel", "red"),
}


def _safe(text: str | None) -> str | None:
    return None if text is None else sanitize(text)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_ts(value: str | None) -> datetime | None:
    if not value:
        return None
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def clock(seconds: float) -> str:
    """``04:07`` or ``1:02:03``: a running clock."""
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def budget(seconds: float) -> str:
    """``15m``, ``1h``, ``1h30m``: a budget reads better without zero seconds."""
    text = format_duration(seconds)
    for zero in ("00s", "00m"):
        if text.endswith(zero) and len(text) > 3:
            text = text[: -len(zero)]
    return text


def took(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.1f}s" if seconds < 60 else format_duration(seconds)


@dataclass
class StepView:
    """One step as the screen shows it."""

    id: str
    number: int
    title: str
    kind: str
    risk: str
    phase: str | None
    state: str = "pending"
    #: One line: the result, the reason it was skipped or not executed, or the error.
    summary: str = ""
    error: str | None = None
    duration: float | None = None
    started: datetime | None = None
    finished: datetime | None = None
    attempt: int = 1
    #: The exact call as the engine rendered it when the step ran (else the preview is used).
    call: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_LINES))
    #: What the step is waiting for (a question to a person), while it waits.
    question: str = ""

    @property
    def label(self) -> str:
        """The state as the list shows it: "not executed" is a skip the guard decided."""
        if self.state == "skipped" and self.summary.startswith("not executed"):
            return "not executed"
        return self.state

    @property
    def finished_state(self) -> bool:
        return self.state in ("succeeded", "failed", "skipped", "cancelled")


class RunProgress:
    """Steps, phases and clocks of one run."""

    def __init__(self, playbook: Playbook, started_at: datetime | None = None) -> None:
        self.playbook = playbook
        self.started_at = started_at or utcnow()
        self.finished_at: datetime | None = None
        self.status = "running"
        self.steps: dict[str, StepView] = {
            s.id: StepView(s.id, n, sanitize(s.title), s.kind, s.risk.value if s.risk else "read", s.phase)
            for n, s in enumerate(playbook.steps, 1)
        }
        self.phases = {p.id: p for p in playbook.targets.phases}

    # -- feeding ---------------------------------------------------------------------------
    def load(self, records: dict[str, Any], events: list[Any]) -> None:
        """A reopened run: states and times from the timeline's step records and step events."""
        for step_id, rec in records.items():
            view = self.steps.get(step_id)
            if view is None:
                continue
            view.state, view.attempt = rec.state, rec.attempt
            view.outputs, view.error = dict(rec.outputs or {}), _safe(rec.error)
            view.started, view.finished = parse_ts(rec.started_at), parse_ts(rec.finished_at)
            if view.started and view.finished:
                view.duration = (view.finished - view.started).total_seconds()
        for event in events:
            view = self.steps.get(event.data.get("step_id", ""))
            if view is None:
                continue
            data = event.data
            if event.kind == EventKind.STEP_STARTED:  # a new attempt: what the last one said is history
                view.summary = ""
            view.summary = sanitize(str(data.get("not_executed") or data.get("result") or data.get("reason")
                                        or data.get("error") or view.summary))
            if data.get("duration_s") is not None:
                view.duration = float(data["duration_s"])
            if data.get("call_preview"):
                view.call = [sanitize(str(line)) for line in data["call_preview"]]

    def apply(self, event: EngineEvent, now: datetime | None = None) -> str | None:
        """Take one engine event; returns the id of the step it changed (None for run events)."""
        now = now or utcnow()
        if isinstance(event, StepStarted):
            view = self.steps[event.step_id]
            view.state, view.attempt, view.question = "running", event.attempt, ""
            view.summary, view.error = "", None
            view.started = view.started or now  # a retry keeps the first start: the phase clock is wall time
            if event.attempt > 1:
                view.lines.append(f"— attempt {event.attempt} —")
            if event.call:
                view.call = [sanitize(line) for line in event.call]
            return view.id
        if isinstance(event, StepOutput):
            # A program's output may hold colour codes or worse (OSC 52 writes the clipboard).
            self.steps[event.step_id].lines.append(sanitize(event.line, newlines=False))
            return event.step_id
        if isinstance(event, StepWaiting):
            view = self.steps[event.step_id]
            view.state, view.question = "waiting", sanitize(event.question)
            view.started = view.started or now
            return view.id
        if isinstance(event, StepFinished):
            view = self.steps[event.step_id]
            summary = event.summary
            if summary.startswith(f"{event.state}: "):  # "succeeded: HTTP 200" under a "✓ ok" label
                summary = summary[len(event.state) + 2:]
            view.state, view.summary, view.error, view.question = event.state, sanitize(summary), _safe(event.error), ""
            view.finished = now
            if event.duration:
                view.duration = event.duration
                view.started = view.started or now
            elif view.state == "succeeded" and view.started:
                view.duration = (now - view.started).total_seconds()  # a person's step: their time
            if event.outputs:
                view.outputs = dict(event.outputs)
            if event.call:
                view.call = [sanitize(line) for line in event.call]
            return view.id
        status = getattr(event, "status", None)
        if status is not None:  # RunFinished
            self.status, self.finished_at = status, now
        return None

    def at(self, guarded: bool = False) -> str | None:
        """The id of the step the run is at, from the states alone (None: every step is done).

        For a run with no engine here (followed from another host); the engine's own answer
        is ``Engine.current``, by the same rule: succeeded and skipped steps are behind the
        run, and a failed one too unless it aborts the run (a guarded run never aborts).
        """
        for step in self.playbook.steps:
            state = self.steps[step.id].state
            if state in ("succeeded", "skipped"):
                continue
            if state == "failed" and (step.on_failure != "abort" or guarded):
                continue
            return step.id
        return None

    def not_answered(self, step_id: str) -> None:
        """The person gave no answer: the step is back where it was (pending) until they do."""
        view = self.steps[step_id]
        if view.state in ("waiting", "running"):
            view.state, view.question = "pending", ""

    # -- clocks ----------------------------------------------------------------------------
    def elapsed(self, now: datetime | None = None) -> float:
        end = self.finished_at or now or utcnow()
        return (end - self.started_at).total_seconds()

    def phase_steps(self, phase_id: str) -> list[StepView]:
        return [v for v in self.steps.values() if v.phase == phase_id]

    def phase_elapsed(self, phase_id: str, now: datetime | None = None) -> float | None:
        """Wall time from the phase's first step starting to its last finishing (or now); None before it starts."""
        views = self.phase_steps(phase_id)
        starts = [v.started or v.finished for v in views if v.started or v.finished]
        if not starts:
            return None
        if all(v.finished_state for v in views):
            ends = [v.finished or v.started for v in views if v.finished or v.started]
            return (max(e for e in ends if e) - min(s for s in starts if s)).total_seconds()
        end = self.finished_at or now or utcnow()
        return (end - min(s for s in starts if s)).total_seconds()

    def phase_text(self, phase_id: str, now: datetime | None = None) -> tuple[str, bool]:
        """(``03:12/15m``, over budget?) for a phase."""
        phase = self.phases.get(phase_id)
        spent = self.phase_elapsed(phase_id, now)
        limit = phase.budget if phase else None
        shown = clock(spent) if spent is not None else "--:--"
        if limit:
            return f"{shown}/{budget(limit)}", spent is not None and spent > limit
        return shown, False

    def rto_text(self, now: datetime | None = None) -> tuple[str, bool]:
        """(``elapsed 04:07 / RTO 1h00m``, over?) for the whole run."""
        spent = self.elapsed(now)
        rto = self.playbook.targets.rto
        if rto:
            return f"elapsed {clock(spent)} / RTO {budget(rto)}", spent > rto
        return f"elapsed {clock(spent)}", False

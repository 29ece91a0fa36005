"""What the engine tells its listeners: small, immutable, past-tense facts.

The headless CLI prints them; the Textual guided screen (which must not be imported here)
turns them into messages. Every fact that matters is also in the timeline; these events
exist so a UI can update at once instead of polling the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineEvent:
    """Base class: every event names the run it belongs to."""

    run_id: str


@dataclass(frozen=True)
class RunStarted(EngineEvent):
    playbook_id: str
    resumed: bool = False
    at_step: str | None = None


@dataclass(frozen=True)
class StepStarted(EngineEvent):
    step_id: str
    title: str
    call: list[str] = field(default_factory=list)  # the exact call, as `cockpit playbook show` prints it
    attempt: int = 1


@dataclass(frozen=True)
class StepOutput(EngineEvent):
    """A line of live output (a shell step's stdout/stderr, a wait step's poll)."""

    step_id: str
    line: str
    stream: str = "stdout"


@dataclass(frozen=True)
class StepWaiting(EngineEvent):
    """The step needs a person (approval, decision, checklist, confirmation, verify)."""

    step_id: str
    question: str


@dataclass(frozen=True)
class StepHeld(EngineEvent):
    """Another host holds the step (engine/claims.py): nothing was executed here."""

    step_id: str
    holder: str
    attempt: int
    state: str  # claimed | settled
    outcome: str | None = None


@dataclass(frozen=True)
class StepFinished(EngineEvent):
    step_id: str
    state: str  # succeeded | failed | skipped | cancelled | unknown
    summary: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    duration: float = 0.0
    call: list[str] = field(default_factory=list)
    #: A failed step's meaning in a check run: warning or critical (an expectation did not
    #: hold, at its severity), or unknown (the call itself failed: the check could not be read,
    #: unless the step's ``error_severity`` says otherwise). None for every other outcome.
    level: str | None = None


@dataclass(frozen=True)
class RunFinished(EngineEvent):
    status: str  # succeeded | failed | aborted
    reason: str = ""

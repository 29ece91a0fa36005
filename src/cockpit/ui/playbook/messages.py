"""What the guided playbook screen hears: past-tense facts, small and immutable.

The engine (no Textual) calls its listeners synchronously from the worker that drives it;
the screen's listener only wraps each engine event in :class:`RunProgressed` and posts it,
so every widget update happens in the screen's own message handlers, in order.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from cockpit.engine.events import EngineEvent


class RunProgressed(Message):
    """The engine reported something (a step started, streamed a line, finished...)."""

    def __init__(self, event: EngineEvent) -> None:
        super().__init__()
        #: The engine's own event (cockpit.engine.events), untouched.
        self.event = event


class RunOpened(Message):
    """The run was created (or reopened after a crash) and the engine is ready for controls."""

    def __init__(self, engine: Any, started_at: str, records: dict[str, Any], events: list[Any]) -> None:
        super().__init__()
        #: The :class:`cockpit.engine.Engine` driving this run.
        self.engine = engine
        #: ISO time the run started (the RTO clock counts from it, across crashes).
        self.started_at = started_at
        #: Step records from the timeline (started_at / finished_at for durations) by step id.
        self.records = records
        #: The run's step events from the timeline (summaries, "not executed" reasons, durations).
        self.events = events


class RunOpenFailed(Message):
    """The run could not be created or reopened; ``error`` is one line for the responder."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error

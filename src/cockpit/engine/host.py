"""What the gates (``person.py``) and the drill's estate proof (``estate_proof.py``) need of a run.

The gates decide what happens to one step before and around its execution: ``when``, the
policy guard, the person steps, the confirmations. They record every outcome through the
run, but they are not the run: they see it through :class:`StepHost`, a narrow typed
interface the engine implements (``engine.EngineHost``). So the gates call no private
method of the engine, and ``person.py`` does not import ``engine.py`` (which imports it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

from cockpit.content.playbook import Playbook

from cockpit.content.step_base import StepBase
from cockpit.engine.events import EngineEvent
from cockpit.engine.operator import Operator
from cockpit.engine.policy import Policy
from cockpit.engine.runtime import Runtime
from cockpit.timeline import StepState

#: (scheme, host, port) of an endpoint.
Origin = tuple[str, str, int]


class StepHost(Protocol):
    """One run as the gates see it: what it knows, and the transactions that move a step."""

    run_id: str
    playbook: Playbook
    policy: Policy
    operator: Operator
    runtime: Runtime
    #: The incident as templates read it (``id``, ``mode``…).
    incident: Mapping[str, Any]
    #: Origins of the emulated estate that proved itself to this run (estate_proof.py); None: not asked yet.
    proven_estate: set[Origin] | None

    # -- what is known now --------------------------------------------------------------
    def context(self, preview: bool = False) -> dict[str, Any]:
        """The template context: strict (for a call), or a preview (unknown values shown as such)."""
        ...

    def preview(self, step: StepBase) -> list[str]:
        """The lines saying what ``step`` will do, with what is known now."""
        ...

    def title(self, step: StepBase) -> str:
        ...

    def render(self, step: StepBase) -> tuple[dict[str, Any] | None, list[str], str | None, bool]:
        """(call, preview lines, why it cannot render, whether an earlier output is missing)."""
        ...

    # -- the transactions ----------------------------------------------------------------
    async def set_state(self, step: StepBase, state: StepState, message: str) -> None:
        """Record ``step``'s new state (no execution: waiting for a person…)."""
        ...

    async def finish_step(self, step: StepBase, state: StepState, message: str, started: float, *,
                          call: list[str], outputs: dict[str, Any] | None = None, error: str | None = None,
                          data: dict[str, Any] | None = None) -> None:
        """Record ``step``'s final state for this attempt and tell the listeners."""
        ...

    async def execute(self, step: StepBase, call: dict[str, Any] | None, lines: list[str]) -> str:
        """Execute ``step`` with its retries and timeout, recording every transition; its final state."""
        ...

    async def skip_to(self, origin: StepBase, target: str) -> None:
        """Mark the steps between ``origin`` and ``target`` skipped (a decision's goto)."""
        ...

    async def ask(self, step: StepBase, question: str, answer: Awaitable[Any]) -> Any:
        """Wait for a person's ``answer`` to ``question`` (the run is ``waiting`` meanwhile)."""
        ...

    def emit(self, event: EngineEvent) -> None:
        """Tell the run's listeners (redacted like the timeline)."""
        ...

    async def record_event(self, kind: str, message: str, data: dict[str, Any]) -> None:
        """Write an incident event (a note, a decision, a notification) through the run's redaction."""
        ...

    async def record_approval(self, by: str, prompt: str, step: StepBase, **decision: Any) -> None:
        """Write who approved (or rejected, with ``decision``/``reason``) ``step``."""
        ...

"""The playbook engine: a run as a state machine persisted in the timeline (docs/engine.md).

A run walks the playbook's steps in order. The *current* step is the first one that is not
done, where done means succeeded, skipped, or failed with ``on_failure`` continue/goto; so
the position is a function of the persisted step states and survives kill -9. A step is
written ``running`` before it executes and a terminal state after; a step found
``running`` when a run is reopened becomes ``unknown`` and only the responder's verdict
(:meth:`Operator.verify_unknown`) moves it on. A finished step is never executed again,
except when a person explicitly retries a failed one.

Controls for a UI: :meth:`run_next`, :meth:`skip`, :meth:`retry`, :meth:`abort`,
:meth:`mark_done`, :meth:`cancel`; listen with :meth:`subscribe` or :meth:`events`.
Headless: :meth:`run_to_end`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypedDict

from cockpit.content import steps as kinds, templating
from cockpit.content.describe import describe_step
from cockpit.content.params import shown_value
from cockpit.content.playbook import Playbook
from cockpit.content.step_base import END, Risk, StepBase
from cockpit.engine import person
from cockpit.engine.claims import Claim, Held, NoClaims, StepClaims, Unavailable

from cockpit.engine.context import OutputNotProduced, incident_view, preview_context, strict_context
from cockpit.content.event_kinds import EventKind
from cockpit.engine.events import (
    EngineEvent, RunFinished, RunStarted, StepFinished, StepHeld, StepOutput, StepStarted, StepWaiting,
)
from cockpit.engine.host import Origin
from cockpit.engine.measures import readings
from cockpit.engine.operator import NeedsPerson, Operator
from cockpit.engine.policy import Policy
from cockpit.engine.record import Recorder, secret_values
from cockpit.engine.results import CheckFailed, NotStarted, StepFailure, StepResult, TimedOut, Unmet, jsonable
from cockpit.engine.runtime import Runtime
from cockpit.engine import steps as executors
from cockpit.engine.steps import execute, render_call
from cockpit.timeline import StepState, TimelineError
from cockpit.timeline.aio import AsyncTimeline

_ERRORS = (StepFailure, ArithmeticError, LookupError, TypeError, ValueError, templating.TemplateError)


class StepProgress(TypedDict, total=False):
    """What the run knows of one step (``Engine.records``), as templates read it (``steps.ID``).

    Rebuilt from the timeline on resume (``status``, ``outputs``, ``attempt``; ``not_executed``
    from the step's ``step_skipped`` event), so it is a plain mapping a template can read.
    """

    status: str  # a StepState value
    outputs: dict[str, Any]  # the last succeeded or failed attempt's
    attempt: int
    error: str | None
    not_executed: str | None  # why the guard did not execute it (dry run, read-only…)


def _pending() -> StepProgress:
    return {"status": "pending", "outputs": {}}


class EngineError(Exception):
    """A control used at the wrong moment (retry with nothing failed...); one line for the user."""


class NotRecorded(EngineError):
    """The timeline refused a step's write (disk full, locked too long): the run stops here.

    The message says whether the step executed. Once ``running`` is recorded it may have, so
    a resumed run finds it ``running``, makes it ``unknown`` and waits for a person's
    verdict: never silently run again, never silently taken as done.
    """


class Engine:
    """One playbook run. Create with :meth:`start` or :meth:`resume`; never both for one run."""

    def __init__(self, playbook: Playbook, timeline: AsyncTimeline, run_id: str, incident: Any,
                 params: dict[str, Any], *, operator: Operator, policy: Policy, runtime: Runtime | None = None,
                 screen: Any = None, records: dict[str, StepProgress] | None = None,
                 listeners: list[Callable[[EngineEvent], Any]] | None = None,
                 claims: StepClaims | None = None) -> None:
        self.playbook, self.tl, self.run_id = playbook, timeline, run_id
        #: Who may execute a writing step of a shared incident's run (claims.py); None gives
        #: :class:`~cockpit.engine.claims.NoClaims`: such steps are refused.
        self.claims = claims
        self.incident = incident_view(incident)
        self.params, self.operator, self.screen = params, operator, screen
        self.policy = dataclasses.replace(policy, tabletop=policy.tabletop or incident.mode == "tabletop")
        self.runtime = runtime or Runtime()
        self.runtime.emit = self._emit_output
        self._secret_names = [n for n, p in playbook.parameters.items() if p.secret]
        secrets = secret_values(params, self._secret_names)
        self.recorder = Recorder(secrets + ([self.runtime.webhook_url] if self.runtime.webhook_url else []))
        self.records: dict[str, StepProgress] = records or {}
        self.status = "running"  # running | waiting | halted | succeeded | failed | aborted
        self._listeners: list[Callable[[EngineEvent], Any]] = list(listeners or [])
        self._running: StepBase | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False
        #: Origins of the emulated estate that proved itself to this run (estate_proof.py).
        self.proven_estate: set[tuple[str, str, int]] | None = None
        self._recorded_running = False  # this attempt's `running` is in the timeline: it may have executed
        self._host = EngineHost(self)
        #: This process's hold on the run (``timeline/run_hold.py``), taken by start/resume.
        self._hold: Any = None

    # -- creating ------------------------------------------------------------------------
    @classmethod
    async def start(cls, playbook: Playbook, timeline: AsyncTimeline, incident_id: str, params: dict[str, Any],
                    **kwargs: Any) -> Engine:
        """Record a new run of ``playbook`` in the incident, every step pending."""
        incident = await timeline.incident(incident_id)
        policy: Policy = kwargs["policy"]
        clean = Recorder(secret_values(params, [n for n, p in playbook.parameters.items() if p.secret]))
        run_id = await timeline.call(timeline.sync.create_run, incident.id, playbook.id, clean.clean(params),
                                     mode=incident.mode, dry_run=policy.dry_run, read_only=policy.read_only)
        hold = await _hold(timeline, run_id)  # before any step can run: nobody else may drive it
        try:
            engine = cls(playbook, timeline, run_id, incident, params, **kwargs)
        except BaseException:
            hold.release()
            raise
        engine._hold = hold
        await timeline.call(engine.recorder.pending, timeline.sync, run_id, [s.id for s in playbook.steps])
        engine.records = {s.id: _pending() for s in playbook.steps}
        engine._emit(RunStarted(run_id, playbook.id, False, engine.current.id if engine.current else None))
        return engine

    @classmethod
    async def resume(cls, playbook: Playbook, timeline: AsyncTimeline, run_id: str, params: dict[str, Any],
                     **kwargs: Any) -> Engine:
        """Reopen a run: finished steps stay finished; a step found running becomes unknown.

        Refused (:class:`EngineError` naming who) while another process drives the run: its
        running step is running, not unknown, and the next step is that process's to run."""
        hold = await _hold(timeline, run_id)
        try:
            run = await timeline.call(timeline.sync.run, run_id)
            if run.status != "running":
                raise EngineError(f"run {run_id} already {run.status}")
        except BaseException:
            hold.release()
            raise
        incident = await timeline.incident(run.incident_id)
        states = await timeline.call(timeline.sync.step_states, run_id)
        records = {s.id: _pending() for s in playbook.steps}
        for st in states:
            records[st.step_id] = StepProgress(status=st.state, outputs=st.outputs, attempt=st.attempt)
        # Why a step was not executed lives in its step_skipped event (written with the state).
        for event in await timeline.call(timeline.sync.events, run.incident_id, kinds=["step_skipped"]):
            if event.data.get("run_id") == run_id and event.data.get("step_id") in records:
                records[event.data["step_id"]]["not_executed"] = event.data.get("not_executed")
        # A run keeps the guard it was started with: a read-only or dry run reopened in a
        # cockpit that may write must still not write.
        given: Policy = kwargs.pop("policy")
        policy = dataclasses.replace(given, dry_run=given.dry_run or run.dry_run, read_only=given.read_only or run.read_only)
        engine = cls(playbook, timeline, run_id, incident, params, records=records, policy=policy, **kwargs)
        engine._hold = hold
        for step in playbook.steps:
            if records[step.id]["status"] == StepState.RUNNING:
                await engine._set(step, StepState.UNKNOWN, "Step {title} was running when the last session ended: "
                                  "outcome unknown, verify", attempt=records[step.id].get("attempt", 1))
                engine._emit(StepFinished(run_id, step.id, "unknown", "was running when the last session ended: "
                                          "outcome unknown, verify"))
        engine._emit(RunStarted(run_id, playbook.id, True, engine.current.id if engine.current else None))
        return engine

    # -- listening -----------------------------------------------------------------------
    def subscribe(self, listener: Callable[[EngineEvent], Any]) -> Callable[[], None]:
        """Call ``listener(event)`` for every event from now on; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Every event from now until the run finishes."""
        queue: asyncio.Queue[EngineEvent] = asyncio.Queue()
        unsubscribe = self.subscribe(queue.put_nowait)
        try:
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, RunFinished):
                    return
        finally:
            unsubscribe()

    def _emit(self, event: EngineEvent) -> None:
        event = self._redacted(event)
        for listener in list(self._listeners):
            listener(event)

    def _redacted(self, event: EngineEvent) -> EngineEvent:
        """The event as listeners may show it: redacted like the timeline, with the run's secrets.

        What a listener shows ends up somewhere too (``cockpit run``'s output in a CI log or
        a terminal's scrollback, the guided screen): a program that prints a key, or a
        failure quoting a token, is redacted here once for every listener.
        """
        redactor = self.recorder.redactor
        changes: dict[str, Any] = {}
        for name in ("title", "line", "question", "summary", "error", "reason"):
            value = getattr(event, name, None)
            if isinstance(value, str):
                changes[name] = redactor.text(value)
        for name in ("call", "outputs"):
            value = getattr(event, name, None)
            if value:
                changes[name] = redactor.value(value)
        return dataclasses.replace(event, **changes) if changes else event

    def _emit_output(self, line: str, stream: str) -> None:
        if self._running is not None:
            self._emit(StepOutput(self.run_id, self._running.id, line, stream))

    # -- where we are --------------------------------------------------------------------
    def state_of(self, step_id: str) -> str:
        return str(self.records.get(step_id, {}).get("status", "pending"))

    def _done(self, step: StepBase) -> bool:
        state = self.state_of(step.id)
        return state in ("succeeded", "skipped") or (state == "failed" and (step.on_failure != "abort"
                                                                           or self.policy.guarded))

    @property
    def current(self) -> StepBase | None:
        """The step the run is at (None: every step is done)."""
        return next((s for s in self.playbook.steps if not self._done(s)), None)

    @property
    def finished(self) -> bool:
        return self.status in ("succeeded", "failed", "aborted")

    def context(self, preview: bool = False) -> dict[str, Any]:
        steps = {s.id: self.records.get(s.id) or {"status": "pending"} for s in self.playbook.steps}
        if not preview:
            return strict_context(self.params, steps, self.incident, self.screen)
        shown = {k: shown_value(v, k in self._secret_names) for k, v in self.params.items()}
        return preview_context(shown, steps, self.incident, self.screen)

    def preview(self, step: StepBase) -> list[str]:
        """The exact call ``step`` will make, with what is known now (for a UI's step pane)."""
        return describe_step(step, self.context(preview=True), responder=True)

    def title(self, step: StepBase) -> str:
        return str(templating.preview_value(step.title, self.context(preview=True)))

    # -- persisting ----------------------------------------------------------------------
    async def _set(self, step: StepBase, state: StepState, message: str, *, attempt: int | None = None,
                   outputs: dict[str, Any] | None = None, error: str | None = None,
                   data: dict[str, Any] | None = None) -> None:
        """Record a step's new state. ``attempt`` None keeps the count it has (a skip after
        two failed attempts is still the third look at the step, not the first)."""
        if attempt is None:
            attempt = int(self.records.get(step.id, {}).get("attempt") or 1)
        text = message.replace("{title}", self.title(step), 1)  # never .format: errors may hold braces
        measured = (readings(self.playbook, self.run_id, step.id, outputs or {})
                    if state == StepState.SUCCEEDED and not (data or {}).get("not_executed") else [])
        await self.tl.call(self.recorder.step, self.tl.sync, self.run_id, self.incident["id"], step.id, state,
                           message=text, attempt=attempt, outputs=outputs, error=error,
                           data={"kind": step.kind, "risk": step.risk.value, **(data or {})},  # type: ignore[union-attr]
                           playbook_id=self.playbook.id, measured=measured)
        rec = self.records.setdefault(step.id, {})
        rec["status"], rec["attempt"], rec["error"] = state.value, attempt, error
        rec["not_executed"] = (data or {}).get("not_executed")
        if state in (StepState.SUCCEEDED, StepState.FAILED):
            rec["outputs"] = outputs or {}

    async def _finish_step(self, step: StepBase, state: StepState, message: str, started: float, *,
                           call: list[str], attempt: int = 1, outputs: dict[str, Any] | None = None,
                           error: str | None = None, data: dict[str, Any] | None = None,
                           level: str | None = None) -> None:
        duration = round(time.monotonic() - started, 3)
        await self._set(step, state, message, attempt=attempt, outputs=outputs, error=error,
                        data={"duration_s": duration, "call_preview": call, **(data or {}),
                              **({"level": level} if level else {})})
        shown = {k: v for k, v in (outputs or {}).items() if k not in ("response", "object", "body", "result")}
        summary = message.replace("Step {title} ", "", 1)
        self._emit(StepFinished(self.run_id, step.id, state.value, summary,
                                shown, error, duration, call, level))

    async def _finish_run(self, status: str, reason: str = "") -> None:
        await self.tl.call(self.tl.sync.finish_run, self.run_id, status)
        self.status = status
        if self._hold is not None:
            self._hold.release()  # ended: there is nothing left to drive
        self._emit(RunFinished(self.run_id, status, reason))

    # -- moving on -----------------------------------------------------------------------
    async def _skip_to(self, origin: StepBase, target: str) -> None:
        """Mark the steps between ``origin`` and ``target`` (or every later step for ``end``) skipped."""
        ids = [s.id for s in self.playbook.steps]
        start = ids.index(origin.id) + 1
        stop = len(ids) if target == END else ids.index(target)
        for step in self.playbook.steps[start:stop]:
            if not self._done(step):
                await self._set(step, StepState.SKIPPED, f"Step {{title}} skipped: {origin.id} went to {target}",
                                data={"reason": f"goto {target} from {origin.id}"})
                self._emit(StepFinished(self.run_id, step.id, "skipped", f"goto {target} from {origin.id}"))

    async def _after(self, step: StepBase) -> None:
        """Finish the run when nothing is left."""
        if self.current is None and not self.finished:
            failed = [s.id for s in self.playbook.steps if self.state_of(s.id) == "failed"]
            stopped = [s.id for s in self.playbook.steps if self.state_of(s.id) == "failed" and s.on_failure == "abort"]
            status = "failed" if stopped else "succeeded"
            await self._finish_run(status, f"steps failed{'' if stopped else ' and continued'}: {', '.join(failed)}"
                                   if failed else "")

    # -- the controls ----------------------------------------------------------------------
    async def run_next(self) -> str | None:
        """Run the current step (asking the operator where a person is needed); returns its final state.

        Raises :class:`NeedsPerson` when the operator cannot answer; the step then stays
        where it was, and the run can be resumed with the answer.
        """
        step = self.current
        if step is None or self.finished:
            raise EngineError("the run is finished")
        state = self.state_of(step.id)
        if state == "unknown":
            verdict = await self._ask(step, "outcome unknown: verify", self.operator.verify_unknown(step))
            if verdict == "done":
                return await self.mark_done("verified done by the responder after an unknown outcome")
            if verdict == "skip":
                return await self.skip("skipped by the responder after an unknown outcome")
        elif state in ("failed", "cancelled"):
            self.status = "halted"
            raise EngineError(f"step {step.id} {state}: retry, skip or abort")
        return await self._guarded_run(step)

    async def retry(self) -> str | None:
        """Run the current step again (only a failed, cancelled or unknown one)."""
        step = self.current
        if step is None or self.state_of(step.id) not in ("failed", "cancelled", "unknown"):
            raise EngineError("there is no failed step to retry")
        return await self._guarded_run(step)

    async def skip(self, reason: str) -> str:
        step = self.current
        if step is None or self.finished:
            raise EngineError("the run is finished")
        if not reason.strip():
            raise EngineError("skipping a step needs a reason")
        await self._set(step, StepState.SKIPPED, f"Step {{title}} skipped: {reason}", data={"reason": reason})
        self._emit(StepFinished(self.run_id, step.id, "skipped", reason))
        self.status = "running"
        await self._after(step)
        return "skipped"

    async def mark_done(self, note: str = "marked done by the responder") -> str:
        step = self.current
        if step is None or self.finished:
            raise EngineError("the run is finished")
        await self._set(step, StepState.SUCCEEDED, f"Step {{title}} {note}", data={"reason": note},
                        outputs=self.records.get(step.id, {}).get("outputs") or {})
        self._emit(StepFinished(self.run_id, step.id, "succeeded", note))
        self.status = "running"
        await self._after(step)
        return "succeeded"

    async def abort(self, reason: str = "aborted by the responder") -> None:
        if not self.finished:
            await self._finish_run("aborted", reason)

    @property
    def executing(self) -> StepBase | None:
        """The step whose call is executing now (not one waiting for a person); None if none is."""
        return self._running if self._task is not None else None

    def cancel(self) -> bool:
        """Cancel the step that is executing (a shell gets SIGTERM, then SIGKILL); False if none is."""
        if self._task is None or self._running is None:
            return False
        self._cancelled = True
        self._task.cancel()
        return True

    async def run_to_end(self) -> str:
        """Headless: run every step in turn. A failed step applies its ``on_failure``; abort ends the run."""
        while not self.finished:
            if self.current is None:
                await self._after(self.playbook.steps[-1])
                break
            step = self.current
            await self.run_next()
            if self.state_of(step.id) in ("failed", "cancelled") and self.current is step:
                error = self.records.get(step.id, {}).get("error")
                await self._finish_run("failed", f"step {step.id} {self.state_of(step.id)}"
                                       + (f": {self.recorder.redactor.text(error)}" if error else ""))
        return self.status

    # -- one step ------------------------------------------------------------------------
    async def _ask(self, step: StepBase, question: str, answer: Awaitable[Any]) -> Any:
        self._emit(StepWaiting(self.run_id, step.id, question))
        try:
            return await answer
        except NeedsPerson:
            self.status = "waiting"
            raise

    async def _guarded_run(self, step: StepBase) -> str | None:
        self._task = asyncio.current_task()
        self._cancelled = False
        try:
            state = await person.run_step(self._host, step)
        finally:
            self._task = None
            self._running = None
        if self.status in ("waiting", "halted"):
            self.status = "running"
        if state == "failed" and self.policy.guarded:
            pass  # nothing writes, so a guarded run walks on; the failure is recorded (and fails the run)
        elif state in ("failed", "cancelled") and step.on_failure == "abort":
            self.status = "halted"
        elif state == "failed" and step.on_failure_goto:
            await self._skip_to(step, step.on_failure_goto)
        await self._after(step)
        return state

    async def _execute(self, step: StepBase, call: dict[str, Any] | None, lines: list[str]) -> str:
        """Run an executing step with its retries and timeout; record every transition.

        A write the timeline refuses stops the run with :class:`NotRecorded`, saying
        whether the step may have executed (its ``running`` state was recorded) or not.
        """
        self._recorded_running = False
        self._claimed = None
        try:
            state = await self._attempts(step, call, lines)
        except TimelineError as exc:
            if not self._recorded_running:
                raise NotRecorded(f"step {step.id} not started: {exc}") from None
            raise NotRecorded(f"step {step.id} executed, outcome not recorded — verify on resume: {exc}; "
                              f"it resumes as unknown (--resolve {step.id}=done|rerun|skip)") from None
        if self._claimed is not None:  # its outcome is committed here: the claim says it to the others
            await asyncio.to_thread(self._claims().settle, self.run_id, step.id, self._claimed, state)
        return state

    def _claims(self) -> StepClaims:
        return self.claims if self.claims is not None else NoClaims()

    async def _decide(self, step: StepBase, by: str, decision: str) -> None:
        """Before an approval of a shared incident's run is recorded: the share decides that
        this host's decision is the one (claims.py), or :class:`EngineError` says whose is."""
        if not await self._shared_here():
            return
        got = await asyncio.to_thread(self._claims().decide, self.run_id, step.id, by, decision)
        self._granted(step, got, "is an approval, and only the share can make sure one decision stands",
                      "Nothing was recorded; answer it again once the share answers")

    def _granted(self, step: StepBase, got: Claim, needs: str, then: str) -> None:
        """Go on if the share granted ``step`` to this host; else :class:`EngineError` saying
        who has it (and :class:`StepHeld` for listeners), or why the share cannot say."""
        name = f"step {step.id} {self.title(step)!r}"
        if isinstance(got, Held):
            self._emit(StepHeld(self.run_id, step.id, got.actor, got.attempt, got.state, got.outcome))
            raise EngineError(got.line(name))
        if isinstance(got, Unavailable):
            raise EngineError(f"{name} {needs}: {got.why}. {then}")

    async def _shared_here(self) -> bool:
        """Whether this run's incident is shared, refusing (EngineError) if another host took the run over."""
        if not await self.tl.call(self.tl.sync.is_shared, self.incident["id"]):
            return False
        node, actor = await self.tl.call(self.tl.sync.run_driver, self.run_id)
        if node is not None:
            raise EngineError(f"run {self.run_id} was taken over by {actor} (node {node}) and is driven from there "
                              "now: nothing was executed here; follow it there")
        return True

    async def _claim(self, step: StepBase, attempt: int, after_verdict: bool) -> None:
        """Before an attempt of a step that writes, in a run of a shared incident: claim it in
        the share (claims.py), or raise :class:`EngineError` saying who has it or why nobody
        can say; nothing is executed or recorded then."""
        if step.risk is Risk.read or self.policy.guarded or not await self._shared_here():
            return
        got = await asyncio.to_thread(self._claims().claim, self.run_id, step.id, attempt,
                                      after_verdict=after_verdict)
        self._granted(step, got, "writes, and only the share can make sure no other host runs it too",
                      "Nothing was executed; run it again once the share answers")
        self._claimed = attempt

    async def _attempts(self, step: StepBase, call: dict[str, Any] | None, lines: list[str]) -> str:
        previous = self.records.get(step.id, {})
        attempt = 1 if previous.get("status", "pending") == "pending" else int(previous.get("attempt") or 1) + 1
        first = attempt
        started = time.monotonic()
        judged = previous.get("status") in ("unknown", "failed", "cancelled")  # a person chose to run it again
        while True:
            await self._claim(step, attempt, after_verdict=judged or attempt > first)
            self._recorded_running = False
            await self._set(step, StepState.RUNNING, f"Step {{title}} started (attempt {attempt})" if attempt > 1
                            else "Step {title} started", attempt=attempt, data={"call": call, "call_preview": lines})
            self._recorded_running = True
            self._running = step
            self._emit(StepStarted(self.run_id, step.id, self.title(step), lines, attempt))
            try:
                ctx = self.context()
                result: StepResult = await execute(step, call or {}, ctx, self.runtime, guarded=self.policy.guarded)
            except asyncio.CancelledError:
                await self._finish_step(step, StepState.CANCELLED, "Step {title} cancelled", started, call=lines,
                                        attempt=attempt, error="cancelled by the responder")
                if not self._cancelled:
                    raise
                return "cancelled"
            except Unmet as exc:
                await self._finish_step(step, StepState.SKIPPED, f"Step {{title}} {exc}", started, call=lines,
                                        attempt=attempt, outputs=exc.outputs, data={"reason": str(exc)})
                return "skipped"
            except _ERRORS as exc:
                error = str(exc) or exc.__class__.__name__
                outputs = getattr(exc, "outputs", {})
                timed_out = {"timed_out_after_s": exc.after} if isinstance(exc, TimedOut) else {}
                # What the failure means in a check run: a finding (an expectation did not
                # hold) at its severity; a program that never started checked nothing
                # (unknown); else the step's error_severity (unknown: not read).
                level = (exc.level(step.severity) if isinstance(exc, CheckFailed)
                         else "unknown" if isinstance(exc, NotStarted) else step.error_severity)
                if timed_out and step.risk is not Risk.read:
                    # The request may have reached the service and been applied: only a
                    # person who looks can say, and a retry could do it twice.
                    await self._finish_step(step, StepState.UNKNOWN, f"Step {{title}} timed out, outcome unknown: "
                                            f"{error}; it may have been applied — verify", started, call=lines,
                                            attempt=attempt, outputs=outputs, error=error, data=timed_out)
                    return "unknown"
            else:
                await self._finish_step(step, StepState.SUCCEEDED, f"Step {{title}} succeeded: {result.summary}",
                                        started, call=lines, attempt=attempt, outputs=result.outputs,
                                        data={"result": result.summary})
                return "succeeded"
            if attempt - first < step.retries:
                self._emit(StepOutput(self.run_id, step.id, f"attempt {attempt} failed: {error}; retrying in "
                                      f"{step.retry_delay:g}s", "stderr"))
                await self._set(step, StepState.FAILED, f"Step {{title}} attempt {attempt} failed: {error}",
                                attempt=attempt, error=error, outputs=outputs, data={"will_retry": True, **timed_out})
                await asyncio.sleep(step.retry_delay)
                attempt += 1
                continue
            await self._finish_step(step, StepState.FAILED, f"Step {{title}} failed: {error}", started, call=lines,
                                    attempt=attempt, outputs=outputs, error=error, data=timed_out, level=level)
            return "failed"

    def is_person_step(self, step: StepBase) -> bool:
        return kinds.of(step).person

    def render(self, step: StepBase) -> tuple[dict[str, Any] | None, list[str], str | None, bool]:
        """(call, preview lines, why it cannot render, whether that is an output an earlier step
        did not produce) for ``step`` with the values known now."""
        lines = self.preview(step)
        missing = False
        try:
            ctx = self.context()
            call = render_call(step, ctx)
            executors.of(step).check_inputs(step, ctx)
            return call, lines, None, False
        except OutputNotProduced as exc:
            problem, missing = str(exc), True
        except _ERRORS as exc:
            problem = f"cannot render the call: {exc}"
        try:  # what can be shown: unknown values as <steps.x.outputs.y>
            return jsonable(render_call(step, self.context(preview=True))), lines, problem, missing
        except (*_ERRORS, AttributeError):
            return None, lines, problem, missing


class EngineHost:
    """The run as the gates see it (:class:`~cockpit.engine.host.StepHost`): the engine's
    transactions under public names, without widening what a UI may call on :class:`Engine`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.run_id, self.playbook, self.operator = engine.run_id, engine.playbook, engine.operator
        self.policy, self.runtime, self.incident = engine.policy, engine.runtime, engine.incident

    @property
    def proven_estate(self) -> set[Origin] | None:
        return self._engine.proven_estate

    @proven_estate.setter
    def proven_estate(self, origins: set[Origin] | None) -> None:
        self._engine.proven_estate = origins

    def context(self, preview: bool = False) -> dict[str, Any]:
        return self._engine.context(preview)

    def preview(self, step: StepBase) -> list[str]:
        return self._engine.preview(step)

    def title(self, step: StepBase) -> str:
        return self._engine.title(step)

    def render(self, step: StepBase) -> tuple[dict[str, Any] | None, list[str], str | None, bool]:
        return self._engine.render(step)

    async def set_state(self, step: StepBase, state: StepState, message: str) -> None:
        await self._engine._set(step, state, message)

    async def finish_step(self, step: StepBase, state: StepState, message: str, started: float, *,
                          call: list[str], outputs: dict[str, Any] | None = None, error: str | None = None,
                          data: dict[str, Any] | None = None) -> None:
        await self._engine._finish_step(step, state, message, started, call=call, outputs=outputs, error=error,
                                        data=data)

    async def execute(self, step: StepBase, call: dict[str, Any] | None, lines: list[str]) -> str:
        return await self._engine._execute(step, call, lines)

    async def skip_to(self, origin: StepBase, target: str) -> None:
        await self._engine._skip_to(origin, target)

    async def ask(self, step: StepBase, question: str, answer: Awaitable[Any]) -> Any:
        return await self._engine._ask(step, question, answer)

    def emit(self, event: EngineEvent) -> None:
        self._engine._emit(event)

    async def record_event(self, kind: str, message: str, data: dict[str, Any]) -> None:
        tl = self._engine.tl
        await tl.call(self._engine.recorder.event, tl.sync, self.incident["id"], EventKind(kind), message, data)

    async def record_approval(self, by: str, prompt: str, step: StepBase, **decision: Any) -> None:
        await self._engine._decide(step, by, str(decision.get("decision") or "approved"))
        tl = self._engine.tl
        await tl.call(tl.sync.approval, self.incident["id"], by, prompt, run_id=self.run_id, step_id=step.id,
                      **decision)


async def _hold(timeline: AsyncTimeline, run_id: str) -> Any:
    """This process's hold on ``run_id``, or :class:`EngineError` saying who drives it."""
    from cockpit.timeline.run_hold import RunHeld
    from cockpit.timeline.runs import RunElsewhere

    try:
        return await timeline.call(timeline.sync.hold_run, run_id)
    except RunElsewhere as exc:
        raise EngineError(str(exc)) from None
    except RunHeld as exc:
        raise EngineError(f"{exc}: follow it there, or reopen it once that cockpit has stopped") from None
    except OSError as exc:  # without the hold nothing proves no other cockpit drives the run
        raise EngineError(f"run {run_id} cannot be held for this cockpit: {exc}") from None

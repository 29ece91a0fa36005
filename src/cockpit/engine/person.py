"""Deciding what happens to one step before anything executes.

In order: the ``when`` condition; the policy guard (dry run, read-only, tabletop); the
steps a person answers (manual, approve, choose); the confirmation gates (write:
``confirm_write``; destructive: the typed text must match); then execution. Each outcome
is recorded, with the exact call, before the engine moves on.
"""

from __future__ import annotations

import time
from typing import Any

from cockpit.content import steps as kinds, templating
from cockpit.content.step_base import Risk, StepBase
from cockpit.engine import estate_proof
from cockpit.engine import steps as executors
from cockpit.engine.conditions import RENDER_ERRORS, truth
from cockpit.engine.events import StepOutput, StepStarted
from cockpit.engine.host import StepHost
from cockpit.engine.operator import NeedsPerson, Refused
from cockpit.timeline import EventKind, StepState

async def run_step(engine: StepHost, step: StepBase) -> str:
    started = time.monotonic()
    ctx = engine.context()
    if step.when and not engine.policy.dry_run:
        held, error = truth(step.when, ctx)
        if not held:
            why = "does not hold" if held is False else f"cannot be evaluated ({error})"
            await engine.finish_step(step, StepState.SKIPPED, f"Step {{title}} skipped: when {step.when} {why}",
                                      started, call=engine.preview(step), data={"reason": f"when {why}"})
            return "skipped"

    call, lines, problem, missing = engine.render(step)
    refusal = engine.policy.refusal(step)
    if refusal is None and missing and engine.policy.guarded:
        # Nothing writes in a guarded run, so an input an earlier step did not produce is
        # expected (that step was not executed, or failed against an estate nobody changed).
        refusal = f"not executed: {problem}"
    elif missing:
        problem = f"cannot run: {problem}"
    if refusal is not None:
        data = {"call": call, "not_executed": refusal, "mode": engine.policy.label}
        await engine.finish_step(step, StepState.SKIPPED, f"Step {{title}} {refusal}", started, call=lines, data=data)
        return "skipped"
    if problem:
        await engine.finish_step(step, StepState.FAILED, f"Step {{title}} failed: {problem}", started, call=lines,
                                  error=problem)
        return "failed"

    op = engine.operator
    if kinds.of(step).person:
        assert call is not None
        return await _person(engine, step, ctx, call, lines, started)

    if step.risk is Risk.destructive:
        try:
            expected = str(templating.render_value(step.confirm or step.id, ctx)).strip()
        except RENDER_ERRORS as exc:
            error = f"cannot render the confirmation text: {exc}"
            await engine.finish_step(step, StepState.FAILED, f"Step {{title}} failed: {error}", started,
                                      call=lines, error=error)
            return "failed"
        typed = await _confirm_destructive(engine, step, expected)
        if str(typed).strip() != expected:
            error = f"confirmation text did not match (expected {expected!r})"
            await engine.finish_step(step, StepState.FAILED, f"Step {{title}} refused: {error}", started,
                                      call=lines, error=error)
            return "failed"
    elif step.risk is Risk.write:
        if not await engine.ask(step, "run this write step?", op.confirm_write(step, lines)):
            await engine.finish_step(step, StepState.SKIPPED, "Step {title} skipped: not confirmed", started,
                                      call=lines, data={"reason": "write not confirmed"})
            return "skipped"
    state = await engine.execute(step, call, lines)
    if state == "succeeded" and call:
        await executors.of(step).after(engine, step, call, {})
    return state


async def _confirm_destructive(engine: StepHost, step: StepBase, expected: str) -> str:
    """The typed text; a drill's --yes stands in for it only on the proven emulated estate."""
    op = engine.operator
    why_not = None
    if engine.incident.get("mode") == "drill" and getattr(op, "confirms_drills", False):
        why_not = await estate_proof.refusal(engine, step)
        if why_not is None:
            note = "confirmed by --yes: a drill, and every endpoint of this run is the proven emulated estate"
            engine.emit(StepOutput(engine.run_id, step.id, note, "stdout"))
            await engine.record_event(EventKind.NOTE, f"Step {step.id}: {note}",
                                      {"run_id": engine.run_id, "step_id": step.id,
                                       "confirmed_by": "drill --yes on the proven estate"})
            return expected
    try:
        return str(await engine.ask(step, f"type {expected!r} to confirm", op.confirm_destructive(step, expected)))
    except NeedsPerson as exc:
        if why_not is None:
            raise
        raise NeedsPerson(step.id, f"{exc}; a drill's --yes confirms it only on the proven emulated estate, "
                          f"and {why_not}") from None


async def _person(engine: StepHost, step: StepBase, ctx: dict[str, Any], call: dict[str, Any], lines: list[str],
                  started: float) -> str:
    """Ask the operator what ``call`` (the rendered checklist or prompt) asks (the kind's
    :meth:`~cockpit.engine.steps.executor.Executor.answer`); record the answer."""
    op = engine.operator
    await engine.set_state(step, StepState.WAITING, "Step {title} waiting")
    engine.emit(StepStarted(engine.run_id, step.id, engine.title(step), lines))
    try:
        outputs, summary = await executors.of(step).answer(engine, step, ctx, call)
    except Refused as exc:
        await engine.finish_step(step, StepState.FAILED, f"Step {{title}} failed: {exc}", started, call=lines,
                                  error=str(exc))
        return "failed"
    await engine.finish_step(step, StepState.SUCCEEDED, f"Step {{title}} succeeded: {summary}", started,
                              call=lines, outputs=outputs, data={"result": summary})
    await executors.of(step).after(engine, step, call, outputs)
    return "succeeded"

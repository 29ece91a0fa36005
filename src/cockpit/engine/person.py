"""Deciding what happens to one step before anything executes.

In order: the ``when`` condition; the policy guard (dry run, read-only, tabletop); the
steps a person answers (manual, approve, choose); the confirmation gates (write:
``confirm_write``; destructive: the typed text must match); then execution. Each outcome
is recorded, with the exact call, before the engine moves on.
"""

from __future__ import annotations

import time
from typing import Any

from cockpit.content import step_kinds as kinds, templating
from cockpit.content.playbook import ApproveStep, ChooseStep, ManualStep, NotifyStep, Risk, StepBase
from cockpit.engine import estate_proof
from cockpit.engine.events import StepOutput, StepStarted
from cockpit.engine.host import StepHost
from cockpit.engine.operator import NeedsPerson, OptionState, Refused, Rejection
from cockpit.timeline import EventKind, StepState

_RENDER_ERRORS = (templating.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError)


def _truth(expression: str, ctx: dict[str, Any]) -> tuple[bool | None, str]:
    """(the truth of ``expression``, or None when it cannot be evaluated; and why not)."""
    try:
        return bool(templating.evaluate(expression, ctx)), ""
    except _RENDER_ERRORS as exc:
        return None, str(exc) or exc.__class__.__name__


def _holds(expression: str, ctx: dict[str, Any]) -> bool | None:
    """The truth of ``expression``; None when it cannot be evaluated (a missing output...)."""
    return _truth(expression, ctx)[0]


def suggestion(step: ChooseStep, ctx: dict[str, Any]) -> str | None:
    """The option whose condition alone holds (a condition that cannot be evaluated does not hold)."""
    holding = [o.id for o in step.options if o.condition and _holds(o.condition, ctx)]
    return holding[0] if len(holding) == 1 else None


def _text(template: str, ctx: dict[str, Any]) -> tuple[str, str]:
    """(``template`` rendered on one line, or "" and why it cannot be)."""
    try:
        return " ".join(templating.render_text(template, ctx).split()), ""
    except _RENDER_ERRORS as exc:
        return "", str(exc) or exc.__class__.__name__


def option_states(step: ChooseStep, ctx: dict[str, Any]) -> list[OptionState]:
    """Each option as a person reads it: label, met / not met, and the evidence behind it.

    The condition decides "met"; the person reads the rendered ``evidence`` instead of the
    expression. An option without evidence whose condition cannot be evaluated says which
    value is missing, in the template error's words, never the expression.
    """
    states = []
    for option in step.options:
        label = _text(option.label, ctx)[0] or option.label
        met = None
        why = ""
        if option.condition:
            held, why = _truth(option.condition, ctx)
            met = "unknown" if held is None else "met" if held else "not met"
        evidence, error = _text(option.evidence, ctx) if option.evidence else ("", "")
        if error:
            evidence = f"cannot be shown: {error}"
        elif not evidence and met == "unknown":
            evidence = f"cannot be judged: {why}"
        states.append(OptionState(option.id, label, option.goto, met, evidence))
    return states


async def run_step(engine: StepHost, step: StepBase) -> str:
    started = time.monotonic()
    ctx = engine.context()
    if step.when and not engine.policy.dry_run:
        held, error = _truth(step.when, ctx)
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
        except _RENDER_ERRORS as exc:
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
    if state == "succeeded" and isinstance(step, NotifyStep) and call:
        await engine.record_event(EventKind.NOTIFICATION,
                                  f"Notified {call.get('channel') or 'the webhook'}: {call['text'].splitlines()[0]}",
                                  {"run_id": engine.run_id, "step_id": step.id, "channel": call.get("channel"),
                                   "text": call["text"]})
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
    """Ask the operator what ``call`` (the rendered checklist or prompt) asks; record the answer."""
    op = engine.operator
    await engine.set_state(step, StepState.WAITING, "Step {title} waiting")
    engine.emit(StepStarted(engine.run_id, step.id, engine.title(step), lines))
    try:
        if isinstance(step, ManualStep):
            items = call["checklist"]
            ticked = await engine.ask(step, "tick every item", op.confirm_checklist(step, items))
            missing = [i for i in items if i not in ticked]
            if missing:
                raise Refused(f"not ticked: {'; '.join(missing)}")
            outputs: dict[str, Any] = {"checked": list(ticked)}
            summary = f"checklist confirmed ({len(items)} items)"
        elif isinstance(step, ApproveStep):
            prompt = call["prompt"]
            answer = await engine.ask(step, prompt, op.approve(step, prompt))
            if isinstance(answer, Rejection):
                await _rejected(engine, step, prompt, answer)
            name = str(answer).strip()
            if not name:
                raise Refused("no approver name given")
            await engine.record_approval(name, prompt, step)
            outputs, summary = {"approver": name}, f"approved by {name} ({step.approver})"
        else:
            assert isinstance(step, ChooseStep)
            prompt = call["prompt"]
            suggested = suggestion(step, ctx)
            states = option_states(step, ctx)
            choice = await engine.ask(step, prompt, op.choose(step, prompt, states, suggested))
            chosen = next((o for o in states if o.id == choice), None)
            if chosen is None:
                raise Refused(f"{choice!r} is not an option of {step.id} "
                              f"({', '.join(o.id for o in step.options)})")
            how = "condition held" if choice == suggested else "chosen by the responder"
            why = f": {chosen.evidence}" if chosen.evidence else ""
            await engine.record_event(EventKind.DECISION, f"Decision {step.id}: {chosen.label} ({how}{why})",
                                      {"run_id": engine.run_id, "step_id": step.id, "choice": chosen.id, "how": how,
                                       "options": [{"id": o.id, "label": o.label, "met": o.met,
                                                    "evidence": o.evidence} for o in states]})
            outputs, summary = {"choice": chosen.id}, f"{chosen.label} ({how})"
    except Refused as exc:
        await engine.finish_step(step, StepState.FAILED, f"Step {{title}} failed: {exc}", started, call=lines,
                                  error=str(exc))
        return "failed"
    await engine.finish_step(step, StepState.SUCCEEDED, f"Step {{title}} succeeded: {summary}", started,
                              call=lines, outputs=outputs, data={"result": summary})
    if isinstance(step, ChooseStep):
        goto = next(o.goto for o in step.options if o.id == outputs["choice"])
        if goto:
            await engine.skip_to(step, goto)
    return "succeeded"


async def _rejected(engine: StepHost, step: ApproveStep, prompt: str, rejection: Rejection) -> None:
    """Record who said no and why (an ``approval`` event, decision ``rejected``), then fail the step.

    The step fails like any failed step, so its ``on_failure`` decides: abort (the default)
    stops the run, continue or goto move on.
    """
    by, reason = rejection.by.strip(), " ".join(rejection.reason.split())
    if not by or not reason:
        raise Refused("a rejection needs the name of who rejects and the reason")
    await engine.record_approval(by, prompt, step, decision="rejected", reason=reason)
    raise Refused(f"rejected by {by}: {reason}")

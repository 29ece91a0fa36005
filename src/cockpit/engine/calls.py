"""The calls the executing kinds share: render and run one AWS, Kubernetes or HTTP call, poll a
wait, post a notification, and find an output an earlier step did not produce.

Which of these a step uses is its kind's to say (``engine/steps/``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import Any

from cockpit.content import templating
from cockpit.content.step_base import AwsCall, HttpCall, K8sCall
from cockpit.content.steps import NotifyStep, WaitStep
from cockpit.engine.aws import render_aws, run_aws
from cockpit.engine.context import OutputNotProduced
from cockpit.engine.http import post_webhook, render_http, run_http
from cockpit.engine.bounds import REQUEST_TIMEOUT, what
from cockpit.engine.k8s import render_k8s, run_k8s
from cockpit.engine.results import StepFailure, StepResult, TimedOut, Unmet
from cockpit.engine.runtime import Runtime


def render_check(call: AwsCall | HttpCall | K8sCall, ctx: dict[str, Any]) -> dict[str, Any]:
    if isinstance(call, AwsCall):
        return {"kind": "aws", **render_aws(call, ctx)}
    if isinstance(call, K8sCall):
        return {"kind": "k8s", **render_k8s(call, ctx)}
    return {"kind": "http", **render_http(call, ctx)}


def check_inputs(calls: Iterable[AwsCall | HttpCall | K8sCall], ctx: dict[str, Any]) -> None:
    """Render what ``calls`` read besides the call itself (expectation operands, JMESPath
    templates) so that an output an earlier step did not produce is found before anything is
    called: raises :class:`OutputNotProduced`. Any other problem is the executor's to report,
    with the answer in hand."""
    for call in calls:
        texts = [*(e.jmespath for e in call.expect), *(e.test[1] for e in call.expect), *call.outputs.values()]
        for text in texts:
            try:
                templating.render_value(text, ctx)
            except OutputNotProduced:
                raise
            except (templating.TemplateError, ArithmeticError, LookupError, TypeError, ValueError):
                continue  # not a missing output: the step reports it when it runs


def check_until(until: str, ctx: dict[str, Any]) -> None:
    """A wait's ``until`` names no output an earlier step did not produce (raises
    :class:`OutputNotProduced`); it reads ``result``, which only the answer can give."""
    try:
        templating.evaluate(until, {**ctx, "result": templating.Placeholder("result")})
    except OutputNotProduced:
        raise
    except (templating.TemplateError, ArithmeticError, LookupError, TypeError, ValueError):
        pass  # comparing with the unknown ``result``: only the answer can say


async def run_check(call: AwsCall | HttpCall | K8sCall, ctx: dict[str, Any], rt: Runtime,
                    once: bool = False, request_timeout: float = REQUEST_TIMEOUT) -> StepResult:
    """One call. ``once``: a guarded run (read-only, tabletop) looks once instead of waiting,
    because what it would wait for (a rollout, a recovery) was not set in motion.
    ``request_timeout`` bounds each request the call makes (AWS: the client's own timeouts)."""
    if isinstance(call, AwsCall):
        return await run_aws(call, ctx, rt)
    if isinstance(call, K8sCall):
        return await run_k8s(call, ctx, rt, 0.0 if once else getattr(call, "timeout", None), request_timeout)
    return await run_http(call, ctx, rt, request_timeout)


async def run_wait(step: WaitStep, ctx: dict[str, Any], rt: Runtime, once: bool = False,
                   call: dict[str, Any] | None = None) -> StepResult:
    """Poll the check until ``until`` (or its expectations) holds; ``once``: a single look."""
    deadline = time.monotonic() + step.timeout
    attempts = 0
    last = ""
    while True:
        attempts += 1
        try:
            # One check that hangs is one failed check, not the whole wait; and none runs
            # past the wait's own deadline (at least a second, so the last check can answer).
            limit = min(REQUEST_TIMEOUT, max(deadline - time.monotonic(), 1.0))
            try:
                async with asyncio.timeout(limit):
                    result = await run_check(step.check, ctx, rt)
            except TimeoutError:
                raise StepFailure(f"no answer within {limit:.3g}s") from None
            outputs = result.outputs
            held = True if step.until is None else bool(templating.evaluate(step.until, {**ctx, "result": outputs}))
            last = result.summary if held else f"{result.summary}; until {step.until} does not hold yet"
        except StepFailure as exc:
            outputs, held, last = exc.outputs, False, str(exc)
        rt.emit(f"check {attempts}: {'condition holds' if held else last}", "stdout")
        if held:
            return StepResult({**outputs, "result": outputs, "attempts": attempts},
                              f"condition held after {attempts} check{'s' * (attempts > 1)}")
        if once:
            raise Unmet(f"not waiting (read-only): checked once, {step.until or 'the expectations'} "
                        f"does not hold yet: {last}",
                              {**outputs, "result": outputs, "attempts": attempts})
        if time.monotonic() + step.interval > deadline:
            raise TimedOut(f"timed out after {step.timeout:g}s: {what(call)}: the condition did not hold "
                           f"({attempts} check{'s' * (attempts > 1)}; last: {last})", step.timeout,
                           {**outputs, "result": outputs, "attempts": attempts})
        await asyncio.sleep(step.interval)


async def run_notify(step: NotifyStep, call: dict[str, Any], rt: Runtime, timeout: float) -> StepResult:
    url = rt.webhook(call["webhook"])
    if not url:
        raise StepFailure("no webhook to notify: set webhook_url in the config (or the step's `webhook`)")
    payload = {"text": call["text"]}
    if call["channel"]:
        payload["channel"] = call["channel"]
    status = await post_webhook(url, payload, rt, timeout)
    return StepResult({}, f"posted to {call['channel'] or 'the webhook'} (HTTP {status})")

"""``approve``: a named person approves, or rejects saying why (an ``approval`` event either way)."""

from __future__ import annotations

from typing import Any

from cockpit.content import templating
from cockpit.content.steps import ApproveStep
from cockpit.engine.host import StepHost
from cockpit.engine.operator import Refused, Rejection
from cockpit.engine.steps.executor import Executor

class Approve(Executor[ApproveStep]):
    kind = "approve"

    def render(self, step: ApproveStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "approve", "prompt": str(templating.render_value(step.prompt, ctx))}

    async def answer(self, host: StepHost, step: ApproveStep, ctx: dict[str, Any],
                     call: dict[str, Any]) -> tuple[dict[str, Any], str]:
        prompt = call["prompt"]
        answer = await host.ask(step, prompt, host.operator.approve(step, prompt))
        if isinstance(answer, Rejection):
            await self._rejected(host, step, prompt, answer)
        name = str(answer).strip()
        if not name:
            raise Refused("no approver name given")
        await host.record_approval(name, prompt, step)
        return {"approver": name}, f"approved by {name} ({step.approver})"

    @staticmethod
    async def _rejected(host: StepHost, step: ApproveStep, prompt: str, rejection: Rejection) -> None:
        """Record who said no and why (an ``approval`` event, decision ``rejected``), then fail the step.

        The step fails like any failed step, so its ``on_failure`` decides: abort (the default)
        stops the run, continue or goto move on.
        """
        by, reason = rejection.by.strip(), " ".join(rejection.reason.split())
        if not by or not reason:
            raise Refused("a rejection needs the name of who rejects and the reason")
        await host.record_approval(by, prompt, step, decision="rejected", reason=reason)
        raise Refused(f"rejected by {by}: {reason}")

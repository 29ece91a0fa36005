"""``wait``: poll a read-only check until its condition holds."""

from __future__ import annotations

from typing import Any

from cockpit.content.steps import WaitStep
from cockpit.engine.calls import check_until, render_check, run_wait
from cockpit.engine.results import StepResult
from cockpit.engine.runtime import Runtime
from cockpit.engine.steps.executor import Executor, check_endpoints

class Wait(Executor[WaitStep]):
    kind = "wait"

    def render(self, step: WaitStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "wait", "check": render_check(step.check, ctx), "until": step.until,
                "interval": step.interval, "timeout": step.timeout}

    def check_inputs(self, step: WaitStep, ctx: dict[str, Any]) -> None:
        super().check_inputs(step, ctx)
        if step.until:
            check_until(step.until, ctx)

    def waits(self, step: WaitStep) -> bool:
        return True

    async def execute(self, step: WaitStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                      guarded: bool, bound: float) -> StepResult:
        return await run_wait(step, ctx, rt, once=guarded, call=call)

    async def endpoints(self, step: WaitStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        return await check_endpoints(step.check, step.id, rt, ctx)

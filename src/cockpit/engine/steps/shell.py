"""``shell``: a program in its own process group, stopped at its bound."""

from __future__ import annotations

from typing import Any

from cockpit.content.steps import ShellStep
from cockpit.engine.ownership import check_created_by
from cockpit.engine.results import StepResult
from cockpit.engine.runtime import Runtime
from cockpit.engine.shell import render_shell, run_shell
from cockpit.engine.steps.executor import EndpointsUnknown, Executor

class Shell(Executor[ShellStep]):
    kind, default_timeout, bounds_itself = "shell", 600.0, True  # scripts legitimately run for minutes

    def render(self, step: ShellStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "shell", **render_shell(step, ctx)}

    async def execute(self, step: ShellStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime,
                      guarded: bool, bound: float) -> StepResult:
        check_created_by(step, call, ctx)  # before the program starts: it reaches only what the run made
        return await run_shell(step, ctx, rt, bound)

    async def endpoints(self, step: ShellStep, rt: Runtime, ctx: dict[str, Any]) -> list[tuple[str, str]]:
        raise EndpointsUnknown(f"step {step.id} runs a program ({step.argv[0]}): what it talks to cannot be proven")

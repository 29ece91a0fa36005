"""``aws``: one API call through aiobotocore, retried by botocore within its bound."""

from __future__ import annotations

from typing import Any

from cockpit.content.steps import AwsStep
from cockpit.engine.ownership import check_created_by
from cockpit.engine.results import StepResult
from cockpit.engine.runtime import Runtime
from cockpit.engine.steps.executor import CallExecutor

class Aws(CallExecutor):
    kind = "aws"  # one API call, retried by botocore within its bound

    async def execute(self, step: AwsStep, call: dict[str, Any], ctx: dict[str, Any], rt: Runtime, guarded: bool,
                      bound: float) -> StepResult:
        check_created_by(step, call, ctx)  # before any request: a clean-up reaches only what the run made
        return await super().execute(step, call, ctx, rt, guarded, bound)

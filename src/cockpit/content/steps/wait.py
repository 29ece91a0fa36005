"""``wait``: poll a read-only check until a condition holds (or the check's expectations do)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from cockpit.content.call_text import call_lines
from cockpit.content.durations import format_duration
from cockpit.content.step_base import (
    K8S_READ_ACTIONS, AwsCall, Check, Duration, Expression, HttpCall, K8sCall, Risk, StepBase, aws_risk,
)
from cockpit.content.steps.kind import Call, StepKind
from cockpit.content.yamlfile import Loc


class WaitStep(StepBase):
    """Poll a read-only check every ``interval`` until ``until`` holds (or its expectations do)."""

    kind: Literal["wait"]
    check: Check
    until: Expression | None = Field(None, description="Expression over `result` (the check's outputs); "
                                     "without it, the check's `expect` must all hold.")
    interval: Duration = 10.0
    timeout: Duration = Field(300.0, description="Give up (the step fails) after this long.")

    @model_validator(mode="after")
    def _read_only_check(self) -> "WaitStep":
        check = self.check
        if isinstance(check, AwsCall) and aws_risk(check.service, check.operation, check.presign) is not Risk.read:
            raise ValueError(f"a wait check must only read; {check.operation} changes state")
        if isinstance(check, K8sCall) and check.action not in K8S_READ_ACTIONS:
            raise ValueError(f"a wait check must only read; k8s {check.action} changes state")
        if isinstance(check, HttpCall) and check.method not in ("GET", "HEAD"):
            raise ValueError(f"a wait check must only read; use GET or HEAD, not {check.method}")
        if self.until is None and not check.expect:
            raise ValueError("a wait step needs `until` or expectations on its check")
        return self


class Wait(StepKind[WaitStep]):
    kind, model, implicit_outputs = "wait", WaitStep, ("result", "attempts")

    def describe(self, step: WaitStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"every {format_duration(step.interval)} for up to {format_duration(step.timeout)}, "
                f"until {step.until or 'the expectations hold'}:",
                *("  " + line for line in call_lines(step.check, ctx))]

    def declared_outputs(self, step: WaitStep) -> tuple[str, ...]:
        return super().declared_outputs(step) + tuple(step.check.outputs)

    def calls(self, step: WaitStep) -> tuple[tuple[Loc, Call], ...]:
        return ((("check",), step.check),)

"""``approve``: a gate a named person passes (or rejects, saying why) before the run goes on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cockpit.content import templating
from cockpit.content.step_base import StepBase, Template
from cockpit.content.steps.kind import StepKind


class ApproveStep(StepBase):
    """A gate: a named person (typed in, or ``--approve-as``) approves before the run goes on."""

    kind: Literal["approve"]
    approver: str = Field(min_length=1, description="Role that must approve, e.g. engineering-leadership.")
    prompt: Template = Field(min_length=1)


class Approve(StepKind[ApproveStep]):
    kind, model, implicit_outputs = "approve", ApproveStep, ("approver",)
    person, skipped_unattended, expected = True, True, ("an approver's name, typed",)

    def describe(self, step: ApproveStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"approval by {step.approver}: {templating.preview_value(step.prompt, ctx)}"]

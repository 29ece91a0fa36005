"""``manual``: something a person does, ticked off item by item in the guided screen."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from cockpit.content import templating
from cockpit.content.step_base import StepBase
from cockpit.content.steps.kind import StepKind


class ManualStep(StepBase):
    """Something a person does; the checklist is ticked off in the guided screen."""

    kind: Literal["manual"]
    checklist: list[str] = Field(default_factory=list)


class Manual(StepKind[ManualStep]):
    kind, model, implicit_outputs = "manual", ManualStep, ("checked",)
    person, skipped_unattended, expected = True, True, ("every item ticked",)

    def describe(self, step: ManualStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"[ ] {templating.preview_value(item, ctx)}" for item in step.checklist]

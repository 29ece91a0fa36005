"""``aws``: one AWS API call, named as in botocore; may act only on what the run created."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from pydantic import Field

from cockpit.content.errors import did_you_mean
from cockpit.content.step_base import AwsCall, CreatedBy, Risk, StepBase, aws_risk
from cockpit.content.steps.kind import CallKind, creator_of, outputs_of
from cockpit.content.yamlfile import Loc


class AwsStep(StepBase, AwsCall):
    kind: Literal["aws"]  # narrowed again: StepBase.kind (str) would otherwise win over the call's
    created_by: CreatedBy | None = Field(None, description="Act only on what this run created: `param` must "
                                         "equal `output` of the succeeded step `step`, or the call is refused.")

    def inferred_risk(self) -> Risk:
        return aws_risk(self.service, self.operation, self.presign)


class Aws(CallKind):
    kind, model, implicit_outputs = "aws", AwsStep, ("response",)

    def declared_outputs(self, step: AwsStep) -> tuple[str, ...]:
        return super().declared_outputs(step) + (("url",) if step.presign else ())

    def problems(self, step: AwsStep, earlier: Mapping[str, StepBase]) -> Iterator[tuple[Loc, str]]:
        """``created_by`` names an earlier aws step that writes (it created the resource), an
        output it offers, and a parameter this step passes: else the guard could never hold."""
        if step.created_by is None:
            return
        guard = step.created_by
        creator = yield from creator_of(step, earlier, AwsCall, "an aws call")
        if creator is None:
            return
        offered = list(outputs_of(creator))
        if guard.output not in offered:
            yield ("created_by", "output"), (f"created_by: step {guard.step!r} has no output {guard.output!r}"
                                             f"{did_you_mean(guard.output, offered)}")
        if guard.param not in step.params:
            yield ("created_by", "param"), (f"created_by: this step passes no parameter {guard.param!r}"
                                            f"{did_you_mean(guard.param, list(step.params))}")

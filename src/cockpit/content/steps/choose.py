"""``choose``: a decision whose options branch to later steps."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field

from cockpit.content import templating
from cockpit.content.step_base import STEP_ID, Expression, StepBase, StepId, Strict, Template
from cockpit.content.steps.kind import StepKind
from cockpit.content.yamlfile import Loc


class Option(Strict):
    id: StepId
    label: str = Field(min_length=1)
    goto: str | None = Field(None, pattern=STEP_ID, description="Step to go to (or `end`); default: the next step.")
    condition: Expression | None = Field(None, description="When exactly one option's condition holds, a "
                                         "headless run takes it.")
    evidence: Template | None = Field(None, description="What a person reads under the label, rendered with the "
                                      "run's values, e.g. '5xx alarm in {{ steps.a.outputs.state }} for "
                                      "{{ steps.a.outputs.since | age }}'. The condition itself is never shown.")


class ChooseStep(StepBase):
    """A decision; its options branch to other steps. Output ``choice`` is the option id."""

    kind: Literal["choose"]
    prompt: Template = Field(min_length=1)
    options: list[Option] = Field(min_length=2)


class Choose(StepKind[ChooseStep]):
    kind, model, implicit_outputs = "choose", ChooseStep, ("choice",)
    person, expected = True, ("one option picked",)

    def describe(self, step: ChooseStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        render = templating.preview_value
        lines = [f"decide: {' '.join(str(render(step.prompt, ctx)).split())}"]
        for option in step.options:
            then = f" -> {option.goto}" if option.goto else ""
            if responder:
                lines.append(f"  - {' '.join(str(render(option.label, ctx)).split())}{then}")
                evidence = " ".join(str(render(option.evidence, ctx)).split()) if option.evidence else ""
                if evidence and not templating.has_template(evidence):  # unrenderable yet: nothing to read
                    lines.append(f"      {evidence}")
                continue
            when = f"  [when {' '.join(option.condition.split())}]" if option.condition else ""
            lines.append(f"  - {option.id}: {option.label}{then}{when}")
        return lines

    def jumps(self, step: ChooseStep) -> tuple[tuple[Loc, str], ...]:
        return tuple((("options", j, "goto"), o.goto) for j, o in enumerate(step.options) if o.goto)

    def problems(self, step: ChooseStep, earlier: Mapping[str, StepBase]) -> Iterator[tuple[Loc, str]]:
        seen: set[str] = set()
        for j, option in enumerate(step.options):
            if option.id in seen:
                yield ("options", j, "id"), f"duplicate option id {option.id!r}"
            seen.add(option.id)

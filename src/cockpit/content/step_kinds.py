"""One home per step kind, content side: what is decided per kind before any engine runs.

Each kind (``manual``, ``aws``…) is one :class:`StepKind` here, keyed by the ``kind`` its
step model declares: how a dry run and the guided screen describe the step, the outputs
it has without declaring them, whether a person answers it, and what the guided screen
shows under "Expected". Modules that used to ask ``isinstance(step, ShellStep)`` ask
:func:`of` instead, so a new kind is one :class:`StepKind` (plus its model) and its
engine-side part (``engine/step_kinds.py``: render and execute), not a branch in each of
the modules that describe, check, gate or show steps.

Content cannot import the engine, so execution is not here: the engine keeps its own
registry, keyed by the same ``kind``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar

from cockpit.content import templating
from cockpit.content.call_text import call_lines
from cockpit.content.durations import format_duration
from cockpit.content.playbook import (
    ApproveStep, AwsStep, ChooseStep, HttpStep, K8sStep, ManualStep, NotifyStep, ShellStep, StepBase, WaitStep,
)

S = TypeVar("S", bound=StepBase)
T = TypeVar("T")


class StepKind(Generic[S]):
    """What is decided per kind on the content side. Subclass, set the class attributes, register."""

    kind: ClassVar[str]
    model: ClassVar[type[StepBase]]
    #: Outputs every step of this kind has without declaring them (besides its ``outputs:``).
    implicit_outputs: ClassVar[tuple[str, ...]] = ()
    #: A person answers it (the operator is asked; nothing executes).
    person: ClassVar[bool] = False
    #: A check run (nobody there) records it "not executed" instead of waiting for a person.
    skipped_unattended: ClassVar[bool] = False
    #: What the guided screen shows under "Expected" when the call lines say nothing of it.
    expected: ClassVar[tuple[str, ...]] = ()

    def describe(self, step: S, ctx: dict[str, Any], responder: bool) -> list[str]:
        """The lines saying what ``step`` does (``when``, ``confirm``, ``on_failure`` are added around them)."""
        return []

    def declared_outputs(self, step: S) -> tuple[str, ...]:
        """The outputs ``step`` declares (its ``outputs:`` mapping; some kinds add their own)."""
        return tuple(getattr(step, "outputs", {}) or ())


KINDS: dict[str, StepKind[Any]] = {}


def register(kind: StepKind[Any]) -> StepKind[Any]:
    """Make ``kind`` the home of its steps (replacing an earlier one of the same name)."""
    KINDS[kind.kind] = kind
    return kind


def of(step: StepBase | str) -> StepKind[Any]:
    """The home of ``step``'s kind (or of the kind named)."""
    return lookup(KINDS, step, "step kind")


def lookup(table: Mapping[str, T], step: StepBase | str, what: str) -> T:
    """``table``'s entry for ``step``'s kind (or the kind named): this registry's and the engine's."""
    name = step if isinstance(step, str) else step.kind
    try:
        return table[name]
    except KeyError:
        raise LookupError(f"no {what} {name!r} is registered") from None


class _Call(StepKind[Any]):
    expected = ("the call succeeds",)

    def describe(self, step: Any, ctx: dict[str, Any], responder: bool) -> list[str]:
        return call_lines(step, ctx)


class Aws(_Call):
    kind, model, implicit_outputs = "aws", AwsStep, ("response",)

    def declared_outputs(self, step: AwsStep) -> tuple[str, ...]:
        return super().declared_outputs(step) + (("url",) if step.presign else ())


class K8s(_Call):
    kind, model, implicit_outputs = "k8s", K8sStep, ("object",)


class Http(_Call):
    kind, model, implicit_outputs = "http", HttpStep, ("status", "body")
    expected = ()  # its call lines say which status is expected


class Shell(StepKind[ShellStep]):
    kind, model, implicit_outputs = "shell", ShellStep, ("exit_code", "stdout", "stderr", "seconds", "argv")
    expected = ("exit status 0",)

    def describe(self, step: ShellStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        render = templating.preview_value
        lines = [f"run: $ {shlex.join(str(a) for a in render(step.argv, ctx))}"]
        for key, value in render(step.env, ctx).items():
            lines.append(f"  env {key}={value}")
        if step.cwd:
            lines.append(f"  in {render(step.cwd, ctx)}")
        return lines


class Wait(StepKind[WaitStep]):
    kind, model, implicit_outputs = "wait", WaitStep, ("result", "attempts")

    def describe(self, step: WaitStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"every {format_duration(step.interval)} for up to {format_duration(step.timeout)}, "
                f"until {step.until or 'the expectations hold'}:",
                *("  " + line for line in call_lines(step.check, ctx))]

    def declared_outputs(self, step: WaitStep) -> tuple[str, ...]:
        return super().declared_outputs(step) + tuple(step.check.outputs)


class Notify(StepKind[NotifyStep]):
    kind, model = "notify", NotifyStep
    expected = ("the call succeeds",)

    def describe(self, step: NotifyStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        render = templating.preview_value
        where = render(step.webhook, ctx) if step.webhook else "the configured webhook"
        channel = f" {render(step.channel, ctx)}" if step.channel else ""
        return [f"notify{channel} via {where}:", *(f"  | {line}" for line in str(render(step.text, ctx)).splitlines())]


class Manual(StepKind[ManualStep]):
    kind, model, implicit_outputs = "manual", ManualStep, ("checked",)
    person, skipped_unattended, expected = True, True, ("every item ticked",)

    def describe(self, step: ManualStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"[ ] {templating.preview_value(item, ctx)}" for item in step.checklist]


class Approve(StepKind[ApproveStep]):
    kind, model, implicit_outputs = "approve", ApproveStep, ("approver",)
    person, skipped_unattended, expected = True, True, ("an approver's name, typed",)

    def describe(self, step: ApproveStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"approval by {step.approver}: {templating.preview_value(step.prompt, ctx)}"]


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


def outputs_of(step: StepBase) -> tuple[str, ...]:
    """Every output name a step offers: declared and implicit."""
    kind = of(step)
    return kind.declared_outputs(step) + kind.implicit_outputs


for _kind in (Manual, Aws, K8s, Http, Shell, Wait, Approve, Choose, Notify):
    register(_kind())

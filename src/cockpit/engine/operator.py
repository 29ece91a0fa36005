"""The person at the keyboard, as the engine sees them: the :class:`Operator` protocol.

Some steps need a human answer: a checklist ticked, an approver's name, a decision, the
typed name of what a destructive step will change, a verdict on a step whose outcome is
unknown after a crash. The engine asks through this protocol and never knows whether a
Textual dialog or a command-line flag answers. :class:`HeadlessOperator` answers from
``cockpit run``'s flags and raises :class:`NeedsPerson` when a flag is missing, so a
headless run stops with one clear line instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from cockpit.content.step_base import StepBase

from cockpit.content.steps import ApproveStep, ChooseStep, ManualStep

Verdict = Literal["done", "rerun", "skip"]
#: An option's condition, judged on the run's values: "unknown" when it cannot be evaluated
#: (an output a step did not produce); None when the option has no condition.
Met = Literal["met", "not met", "unknown"]


@dataclass(frozen=True)
class OptionState:
    """A decision option as a person reads it: its label and why it does or does not apply now.

    The engine renders it (``engine/conditions.py:option_states``) so that no dialog or flag ever
    shows a raw condition: ``evidence`` is the option's ``evidence:`` template rendered with
    the run's values (or, when it cannot be, why not).
    """

    id: str
    label: str
    goto: str | None = None
    met: Met | None = None
    evidence: str = ""


@dataclass(frozen=True)
class Rejection:
    """An approver's no: who said it and why. The step fails with both; the timeline keeps them."""

    by: str
    reason: str


class NeedsPerson(Exception):
    """A person's answer is needed and none was given; the message says how to give it."""

    def __init__(self, step_id: str, message: str) -> None:
        super().__init__(message)
        self.step_id = step_id


class Refused(Exception):
    """The person said no (a wrong confirmation text, a refused approval): the step fails."""


@runtime_checkable
class Operator(Protocol):
    """Every method may raise :class:`NeedsPerson` (no answer) or :class:`Refused` (a no)."""

    async def confirm_checklist(self, step: ManualStep, items: list[str]) -> list[str]:
        """Return the items the person ticked; the step succeeds only when all are."""
        ...

    async def approve(self, step: ApproveStep, prompt: str) -> str | Rejection:
        """Return the approver's name (typed in), or a :class:`Rejection` (who, and why not)."""
        ...

    async def choose(self, step: ChooseStep, prompt: str, options: list[OptionState], suggested: str | None) -> str:
        """Return the chosen option id. ``suggested`` is the one option whose condition holds, if any."""
        ...

    async def confirm_write(self, step: StepBase, call: list[str]) -> bool:
        """May this step that changes the estate run now? (A UI's 'run' key is that yes.)"""
        ...

    async def confirm_destructive(self, step: StepBase, expected_text: str) -> str:
        """Return the text the person typed; the engine compares it with ``expected_text``."""
        ...

    async def verify_unknown(self, step: StepBase) -> Verdict:
        """A step was running when the cockpit died: did it happen ("done"), run it again, or skip it?"""
        ...


@dataclass
class HeadlessOperator:
    """Answers from ``cockpit run`` flags; anything not given is :class:`NeedsPerson`.

    ``yes`` confirms checklists and write steps. It does not confirm destructive steps:
    those need ``confirm[STEP] == expected text`` (``--confirm STEP=TEXT``). In a drill the
    engine may take ``yes`` for them (:attr:`confirms_drills`), but only after checking
    that every endpoint of the run is the emulated estate, which proves it is
    (``engine/estate_proof.py``); otherwise it asks here like in an incident.
    """

    yes: bool = False
    approver: str | None = None
    #: Who answers when nobody gave --approve-as (the configured actor): the name on a rejection.
    actor: str = ""
    rejections: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    confirmations: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def confirms_drills(self) -> bool:
        """Whether the person said yes to a drill's destructive steps (the engine decides if that counts)."""
        return self.yes

    async def confirm_checklist(self, step: ManualStep, items: list[str]) -> list[str]:
        if not self.yes:
            raise NeedsPerson(step.id, f"step {step.id} is a manual checklist ({len(items)} items): "
                              "confirm it with --yes")
        return list(items)

    async def approve(self, step: ApproveStep, prompt: str) -> str | Rejection:
        if step.id in self.rejections:
            return Rejection(self.approver or self.actor, self.rejections[step.id])
        if not self.approver:
            raise NeedsPerson(step.id, f"step {step.id} needs approval by {step.approver}: give --approve-as NAME "
                              f"(or --reject {step.id}=REASON)")
        return self.approver

    async def choose(self, step: ChooseStep, prompt: str, options: list[OptionState], suggested: str | None) -> str:
        if step.id in self.choices:
            return self.choices[step.id]
        if suggested is not None:
            return suggested
        ids = "|".join(o.id for o in options)
        raise NeedsPerson(step.id, f"step {step.id} needs a decision (no single option's condition holds): "
                          f"give --choose {step.id}={ids}")

    async def confirm_write(self, step: StepBase, call: list[str]) -> bool:
        if not self.yes:
            raise NeedsPerson(step.id, f"step {step.id} changes the estate ({step.risk.value}): "  # type: ignore[union-attr]
                              "run with --yes to execute write steps (or --dry-run / --read-only)")
        return True

    async def confirm_destructive(self, step: StepBase, expected_text: str) -> str:
        if step.id in self.confirmations:
            return self.confirmations[step.id]
        raise NeedsPerson(step.id, f"step {step.id} is destructive: confirm with --confirm "
                          f"{step.id}={expected_text!r} (--yes does not cover destructive steps)")

    async def verify_unknown(self, step: StepBase) -> Verdict:
        verdict = self.verdicts.get(step.id)
        if verdict in ("done", "rerun", "skip"):
            return verdict  # type: ignore[return-value]
        raise NeedsPerson(step.id, f"step {step.id} was running when the last session ended and its outcome is "
                          f"unknown: check the estate, then give --resolve {step.id}=done|rerun|skip")

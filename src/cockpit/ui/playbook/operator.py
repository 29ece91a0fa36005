"""The engine's :class:`~cockpit.engine.Operator`, answered by a person through dialogs.

The engine runs inside a worker of the guided screen and awaits these coroutines; each one
asks the screen to show a dialog (:meth:`DialogHost.ask`) and waits for its ``dismiss``.
Escape (no answer) becomes :class:`NeedsPerson`: the engine leaves the step where it was,
so nothing is executed or marked done without an answer. A write step needs no dialog:
pressing the run key on it *is* the yes.
"""

from __future__ import annotations

from typing import Any, Protocol

from cockpit.content.step_base import StepBase

from cockpit.content.steps import ApproveStep, ChooseStep, ManualStep
from cockpit.engine.operator import NeedsPerson, OptionState, Rejection, Verdict
from cockpit.ui.playbook.dialogs import (
    ApprovalDialog, ChecklistDialog, ConfirmDestructiveDialog, DecisionDialog, PlaybookDialog, VerifyUnknownDialog,
)


class DialogHost(Protocol):
    """Shows a dialog for the run (now, or when the responder flips back to it) and returns its answer."""

    async def ask(self, dialog: PlaybookDialog[Any]) -> Any: ...

    def step_title(self, step: StepBase) -> str: ...

    def step_call(self, step: StepBase) -> list[str]: ...


class UiOperator:
    """Implements the engine's Operator protocol with the dialogs of dialogs.py."""

    def __init__(self, host: DialogHost) -> None:
        self.host = host

    async def _answer(self, step: StepBase, dialog: PlaybookDialog[Any], what: str) -> Any:
        answer = await self.host.ask(dialog)
        if answer is None:
            raise NeedsPerson(step.id, f"{what} not given: nothing was done; press enter on the step to answer")
        return answer

    async def confirm_checklist(self, step: ManualStep, items: list[str]) -> list[str]:
        return list(await self._answer(step, ChecklistDialog(self.host.step_title(step), items), "checklist"))

    async def approve(self, step: ApproveStep, prompt: str) -> str | Rejection:
        dialog = ApprovalDialog(self.host.step_title(step), step.approver, prompt)
        answer = await self._answer(step, dialog, "approval")
        return answer if isinstance(answer, Rejection) else str(answer)

    async def choose(self, step: ChooseStep, prompt: str, options: list[OptionState], suggested: str | None) -> str:
        dialog = DecisionDialog(self.host.step_title(step), prompt, options, suggested)
        return str(await self._answer(step, dialog, "decision"))

    async def confirm_write(self, step: StepBase, call: list[str]) -> bool:
        return True  # the responder pressed "run step" on this very step

    async def confirm_destructive(self, step: StepBase, expected_text: str) -> str:
        dialog = ConfirmDestructiveDialog(self.host.step_title(step), self.host.step_call(step), expected_text)
        return str(await self._answer(step, dialog, "confirmation"))

    async def verify_unknown(self, step: StepBase) -> Verdict:
        dialog = VerifyUnknownDialog(self.host.step_title(step), self.host.step_call(step))
        verdict = await self._answer(step, dialog, "verdict")
        return verdict  # type: ignore[no-any-return]

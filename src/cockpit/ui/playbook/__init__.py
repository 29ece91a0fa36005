"""The guided playbook screen: a run driven from the keyboard (docs/ui-playbook.md).

Wiring in the app (the whole of it)::

    @on(PlaybookRequested)
    def _playbook_requested(self, message):
        request_playbook(self, message.playbook_id, screen_model=self.model, read_only=self.read_only)

plus a key on the cockpit screen that calls :func:`flip_to_run` to return to the run.
"""

from cockpit.ui.playbook.dialogs import (
    ApprovalDialog, ChecklistDialog, ConfirmDestructiveDialog, DecisionDialog, ReasonDialog, VerifyUnknownDialog,
)
from cockpit.ui.playbook.operator import UiOperator
from cockpit.ui.playbook.plan import RunPlan
from cockpit.ui.playbook.screen import GuidedPlaybookScreen
from cockpit.ui.playbook.launch import request_playbook
from cockpit.ui.playbook.start import MODE, RunRequest, StartDialog, flip_to_run, running_screen, show_run

__all__ = [
    "MODE", "ApprovalDialog", "ChecklistDialog", "ConfirmDestructiveDialog", "DecisionDialog", "GuidedPlaybookScreen",
    "ReasonDialog", "RunPlan", "RunRequest", "StartDialog", "UiOperator", "VerifyUnknownDialog", "flip_to_run",
    "request_playbook", "running_screen", "show_run",
]

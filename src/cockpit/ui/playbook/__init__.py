"""The guided playbook screen: a run driven from the keyboard (docs/ui-playbook.md).

Wiring in the app (the whole of it)::

    @on(PlaybookRequested)
    def _playbook_requested(self, message):
        request_playbook(self, message.playbook_id, screen_model=self.model, read_only=self.read_only)

plus a key on the cockpit screen that calls :func:`flip_to_run` to return to the run.

The names below are imported on first use (PEP 562 ``__getattr__``, as ``textual.widgets``
does): the app's first frame imports ``commands.py`` (the palette provider) and must not
pay for the engine, the playbook models, Jinja and Markdown that the rest brings in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.lazy import lazy_exports

#: Public name → the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "ApprovalDialog": "dialogs", "ChecklistDialog": "dialogs", "ConfirmDestructiveDialog": "dialogs",
    "DecisionDialog": "dialogs", "ReasonDialog": "dialogs", "VerifyUnknownDialog": "dialogs",
    "UiOperator": "operator",
    "RunPlan": "plan",
    "GuidedPlaybookScreen": "screen",
    "request_playbook": "launch",
    "MODE": "start", "RunRequest": "start", "StartDialog": "start", "flip_to_run": "start",
    "running_screen": "start", "show_run": "start",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from cockpit.ui.playbook.dialogs import (
        ApprovalDialog, ChecklistDialog, ConfirmDestructiveDialog, DecisionDialog, ReasonDialog, VerifyUnknownDialog,
    )
    from cockpit.ui.playbook.launch import request_playbook
    from cockpit.ui.playbook.operator import UiOperator
    from cockpit.ui.playbook.plan import RunPlan
    from cockpit.ui.playbook.screen import GuidedPlaybookScreen
    from cockpit.ui.playbook.start import MODE, RunRequest, StartDialog, flip_to_run, running_screen, show_run

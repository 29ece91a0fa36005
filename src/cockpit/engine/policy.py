"""The guard: which steps may execute in this run. Enforced here, not in any UI.

Three modes narrow what runs:

* **dry run** — every step is rendered and recorded with the exact call; nothing is
  called, nobody is asked.
* **read-only** (``--read-only``, global or per run) and **tabletop** (an incident whose
  mode is ``tabletop``) — only steps whose risk is ``read`` execute; the others are
  recorded as "not executed" with the call they would have made.

``risk`` comes from the validated playbook, where it can never be lower than the call
implies (an AWS ``Put*`` is never ``read``), so this check is the whole guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.content import steps as kinds
from cockpit.content.step_base import Risk, StepBase



@dataclass(frozen=True)
class Policy:
    dry_run: bool = False
    read_only: bool = False
    tabletop: bool = False
    #: A check run (``cockpit run ID`` from cron, no incident): nobody is there to tick a
    #: checklist or approve, so those steps are recorded "not executed" instead of waiting.
    unattended: bool = False

    @property
    def label(self) -> str:
        return "dry run" if self.dry_run else "tabletop" if self.tabletop else "read-only" if self.read_only else ""

    @property
    def guarded(self) -> bool:
        """Whether only read steps execute."""
        return self.read_only or self.tabletop

    def refusal(self, step: StepBase) -> str | None:
        """Why ``step`` must not execute under this policy, or None when it may."""
        if self.dry_run:
            return "not executed: dry run"
        if self.guarded and step.risk is not Risk.read:
            return f"not executed: {'tabletop' if self.tabletop else 'read-only'} ({step.risk.value} step)"  # type: ignore[union-attr]
        # A person's step a check run cannot hold for (a decision whose one condition holds
        # still decides itself; one that needs a person fails the check as unknown).
        if self.unattended and kinds.of(step).skipped_unattended:
            return "not executed: a person's step (check run)"
        return None

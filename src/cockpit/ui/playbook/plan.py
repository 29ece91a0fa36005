"""What a guided run needs before it opens: the playbook, where it logs, its parameters, its guard."""

from __future__ import annotations

from collections.abc import Callable

from dataclasses import dataclass, field
from typing import Any

from cockpit.content.playbook import Playbook
from cockpit.engine.policy import Policy
from cockpit.timeline.aio import AsyncTimeline


@dataclass
class RunPlan:
    """A run to start (``run_id`` None) or to reopen after a crash (``run_id`` given)."""

    playbook: Playbook
    #: The app's open timeline (shared with the incident panes).
    timeline: AsyncTimeline
    incident_id: str
    #: Typed parameter values (content.params.resolve_params); a reopened run keeps its own.
    params: dict[str, Any]
    policy: Policy = field(default_factory=Policy)
    run_id: str | None = None
    #: The cockpit's screen model: templates may read ``screen``.
    screen_model: Any = None
    webhook_url: str | None = None
    kube_context: str | None = None
    #: More engine listeners (e.g. a drill's meter, which times the cut-over and validation).
    listeners: tuple[Callable[[Any], Any], ...] = ()

    @property
    def mode_label(self) -> str:
        """"DRY RUN", "READ-ONLY", "TABLETOP" or "" — shown on the screen at all times."""
        return self.policy.label.upper()

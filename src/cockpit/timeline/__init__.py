"""The incident timeline: an append-only record of everything that happens, in SQLite.

Public API (see docs/timeline.md)::

    from cockpit.timeline import Timeline
    with Timeline(config.db, actor=config.actor) as tl:
        incident = tl.declare("S3 5xx in eu-west-1", "P1", mode="drill")
        tl.note(incident.id, "Replication lag 22 min")

Nothing here imports Textual; the UI wraps :class:`AsyncTimeline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.lazy import lazy_exports
from cockpit.timeline.model import (
    Event,
    EventKind,
    Incident,
    Mode,
    Role,
    Run,
    StepRecord,
    StepState,
    TimelineError,
    UnknownIncident,
)
from cockpit.timeline.redact import Redactor, redact
from cockpit.timeline.severity import SEVERITIES, Severity, severity

#: ``Timeline`` is imported on first use: it brings the store (sqlite-utils, click,
#: pluggy), which the cockpit's first frame does not need; the model is plain dataclasses.
__getattr__, __dir__ = lazy_exports(__name__, {"Timeline": "lifecycle"}, globals())

if TYPE_CHECKING:
    from cockpit.timeline.lifecycle import Timeline

__all__ = [
    "Event", "EventKind", "Incident", "Mode", "Role", "Run", "SEVERITIES", "Severity", "StepRecord", "StepState",
    "Timeline", "TimelineError", "UnknownIncident", "Redactor", "redact", "severity",
]

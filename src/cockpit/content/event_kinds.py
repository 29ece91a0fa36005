"""The timeline's event kinds, defined where operator content can name them.

A scenario's expectations name event kinds (``event: {kind: note}``), and the scenario
format is checked when the file loads, with its file:line; the timeline records the kinds.
Content sits below the timeline, so the closed set lives here and ``cockpit.timeline.model``
re-exports it: import it from there, as everything above content does.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """Everything the timeline can record (documented in docs/timeline.md)."""

    DECLARED = "declared"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_ASSIGNED = "role_assigned"
    NOTE = "note"
    STATUS_UPDATE = "status_update"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    ESCALATED = "escalated"
    ESCALATION_DUE = "escalation_due"
    ALARM_FIRED = "alarm_fired"
    ALARM_CLEARED = "alarm_cleared"
    RUN_STARTED = "run_started"
    RUN_FINISHED = "run_finished"
    RUN_TAKEN_OVER = "run_taken_over"
    STEP_STARTED = "step_started"
    STEP_SUCCEEDED = "step_succeeded"
    STEP_FAILED = "step_failed"
    STEP_SKIPPED = "step_skipped"
    STEP_UNKNOWN = "step_unknown"
    STEP_CANCELLED = "step_cancelled"
    APPROVAL = "approval"
    DECISION = "decision"
    NOTIFICATION = "notification"
    INJECT = "inject"
    METRIC = "metric"
    ACTION_ITEM = "action_item"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    SHARED = "shared"

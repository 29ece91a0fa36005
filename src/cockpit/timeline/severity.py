"""Severity levels, response targets and escalation, as the runbooks define them — data, not code.

The seeds disagree at the edges, so each level says where its words come from:

* seed 001 "Severity Levels": P0–P3 with response and resolution times;
* seed 000 "Incident Classification": P1–P4 definitions, and "post updates every 15 minutes"
  for a P1;
* seed 002 "Escalation Matrix": who to escalate to after 15 minutes and after 1 hour;
* seed 003 "Contact Escalation": the escalation ladder by elapsed time (L1…L4).

Where no seed gives a value (P2's update cadence, P4's targets) the choice is ours and is
marked as such, so a reviewer can tell a runbook fact from a Cockpit default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cockpit.timeline.model import TimelineError


@dataclass(frozen=True)
class Escalation:
    after: timedelta
    to: str
    source: str


@dataclass(frozen=True)
class Severity:
    level: str  # "P0".."P4"
    name: str
    definition: str
    examples: str
    response: timedelta | None  # None: next business day / no target
    response_text: str
    resolution: timedelta | None
    resolution_text: str
    update_every: timedelta | None  # status-update cadence; None: no reminder
    first_contact: str
    escalations: tuple[Escalation, ...]
    source: str

    @property
    def label(self) -> str:
        return f"{self.level} - {self.name}"


_M = timedelta(minutes=1)
_H = timedelta(hours=1)

SEVERITIES: dict[str, Severity] = {s.level: s for s in (
    Severity("P0", "Critical", "Production down: complete outage", "Complete outage, data loss",
             timedelta(0), "Immediate", 1 * _H, "1 hour", 15 * _M, "On-call Engineer",
             (Escalation(15 * _M, "Incident Commander", "platform guide"), Escalation(1 * _H, "CTO", "platform guide")),
             "AWS runbook (P0 - Critical); update cadence as P1 (storage runbook)"),
    Severity("P1", "Critical", "Complete service outage / major feature down",
             "S3 unavailable, data loss (storage runbook); payment processing down, auth issues (AWS runbook)",
             15 * _M, "15 minutes", 4 * _H, "4 hours", 15 * _M, "On-call Engineer",
             (Escalation(15 * _M, "Engineering Lead", "platform guide"), Escalation(1 * _H, "CTO", "platform guide")),
             "storage runbook (P1 - Critical), AWS runbook (P1 - High)"),
    Severity("P2", "High", "Major functionality impaired / performance degradation",
             "Replication failed, slow uploads (storage runbook); slow responses, intermittent errors (AWS runbook)",
             1 * _H, "1 hour", 24 * _H, "24 hours", 1 * _H, "On-call Engineer",
             (Escalation(15 * _M, "Engineering Lead", "platform guide"),),
             "storage runbook (P2 - High), AWS runbook (P2 - Medium); hourly updates are Cockpit's default"),
    Severity("P3", "Medium", "Minor functionality impaired / minor issues",
             "Increased latency, 4xx errors (storage runbook); UI bugs, non-critical features (AWS runbook)",
             None, "Next business day", 7 * 24 * _H, "1 week", None, "Create ticket", (),
             "storage runbook (P3 - Medium), AWS runbook (P3 - Low)"),
    Severity("P4", "Low", "Minimal impact", "Documentation issues, cosmetic",
             None, "No target", None, "No target", None, "Create ticket", (),
             "storage runbook (P4 - Low); no runbook sets targets"),
)}


@dataclass(frozen=True)
class LadderStep:
    """Seed 003's escalation by elapsed time, whatever the severity."""

    start: timedelta
    level: str
    contact: str
    method: str


ESCALATION_LADDER: tuple[LadderStep, ...] = (
    LadderStep(timedelta(0), "L1", "On-Call Engineer", "PagerDuty auto-page"),
    LadderStep(15 * _M, "L2", "Platform Lead", "PagerDuty manual page"),
    LadderStep(30 * _M, "L3", "Engineering Director", "Direct call"),
    LadderStep(60 * _M, "L4", "VP Engineering", "Direct call"),
)


def severity(level: str) -> Severity:
    """Look up ``P0``…``P4`` (case-insensitive); a clear error for anything else."""
    try:
        return SEVERITIES[level.strip().upper()]
    except KeyError:
        raise TimelineError(f"unknown severity {level!r} (expected one of {', '.join(SEVERITIES)})") from None


def ladder_step(elapsed: timedelta) -> LadderStep:
    """Where seed 003's ladder stands after ``elapsed`` since detection."""
    current = ESCALATION_LADDER[0]
    for step in ESCALATION_LADDER:
        if elapsed >= step.start:
            current = step
    return current


@dataclass(frozen=True)
class EscalationStatus:
    """What the header shows: the response target, and escalations now due."""

    severity: Severity
    elapsed: timedelta
    response_overdue: bool  # the response-time target has passed (unacknowledged)
    due: tuple[Escalation, ...]  # seed 002 escalations whose time has passed
    next: Escalation | None
    ladder: LadderStep
    #: The response target that holds: the alert matrix's when the incident was declared on
    #: one of its rows, else the level's (None: no target).
    response: timedelta | None = None
    response_text: str = ""


def response_words(target: timedelta) -> str:
    """``5 minutes``, ``24 hours``, ``1 hour``: a response time as the runbooks write it."""
    seconds = int(target.total_seconds())
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    mins = max(1, seconds // 60)
    return f"{mins} minute{'s' if mins != 1 else ''}"


def escalation_status(level: str, elapsed: timedelta, acknowledged: bool,
                      response: timedelta | None = None) -> EscalationStatus:
    """Where an incident of ``level`` stands after ``elapsed``; ``response`` is the alert
    matrix's response time it was declared with (None: the level's target)."""
    sev = severity(level)
    target = response if response is not None else sev.response
    text = response_words(response) if response is not None else sev.response_text
    due = tuple(e for e in sev.escalations if elapsed >= e.after)
    upcoming = [e for e in sev.escalations if elapsed < e.after]
    overdue = not acknowledged and target is not None and elapsed > target
    return EscalationStatus(sev, elapsed, overdue, due, upcoming[0] if upcoming else None, ladder_step(elapsed),
                            target, text)

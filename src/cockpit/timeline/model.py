"""The timeline's vocabulary: event kinds, modes, roles, step states, and the records read back.

Kinds are a closed set (a ``StrEnum``) so the postmortem, the UI filters and the JSON export
agree on what can happen; adding one is a code change documented in ``docs/timeline.md``.
Records are frozen dataclasses: the UI receives snapshots it cannot mutate by accident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cockpit.content.event_kinds import EventKind as EventKind  # defined in content: scenarios name kinds


class TimelineError(Exception):
    """A user-facing problem with the timeline (unknown id, bad value); one line, no traceback."""


class UnknownIncident(TimelineError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"unknown incident {incident_id!r}")
        self.incident_id = incident_id


#: What a note can be filed as (``note --kind``); each is a postmortem section. A note without
#: a kind is plain narration. ``key`` pins it to the key events; ``action`` is an action item.
NOTE_KINDS: dict[str, str] = {
    "key": "Key events",
    "impact": "Impact",
    "root-cause": "Root cause",
    "contributing": "Contributing factors",
    "went-well": "What went well",
    "went-badly": "What went badly",
    "action": "Action items",
}


def note_kind(value: str) -> str:
    """A note kind as stored, or a one-line error naming the kinds."""
    kind = value.strip().lower().replace("_", "-")
    if kind not in NOTE_KINDS:
        raise TimelineError(f"unknown note kind {value!r} (expected one of {', '.join(NOTE_KINDS)})")
    return kind


class Mode(StrEnum):
    INCIDENT = "incident"
    DRILL = "drill"
    TABLETOP = "tabletop"


class Role(StrEnum):
    COMMANDER = "commander"
    SCRIBE = "scribe"
    COMMUNICATIONS = "communications"


class StepState(StrEnum):
    """A playbook step's persisted state; ``unknown`` = started, never confirmed finished."""

    PENDING = "pending"
    RUNNING = "running"
    WAITING = "waiting"  # waiting on an approval or a manual checklist
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


# Which timeline event a step state change writes (pending/waiting write none).
STEP_EVENT: dict[StepState, EventKind] = {
    StepState.RUNNING: EventKind.STEP_STARTED,
    StepState.SUCCEEDED: EventKind.STEP_SUCCEEDED,
    StepState.FAILED: EventKind.STEP_FAILED,
    StepState.SKIPPED: EventKind.STEP_SKIPPED,
    StepState.CANCELLED: EventKind.STEP_CANCELLED,
    StepState.UNKNOWN: EventKind.STEP_UNKNOWN,
}


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """UTC, millisecond precision, ``Z`` suffix: sorts as text, reads as time."""
    if ts.tzinfo is None:
        raise TimelineError(f"timestamp {ts.isoformat()} has no time zone")
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.astimezone(UTC).microsecond // 1000:03d}Z"


def parse_ts(text: str) -> datetime:
    """Parse an ISO 8601 time; a naive time is refused rather than guessed."""
    try:
        ts = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimelineError(f"not an ISO 8601 time: {text!r}") from None
    if ts.tzinfo is None:
        raise TimelineError(f"time {text!r} has no time zone (add Z or +00:00)")
    return ts.astimezone(UTC)


def normalise_ts(value: datetime | str) -> str:
    return iso(value if isinstance(value, datetime) else parse_ts(value))


@dataclass(frozen=True)
class Event:
    """One timeline entry. ``seq`` is this file's commit order (poll with ``events_after``);
    ``uid`` is the event's identity everywhere (exports, imports, retries); ``hlc`` its place
    in the incident's order, which reads follow."""

    seq: int
    uid: str
    incident_id: str
    ts: str
    actor: str
    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    #: Its place in the incident's order on every host (``hlc.py``); ``ts`` is the time shown.
    hlc: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Event:
        return cls(seq=row["seq"], uid=row["uid"], incident_id=row["incident_id"], ts=row["ts"],
                   actor=row["actor"], kind=row["kind"], message=row["message"],
                   data=json.loads(row["data"]) if row["data"] else {}, hlc=row.get("hlc") or "")

    @property
    def place(self) -> tuple[str, int]:
        """Where it sorts in its incident's timeline: before and after are this, not ``seq``
        (a file's arrival order) nor ``ts`` (the time shown)."""
        return self.hlc, self.seq

    def to_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "hlc": self.hlc, "ts": self.ts, "actor": self.actor, "kind": self.kind,
                "message": self.message, "data": self.data}


@dataclass(frozen=True)
class Incident:
    """The incident's current state: a projection of its events, kept in the same transaction."""

    id: str
    title: str
    severity: str
    mode: str
    status: str  # "open" | "resolved"
    commander: str | None
    scribe: str | None
    communications: str | None
    detected_at: str
    declared_at: str
    acknowledged_at: str | None
    mitigated_at: str | None
    resolved_at: str | None
    next_update_due: str | None
    updated_at: str
    created_by: str
    #: The response time the screen's alert matrix set when it was declared (seconds; None:
    #: the level's own target).
    response_target_seconds: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Incident:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Run:
    id: str
    incident_id: str
    playbook_id: str
    params: dict[str, Any]
    mode: str
    dry_run: bool
    status: str
    actor: str
    started_at: str
    finished_at: str | None
    #: Started read-only: stays read-only when reopened, whoever reopens it.
    read_only: bool = False
    #: The clock node of the file whose cockpit drives the run; None: this file's (a run
    #: another host started reaches this file through a share: it can be followed, not driven).
    node: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Run:
        return cls(id=row["id"], incident_id=row["incident_id"], playbook_id=row["playbook_id"],
                   params=json.loads(row["params"] or "{}"), mode=row["mode"], dry_run=bool(row["dry_run"]),
                   status=row["status"], actor=row["actor"], started_at=row["started_at"],
                   finished_at=row["finished_at"], read_only=bool(row.get("read_only", 0)), node=row.get("node"))

    def to_json(self) -> dict[str, Any]:
        """The run as exported: ``node`` names a file, which means nothing in another one."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "node"}


@dataclass(frozen=True)
class StepRecord:
    run_id: str
    step_id: str
    state: str
    attempt: int
    outputs: dict[str, Any]
    error: str | None
    started_at: str | None
    finished_at: str | None
    updated_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> StepRecord:
        return cls(run_id=row["run_id"], step_id=row["step_id"], state=row["state"], attempt=row["attempt"],
                   outputs=json.loads(row["outputs"] or "{}"), error=row["error"],
                   started_at=row["started_at"], finished_at=row["finished_at"], updated_at=row["updated_at"])

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

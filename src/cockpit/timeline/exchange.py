"""One round of sharing, whatever carries the log: pull what is new, push what is queued.

The shared log is anything that offers :class:`Log`: numbered slots per partition, where
writing slot ``n`` succeeds only if nobody wrote it before (DynamoDB's conditional write in
``cockpit.share``; a dict in the tests). Everything that makes sharing safe is here and in
SQLite, not in the transport:

- **pull**: slots after this file's cursor, applied in one transaction (``mirror.py``);
- **push**: a log's queued events go into slot ``cursor + 1``, and only after pulling, so
  no host writes slot ``n`` without having applied ``1..n-1``. The log stays gap-free, and
  every event in it was applied by its writer before it wrote. A slot someone else took
  first is pulled, and the push tries the next one;
- a push whose answer was lost (or a cockpit killed right after it) is found on the next
  pull: the events come back in a slot and leave the queue (``mirror``), never sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.timeline import mirror, outbox
from cockpit.timeline.model import iso, utc_now
from cockpit.timeline.mirror import Applied, Slot

if TYPE_CHECKING:
    from cockpit.timeline.store import TimelineStore

#: A slot carries at most this many events, and about this many bytes (DynamoDB's items
#: stop at 400 KB; reads are billed by the 4 KB, writes by the 1 KB).
SLOT_EVENTS = 100
SLOT_BYTES = 96_000


class Log(Protocol):
    """What carries the shared log."""

    def read(self, pk: str, after: int) -> Sequence[Slot]:
        """Slots of ``pk`` numbered above ``after``, in order (a page: perhaps not all)."""

    def write(self, pk: str, slot: Slot) -> bool:
        """Write ``slot`` if its number is free; False if another host wrote it first."""


@dataclass
class Round:
    """What one :func:`exchange` did, for the header and the tests."""

    pulled: dict[str, Applied] = field(default_factory=dict)
    sent: int = 0  # events written to the log
    queued: int = 0  # events still waiting to leave


#: A resolved incident's log is read for this long after it was resolved (late notes, the
#: postmortem's action items), then no more: a file that shared a hundred incidents does not
#: poll a hundred logs a second. A ``reopened`` reaches it through the directory, which every
#: round reads, and makes it followed again.
FOLLOW_RESOLVED = timedelta(hours=24)


def followed(tl: TimelineStore) -> list[str]:
    """The logs this file reads: the directory, and each shared or followed incident's that
    is open or was resolved within :data:`FOLLOW_RESOLVED`."""
    since = iso(utc_now() - FOLLOW_RESOLVED)
    rows = tl.conn.execute(
        "SELECT s.incident_id FROM share_incidents s JOIN incidents i ON i.id = s.incident_id "
        "WHERE i.status != 'resolved' OR i.resolved_at IS NULL OR i.resolved_at > ? ORDER BY s.incident_id",
        (since,))
    return [outbox.SHARE_PK, *(outbox.incident_pk(r[0]) for r in rows)]


def pull(tl: TimelineStore, log: Log, pk: str, pages: int = 10) -> Applied:
    """Apply what ``pk`` holds past this file's cursor (following up to ``pages`` pages)."""
    done = Applied(mirror.cursor(tl.conn, pk))
    for _ in range(pages):
        slots = log.read(pk, done.cursor)
        if not slots:
            break
        step = mirror.apply_slots(tl, pk, slots)
        done.added += step.added
        done.acknowledged += step.acknowledged
        done.incidents |= step.incidents
        done.stopped = step.stopped
        if step.cursor == done.cursor or step.stopped:
            break
        done.cursor = step.cursor
    return done


def _slot_of(queued: list[outbox.Queued]) -> list[dict[str, Any]]:
    """The queued events that fit one slot, oldest first (at least one, cut if it is huge)."""
    events, size = [], 0
    for item in queued[:SLOT_EVENTS]:
        wire = item.wire()
        length = len(json.dumps(wire, separators=(",", ":"), default=str))
        if length > SLOT_BYTES:  # one event past a slot's size: its data stays here, whole
            wire = {**wire, "data": {"_truncated": True}}
            length = len(json.dumps(wire, separators=(",", ":"), default=str))
        if events and size + length > SLOT_BYTES:
            break
        events.append(wire)
        size += length
    return events


def push(tl: TimelineStore, log: Log, pk: str, attempts: int = 10) -> int:
    """Write ``pk``'s queued events to the log, a slot at a time; returns how many went."""
    sent = 0
    for _ in range(attempts):
        pull(tl, log, pk)
        queued = outbox.pending(tl.conn, pk, SLOT_EVENTS)
        if not queued:
            break
        events = _slot_of(queued)
        slot = Slot(mirror.cursor(tl.conn, pk) + 1, tuple(events))
        if log.write(pk, slot):
            mirror.sent(tl, pk, slot)
            sent += len(events)
    return sent


def exchange(tl: TimelineStore, log: Log) -> Round:
    """One round: every followed log pulled, every queued event pushed."""
    done = Round()
    for pk in followed(tl):
        done.pulled[pk] = pull(tl, log, pk)
    for pk in followed(tl):  # a pull may have brought new incidents to follow
        if pk not in done.pulled:
            done.pulled[pk] = pull(tl, log, pk)
    for pk in outbox.logs_with_pending(tl.conn):
        done.sent += push(tl, log, pk)
    done.queued = outbox.queued(tl.conn)
    return done

"""The way out of a shared incident's events: a queue in the timeline file itself.

An event of a shared incident is enqueued in the transaction that commits it (``store.py``
calls :func:`enqueue`), so a kill -9 leaves both or neither, and nothing is lost while the
share is unreachable: the queue drains, in order, when it is back. Each row names the log
(partition) the event goes to: ``INC#<id>`` for every event of the incident, and ``SHARE``
(the directory every host reads) for the few that change what an incident list shows.

Events that came *from* the log are never enqueued (they are already there); one of ours
that comes back in a slot is dropped from the queue by the mirror (``mirror.py``), which is
what makes a send whose answer was lost safe to repeat.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from cockpit.timeline.model import Event, EventKind

SHARE_PK = "SHARE"
#: The kinds that change an incident's line in every host's list and picker.
DIRECTORY_KINDS = frozenset({EventKind.DECLARED, EventKind.SHARED, EventKind.SEVERITY_CHANGED,
                             EventKind.RESOLVED, EventKind.REOPENED})


def incident_pk(incident_id: str) -> str:
    """The partition of one incident's log: ``INC#INC-20261123-0004``."""
    return f"INC#{incident_id}"


def logs_of(incident_id: str, kind: str) -> tuple[str, ...]:
    """The logs an event of ``kind`` goes to."""
    pk = incident_pk(incident_id)
    return (pk, SHARE_PK) if kind in DIRECTORY_KINDS else (pk,)


def is_shared(conn: sqlite3.Connection, incident_id: str) -> bool:
    return conn.execute("SELECT 1 FROM share_incidents WHERE incident_id = ?", (incident_id,)).fetchone() is not None


def enqueue(conn: sqlite3.Connection, seq: int, incident_id: str, kind: str) -> None:
    """Inside the event's transaction: queue it for every log it goes to, if its incident is shared."""
    if is_shared(conn, incident_id):
        conn.executemany("INSERT OR IGNORE INTO share_outbox (seq, pk) VALUES (?, ?)",
                         [(seq, pk) for pk in logs_of(incident_id, kind)])


@dataclass(frozen=True)
class Queued:
    """One queued event, as the log will hold it (already redacted: it was, when committed)."""

    id: int
    pk: str
    event: Event

    def wire(self) -> dict[str, Any]:
        """The event as a slot carries it: the export's fields, and its incident."""
        return {**self.event.to_json(), "incident_id": self.event.incident_id}


def pending(conn: sqlite3.Connection, pk: str, limit: int = 100) -> list[Queued]:
    """The oldest queued events for ``pk``, in the order they were queued."""
    rows = conn.execute(
        "SELECT q.id, q.pk, e.seq, e.uid, e.incident_id, e.ts, e.actor, e.kind, e.message, e.data, o.hlc "
        "FROM share_outbox q JOIN events e ON e.seq = q.seq JOIN event_order o ON o.seq = q.seq "
        "WHERE q.pk = ? ORDER BY q.id LIMIT ?", (pk, limit))
    return [Queued(r["id"], r["pk"], Event.from_row(dict(r))) for r in rows]


def logs_with_pending(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT pk FROM share_outbox ORDER BY pk")]


def queued(conn: sqlite3.Connection) -> int:
    """How many events wait to leave (what the header shows while the share is away)."""
    return int(conn.execute("SELECT COUNT(*) FROM share_outbox").fetchone()[0])


def drop(conn: sqlite3.Connection, pk: str, uids: list[str]) -> int:
    """Inside a transaction: these events are in the log now; returns how many rows left."""
    if not uids:
        return 0
    marks = ",".join("?" * len(uids))
    return conn.execute(f"DELETE FROM share_outbox WHERE pk = ? AND seq IN "
                        f"(SELECT seq FROM events WHERE uid IN ({marks}))", (pk, *uids)).rowcount

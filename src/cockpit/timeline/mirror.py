"""The way in: slots of a shared log, applied to this file exactly once, in order.

A shared log (``INC#<id>`` for an incident, ``SHARE`` for the directory of incidents) is a
gap-free sequence of numbered slots, each holding events as ``outbox.Queued.wire`` shapes
them. This file keeps, per log, the last slot it applied (``share_cursor``). Applying takes
the slots after the cursor up to the first gap, in one transaction with the cursor's move:

- each event goes through the one append path (redacted again, its kind checked, deduped
  on its uid, its clock stamp kept and received), marked remote so it is never queued back;
- one of ours that comes back (we sent it, and the answer was lost, or we died before
  dropping it) is dropped from our queue: it is in the log now;
- the incident rows and the runs other files drive are rebuilt from the events
  (``project.py``), so every host ends with the same rows whatever the arrival order.

Killed half-way, the transaction rolls back and the same slots are read again; applying a
slot twice adds nothing. An event this cockpit cannot read (a kind from a newer version)
stops the log at its slot, skipping nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cockpit.timeline import outbox, project
from cockpit.timeline.model import EventKind, TimelineError, iso, utc_now

if TYPE_CHECKING:
    from cockpit.timeline.store import TimelineStore

#: Events that may introduce an incident to a host: they carry its whole row.
_INTRODUCE = (EventKind.DECLARED, EventKind.SHARED)


@dataclass(frozen=True)
class Slot:
    """One numbered slot of a log: the events it holds, as :meth:`outbox.Queued.wire` made them."""

    n: int
    events: tuple[Mapping[str, Any], ...]


@dataclass
class Applied:
    """What one apply did."""

    cursor: int  # the last slot applied, after this call
    added: int = 0  # events new to this file
    acknowledged: int = 0  # of ours, found in the log and dropped from the queue
    incidents: set[str] = field(default_factory=set)  # incidents whose events arrived
    stopped: str | None = None  # why the log stopped short of the slots given (a gap is not a reason)


def cursor(conn: Any, pk: str) -> int:
    row = conn.execute("SELECT slot FROM share_cursor WHERE pk = ?", (pk,)).fetchone()
    return int(row[0]) if row else 0


def apply_slots(tl: TimelineStore, pk: str, slots: Iterable[Slot]) -> Applied:
    """Apply the slots of log ``pk`` that follow this file's cursor, up to the first gap."""
    with tl.transaction() as conn:
        done = Applied(cursor(conn, pk))
        for slot in sorted(slots, key=lambda s: s.n):
            if slot.n <= done.cursor:
                continue  # applied before
            if slot.n != done.cursor + 1:
                break  # a gap: wait for the slot before it
            try:
                with tl.savepoint():
                    for wire in slot.events:
                        _apply(tl, pk, wire, done)
            except TimelineError as exc:
                done.stopped = f"slot {slot.n} of {pk}: {exc}"
                break
            done.cursor = slot.n
        conn.execute("INSERT INTO share_cursor (pk, slot) VALUES (?, ?) ON CONFLICT(pk) DO UPDATE SET slot = "
                     "excluded.slot", (pk, done.cursor))
        node = tl.node()
        for incident_id in sorted(done.incidents):
            project.fold_incident(conn, incident_id)
            project.fold_runs(conn, incident_id, node)
    return done


def _apply(tl: TimelineStore, pk: str, wire: Mapping[str, Any], done: Applied) -> None:
    try:
        incident_id, kind, uid = str(wire["incident_id"]).strip().upper(), str(wire["kind"]), str(wire["uid"])
        data = wire.get("data") or {}
        if not isinstance(data, dict):
            raise TypeError("data is not an object")
        message, ts, actor, stamp = str(wire["message"]), str(wire["ts"]), str(wire["actor"]), str(wire["hlc"])
    except (KeyError, TypeError) as exc:
        raise TimelineError(f"an event without its fields ({exc})") from None
    conn = tl.conn
    if conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone() is None:
        if kind not in _INTRODUCE or not isinstance(data.get("set"), dict):
            if pk == outbox.SHARE_PK:
                return  # the directory names an incident we do not hold yet: its own log brings it
            raise TimelineError(f"{incident_id} begins with a {kind} event, not its declaration")
        row = {k: data["set"].get(k) for k in project.COLUMNS}
        conn.execute(f"INSERT INTO incidents (id, {', '.join(row)}) VALUES (?{', ?' * len(row)})",
                     (incident_id, *row.values()))
        conn.execute("INSERT INTO share_incidents (incident_id, state, since) VALUES (?, 'remote', ?)",
                     (incident_id, iso(utc_now())))
    elif not outbox.is_shared(conn, incident_id):
        if pk == outbox.SHARE_PK:
            return
        raise TimelineError(f"{incident_id} in this file is another incident, never shared: the shared "
                            f"{incident_id} cannot be applied here until one of them is renumbered")
    elif kind == EventKind.DECLARED and (mine := conn.execute(
            "SELECT uid FROM events WHERE incident_id = ? AND kind = ? ORDER BY seq LIMIT 1",
            (incident_id, EventKind.DECLARED.value)).fetchone()) is not None and mine[0] != uid:
        # Two incidents of one number, both shared (before numbers were reserved in the share,
        # or by a host that did not): never merged into one timeline.
        if pk == outbox.SHARE_PK:
            return
        raise TimelineError(f"{incident_id} in the share was declared elsewhere as another incident than this "
                            f"file's {incident_id}: not merged")
    _, inserted = tl._append(incident_id, kind, message, data, uid=uid, ts=ts, actor=actor, stamp=stamp,
                             remote=True)
    if inserted:
        done.added += 1
    else:
        done.acknowledged += outbox.drop(conn, pk, [uid])
    done.incidents.add(incident_id)


def sent(tl: TimelineStore, pk: str, slot: Slot) -> None:
    """Our slot is in the log: its events leave the queue, and the cursor passes it (we hold
    every event in it), in one transaction. Killed before this, the next pull finds the slot
    and does the same (:func:`_apply` drops what comes back)."""
    with tl.transaction() as conn:
        outbox.drop(conn, pk, [str(e["uid"]) for e in slot.events])
        conn.execute("INSERT INTO share_cursor (pk, slot) VALUES (?, ?) ON CONFLICT(pk) DO UPDATE SET slot = "
                     "excluded.slot WHERE share_cursor.slot = ?", (pk, slot.n, slot.n - 1))

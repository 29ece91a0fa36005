"""The store: one SQLite connection, reads, and the single append path every event takes.

``append`` is the only way an event gets in: it redacts, validates the kind, and inserts
inside a ``BEGIN IMMEDIATE`` transaction, so that when it returns the event is committed.
An optional client-generated ``uid`` makes a retried write a no-op instead of a duplicate.
The same transaction stamps the event with the file's hybrid logical clock (``hlc.py``):
reads return an incident's events in that order, which on one host is commit order and
which every host sharing the incident agrees on.

For a UI, polling is cheap: :meth:`changed` reads ``PRAGMA data_version`` (no table access;
it changes when *another* connection commits) and this connection's ``total_changes`` (it
changes when *this* one writes), and :meth:`events_after` is an index range scan on
``seq``. Poll ``changed()`` every 250 ms and you see every commit, your own included, within
a second.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.config import default_actor
from cockpit.timeline import db as dbmod
from cockpit.timeline import hlc, outbox
from cockpit.timeline.model import Event, EventKind, Incident, TimelineError, UnknownIncident, normalise_ts, \
    iso, utc_now
from cockpit.timeline.redact import Redactor
from cockpit.timeline.schema import check_current, migrate

_EVENT_COLUMNS = "e.seq, e.uid, e.incident_id, e.ts, e.actor, e.kind, e.message, e.data, o.hlc"
#: Every read of events joins their place in the order (``hlc.py``; schema v6).
_EVENTS = "events e JOIN event_order o ON o.seq = e.seq"
#: Timeline order: the clock's (a file's own events in commit order); ``seq`` only breaks
#: the tie of a copied file's events, whose stamps share its node.
_ORDER = " ORDER BY o.hlc, e.seq"
_ORDER_BY_TIME = " ORDER BY e.ts, o.hlc, e.seq"


def new_uid() -> str:
    return uuid.uuid4().hex


def dumps(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)


class TimelineStore:
    """Low-level access to one timeline file; see :class:`cockpit.timeline.Timeline`."""

    def __init__(self, path: Path | str, actor: str | None = None, *, synchronous: str = "FULL",
                 secrets: Iterable[str] = (), read_only: bool = False) -> None:
        """``read_only``: open an existing file without writing anything to it (read-only
        media, an evidence copy); every write then fails with a TimelineError."""
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.redactor = Redactor(secrets)
        self.conn = dbmod.open_readonly(path) if read_only else dbmod.open_connection(path, synchronous)
        try:
            check_current(self.conn) if read_only else migrate(self.conn)
        except BaseException:
            self.conn.close()
            raise
        self._data_version: tuple[int, int] | None = None
        self._depth = 0  # nesting of transaction()

    # -- lifecycle of the object ---------------------------------------------------------
    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> TimelineStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A BEGIN IMMEDIATE write transaction; committed (fsync'ed) when the outermost block
        ends. Re-entrant, so ``with tl.transaction(): …`` around several calls (a burst of
        alarm transitions, say) makes them one commit and one fsync, all or nothing."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        with dbmod.write(self.conn) as conn:
            self._depth = 1
            try:
                yield conn
            finally:
                self._depth = 0

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Inside a transaction: a part that is undone alone if it raises (the rest stays)."""
        if not self.conn.in_transaction:
            raise RuntimeError("a savepoint needs a transaction")
        self.conn.execute("SAVEPOINT part")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO part")
            self.conn.execute("RELEASE part")
            raise
        self.conn.execute("RELEASE part")

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see the file as it was at the first of them, whatever other connections
        commit meanwhile (a deferred transaction: in WAL mode nobody waits for it). For a
        reader that makes several passes, like an export: every pass sees the same events.
        Inside a transaction already, it is that transaction's view. Write nothing inside."""
        if self._depth or self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    # -- reads -------------------------------------------------------------------------------
    def _row(self, sql: str, params: tuple = ()) -> dict[str, Any] | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row else None

    def incident(self, incident_id: str) -> Incident:
        row = self._row("SELECT * FROM incidents WHERE id = ?", (incident_id.strip().upper(),))
        if row is None:
            raise UnknownIncident(incident_id)
        return Incident.from_row(row)

    def incidents(self, status: str | None = None, limit: int | None = None) -> list[Incident]:
        """Newest first (ids sort by declaration date and number)."""
        sql = "SELECT * FROM incidents" + (" WHERE status = ?" if status else "") + " ORDER BY id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [Incident.from_row(dict(r)) for r in self.conn.execute(sql, (status,) if status else ())]

    def open_incidents(self) -> list[Incident]:
        return self.incidents(status="open")

    def events(self, incident_id: str, kinds: Iterable[str] | None = None,
               actors: Iterable[str] | None = None) -> list[Event]:
        """An incident's events in timeline order (their clock stamps: on one host, commit
        order), optionally filtered by kind and actor."""
        return list(self.iter_events(incident_id, kinds, actors))

    def iter_events(self, incident_id: str, kinds: Iterable[str] | None = None,
                    actors: Iterable[str] | None = None, *, data: Mapping[str, Iterable[Any]] | None = None,
                    by_time: bool = False, limit: int | None = None) -> Iterator[Event]:
        """:meth:`events`, one at a time as SQLite reads them: an export of any size holds one
        event in memory, not all of them. Raises :class:`UnknownIncident` before the first.

        ``data``: only events whose data holds one of the given values under each key (notes
        filed under some kinds: ``data={"kind": ["impact", "key"]}``), chosen by SQLite before
        anything is decoded. ``by_time``: in time order, ties in timeline order (alarms logged
        at the declaration fired before it). ``limit``: the first so many."""
        incident = self.incident(incident_id)
        sql = f"SELECT {_EVENT_COLUMNS} FROM {_EVENTS} WHERE o.incident_id = ?"
        params: list[Any] = [incident.id]
        for column, values in (("e.kind", kinds), ("e.actor", actors)):
            if values is not None:
                values = list(values)
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                params += values
        for key, values in (data or {}).items():
            values = list(values)
            sql += f" AND json_extract(e.data, ?) IN ({','.join('?' * len(values))})"
            params += [f'$."{key}"', *values]
        sql += _ORDER_BY_TIME if by_time else _ORDER
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return (Event.from_row(dict(r)) for r in self.conn.execute(sql, params))

    def iter_event_rows(self, incident_id: str, *,
                        by_time: bool = False) -> Iterator[tuple[int, str, str, str, str, str]]:
        """Every event of the incident as ``(seq, ts, actor, kind, message, data)`` tuples, its
        data still JSON text, one at a time (``by_time`` as for :meth:`iter_events`): for a
        reader of every event that decodes the data of only a few (the postmortem's timeline;
        decoding is most of the cost of reading an event)."""
        incident = self.incident(incident_id)
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples
        return cursor.execute(f"SELECT e.seq, e.ts, e.actor, e.kind, e.message, e.data FROM {_EVENTS} "
                              "WHERE o.incident_id = ?" + (_ORDER_BY_TIME if by_time else _ORDER), (incident.id,))

    def event_span(self, incident_id: str) -> tuple[str, str] | None:
        """The times of the incident's first and last events (None when it has none)."""
        incident = self.incident(incident_id)
        first, last = self.conn.execute("SELECT MIN(ts), MAX(ts) FROM events WHERE incident_id = ?",
                                        (incident.id,)).fetchone()
        return None if first is None else (first, last)

    def events_after(self, after_seq: int = 0, incident_id: str | None = None, limit: int = 1000) -> list[Event]:
        """Events committed after ``after_seq`` (any incident unless given), in commit order,
        not timeline order: the UI's poll, which must not miss one that sorts earlier."""
        sql = f"SELECT {_EVENT_COLUMNS} FROM {_EVENTS} WHERE e.seq > ?"
        params: list[Any] = [after_seq]
        if incident_id is not None:
            sql += " AND e.incident_id = ?"
            params.append(incident_id.strip().upper())
        sql += " ORDER BY e.seq LIMIT ?"
        params.append(limit)
        return [Event.from_row(dict(r)) for r in self.conn.execute(sql, params)]

    def last_seq(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])

    def event(self, uid: str) -> Event | None:
        row = self._row(f"SELECT {_EVENT_COLUMNS} FROM {_EVENTS} WHERE e.uid = ?", (uid,))
        return Event.from_row(row) if row else None

    def changed(self) -> bool:
        """True when anything was committed since the last call, by any connection (first call: True).

        ``PRAGMA data_version`` alone misses this connection's own commits (SQLite changes it
        only for other connections'), and the engine, the alarm log and the dialogs all write
        through the app's one connection: a pane polling it would never see a run's steps. So
        the version is paired with ``total_changes``, the rows this connection has written.
        (A rolled-back write bumps it too: one needless fetch, nothing missed.)"""
        version = (int(self.conn.execute("PRAGMA data_version").fetchone()[0]), self.conn.total_changes)
        changed, self._data_version = version != self._data_version, version
        return changed

    # -- the one write path for events --------------------------------------------------
    def append(self, incident_id: str, kind: EventKind | str, message: str, data: dict[str, Any] | None = None,
               *, uid: str | None = None, ts: datetime | str | None = None, actor: str | None = None) -> Event:
        """Append one event in its own transaction; returns it committed (or the earlier one
        with the same ``uid``, so a retry never duplicates)."""
        with self.transaction():
            event, _ = self._append(incident_id, kind, message, data, uid=uid, ts=ts, actor=actor)
        return event

    # -- the clock (hlc.py): its state is in the file, advanced in the event's transaction --
    def clock(self) -> hlc.Stamp:
        """The clock's last stamp (read inside the write transaction that advances it)."""
        node, wall, logical = self.conn.execute("SELECT node, wall_ms, logical FROM hlc_clock").fetchone()
        return hlc.Stamp(wall, logical, node)

    def node(self) -> str:
        """This file's clock node: who wrote an event, in its stamp; who drives a run."""
        return str(self.conn.execute("SELECT node FROM hlc_clock").fetchone()[0])

    def _set_clock(self, stamp: hlc.Stamp) -> None:
        self.conn.execute("UPDATE hlc_clock SET wall_ms = ?, logical = ?", (stamp.wall_ms, stamp.logical))

    def _stamp(self, given: hlc.Stamp | None) -> str:
        """Inside a transaction: the stamp of an event being inserted. A local event ticks the
        clock; one that carries a stamp (an import, another host's) keeps it, and the clock
        receives it, so what this host writes next sorts after it."""
        last = self.clock()
        if given is None:
            given = last = hlc.tick(last, hlc.now_ms())
        else:
            last = hlc.receive(last, given, hlc.now_ms())
        self._set_clock(last)
        return str(given)

    def _append(self, incident_id: str, kind: EventKind | str, message: str, data: dict[str, Any] | None = None,
                *, uid: str | None = None, ts: datetime | str | None = None,
                actor: str | None = None, stamp: str | None = None,
                remote: bool = False) -> tuple[Event, bool]:
        """Inside a transaction: insert; return (event, inserted). ``stamp``: the clock stamp
        the event already has elsewhere (an import, another host); for an event this file
        already holds, the smaller of the two is kept, so every host settles on one order.
        An event of a shared incident is queued for the shared log (``outbox.py``) in this
        same transaction, unless it is ``remote``: it came from that log."""
        try:
            kind = EventKind(kind)
        except ValueError:
            raise TimelineError(f"unknown event kind {kind!r}") from None
        incident_id = incident_id.strip().upper()
        if self._row("SELECT 1 AS x FROM incidents WHERE id = ?", (incident_id,)) is None:
            raise UnknownIncident(incident_id)
        if not isinstance(message, str):
            raise TimelineError("event message must be text")
        try:
            given = hlc.Stamp.parse(stamp) if stamp is not None else None
        except ValueError as exc:
            raise TimelineError(str(exc)) from None
        record = {
            "uid": uid or new_uid(),
            "incident_id": incident_id,
            "ts": normalise_ts(ts) if ts is not None else iso(utc_now()),
            "actor": self.redactor.text(actor or self.actor),
            "kind": kind.value,
            "message": self.redactor.text(message),
            "data": dumps(self.redactor.value(data or {})),
        }
        cursor = self.conn.execute(
            "INSERT INTO events (uid, incident_id, ts, actor, kind, message, data) "
            "VALUES (:uid, :incident_id, :ts, :actor, :kind, :message, :data) ON CONFLICT(uid) DO NOTHING",
            record)
        inserted = cursor.rowcount == 1
        if inserted:
            placed = self._stamp(given)
            self.conn.execute("INSERT INTO event_order (seq, incident_id, hlc) VALUES (?, ?, ?)",
                              (cursor.lastrowid, incident_id, placed))
            if not remote:
                outbox.enqueue(self.conn, cursor.lastrowid, incident_id, kind.value)
            return Event.from_row({**record, "seq": cursor.lastrowid, "hlc": placed}), True
        existing = self._row(f"SELECT {_EVENT_COLUMNS} FROM {_EVENTS} WHERE e.uid = ?", (record["uid"],))
        assert existing is not None
        if existing["incident_id"] != incident_id:
            raise TimelineError(f"event uid {record['uid']} already belongs to incident {existing['incident_id']}")
        if given is not None and stamp < existing["hlc"]:
            self._stamp(given)  # received by the clock
            self.conn.execute("UPDATE event_order SET hlc = ? WHERE seq = ?", (stamp, existing["seq"]))
            existing["hlc"] = stamp
        return Event.from_row(existing), False

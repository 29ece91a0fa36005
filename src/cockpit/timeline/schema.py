"""The timeline schema, as forward migrations keyed by version.

A file written by an older cockpit is upgraded in place, never recreated: an incident's
timeline outlives the version that wrote it. All pending migrations run in order inside one
``BEGIN IMMEDIATE`` transaction, so two cockpits opening an old file at once migrate it
exactly once, and a crash mid-migration leaves the old schema intact. A file from a *newer*
cockpit is refused with a clear message instead of being half-understood.

To change the schema, append a function to ``MIGRATIONS``; never edit a shipped one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from cockpit.timeline import db as dbmod
from cockpit.timeline import hlc
from cockpit.timeline.model import TimelineError, parse_ts

if TYPE_CHECKING:
    import sqlite_utils


def _v1_incidents_and_events(db: sqlite_utils.Database) -> None:
    db["incidents"].create({
        "id": str, "title": str, "severity": str, "mode": str, "status": str,
        "commander": str, "scribe": str, "communications": str,
        "detected_at": str, "declared_at": str, "acknowledged_at": str, "mitigated_at": str,
        "resolved_at": str, "next_update_due": str, "updated_at": str, "created_by": str,
    }, pk="id", not_null={"title", "severity", "mode", "status", "detected_at", "declared_at",
                          "updated_at", "created_by"})
    # seq is INTEGER PRIMARY KEY AUTOINCREMENT: writers are serialised by BEGIN IMMEDIATE, so
    # seq order is commit order and a reader polling "seq > N" never misses an event.
    db.execute("""
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            uid TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        )""")
    db["events"].create_index(["incident_id", "seq"])
    db["incidents"].create_index(["status"])


def _v2_runs_and_steps(db: sqlite_utils.Database) -> None:
    db["runs"].create({
        "id": str, "incident_id": str, "playbook_id": str, "params": str, "mode": str,
        "dry_run": int, "status": str, "actor": str, "started_at": str, "finished_at": str,
    }, pk="id", foreign_keys=[("incident_id", "incidents", "id")],
        not_null={"incident_id", "playbook_id", "mode", "status", "started_at"})
    db["runs"].create_index(["incident_id"])
    db["step_states"].create({
        "run_id": str, "step_id": str, "state": str, "attempt": int, "outputs": str, "error": str,
        "started_at": str, "finished_at": str, "updated_at": str,
    }, pk=("run_id", "step_id"), foreign_keys=[("run_id", "runs", "id")],
        not_null={"state", "attempt", "updated_at"})


def _v3_append_only(db: sqlite_utils.Database) -> None:
    """Make "append-only" a property of the file, not a promise of the code."""
    db.execute("""CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                  BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END""")
    db.execute("""CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                  BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END""")


def _v4_run_guard(db: sqlite_utils.Database) -> None:
    """A run remembers it was started read-only, so reopening it elsewhere cannot write."""
    db.execute("ALTER TABLE runs ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0")


def _v5_response_target(db: sqlite_utils.Database) -> None:
    """An incident declared on an alert of a screen's response matrix owes that row's response
    time (seed 000: "S3 5xx errors > 10/min, respond in 5 minutes"), not only its level's."""
    db.execute("ALTER TABLE incidents ADD COLUMN response_target_seconds INTEGER")


def _v6_event_order(db: sqlite_utils.Database) -> None:
    """An order for events that hosts sharing an incident can agree on (``hlc.py``).

    It lives beside ``events``, not in it: ``events`` stays append-only, while a stamp may
    be lowered once (two hosts logged one event; every host keeps the smaller stamp), and
    the triggers allow exactly that. Events already in the file are stamped in ``seq`` order
    from the running maximum of their times, a counter breaking ties, so an old file sorts
    exactly as it did; the clock goes on from the last stamp."""
    conn = db.conn
    conn.execute("CREATE TABLE hlc_clock (node TEXT NOT NULL, wall_ms INTEGER NOT NULL, logical INTEGER NOT NULL)")
    conn.execute("""
        CREATE TABLE event_order (
            seq INTEGER PRIMARY KEY REFERENCES events(seq),
            incident_id TEXT NOT NULL,
            hlc TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX event_order_incident_hlc ON event_order (incident_id, hlc)")
    conn.execute("""CREATE TRIGGER event_order_no_delete BEFORE DELETE ON event_order
                    BEGIN SELECT RAISE(ABORT, 'timeline events are append-only'); END""")
    conn.execute("""CREATE TRIGGER event_order_only_earlier BEFORE UPDATE ON event_order
                    WHEN NEW.seq IS NOT OLD.seq OR NEW.incident_id IS NOT OLD.incident_id OR NEW.hlc > OLD.hlc
                    BEGIN SELECT RAISE(ABORT, 'an event''s place in the timeline can only move earlier'); END""")
    stamp = hlc.Stamp(0, 0, hlc.new_node())
    rows = []
    for seq, incident_id, ts in conn.execute("SELECT seq, incident_id, ts FROM events ORDER BY seq"):
        try:
            wall = int(parse_ts(ts).timestamp() * 1000)
        except TimelineError:
            wall = 0  # unreadable time (never written by a cockpit): keep its commit place
        stamp = hlc.tick(stamp, wall)
        rows.append((seq, incident_id, str(stamp)))
    conn.executemany("INSERT INTO event_order (seq, incident_id, hlc) VALUES (?, ?, ?)", rows)
    conn.execute("INSERT INTO hlc_clock (node, wall_ms, logical) VALUES (?, ?, ?)",
                 (stamp.node, stamp.wall_ms, stamp.logical))


def _v7_share(db: sqlite_utils.Database) -> None:
    """What sharing an incident with other hosts keeps in the file (docs/sharing-design.md).

    ``share_incidents``: the incidents this file shares (``shared``: shared from here;
    ``remote``: followed, declared elsewhere). ``share_outbox``: events committed here that
    have not yet reached the shared log, written in the event's own transaction, so an event
    and its way out exist together or not at all. ``share_cursor``: per log, the last slot
    applied here. ``share_binding``: the share this file joined. ``runs.node``: the clock
    node of the file whose engine drives a run (NULL: this one); only that file may drive it."""
    conn = db.conn
    conn.execute("""
        CREATE TABLE share_incidents (
            incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
            state TEXT NOT NULL CHECK (state IN ('shared', 'remote')),
            since TEXT NOT NULL
        )""")
    conn.execute("""
        CREATE TABLE share_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            seq INTEGER NOT NULL REFERENCES events(seq),
            pk TEXT NOT NULL,
            UNIQUE (seq, pk)
        )""")
    conn.execute("CREATE INDEX share_outbox_pk ON share_outbox (pk, id)")
    conn.execute("CREATE TABLE share_cursor (pk TEXT PRIMARY KEY, slot INTEGER NOT NULL)")
    conn.execute("CREATE TABLE share_binding (uri TEXT NOT NULL, share_id TEXT NOT NULL, joined_at TEXT NOT NULL)")
    conn.execute("ALTER TABLE runs ADD COLUMN node TEXT")


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _v1_incidents_and_events,
    2: _v2_runs_and_steps,
    3: _v3_append_only,
    4: _v4_run_guard,
    5: _v5_response_target,
    6: _v6_event_order,
    7: _v7_share,
}
LATEST = max(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


class SchemaBehind(TimelineError):
    """A file opened read-only is at an older schema, which only a writable open can migrate."""


def check_current(conn: sqlite3.Connection) -> None:
    """For a read-only open: the file must be at the schema this cockpit reads."""
    found = current_version(conn)
    if found > LATEST:
        raise TimelineError(f"timeline database schema version {found} is newer than this "
                            f"cockpit understands ({LATEST}); upgrade cockpit")
    if found < LATEST:
        raise SchemaBehind(f"timeline database schema version {found} is older than this cockpit's ({LATEST}) "
                           "and the file is opened read-only, so it cannot be migrated")


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Bring the file to ``target`` (default: latest); return the version it was at."""
    if current_version(conn) == target:  # the common case: no write lock needed
        return target
    with dbmod.write(conn):
        found = current_version(conn)  # re-read under the lock: another process may have won
        if found > LATEST:
            raise TimelineError(f"timeline database schema version {found} is newer than this "
                                f"cockpit understands ({LATEST}); upgrade cockpit")
        if found < target:
            import sqlite_utils  # only a file that is behind pays for it: every open of a current one is plain sqlite3

            db = sqlite_utils.Database(conn)
            if found == 0:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for version in range(found + 1, target + 1):
                MIGRATIONS[version](db)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (target,))
    return found

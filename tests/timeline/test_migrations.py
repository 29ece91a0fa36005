"""A file written by an older cockpit is upgraded in place; a newer one is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cockpit.timeline import Timeline, TimelineError
from cockpit.timeline.db import open_connection
from cockpit.timeline.schema import LATEST, current_version, migrate


@pytest.mark.parametrize("old_version", range(1, LATEST))
def test_older_file_is_migrated_forward_keeping_its_timeline(db_path: Path, old_version: int) -> None:
    conn = open_connection(db_path)
    migrate(conn, target=old_version)
    conn.execute("INSERT INTO incidents (id, title, severity, mode, status, detected_at, declared_at, updated_at, "
                 "created_by) VALUES ('INC-20250101-0001', 'Old', 'P2', 'incident', 'open', "
                 "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'x@y')")
    conn.execute("INSERT INTO events (uid, incident_id, ts, actor, kind, message, data) VALUES "
                 "('u1', 'INC-20250101-0001', '2025-01-01T00:00:00.000Z', 'x@y', 'declared', 'Declared', '{}')")
    if old_version >= 6:  # from v6 on, an event is written with its place in the order
        conn.execute("INSERT INTO event_order (seq, incident_id, hlc) SELECT seq, incident_id, "
                     "'0194a2a0bc00.0000.0123456789' FROM events")
    conn.close()

    with Timeline(db_path, actor="new@host") as tl:
        assert current_version(tl.conn) == LATEST
        assert [e.uid for e in tl.events("INC-20250101-0001")] == ["u1"]
        run_id = tl.create_run("INC-20250101-0001", "p", {}, "incident", True)  # v2 tables exist
        assert tl.run(run_id).dry_run is True
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # v3 triggers exist
        sqlite3.connect(db_path).execute("DELETE FROM events")


def test_a_file_from_a_newer_cockpit_is_refused(db_path: Path) -> None:
    Timeline(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(TimelineError, match=f"schema version {LATEST + 1} is newer"):
        Timeline(db_path)


def test_reopening_a_current_file_changes_nothing(db_path: Path) -> None:
    with Timeline(db_path) as tl:
        inc = tl.declare("x", "P2")
    with Timeline(db_path) as tl:
        assert current_version(tl.conn) == LATEST and len(tl.events(inc.id)) == 1


def test_a_v5_file_sorts_exactly_as_before_and_its_clock_goes_on_from_there(db_path: Path) -> None:
    """Schema 6 orders events by clock stamps. A file written before them keeps its order
    (commit order), even where times run backwards (an alarm that fired before the
    declaration that logged it) or lie in the future (a host's clock that was ahead)."""
    conn = open_connection(db_path)
    migrate(conn, target=5)
    conn.execute("INSERT INTO incidents (id, title, severity, mode, status, detected_at, declared_at, updated_at, "
                 "created_by) VALUES ('INC-20250101-0001', 'Old', 'P2', 'incident', 'open', "
                 "'2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'x@y')")
    times = ["2025-01-01T00:05:00.000Z", "2025-01-01T00:01:00.000Z", "2025-01-01T00:05:00.000Z",
             "2099-01-01T00:00:00.000Z", "2025-01-01T00:06:00.000Z"]
    for n, ts in enumerate(times):
        conn.execute("INSERT INTO events (uid, incident_id, ts, actor, kind, message, data) VALUES "
                     "(?, 'INC-20250101-0001', ?, 'x@y', 'note', ?, '{}')", (f"u{n}", ts, f"n{n}"))
    conn.close()

    with Timeline(db_path, actor="new@host") as tl:
        assert [e.message for e in tl.events("INC-20250101-0001")] == ["n0", "n1", "n2", "n3", "n4"]
        tl.note("INC-20250101-0001", "after the upgrade")
        assert tl.events("INC-20250101-0001")[-1].message == "after the upgrade"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):  # v3 triggers still hold
        sqlite3.connect(db_path).execute("UPDATE events SET message = 'x'")

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

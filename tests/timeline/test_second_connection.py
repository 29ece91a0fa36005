"""A process may open its timeline file twice and still see every other process's writes.

SQLite's locks on the file are POSIX advisory locks, which the kernel drops for the whole
process when *any* descriptor of the file is closed. Opening a timeline used to open and
close the file itself (to create it 0600): a second ``Timeline`` on the file in one process
(an export beside the cockpit's own connection, a test's writer beside the app) silently
dropped the first one's locks. The next other process to close the file then took itself
for the last user, checkpointed and deleted the write-ahead log, and the first connection
went on reading a stale snapshot: a live pane that no longer showed a colleague's notes.
"""

from __future__ import annotations

from pathlib import Path

from cockpit.timeline import Timeline

from .conftest import start_writer


def test_both_connections_see_a_note_another_process_wrote_and_closed(db_path: Path) -> None:
    with Timeline(db_path, actor="app@host") as first:
        incident = first.declare("API 5xx", "P1")
        with Timeline(db_path, actor="export@host") as second:
            writer = start_writer(db_path, incident.id, 1, "colleague")
            out, err = writer.communicate(timeout=30)
            assert writer.returncode == 0, err
            for tl in (first, second):
                assert [e.message for e in tl.events(incident.id)][-1] == "colleague 0", tl.actor
        writer = start_writer(db_path, incident.id, 1, "later")  # the second one is closed now
        writer.communicate(timeout=30)
        assert [e.message for e in first.events(incident.id)][-1] == "later 0"

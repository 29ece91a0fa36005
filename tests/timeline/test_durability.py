"""Several processes on one file, and a process killed with SIGKILL mid-write."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from cockpit.timeline import Timeline

from .conftest import start_writer

pytestmark = pytest.mark.slow  # writer processes killed mid-commit, timed


def test_four_processes_append_10000_events_without_loss_or_lock_errors(tl: Timeline, db_path: Path) -> None:
    incident = tl.declare("Concurrent writers", "P2")
    writers = [start_writer(db_path, incident.id, 2500, f"w{i}") for i in range(4)]
    results = [w.communicate(timeout=300) for w in writers]

    for writer, (out, err) in zip(writers, results):
        assert writer.returncode == 0, err
        assert "locked" not in err and err == ""
        assert len(out.split()) == 2500
    notes = tl.events(incident.id, kinds=["note"])
    assert len(notes) == 10_000
    assert {e.actor for e in notes} == {f"w{i}@test" for i in range(4)}
    # seq is commit order: each writer's own events appear in the order it wrote them.
    for i in range(4):
        ns = [e.data["n"] for e in notes if e.data["writer"] == f"w{i}"]
        assert ns == list(range(2500))
    reported = {int(s) for out, _ in results for s in out.split()}
    assert reported == {e.seq for e in notes}


def _read_lines_until(proc, wanted: int) -> list[str]:
    lines = []
    while len(lines) < wanted:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines


def test_sigkill_mid_write_loses_no_committed_event(tl: Timeline, db_path: Path) -> None:
    incident = tl.declare("Killed writer", "P1")
    committed: set[int] = set()
    for round_, wait_for in enumerate((1, 150, 700)):
        proc = start_writer(db_path, incident.id, 1_000_000, f"k{round_}")
        lines = _read_lines_until(proc, wait_for)
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        text = "".join(lines) + rest
        complete = text if text.endswith("\n") else text.rsplit("\n", 1)[0]
        committed |= {int(s) for s in complete.split()}
        assert len(committed) >= wait_for

    with Timeline(db_path, actor="checker@test") as fresh:
        present = {e.seq for e in fresh.events(incident.id, kinds=["note"])}
        assert committed <= present
        # Writing still works after the crashes (no stale lock left behind).
        fresh.note(incident.id, "after the crash")
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_another_cockpit_sees_events_within_a_second(tl: Timeline, db_path: Path) -> None:
    incident = tl.declare("Shared file", "P1")
    with Timeline(db_path, actor="bob@bastion") as other:
        seq = other.last_seq()
        assert other.changed() is True  # first poll always looks
        assert other.changed() is False  # nothing new
        writer = start_writer(db_path, incident.id, 3, "remote")
        writer.communicate(timeout=60)
        deadline = time.monotonic() + 1.0
        while not other.changed():
            assert time.monotonic() < deadline, "change not visible within a second"
            time.sleep(0.05)
        new = other.events_after(seq, incident.id)
        assert [e.message for e in new] == ["remote 0", "remote 1", "remote 2"]
        assert other.events_after(new[-1].seq, incident.id) == []

"""The timeline fails under a running playbook: a write lock held too long, a full disk.

The step has executed; writing its result fails. `cockpit run` must end with one line that
says exactly that, the step must stay `running` in the file (so a resumed run makes it
`unknown` and asks), and it must never run a second time on its own. Both faults are real:
another process holds ``BEGIN IMMEDIATE`` past the cockpit's lock wait
(``COCKPIT_TIMELINE_LOCK_WAIT``), and the timeline lives on a small tmpfs filled up while
the step runs (skipped with the reason where tmpfs cannot be mounted).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.conftest import cli_env, cockpit, incident_id, steps_of, wait_for, write_playbook
from tests.tmpfs import mounted_tmpfs

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

PLAYBOOK = """
id: fault-test
title: Storage fault test
steps:
  - id: work
    kind: shell
    title: Does the work once
    risk: write
    argv: ["{python}", "-c", "open({marker!r}, 'a').write('ran\\\\n'); import time; time.sleep(1.5)"]
  - id: after
    kind: shell
    title: Comes after
    risk: read
    argv: ["true"]
"""


def _state(db: Path, step: str) -> str | None:
    """Read the step's state without taking a write lock (plain read in WAL mode)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT state FROM step_states WHERE step_id = ? ORDER BY rowid DESC LIMIT 1",
                           (step,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _start(tmp_path: Path, db: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, Path, dict]:
    marker = tmp_path / "ran.txt"
    folder = tmp_path / "playbooks"
    write_playbook(folder, PLAYBOOK.format(python=sys.executable, marker=str(marker)))
    env = cli_env({}, tmp_path)
    env.update(extra_env or {})
    proc = subprocess.Popen([sys.executable, "-m", "cockpit", "--db", str(db), "run", "fault-test", "--dir", str(folder),
                             "--title", "t", "--severity", "P3", "--yes"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, marker, env


def _assert_one_line_and_unknown_on_resume(proc, out, err, db, marker, env, tmp_path, cause: str) -> None:
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cockpit: error: step work executed, outcome not recorded — verify on resume: ")
    assert cause in lines[0] and "--resolve work=done|rerun|skip" in lines[0], lines[0]
    incident = incident_id(out)
    _, steps = steps_of(db, incident)
    assert steps["work"].state == "running" and steps["after"].state == "pending"
    # Resume: the step is unknown and waits for a verdict; it is not run again.
    folder = tmp_path / "playbooks"
    again = cockpit(["run", "fault-test", "--dir", str(folder), "--incident", incident, "--yes"], env, db, timeout=60)
    assert again.returncode == 3, again.stdout + again.stderr
    _, steps = steps_of(db, incident)
    assert steps["work"].state == "unknown"
    assert marker.read_text().count("ran") == 1


def test_a_write_lock_held_past_the_wait_ends_the_run_with_one_line(tmp_path):
    db = tmp_path / "t.db"
    proc, marker, env = _start(tmp_path, db, {"COCKPIT_TIMELINE_LOCK_WAIT": "1"})
    holder = None
    try:
        wait_for(lambda: _state(db, "work") == "running", 30, "the step to start")
        holder = sqlite3.connect(str(db), isolation_level=None, timeout=10)
        holder.execute("BEGIN IMMEDIATE")  # another cockpit's long write, say; held until the run has ended
        began = time.monotonic()
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - began
    finally:
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        if proc.poll() is None:
            proc.kill()
    assert took < 20, f"the run took {took:.1f}s to give up on the lock"
    _assert_one_line_and_unknown_on_resume(proc, out, err, db, marker, env, tmp_path,
                                           "timeline write failed: locked by another process for more than 1s")


@pytest.fixture
def small_tmpfs(tmp_path: Path):
    """A 2 MiB tmpfs to fill up."""
    with mounted_tmpfs(tmp_path / "small", "2m", "to fill up") as mount:
        yield mount


def _fill(folder: Path) -> None:
    """Write until the file system says it is full (ENOSPC)."""
    with open(folder / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            pass


def test_a_full_disk_mid_run_ends_the_run_with_one_line(tmp_path, small_tmpfs):
    db = small_tmpfs / "t.db"
    proc, marker, env = _start(tmp_path, db)
    try:
        wait_for(lambda: _state(db, "work") == "running", 30, "the step to start")
        _fill(small_tmpfs)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    before_resume = err
    (small_tmpfs / "filler").unlink()  # room again, for the resume
    _assert_one_line_and_unknown_on_resume(proc, out, before_resume, db, marker, env, tmp_path,
                                           "timeline write failed: disk full")


def test_a_full_disk_at_open_says_disk_full(tmp_path, small_tmpfs):
    _fill(small_tmpfs)
    db = small_tmpfs / "t.db"
    folder = tmp_path / "playbooks"
    write_playbook(folder, PLAYBOOK.format(python=sys.executable, marker=str(tmp_path / "ran.txt")))
    proc = cockpit(["run", "fault-test", "--dir", str(folder), "--title", "t", "--severity", "P3", "--yes"],
                   cli_env({}, tmp_path), db, timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"cockpit: error: timeline {db}: ") and "disk full" in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ran.txt").exists()

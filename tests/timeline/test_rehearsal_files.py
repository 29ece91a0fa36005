"""Through the real CLI: a dry run declares nothing and leaves no run behind, an exercise
logs to its own file, and an explicit --db is honoured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.timeline import Timeline

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess


def _cockpit(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")}
    env.pop("COCKPIT_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_a_dry_run_needs_no_incident_and_records_nothing(tmp_path: Path):
    real = tmp_path / "data" / "cockpit" / "timeline.db"
    out = _cockpit(tmp_path, "run", "morning-health-check", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "not executed: dry run" in out.stdout and "nothing was recorded" in out.stdout
    assert "declared" not in out.stdout
    assert not real.exists()  # not even created

    declared = _cockpit(tmp_path, "incident", "declare", "--title", "Uploads failing", "--severity", "P1")
    incident = declared.stdout.strip()
    out = _cockpit(tmp_path, "run", "morning-health-check", "--dry-run", "--incident", incident)
    assert out.returncode == 0, out.stderr
    with Timeline(real) as tl:
        assert [e.kind for e in tl.events(incident)] == ["declared"]
        assert tl.runs(incident) == []
    # …so the real run afterwards starts, instead of "already ran to the end".
    out = _cockpit(tmp_path, "run", "morning-health-check", "--incident", incident, "--read-only")
    assert "already ran" not in out.stderr


def test_an_exercise_logs_to_its_own_file_unless_db_is_given(tmp_path: Path):
    data = tmp_path / "data" / "cockpit"
    args = ("exercise", "flight-school-api-5xx", "--mode", "tabletop", "--headless", "--speed", "600",
            "--linger", "0s")
    out = _cockpit(tmp_path, *args)
    assert out.returncode == 0, out.stderr
    assert not (data / "timeline.db").exists()
    with Timeline(data / "exercise.db") as tl:
        (incident,) = tl.incidents()
        assert incident.mode == "tabletop"
    assert f"--db {data / 'exercise.db'}" in out.stdout  # participants are told which file

    chosen = tmp_path / "chosen.db"
    out = _cockpit(tmp_path, *args, "--db", str(chosen))
    assert out.returncode == 0, out.stderr
    with Timeline(chosen) as tl:
        assert len(tl.incidents()) == 1
    with Timeline(data / "exercise.db") as tl:
        assert len(tl.incidents()) == 1  # untouched by the second exercise

"""Two cockpits on one timeline file: one run, one driver, every step executed once.

A team on one bastion shares the timeline file, and `cockpit run PLAYBOOK --incident ID`
reopens that playbook's unfinished run. While another process drives the run, reopening it
must be refused, saying who drives it: otherwise the second cockpit called the first one's
running step unknown and went on to the next step, which both would then execute. Once
the driver is gone (here kill -9, as a dropped SSH session), the run reopens as before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tests.engine.conftest import cli_env, cockpit, incident_id, steps_of, wait_for, write_playbook

pytestmark = pytest.mark.slow  # runs the cockpit command line as processes

PLAYBOOK = """
id: hold-test
title: Hold test
steps:
  - id: long
    kind: shell
    title: A step that takes a while
    risk: read
    argv: ["sleep", "60"]
  - id: once
    kind: shell
    title: Must run once
    risk: read
    argv: ["sh", "-c", "echo ran >> {marker}"]
"""


def test_a_run_driven_by_another_cockpit_is_not_reopened_until_that_cockpit_is_gone(tmp_path):
    marker = tmp_path / "marker"
    folder = tmp_path / "playbooks"
    write_playbook(folder, PLAYBOOK.format(marker=marker))
    env = cli_env({}, tmp_path)
    db = tmp_path / "t.db"
    first = subprocess.Popen([sys.executable, "-m", "cockpit", "--db", str(db), "run", "hold-test", "--dir",
                              str(folder), "--title", "t", "--severity", "P3", "--yes"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        declared = first.stdout.readline()  # "declared INC-…"
        incident = incident_id(declared)

        def long_running() -> bool:
            try:
                step = steps_of(db, incident)[1].get("long")
            except IndexError:  # the run is not recorded yet
                return False
            return step is not None and step.state == "running"

        wait_for(long_running, what="the first cockpit running `long`")

        second = cockpit(["run", "hold-test", "--dir", str(folder), "--incident", incident, "--yes"], env, db,
                         timeout=60)
        assert second.returncode != 0
        line = second.stderr.strip()
        assert len(line.splitlines()) == 1 and "Traceback" not in line, second.stderr
        assert "is being driven by" in line and f"pid {first.pid}" in line, line
        run, steps = steps_of(db, incident)
        assert steps["long"].state == "running"  # still the first cockpit's, not made unknown
        assert not marker.exists()
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        first.stdout.close()
        first.stderr.close()

    # The driver is gone: the run reopens, its running step is unknown and a person's verdict
    # moves it on; the next step runs once.
    again = cockpit(["run", "hold-test", "--dir", str(folder), "--incident", incident, "--yes",
                     "--resolve", "long=skip"], env, db, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    _, steps = steps_of(db, incident)
    assert steps["long"].state == "skipped" and steps["once"].state == "succeeded"
    assert marker.read_text().splitlines() == ["ran"]

"""An approver can say no: `cockpit run --reject STEP=REASON` fails the step with who and why,
the run stops there (unless the step's on_failure says otherwise), and the timeline keeps it."""

from __future__ import annotations

import pytest

from cockpit.config import default_actor
from cockpit.timeline import Timeline
from tests.engine.conftest import cli_env, cockpit, incident_id, write_playbook

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

PLAYBOOK = """
id: reject-test
title: Reject test
steps:
  - id: before
    kind: shell
    title: Look first
    risk: read
    argv: ["true"]
  - id: go_ahead
    kind: approve
    title: Leadership approves the failover
    approver: engineering-leadership
    prompt: Fail over to the DR region?
  - id: after
    kind: shell
    title: Would fail over
    risk: read
    argv: ["true"]
"""


def test_headless_rejection_stops_the_run_and_says_who_and_why(tmp_path):
    folder = tmp_path / "pb"
    write_playbook(folder, PLAYBOOK)
    env, db = cli_env({}, tmp_path), tmp_path / "t.db"
    proc = cockpit(["run", "reject-test", "--dir", str(folder), "--title", "S3 down", "--severity", "P1",
                    "--approve-as", "Dana Lead", "--reject", "go_ahead=AWS says recovery within 10 min"], env, db)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rejected by Dana Lead: AWS says recovery within 10 min" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    incident = incident_id(proc.stdout)
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        states = {s.step_id: s.state for s in tl.step_states(run.id)}
        approval = tl.events(incident, kinds=["approval"])
        failed = tl.events(incident, kinds=["step_failed"])
    assert run.status == "failed"
    assert states == {"before": "succeeded", "go_ahead": "failed", "after": "pending"}
    assert [(e.data["decision"], e.data["approver"], e.data["reason"]) for e in approval] == [
        ("rejected", "Dana Lead", "AWS says recovery within 10 min")]
    assert "rejected by Dana Lead: AWS says recovery within 10 min" in approval[0].message
    assert "rejected by Dana Lead: AWS says recovery within 10 min" in failed[0].data["error"]


def test_rejection_with_on_failure_continue_goes_on(tmp_path):
    folder = tmp_path / "pb"
    write_playbook(folder, PLAYBOOK.replace("    prompt: Fail over to the DR region?\n",
                                            "    prompt: Fail over to the DR region?\n    on_failure: continue\n"))
    env, db = cli_env({}, tmp_path), tmp_path / "t.db"
    proc = cockpit(["run", "reject-test", "--dir", str(folder), "--title", "S3 down", "--severity", "P1",
                    "--reject", "go_ahead=not now"], env, db)
    incident = incident_id(proc.stdout)
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        states = {s.step_id: s.state for s in tl.step_states(run.id)}
        approval = tl.events(incident, kinds=["approval"])[0]
    assert states["go_ahead"] == "failed" and states["after"] == "succeeded"
    assert approval.data["approver"] == default_actor()  # no --approve-as: the configured actor said no
    assert approval.data["reason"] == "not now"


def test_reject_names_a_step_that_is_not_an_approval(tmp_path):
    folder = tmp_path / "pb"
    write_playbook(folder, PLAYBOOK)
    proc = cockpit(["run", "reject-test", "--dir", str(folder), "--title", "t", "--severity", "P3",
                    "--reject", "before=no"], cli_env({}, tmp_path), tmp_path / "t.db")
    assert proc.returncode == 2 and proc.stderr.strip() == \
        "cockpit: error: --reject before=no: before is not an approval step"

"""A step that needs an output an earlier step did not produce: recorded with the reason,
never an error escaping the run.

`cockpit run` runs as a real process. In a read-only run the write step ``make`` is not
executed, so everything after it that reads ``steps.make.outputs.stdout`` cannot run; each
is recorded "not executed" with the output it needed and why it is missing, and templates
can test for the output (``is defined``) or the status (``not_executed``) instead.
"""

from __future__ import annotations

import json
import sys

from tests.engine.conftest import cockpit, events_of, incident_id, steps_of, write_playbook

PY = json.dumps(sys.executable)

PLAYBOOK = f"""
id: missing-test
title: Missing outputs
parameters:
  make: {{default: "yes"}}
steps:
  - id: make
    kind: shell
    title: Make something
    risk: write
    when: params.make == 'yes'
    argv: [{PY}, -c, "print('made-7')"]
  - id: approve
    kind: approve
    title: Go on
    approver: lead
    prompt: Go on?
  - id: use
    kind: shell
    title: Use it
    risk: read
    argv: [echo, "{{{{ steps.make.outputs.stdout }}}}"]
  - id: tested
    kind: shell
    title: Only when it was made
    risk: read
    when: steps.make.outputs.stdout is defined
    argv: [echo, "{{{{ steps.make.outputs.stdout }}}}"]
  - id: check
    kind: manual
    title: Check it
    checklist:
      - "{{{{ steps.make.outputs.stdout }}}} looks right"
  - id: status
    kind: manual
    title: Say what happened
    checklist:
      - "make is {{{{ steps.make.status }}}}; output {{{{ steps.make.outputs.stdout | default('none') }}}}"
"""

WHY = "needs steps.make.outputs.stdout, which was not produced: make was not executed: read-only (write step)"


def _run(env, tmp_path, db, *args):
    return cockpit(["run", "missing-test", "--dir", str(tmp_path / "pb"), *args], env, db, timeout=120)


def test_read_only_run_records_what_needs_a_missing_output_and_can_be_resumed(env_for, tmp_path):
    write_playbook(tmp_path / "pb", PLAYBOOK)
    db = tmp_path / "t.db"
    first = _run(env_for, tmp_path, db, "--title", "missing", "--severity", "P2", "--read-only", "--yes")
    assert first.returncode == 3 and "--approve-as" in first.stderr, first.stderr  # stops for a person
    incident = incident_id(first.stdout)

    # Resumed in a new process: why `make` did not run must survive (it is in the timeline).
    again = _run(env_for, tmp_path, db, "--incident", incident, "--approve-as", "alice", "--yes")
    assert "Traceback" not in again.stderr, again.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    run, steps = steps_of(db, incident)
    assert run.status == "succeeded"
    assert {k: s.state for k, s in steps.items()} == {
        "make": "skipped", "approve": "succeeded", "use": "skipped", "tested": "skipped", "check": "skipped",
        "status": "succeeded"}
    skipped = {e.data["step_id"]: e for e in events_of(db, incident, ["step_skipped"])}
    assert skipped["use"].message.endswith("not executed: " + WHY)
    assert skipped["check"].message.endswith("not executed: " + WHY)
    assert f"use: not executed: {WHY}" in again.stdout
    assert "does not hold" in skipped["tested"].message  # `is defined` is a test, not an error
    assert steps["status"].outputs["checked"] == ["make is not_executed; output none"]


def test_live_run_fails_a_step_whose_input_was_skipped_instead_of_crashing(env_for, tmp_path):
    write_playbook(tmp_path / "pb", PLAYBOOK)
    db = tmp_path / "t.db"
    proc = _run(env_for, tmp_path, db, "--title", "live", "--severity", "P2", "--param", "make=no", "--yes",
                "--approve-as", "alice")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _, steps = steps_of(db, incident_id(proc.stdout))
    assert steps["make"].state == "skipped"
    assert steps["use"].state == "failed"  # on_failure abort: the run stops here for a person
    assert steps["use"].error == ("cannot run: needs steps.make.outputs.stdout, which was not produced: "
                                  "make skipped")


def test_an_output_named_like_a_dict_method_renders_its_value(env_for, tmp_path):
    write_playbook(tmp_path / "pb", """
id: missing-test
title: Outputs named items and keys
steps:
  - id: tables
    kind: aws
    title: Tables
    service: dynamodb
    operation: ListTables
    region: us-east-1
    outputs: {items: "length(TableNames)", keys: "TableNames[0]"}
  - id: count
    kind: manual
    title: Count
    checklist: ["{{ steps.tables.outputs.items }} tables, first {{ steps.tables.outputs.keys }}"]
""")
    db = tmp_path / "t.db"
    proc = _run(env_for, tmp_path, db, "--title", "items", "--severity", "P3", "--yes")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _, steps = steps_of(db, incident_id(proc.stdout))
    tables = steps["tables"].outputs
    assert steps["count"].outputs["checked"] == [f"{tables['items']} tables, first {tables['keys']}"]
    assert "built-in method" not in steps["count"].outputs["checked"][0]

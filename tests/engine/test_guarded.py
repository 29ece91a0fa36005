"""Dry-run, --read-only and tabletop runs of dr-failover change nothing: counted at the estate.

The guard is the engine's, so it holds for `cockpit run` whatever the caller forgets. Runs
go through the whole playbook (the decision is forced to "fail over") so every write step
is reached and must be refused, and the timeline shows each with the exact call it would
have made.
"""

from __future__ import annotations

import time

import pytest

from tests.engine.conftest import cli_env, cockpit, events_of, incident_id, mutating_requests, play_outage_to_the_decision, \
    requests_since, steps_of, write_playbook

WRITES = ["disable_primary_health_check", "apply_dr_configmap", "restart_storage_service", "restart_api_gateway",
          "upload_validation_object", "notify_phase1", "notify_complete"]
ANSWERS = ["--choose", "failover_decision=s3_unavailable", "--approve-as", "alice", "--yes"]


@pytest.mark.parametrize("how", [
    ["--dry-run"],
    ["--read-only"],
    ["--mode", "tabletop"],
    ["GLOBAL_READ_ONLY"],
])
def test_guarded_run_makes_no_mutating_request(estate, env_for, tmp_path, how):
    db = tmp_path / "t.db"
    since = time.time()
    pre = ["--read-only"] if how == ["GLOBAL_READ_ONLY"] else []
    flags = [] if how == ["GLOBAL_READ_ONLY"] else how
    proc = cockpit([*pre, "run", "dr-failover", "--title", "guarded", "--severity", "P1", *flags, *ANSWERS],
                   env_for, db)
    assert "Traceback" not in proc.stderr
    counts = requests_since(estate, since)
    assert mutating_requests(estate, since) == []
    if how == ["--dry-run"]:
        assert counts["total"] == 0, counts["by_operation"]  # renders every call, makes none
        assert proc.returncode == 0, proc.stderr
        # A dry run records nothing and needs no incident: its output is the record.
        assert not db.exists() and not any(line.startswith("declared ") for line in proc.stdout.splitlines())
        assert "disable_primary_health_check: not executed: dry run" in proc.stdout
        assert "UpdateHealthCheck" in proc.stdout or "update-health-check" in proc.stdout
        return
    assert counts["total"] > 5  # the read steps did run
    incident = incident_id(proc.stdout)
    _, steps = steps_of(db, incident)
    for step in WRITES:
        assert steps[step].state == "skipped", (step, steps[step])
    skipped = {e.data["step_id"]: e for e in events_of(db, incident, ["step_skipped"])}
    refusal = skipped["disable_primary_health_check"]
    assert refusal.message.endswith("not executed: " + ("tabletop (destructive step)" if "tabletop" in how else
                                                         "read-only (destructive step)"))
    # The exact call that was not made is in the timeline and the output.
    assert refusal.data["call"]["operation"] == "UpdateHealthCheck"
    assert refusal.data["call"]["params"]["Disabled"] is True
    assert "UpdateHealthCheck" in proc.stdout or "update-health-check" in proc.stdout


ROLLOUT = """
id: tabletop-rollout
title: Wait for a rollout
steps:
  - id: wait_storage
    kind: k8s
    title: Wait for storage-service to roll out
    risk: read
    action: rollout_status
    resource: deployment
    namespace: greenlang
    name: storage-service
    timeout: 60
"""


def test_a_tabletop_skips_a_rollout_wait_it_did_not_cause_instead_of_failing(start_estate, tmp_path):
    """In a tabletop nothing is restarted, so a rollout wait is checked once and not waited for.
    On the outage, where storage-service is crashing, that read as a failed step and a failed
    run, at every rollout of a correct walk-through; a wait step under the guard is skipped."""
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_outage_to_the_decision(handle)
    folder = tmp_path / "pb"
    write_playbook(folder, ROLLOUT)
    db = tmp_path / "t.db"
    proc = cockpit(["run", "tabletop-rollout", "--dir", str(folder), "--title", "t", "--severity", "P2",
                    "--mode", "tabletop"], cli_env(handle.env, tmp_path), db)
    _, steps = steps_of(db, incident_id(proc.stdout))
    assert steps["wait_storage"].state == "skipped", (steps["wait_storage"], proc.stdout)
    assert "not waiting (read-only): checked once, deployment/storage-service" in proc.stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr

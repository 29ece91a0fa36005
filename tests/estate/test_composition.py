"""Scheduled faults and the responders' fixes compose as the world would (issue 11).

A dr-failover run started 8 s into the storage outage at x60 waited forever for api-gateway:
the failover reaction had answered its restart, then the scenario's T+15m event pinned it
to 1 ready. Drill-level, deterministic: the scenario clock is held at the moment the run
starts, and jumped past T+15m the moment the failover reaction fires (while api-gateway's
rollout is under way). The run must finish, api-gateway stay healthy on the DR config,
and the estate say which scheduled change it did not apply. The primary's S3 stays down
after the failover (the world's outage, no reaction touched it): the run's manual test of
the primary bucket fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.engine.conftest import cli_env


def _until(handle, at: float) -> None:
    """Fire events and injects (facilitator's 'next') until the next one is after ``at``."""
    while True:
        status = handle.control("status")
        due = [t for t in (status["next_event_at"], status["next_inject_at"]) if t is not None]
        if not due or min(due) > at:
            return
        handle.control("next")


def test_failover_is_not_undone_by_the_primary_regions_later_symptoms(start_estate, tmp_path: Path):
    outage = start_estate(scenario="eu-west-1-storage-outage", speed=60)
    outage.control("pause")
    _until(outage, 8 * 60)  # 8 s in at x60
    run = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "--db", str(tmp_path / "t.db"), "run", "dr-failover", "--title",
         "eu-west-1 S3 outage", "--severity", "P1", "--mode", "drill", "--yes", "--approve-as", "Dana Lead"],
        env=cli_env(outage.env, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while "failed-over-to-eu-central-1" not in outage.control("status")["reactions_fired"]:
            assert run.poll() is None and time.monotonic() < deadline, "the failover reaction never fired"
            time.sleep(0.1)
        _until(outage, 16 * 60)  # T+15m: "api-gateway: 1 ready", while its rollout is under way
        outage.control("resume")
        stdout, stderr = run.communicate(timeout=90)  # without the fix: waits for api-gateway for 300 s
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert run.returncode == 0, stdout[-3000:] + stderr
    assert stdout.rstrip().splitlines()[-1].endswith("succeeded (steps failed and continued: probe_primary_s3)")

    status = outage.control("status")
    superseded = [h for h in status["happenings"] if h["kind"] == "superseded"]
    assert any("api-gateway: 1 ready" in h["summary"] and h["source"] == "failed-over-to-eu-central-1"
               for h in superseded), superseded
    assert status["outages"] == ["s3 eu-west-1"]  # the failover does not mend the primary region
    kubectl = subprocess.run(["kubectl", "--kubeconfig", outage.env["KUBECONFIG"], "-n", "greenlang", "get",
                              "deployment", "api-gateway", "-o", "jsonpath={.status.readyReplicas}/{.spec.replicas}"],
                             capture_output=True, text=True, timeout=30)
    assert kubectl.stdout == "2/2", kubectl.stdout + kubectl.stderr

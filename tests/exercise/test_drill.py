"""Headless drills of dr-failover on the storage outage, through the real CLI and estate.

The figures are checked against what the scenario file and the run did, independently of
the drill meter: the data lost is the data-lake lag the scenario's ramp gives at the moment
the cut-over step started, and the failover time runs from the scenario's first fault to
the validation step's success, both read back from the exported timeline.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cockpit.content.scenario import find_scenario
from cockpit.exercise.clock import ClockMap
from cockpit.timeline.model import Event


def _cockpit(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=timeout)


def _drill(db: Path, *extra: str) -> subprocess.CompletedProcess:
    return _cockpit(db, "exercise", "eu-west-1-storage-outage", "--mode", "drill", "--speed", "60", "--headless",
                    "--run", "dr-failover", "--yes", "--approve-as", "Dana Lead", *extra)


def _export(db: Path, incident: str) -> tuple[dict, list[Event]]:
    out = _cockpit(db, "incident", "export", incident, "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    events = [Event(seq=i, incident_id=incident, **e) for i, e in enumerate(doc["events"])]
    return doc, events


def _ramp(scenario, t: float) -> float:
    """The data-lake ReplicationLatency the scenario file describes at scenario second t."""
    event = next(e for e in scenario.events if e.replication and e.replication.pair == "data-lake")
    ramp = event.replication.latency_seconds
    start, base = event.at, 42.0  # the estate's resting lag
    done = min(1.0, max(0.0, (t - start) / ramp.over))
    return base + (ramp.to - base) * done


def test_passing_drill_reports_what_the_scenario_and_run_did(tmp_path: Path):
    db = tmp_path / "t.db"
    out = _drill(db)
    lines = out.stdout.strip().splitlines()
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    incident, verdict = lines[-2], lines[-1]
    assert incident.startswith("INC-")
    assert verdict.startswith("PASS: failover time ")

    doc, events = _export(db, incident)
    assert doc["incident"]["mode"] == "drill" and doc["runs"][0]["status"] == "succeeded"
    metrics = {e.data["name"]: e.data for e in events if e.kind == "metric"}
    clock = ClockMap.from_events(events)
    scenario, _ = find_scenario("eu-west-1-storage-outage")

    cutover = next(e for e in events if e.kind == "step_started"
                   and e.data.get("step_id") == "disable_primary_health_check")
    expected_lag = _ramp(scenario, clock.at_ts(cutover.ts))
    loss = metrics["Data loss (replication lag at cut-over)"]
    assert abs(loss["value"] * 60 - expected_lag) < 20, (loss, expected_lag)  # a tick or two of the estate
    assert loss["target"] == 15 and loss["value"] < 15

    first_fault = min(e.at for e in scenario.events if e.say is None)
    validated = next(e for e in events if e.kind == "step_succeeded"
                     and e.data.get("step_id") == "storage_health_from_dr")
    failover = metrics["Failover time"]
    assert abs(failover["value"] * 60 - (clock.at_ts(validated.ts) - first_fault)) < 3
    assert failover["target"] == 60

    md = _cockpit(db, "incident", "export", incident, "--format", "md").stdout
    assert "## Drill report" in md and "| Failover time |" in md and "Phase 2: Failover execution" in md


def test_drill_with_an_impossible_target_fails(tmp_path: Path):
    db = tmp_path / "t.db"
    out = _drill(db, "--target", "failover_time=1m")
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr
    verdict = out.stdout.strip().splitlines()[-1]
    assert verdict.startswith("FAIL:") and "missed failover time" in verdict
    assert "missed data loss" not in verdict  # only the tightened target is missed


def test_bad_target_and_unknown_scenario_are_one_line(tmp_path: Path):
    for args, fragment in ((("eu-west-1-storage-outage", "--target", "speed=1"), "--target 'speed=1'"),
                           (("no-such-scenario",), "no scenario named 'no-such-scenario'")):
        out = _cockpit(tmp_path / "t.db", "exercise", *args, "--mode", "drill", "--headless")
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and fragment in out.stderr, out.stderr

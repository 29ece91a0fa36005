"""The runbook playbooks as content: each validates, the screens offer them, the scenarios'
drills run them; and one drill end to end through `cockpit exercise` as a real process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.content.playbooks import load_catalog
from cockpit.content.scenario import load_scenarios
from cockpit.content.screen import load_screens
from tests.engine.conftest import cli_env, events_of

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK_PLAYBOOKS = {
    "s3-point-in-time-restore", "s3-glacier-restore", "s3-access-denied", "p1-storage-incident",  # seed 000
    "morning-storage-check", "weekly-storage-review",  # seed 000's daily and weekly checks
    "ecs-rollback", "rds-snapshot-restore", "lambda-rollback", "p0-incident-response", "on-call-handoff",  # 001
    "capacity-monitoring", "log-review", "weekly-security-audit", "weekly-backup-verification",  # 001 audits
    "monthly-cost-optimisation",
    "platform-health",  # seed 002
    "dynamodb-pitr-restore", "flight-school-incident",  # seed 004
    "iam-access-key-rotation",  # seed 004's credential rotation, seed 001's 90-day audit
    "rds-manual-backup", "manual-scaling", "pre-deployment-checklist",  # 001 operations
    "flight-school-daily-check", "flight-school-security-review",  # seed 004's read-only checks
    "flight-school-frontend-check",
    "s3-slow-uploads", "s3-lifecycle-issues", "monthly-storage-cost-review",  # seed 000 troubleshooting, cost
    "dynamodb-backup", "dynamodb-restore-from-backup", "lambda-scaling",  # seed 004's backup, restore, scaling
    "flight-school-deploy", "flight-school-rollback", "dynamodb-scaling",  # seed 004's deployment, rollback, scaling
    "blue-green-deployment", "ecs-autoscaling-config",  # seed 001's blue-green deployment and auto scaling
    "monitoring-check", "monitoring-setup",  # seeds 000/001/004's alarms and dashboards
    "flight-school-logs", "log-retention-check",  # seed 004's log management
    "daily-storage-cost", "flight-school-cost-review",  # seed 000's daily cost, seed 004's cost monitoring
    "rds-dr-test",  # seed 001's DR test script (restore, verify, clean up)
    "s3-prefix-restore",  # seed 000's point-in-time recovery script for a whole prefix
    "flight-school-rebuild-restore",  # seed 004's disaster recovery (rebuild and restore)
    "dr-partial-failover-test",  # seed 003's Q3 partial failover test in staging
    "weekly-infrastructure-report", "monthly-capacity-planning",  # seed 001's weekly report, capacity forecast
    "platform-access-validation", "platform-end-of-day", "platform-weekly-review",  # seed 002's routines
    "platform-weekly-maintenance", "platform-monthly-operations",
    "flight-school-periodic-review", "flight-school-on-call",  # seed 004's periodic tasks, on-call
    "platform-db-restore-test",  # seed 002's database restore test (a Week 1 practice exercise)
    "platform-grafana-dashboard",  # seed 002's fourth practice exercise: a new Grafana dashboard
    "storage-retention-compliance",  # seed 000's monthly compliance review (retention policies)
}


def test_every_runbook_playbook_validates():
    paths = [str(ROOT / "playbooks" / f"{pid}.yaml") for pid in sorted(RUNBOOK_PLAYBOOKS)]
    proc = subprocess.run([sys.executable, "-m", "cockpit", "playbook", "validate", *paths],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for pid in RUNBOOK_PLAYBOOKS:
        assert f"ok ({pid}," in proc.stdout


def test_every_runbook_playbook_is_offered_on_a_screen_it_applies_to():
    catalog, screens = load_catalog(), load_screens()
    offered = {pid for screen in screens.values() for pid in screen.playbooks}
    assert RUNBOOK_PLAYBOOKS <= offered
    for pid in RUNBOOK_PLAYBOOKS:
        for name in catalog.get(pid).applies_to.screens:
            assert pid in screens[name].playbooks, f"{pid} applies to {name} but is not on it"


def test_the_corruption_scenarios_drill_their_restore_playbook():
    scenarios = load_scenarios()
    catalog = load_catalog()
    for scenario_id, playbook_id in (("greenlang-silent-corruption", "s3-point-in-time-restore"),
                                     ("flight-school-dynamodb-corruption", "dynamodb-pitr-restore")):
        drill = scenarios[scenario_id][0].drill
        assert drill.playbook == playbook_id
        assert drill.validation_step in {s.id for s in catalog.get(playbook_id).steps}


def test_silent_corruption_drill_restores_the_good_version(tmp_path):
    db = tmp_path / "t.db"
    env = cli_env({}, tmp_path)
    proc = subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), "exercise", "greenlang-silent-corruption",
                           "--mode", "drill", "--speed", "60", "--headless", "--yes", "--approve-as", "Dana Lead"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    # The drill's targets are met; a headless drill takes no notes nor action items, so the
    # team's expectations may be missed, and the verdict says so after the targets.
    assert proc.stdout.rstrip().splitlines()[-1].startswith(("PASS", "TARGETS MET")), proc.stdout[-2000:]
    incident = proc.stdout.rstrip().splitlines()[-2]
    succeeded = {e.data["step_id"]: e.data for e in events_of(db, incident, ["step_succeeded"])}
    assert succeeded["restore_decision"]["outputs"] == {"choice": "copy_back"}
    assert {"copy_version_back", "verify_current"} <= set(succeeded)
    # The copy's new version is what the data lake serves afterwards.
    assert succeeded["verify_current"]["outputs"]["version_id"] == \
        succeeded["copy_version_back"]["outputs"]["new_version"]

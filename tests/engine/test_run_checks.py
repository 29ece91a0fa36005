"""`cockpit run ID` without an incident: a check run, as cron runs the 09:00 health check.

A playbook whose every step reads runs with no incident, records nothing in any timeline,
prints one line per check and exits like `cockpit status` (0 ok, 1 warning, 2 critical,
3 unknown, 64 usage). One with a step that may write still needs an incident. Each run is
a real `cockpit` process against the suite's calm estate, requests counted at the estate.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from cockpit.timeline import Timeline
from tests.engine.conftest import cockpit, mutating_requests, requests_since, write_playbook

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

STORAGE_CHECKS = ["buckets_listed", "data_lake_answers", "replication_lag", "replication_pending", "requests",
                  "server_error_rate", "client_errors", "storage_growth", "lifecycle_rules",
                  "lifecycle_transitions", "stale_multipart_uploads"]


def _rows(db) -> int:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return sum(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)


def test_a_calm_estate_passes_the_morning_check_and_nothing_is_recorded(estate, env_for, tmp_path):
    db = tmp_path / "timeline.db"
    since = time.time()
    proc = cockpit(["run", "morning-storage-check"], env_for, db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("morning-storage-check: OK (0 critical, 0 warning, 0 unknown, 11 ok)")
    assert sum(1 for line in lines if line.startswith("  ok ")) == 11
    assert "Replication lag under 15 min" in proc.stdout and "No incomplete multipart upload" in proc.stdout
    assert proc.stderr == ""
    assert not db.exists(), "a check run must not create a timeline"
    assert not any((tmp_path / "data").rglob("*.db")), "nor the default one"
    assert mutating_requests(estate, since) == []
    assert requests_since(estate, since)["total"] >= 11  # it did read the estate


def test_a_check_run_leaves_an_existing_timeline_untouched_and_prints_json(estate, env_for, tmp_path):
    db = tmp_path / "timeline.db"
    with Timeline(db, "responder@test") as tl:
        tl.declare("something else", "P3")
    before = _rows(db)
    proc = cockpit(["run", "morning-storage-check", "--json"], env_for, db)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["version"] == 1 and doc["playbook"] == "morning-storage-check"
    assert doc["level"] == "ok" and doc["exit_code"] == 0
    assert doc["counts"] == {"ok": 11, "warning": 0, "unknown": 0, "critical": 0}
    assert [c["step"] for c in doc["checks"]] == STORAGE_CHECKS
    assert all(c["level"] == "ok" and c["state"] == "succeeded" for c in doc["checks"])
    assert _rows(db) == before
    with Timeline(db) as tl:
        assert [i.title for i in tl.incidents()] == ["something else"]


def test_a_stale_multipart_upload_is_a_warning_that_names_it(env_for, tmp_path):
    # The estate seeds one upload abandoned nine days ago in the temp bucket (and a day-old
    # one in the data lake, which the default run above does not flag).
    proc = cockpit(["run", "morning-storage-check", "--param", "multipart_bucket=greenlang-prod-eu-west-1-temp"],
                   env_for, tmp_path / "t.db")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("morning-storage-check: WARNING (0 critical, 1 warning, 0 unknown, 10 ok)")
    warning = next(line for line in proc.stdout.splitlines() if line.startswith("  WARNING"))
    assert "No incomplete multipart upload older than 7 days" in warning
    assert "1 stale upload(s) in greenlang-prod-eu-west-1-temp: uploads/cbam-batch-0412.zip" in warning


def test_a_check_the_estate_cannot_answer_is_unknown(env_for, tmp_path):
    proc = cockpit(["run", "morning-storage-check", "--param", "multipart_bucket=greenlang-no-such-bucket"],
                   env_for, tmp_path / "t.db")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stdout.startswith("morning-storage-check: UNKNOWN (0 critical, 0 warning, 1 unknown, 10 ok)")
    unknown = next(line for line in proc.stdout.splitlines() if line.startswith("  UNKNOWN"))
    assert "No incomplete multipart upload older than 7 days" in unknown and "NoSuchBucket" in unknown


CHECK_WITH_A_PAGE = """
id: check-and-page
title: A read-only looking check that posts to Slack
tags: [read-only, health-check]
steps:
  - id: alarms
    kind: aws
    title: Alarms in ALARM
    service: cloudwatch
    operation: DescribeAlarms
    params: {StateValue: ALARM}
  - id: tell
    kind: notify
    title: Tell the channel
    text: all good
"""


def test_a_playbook_that_may_write_refuses_to_run_without_an_incident(estate, env_for, tmp_path):
    db = tmp_path / "t.db"
    since = time.time()
    failover = cockpit(["run", "dr-failover"], env_for, db)
    assert failover.returncode == 2
    assert failover.stderr.startswith("cockpit: error: dr-failover has steps that may change the estate "
                                      "(notify_phase1, disable_primary_health_check, ")
    assert "give --incident ID, or --title T --severity P1" in failover.stderr
    # The risk decides, not the tags: a notify step is a write whatever the playbook says of itself.
    folder = tmp_path / "pb"
    write_playbook(folder, CHECK_WITH_A_PAGE)
    paging = cockpit(["run", "check-and-page", "--dir", str(folder)], env_for, db)
    assert paging.returncode == 2
    assert paging.stderr.startswith("cockpit: error: check-and-page has steps that may change the estate (tell)")
    for proc in (failover, paging):
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert not db.exists()
    assert requests_since(estate, since)["total"] == 0


def test_usage_errors_of_a_check_run_exit_64_not_critical(env_for, tmp_path):
    unknown_param = cockpit(["run", "morning-storage-check", "--param", "nope=1"], env_for, tmp_path / "t.db")
    assert unknown_param.returncode == 64, unknown_param.stderr
    assert unknown_param.stderr.startswith("cockpit: error: unknown parameter 'nope' for morning-storage-check")
    no_such = cockpit(["run", "no-such-check"], env_for, tmp_path / "t.db")
    assert no_such.returncode == 64 and no_such.stderr.count("\n") == 1
    # --json is the check run's document; an incident run has none.
    json_incident = cockpit(["run", "morning-storage-check", "--json", "--title", "t", "--severity", "P3"],
                            env_for, tmp_path / "t.db")
    assert json_incident.returncode == 2 and "--json is for a check run" in json_incident.stderr
    bad_answer = cockpit(["run", "morning-storage-check", "--choose", "nope=x"], env_for, tmp_path / "t.db")
    assert bad_answer.returncode == 64 and "no step 'nope'" in bad_answer.stderr


def test_person_steps_are_not_waited_for_in_a_check_run(env_for, tmp_path):
    # morning-health-check (seed 001) has a checklist (the AWS Health Dashboard): a check run
    # records it as not executed instead of stopping for --yes, and the AWS checks decide the exit code.
    proc = cockpit(["run", "morning-health-check"], env_for, tmp_path / "t.db")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    skipped = [line for line in proc.stdout.splitlines() if line.startswith("  skipped")]
    assert skipped == ["  skipped  AWS Service Health Dashboard: not executed: a person's step (check run)"]


def test_an_incident_run_of_a_check_keeps_its_exit_codes_and_logs_every_step(env_for, tmp_path):
    db = tmp_path / "t.db"
    proc = cockpit(["run", "morning-storage-check", "--title", "09:00 check", "--severity", "P4",
                    "--param", "multipart_bucket=greenlang-prod-eu-west-1-temp"], env_for, db)
    # As before check runs existed: the stale upload fails its step, which continues, so the
    # run succeeded (0). Only a check run turns findings into 1/2/3; the timeline keeps the level.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "run " in proc.stdout and "succeeded (steps failed and continued: stale_multipart_uploads)" in proc.stdout
    with Timeline(db) as tl:
        incident = tl.incidents()[0]
        failed = [e for e in tl.events(incident.id, kinds=["step_failed"])]
    assert [e.data["step_id"] for e in failed] == ["stale_multipart_uploads"]
    assert failed[0].data["level"] == "warning"


CHECK_WITH_A_DECISION = """
id: check-with-a-decision
title: A check that asks a person to decide
steps:
  - id: alarms
    kind: aws
    title: Alarms in ALARM
    service: cloudwatch
    operation: DescribeAlarms
    params: {StateValue: ALARM}
  - id: which
    kind: choose
    title: Which way
    prompt: Which way?
    options:
      - {id: left, label: Left}
      - {id: right, label: Right}
  - id: after
    kind: aws
    title: Alarms again
    service: cloudwatch
    operation: DescribeAlarms
"""


def test_a_decision_nobody_can_make_in_a_check_run_is_unknown_not_a_hang(env_for, tmp_path):
    folder = tmp_path / "pb"
    write_playbook(folder, CHECK_WITH_A_DECISION)
    proc = cockpit(["run", "check-with-a-decision", "--dir", str(folder), "--json"], env_for, tmp_path / "t.db",
                   timeout=60)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    levels = {c["step"]: (c["level"], c["finding"]) for c in doc["checks"]}
    assert levels["alarms"][0] == "ok"
    assert levels["which"][0] == "unknown" and "needs a decision" in levels["which"][1]
    assert levels["after"] == ("unknown", "not checked: the run stopped at which")
    assert "needs a decision" in doc["stopped"]


def test_a_check_that_never_answers_is_unknown_within_the_timeout(tmp_path):
    from tests.engine.conftest import cli_env
    from tests.hangserver import HangingServer

    folder = tmp_path / "pb"
    write_playbook(folder, """
id: hanging-check
title: A check against an endpoint that never answers
steps:
  - id: alarms
    kind: aws
    title: Alarms in ALARM
    service: cloudwatch
    operation: DescribeAlarms
  - id: tables
    kind: aws
    title: Tables
    service: dynamodb
    operation: ListTables
""")
    with HangingServer() as hang:
        env = cli_env(hang.env(tmp_path), tmp_path)
        started = time.monotonic()
        proc = cockpit(["run", "hanging-check", "--dir", str(folder), "--timeout", "2"], env, tmp_path / "t.db",
                       timeout=60)
        took = time.monotonic() - started
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert took < 20, took  # the AWS steps' own timeout is 60 s each
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("hanging-check: UNKNOWN (0 critical, 0 warning, 2 unknown, 0 ok)")
    assert "  UNKNOWN  Alarms in ALARM: no answer within 2 s (--timeout)" in lines
    assert "  UNKNOWN  Tables: not checked: the run stopped at alarms" in lines


def test_check_titles_are_filled_in_as_the_run_rendered_them(env_for, tmp_path):
    """A check's title is a template; the printed line names the instance, never `{{ … }}`."""
    proc = cockpit(["run", "capacity-monitoring", "--param", "db_instance=production-db"], env_for, tmp_path / "t.db")
    assert proc.returncode in (0, 1, 2), proc.stdout + proc.stderr
    assert "{{" not in proc.stdout, proc.stdout
    assert "Free storage of production-db (last hour's minimum)" in proc.stdout


def test_the_audits_run_from_cron_grade_their_findings(env_for, tmp_path):
    """Seed 001's audits as cron runs them: an SSH port open to the world is critical (exit 2),
    users without MFA and keys past 90 days are warnings, each line says what was found; the
    monthly cost review's idle resources are warnings (exit 1), not outages, and name the
    resource. Findings read as findings: none of them is 'unknown'."""
    audit = cockpit(["run", "weekly-security-audit"], env_for, tmp_path / "t.db")
    assert audit.returncode == 2, audit.stdout + audit.stderr
    lines = audit.stdout.splitlines()
    assert "UNKNOWN" not in audit.stdout.split("\n", 1)[1], audit.stdout
    assert any(line.startswith("  CRITICAL Security groups open to 0.0.0.0/0: open to the world:")
               and "legacy-bastion-sg" in line for line in lines), audit.stdout
    assert any(line.startswith("  WARNING  IAM users without MFA") and "No MFA:" in line for line in lines)
    assert any(line.startswith("  WARNING  Access keys older than 90 days") for line in lines)
    cost = cockpit(["run", "monthly-cost-optimisation"], env_for, tmp_path / "t.db")
    assert cost.returncode == 1, cost.stdout + cost.stderr
    assert "  WARNING  Unused Elastic IPs: unused Elastic IPs (billed while idle): " in cost.stdout
    assert "expected " not in cost.stdout  # the finding, not the JMESPath that found it


REPORTING_CHECK = """
id: weekly-numbers
title: A check whose last step is the report the procedure produces
steps:
  - id: count
    kind: shell
    title: Count the things
    risk: read
    argv: [printf, "3\\n"]
  - id: report
    kind: shell
    title: The weekly report
    risk: read
    report: true
    argv: [printf, "%s\\n", "# Weekly report\\n- Things: {{ steps.count.outputs.stdout }}\\n- aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"]
"""


def test_a_report_step_prints_the_report_itself_redacted(tmp_path):
    """The weekly report run from cron: what cron mails is the report, not only "ok"; a
    secret that slipped into it is redacted as on the timeline."""
    from tests.engine.conftest import cli_env

    folder = tmp_path / "pb"
    write_playbook(folder, REPORTING_CHECK)
    env = cli_env({}, tmp_path)
    proc = cockpit(["run", "weekly-numbers", "--dir", str(folder)], env, tmp_path / "t.db", timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    body = proc.stdout.split("── The weekly report ──\n", 1)[1]
    assert body.splitlines()[:2] == ["# Weekly report", "- Things: 3"]
    assert "wJalrXUtnFEMI" not in proc.stdout and "[REDACTED]" in body
    doc = json.loads(cockpit(["run", "weekly-numbers", "--dir", str(folder), "--json"], env, tmp_path / "t.db",
                             timeout=60).stdout)
    assert [(r["step"], r["text"].splitlines()[1]) for r in doc["reports"]] == [("report", "- Things: 3")]

"""``cockpit incident`` as scripts and pager hooks use it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import cli

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment with its own XDG dirs, so no real config or database is touched."""
    return {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "COCKPIT_CONFIG": ""}


def cockpit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def test_declare_prints_only_the_id_into_the_xdg_database(env: dict[str, str], tmp_path: Path) -> None:
    result = cockpit(env, "incident", "declare", "--title", "S3 5xx in eu-west-1", "--severity", "P1",
                     "--mode", "drill")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"INC-\d{8}-0001\n", result.stdout)
    assert (tmp_path / "data" / "cockpit" / "timeline.db").exists()
    shown = cockpit(env, "incident", "show", result.stdout.strip(), "--json")
    assert json.loads(shown.stdout)["incident"]["mode"] == "drill"


@pytest.mark.parametrize("args, message", [
    (["incident", "note", "INC-20000101-0009", "hello"], "unknown incident 'INC-20000101-0009'"),
    (["incident", "declare", "--title", "x", "--severity", "P7"], "unknown severity 'P7'"),
    (["incident", "declare", "--title", "x", "--severity", "P1", "--detected-at", "yesterday"],
     "not an ISO 8601 time: 'yesterday'"),
    (["incident", "import", "missing.json"], "missing.json: file not found"),
    (["incident", "escalate", "INC-20000101-0009", "--to", "CTO"], "unknown incident 'INC-20000101-0009'"),
])
def test_errors_are_one_line_on_stderr_with_a_nonzero_exit(env: dict[str, str], args: list[str], message: str) -> None:
    result = cockpit(env, *args)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_exporting_an_unknown_incident_leaves_no_empty_file(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "inc.json"
    result = cockpit(env, "incident", "export", "INC-20000101-0009", "--format", "json", "-o", str(out))
    assert result.returncode != 0 and "unknown incident 'INC-20000101-0009'" in result.stderr
    assert not out.exists()


def test_lifecycle_and_exports_through_the_cli(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--db", db, "incident", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    incident_id = run("declare", "--title", "Replication lag", "--severity", "P2", "--commander", "alice").strip()
    run("note", incident_id, "lag 22 min on greenlang-prod-eu-west-1-data-lake-confidential")
    run("severity", incident_id, "P1", "--reason", "RPO breached")
    run("status", incident_id, "Investigating replication")
    run("role", incident_id, "scribe", "carol")
    run("action", incident_id, "Alert earlier", "--owner", "dave")
    run("resolve", incident_id)
    listed = json.loads(run("list", "--json"))
    assert [(i["id"], i["severity"], i["status"]) for i in listed] == [(incident_id, "P1", "resolved")]
    assert run("list").startswith(f"{incident_id}  P1  incident")
    shown = run("show", incident_id)
    assert "severity_changed  Severity P2 → P1: RPO breached" in shown and "scribe: carol" in shown
    assert run("export", incident_id, "--format", "md").startswith("# Postmortem: Replication lag")
    assert run("export", incident_id, "--format", "markdown") == run("export", incident_id, "--format", "md")
    assert "Incident Commander: alice" in run("export", incident_id, "--format", "comms-initial")
    out = tmp_path / "inc.json"
    assert run("export", incident_id, "--format", "json", "-o", str(out)) == ""
    assert json.loads(out.read_text())["incident"]["id"] == incident_id

    reopened = runner.invoke(cli, ["--db", db, "incident", "resolve", incident_id])
    assert reopened.exit_code == 2 and "already resolved" in reopened.stderr
    run("reopen", incident_id)

    other = str(tmp_path / "other.db")
    for _ in range(2):
        result = runner.invoke(cli, ["--db", other, "incident", "import", str(out)])
        assert result.exit_code == 0 and result.stdout.strip() == incident_id
    assert "0 new event(s)" in result.stderr


def test_show_lists_events_in_the_order_they_happened(env: dict[str, str], tmp_path: Path) -> None:
    """Alarms already firing are logged with the declaration, at the times they fired: before it."""
    from datetime import timedelta

    from cockpit.timeline import Timeline
    from cockpit.timeline.alarm_log import AlarmTransition
    from cockpit.timeline.model import utc_now

    db = tmp_path / "data" / "cockpit" / "timeline.db"
    db.parent.mkdir(parents=True)
    fired = utc_now() - timedelta(minutes=3)
    with Timeline(db, "ic@bridge") as tl:
        incident = tl.declare("S3 5xx", "P1", firing=[AlarmTransition("greenlang-s3-5xx", "eu-west-1", "fired", fired,
                                                                   "ALARM", "Threshold Crossed", "critical")])
    shown = cockpit(env, "incident", "show", incident.id)
    assert shown.returncode == 0, shown.stderr
    kinds = [line.split()[2] for line in shown.stdout.splitlines() if line.startswith("20")]
    assert kinds.index("alarm_fired") < kinds.index("declared"), shown.stdout


def test_an_incident_of_a_demo_is_not_found_in_the_real_timeline_and_the_error_says_where(
        env: dict[str, str], tmp_path: Path) -> None:
    demo = cockpit(env, "demo", "--help")  # the demo's file is demo.db beside the real one
    assert demo.returncode == 0
    from cockpit.timeline import Timeline

    demo_db = tmp_path / "data" / "cockpit" / "demo.db"
    demo_db.parent.mkdir(parents=True)
    with Timeline(demo_db, "ic@bridge") as tl:
        incident = tl.declare("Demo outage", "P1")
    shown = cockpit(env, "incident", "show", incident.id)
    assert shown.returncode != 0
    assert shown.stderr.startswith(f"cockpit: error: unknown incident '{incident.id}' in ")
    assert f"--db {demo_db}" in shown.stderr and shown.stderr.count("\n") == 1
    listed = cockpit(env, "incident", "list")  # the real timeline: empty, and says where the demo's is
    assert listed.returncode == 0, listed.stderr
    assert incident.id not in listed.stdout and "No incidents in " in listed.stdout
    assert listed.stderr.startswith("Listed in ") and f"--db {demo_db}" in listed.stderr  # one readable line
    in_demo = cockpit(env, "--db", str(demo_db), "incident", "list")
    assert incident.id in in_demo.stdout
    as_json = cockpit(env, "incident", "list", "--json")
    assert json.loads(as_json.stdout) == [] and as_json.stderr == ""  # scripts get data only


def test_escalation_recorded_from_the_cli_ends_the_reminder(tmp_path: Path) -> None:
    """``incident escalate ID --to WHO``: the ``escalated`` event the cockpit's ``P`` writes."""
    from datetime import timedelta

    from cockpit.timeline import Timeline
    from cockpit.timeline.escalation_log import owed
    from cockpit.timeline.model import utc_now

    db = tmp_path / "t.db"
    with Timeline(db) as tl:
        incident = tl.declare("Payments down", "P1", detected_at=utc_now() - timedelta(minutes=16))
        assert [p.to for p in owed(incident, tl.events(incident.id), timedelta(minutes=16))] == ["Engineering Lead"]
    result = CliRunner().invoke(cli, ["--db", str(db), "incident", "escalate", incident.id, "--to", "Engineering Lead"])
    assert result.exit_code == 0, result.stderr
    with Timeline(db) as tl:
        assert owed(incident, tl.events(incident.id), timedelta(minutes=16)) == []
        assert [e.message for e in tl.events(incident.id, kinds=["escalated"])] == ["Escalated to Engineering Lead"]

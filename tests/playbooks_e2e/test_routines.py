"""The routine checklists of seeds 001, 002 and 004 as a responder runs them, on an estate of
this module's own: `cockpit run ID` as cron does (exit 0/1/2/3, one line a finding), the
figures each reports compared with what the estate answers boto3 or kubectl directly, and
the runbook tools the cockpit does not embed (psql, openssl, npm) run for real: a throwaway
PostgreSQL server, TLS servers with certificates of known expiry, npm projects in a folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cockpit.timeline import Timeline
from tests.engine.conftest import cli_env, cockpit, incident_id, mutating_requests
from tests.playbooks_e2e.conftest import aws, run_playbook

GIB = 2.0**30


@pytest.fixture(scope="module")
def estate(start_estate):
    return start_estate()


def _run(handle: Any, tmp_path: Path, playbook: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return cockpit(["run", playbook, *args], {**cli_env(handle.env, tmp_path), **(env or {})}, tmp_path / "t.db")


def _checks(proc: Any) -> dict[str, dict[str, Any]]:
    return {c["step"]: c for c in json.loads(proc.stdout)["checks"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- seed 001 -------------------------------------------------------------------------------

def test_morning_check_reads_vpcs_and_yesterdays_cost_as_cost_explorer_answers_them(estate, tmp_path, monkeypatch):
    since = time.time()
    proc = _run(estate, tmp_path, "morning-health-check", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = _checks(proc)
    assert checks["vpcs"]["level"] == "ok" and checks["yesterday_cost"]["level"] == "ok"
    assert mutating_requests(estate, since) == []
    for key, value in estate.env.items():
        monkeypatch.setenv(key, value)
    run = _sync(run_playbook("morning-health-check", tmp_path / "r.db", read_only=True, yes=True))
    # The same query by boto3: the services over $10 yesterday, and every VPC of the region.
    today = datetime.now(timezone.utc).date()
    answer = aws(estate, "ce").get_cost_and_usage(
        TimePeriod={"Start": str(today - timedelta(days=1)), "End": str(today)}, Granularity="DAILY",
        Metrics=["BlendedCost"], GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])
    groups = answer["ResultsByTime"][0]["Groups"]
    over = [[g["Keys"][0], g["Metrics"]["BlendedCost"]["Amount"]] for g in groups
            if float(g["Metrics"]["BlendedCost"]["Amount"]) > 10]
    assert over and run.outputs("yesterday_cost")["over_10_usd"] == over
    vpcs = aws(estate, "ec2").describe_vpcs()["Vpcs"]
    assert run.outputs("vpcs")["count"] == len(vpcs) > 0


def _sync(coro: Any) -> Any:
    import asyncio
    return asyncio.run(coro)


def test_weekly_report_fills_the_template_with_the_estate_and_keeps_it_in_the_timeline(estate, tmp_path):
    db = tmp_path / "t.db"
    since = time.time()
    env = cli_env(estate.env, tmp_path)
    proc = cockpit(["run", "weekly-infrastructure-report", "--title", "Weekly review", "--severity", "P4"], env, db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert mutating_requests(estate, since) == []
    with Timeline(db) as tl:
        done = {e.data["step_id"]: e.data for e in tl.events(incident_id(proc.stdout), kinds=["step_succeeded"])}
    report = done["report"]["outputs"]["stdout"]
    ec2, s3, ddb = aws(estate, "ec2"), aws(estate, "s3"), aws(estate, "dynamodb")
    instances = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    today = datetime.now(timezone.utc).date()
    cost = aws(estate, "ce").get_cost_and_usage(
        TimePeriod={"Start": str(today - timedelta(days=7)), "End": str(today)}, Granularity="DAILY",
        Metrics=["BlendedCost"])["ResultsByTime"]
    lines = report.splitlines()
    assert lines[0] == f"# Weekly Infrastructure Report - {today}"
    assert f"- EC2 Instances: {len(instances)} ({len(instances)} running)" in lines
    assert f"- S3 Buckets: {len(s3.list_buckets()['Buckets'])}" in lines
    assert f"- DynamoDB Tables: {len(ddb.list_tables()['TableNames'])}" in lines
    assert f"| {cost[0]['TimePeriod']['Start']} | {float(cost[0]['Total']['BlendedCost']['Amount']):.2f} |" in lines
    total = sum(float(d["Total"]["BlendedCost"]["Amount"]) for d in cost)
    assert f"| total | {total:.2f} |" in lines and "## Action Items" in lines
    # The S3 total is every object of every bucket, summed as `aws s3 ls --summarize` does.
    size = sum(o["Size"] for b in s3.list_buckets()["Buckets"]
               for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b["Name"])
               for o in page.get("Contents", []))
    assert any(line.startswith("- Total S3 Storage: ") and line.endswith(f"({size} bytes)") for line in lines), report
    # The export carries it too.
    export = cockpit(["incident", "show", incident_id(proc.stdout), "--json"], env, db)
    assert "# Weekly Infrastructure Report" in export.stdout

    # A table created since shows in the next report.
    ddb.create_table(TableName="routines-report-test", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    try:
        again = cockpit(["run", "weekly-infrastructure-report", "--title", "Weekly review", "--severity", "P4"], env, db)
        with Timeline(db) as tl:
            done = {e.data["step_id"]: e.data for e in tl.events(incident_id(again.stdout), kinds=["step_succeeded"])}
        assert f"- DynamoDB Tables: {len(ddb.list_tables()['TableNames'])}" in done["report"]["outputs"]["stdout"]
    finally:
        ddb.delete_table(TableName="routines-report-test")


def _least_squares_days(free: list[float], allocated: int, maximum: int) -> float:
    n = len(free)
    xs = range(1, n + 1)
    sx, sy = sum(xs), sum(free)
    slope = (n * sum(x * y for x, y in zip(xs, free)) - sx * sy) / (n * sum(x * x for x in xs) - sx * sx)
    return (free[-1] + max(0, maximum - allocated) * GIB) / -slope


def test_capacity_planning_forecasts_when_production_db_is_full_from_its_history(estate, tmp_path):
    since = time.time()
    proc = _run(estate, tmp_path, "monthly-capacity-planning", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = _checks(proc)
    assert {k: c["level"] for k, c in checks.items()} == {
        "rds_storage": "ok", "db_connections": "ok", "task_count": "ok", "free_storage": "ok",
        "storage_forecast": "ok", "recommendations": "skipped"}
    assert mutating_requests(estate, since) == []
    # The forecast from the same 30 days boto3 reads: the estate's free storage shrinks by
    # half a GiB a day, so the disk is full in about 130 days.
    now = datetime.now(timezone.utc)
    points = aws(estate, "cloudwatch").get_metric_statistics(
        Namespace="AWS/RDS", MetricName="FreeStorageSpace",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "production-db"}],
        StartTime=now - timedelta(days=30), EndTime=now, Period=86400, Statistics=["Average"])["Datapoints"]
    free = [p["Average"] for p in sorted(points, key=lambda p: p["Timestamp"])]
    db = aws(estate, "rds").describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0]
    days = _least_squares_days(free, db["AllocatedStorage"], db.get("MaxAllocatedStorage") or db["AllocatedStorage"])
    assert 100 < days < 160
    finding = checks["storage_forecast"]["finding"]
    told = int(finding.split("storage full in ")[1].split()[0])
    assert abs(told - days) <= 1, finding

    # A quarter's notice is not enough for a team that wants 200 days: a warning, one line.
    short = _run(estate, tmp_path, "monthly-capacity-planning", "--param", "warn_days=200")
    assert short.returncode == 1, short.stdout + short.stderr
    assert (f"  WARNING  Days until production-db's storage is full: awk exited with 1: production-db: storage "
            f"full in {told} days at this rate") in short.stdout.splitlines()


# --- seed 002 -------------------------------------------------------------------------------

def test_access_validation_reads_the_cluster_grafana_and_the_database(estate, postgres, tmp_path):
    since = time.time()
    db = ["--param", "db_host=127.0.0.1", "--param", f"db_port={postgres['port']}"]
    proc = _run(estate, tmp_path, "platform-access-validation", "--json", *db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    checks = _checks(proc)
    assert {k: c["level"] for k, c in checks.items()} == {
        "cluster_nodes": "ok", "grafana_health": "ok", "database_select": "ok", "required_setup": "skipped"}
    assert checks["database_select"]["finding"] == "exit 0, 1 lines of output; the last: 1"  # SELECT 1's answer
    assert mutating_requests(estate, since) == []
    # No database there: the access is missing, and psql's own line says why.
    closed = _run(estate, tmp_path, "platform-access-validation", "--param", "db_host=127.0.0.1",
                  "--param", f"db_port={_free_port()}")
    assert closed.returncode == 2, closed.stdout + closed.stderr
    line = closed.stdout.splitlines()[1]
    assert line.startswith("  CRITICAL The read-only database login runs SELECT 1 (psql): psql exited with 2: ")
    assert line.endswith("Is the server running on that host and accepting TCP/IP connections?"), line
    # No psql on this machine: one line that says so, not a traceback.
    bare = _run(estate, tmp_path, "platform-access-validation", *db, env={"PATH": "/nonexistent"})
    assert ("  UNKNOWN  The read-only database login runs SELECT 1 (psql): not run: psql is not installed here "
            "(not on PATH)") in bare.stdout.splitlines(), bare.stdout + bare.stderr


def test_weekly_maintenance_vacuums_the_database_and_reads_it_back(estate, postgres, tmp_path, monkeypatch):
    for key, value in estate.env.items():
        monkeypatch.setenv(key, value)
    params = {"db_host": "127.0.0.1", "db_port": postgres["port"]}
    psql = postgres["psql"]
    vacuumed = "SELECT coalesce(last_vacuum::text, 'never') FROM pg_stat_user_tables WHERE relname = 'emissions'"
    analyzed = "SELECT coalesce(last_analyze::text, 'never') FROM pg_stat_user_tables WHERE relname = 'emissions'"
    # Read-only walks it and never runs VACUUM.
    guarded = _sync(run_playbook("platform-weekly-maintenance", tmp_path / "ro.db", params, read_only=True,
                                 yes=True))
    assert guarded.status == "succeeded" and guarded.state("vacuum_analyze") == "skipped"  # a write: not run
    assert (psql(vacuumed), psql(analyzed)) == ("never", "never")
    run = _sync(run_playbook("platform-weekly-maintenance", tmp_path / "t.db", params, severity="P4", yes=True))
    assert run.state("vacuum_analyze") == "succeeded", run.error("vacuum_analyze")
    assert psql(vacuumed) != "never" and psql(analyzed) != "never"
    # The playbook's own read-back shows the table vacuumed and analyzed.
    row = run.outputs("vacuum_stats")["stdout"].splitlines()[0]
    assert row.startswith("public.emissions ") and "never" not in row, row


def _tls_server(folder: Path, days: int) -> tuple[subprocess.Popen, int]:
    key, cert = folder / f"{days}.key", folder / f"{days}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", str(days), "-subj", "/CN=api.greenlang.io"], check=True, capture_output=True, timeout=60)
    port = _free_port()
    server = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", str(port), "-cert", str(cert),
                               "-key", str(key)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server, port
        time.sleep(0.1)
    server.kill()
    raise AssertionError("openssl s_server did not listen")


def test_weekly_review_finds_a_certificate_about_to_expire(estate, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    soon, soon_port = _tls_server(tmp_path, 10)
    later, later_port = _tls_server(tmp_path, 400)
    try:
        since = time.time()
        fine = _run(estate, tmp_path, "platform-weekly-review", "--param", f"cert_hosts=127.0.0.1:{later_port}")
        assert fine.returncode == 0, fine.stdout + fine.stderr
        assert mutating_requests(estate, since) == []
        proc = _run(estate, tmp_path, "platform-weekly-review",
                    "--param", f"cert_hosts=127.0.0.1:{later_port},127.0.0.1:{soon_port}")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        line = proc.stdout.splitlines()[1]
        assert line.startswith("  WARNING  SSL certificates valid for 30 days more: sh exited with 1: "
                               f"127.0.0.1:{soon_port}: certificate expires in 9 days ("), proc.stdout
    finally:
        for server in (soon, later):
            server.kill()
            server.wait()


def _kubectl(handle: Any, *args: str) -> Any:
    return subprocess.run(["kubectl", *args], env={**os.environ, **handle.env}, capture_output=True, text=True,
                          timeout=30, check=True).stdout


def _grafana(estate: Any, method: str, path: str) -> tuple[int, Any]:
    """Grafana's API as curl asks it (no cockpit code between the test and the estate)."""
    import urllib.error
    import urllib.request
    request = urllib.request.Request(f"{estate.env['COCKPIT_GRAFANA_URL']}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_grafana_practice_creates_the_dashboard_and_never_overwrites_one(estate, tmp_path):
    incident = ["--title", "Onboarding: a Grafana dashboard", "--severity", "P4", "--yes"]
    since = time.time()
    proc = _run(estate, tmp_path, "platform-grafana-dashboard", *incident, "--param", "uid=practice-e2e",
                "--param", "service=storage-service")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status, kept = _grafana(estate, "GET", "/api/dashboards/uid/practice-e2e")
    assert status == 200 and kept["meta"]["version"] == 1
    panels = {p["title"]: p for p in kept["dashboard"]["panels"]}
    assert list(panels) == ["Request rate", "Error rate (SLO < 1 %)", "Latency p95 (SLO < 500 ms)", "Pod restarts (1 h)"]
    assert all('app="storage-service"' in panels[t]["targets"][0]["expr"] for t in list(panels)[:3])
    red = {t: p["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] for t, p in panels.items()
           if "thresholds" in p.get("fieldConfig", {}).get("defaults", {})}
    assert red == {"Error rate (SLO < 1 %)": 1, "Latency p95 (SLO < 500 ms)": 0.5}  # the guide's SLOs
    # No token given: the request went anonymous, not with an empty credential Grafana refuses.
    assert kept["meta"]["createdBy"] == "admin"
    assert [r["operation"] for r in mutating_requests(estate, since)] == ["POST /grafana/api/dashboards/db"]
    # The same uid again: refused before anything is saved, naming whose it is; the first is untouched.
    since = time.time()
    again = _run(estate, tmp_path, "platform-grafana-dashboard", *incident, "--param", "uid=practice-e2e",
                 "--param", "title=Someone else's")
    assert again.returncode == 1, again.stdout + again.stderr
    assert ("the uid practice-e2e is already the dashboard 'Practice: greenlang-api SLOs' (version 1, by admin)"
            in again.stdout), again.stdout
    assert mutating_requests(estate, since) == []
    assert _grafana(estate, "GET", "/api/dashboards/uid/practice-e2e")[1]["meta"]["version"] == 1
    # Removing after the exercise deletes this run's dashboard, with a token this time, and nothing else.
    gone = _run(estate, tmp_path, "platform-grafana-dashboard", *incident, "--param", "uid=practice-gone",
                "--param", "title=Practice to remove", "--param", "grafana_token=glsa_e2eTokenValue_0123456789",
                "--choose", "keep_or_remove=remove", "--confirm", "remove_dashboard=practice-gone")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "glsa_e2eTokenValue_0123456789" not in gone.stdout + gone.stderr
    assert _grafana(estate, "GET", "/api/dashboards/uid/practice-gone")[0] == 404
    uids = {hit["uid"] for hit in _grafana(estate, "GET", "/api/search?type=dash-db")[1]}
    assert uids == {"system-overview", "api-performance", "database", "infrastructure", "deployments", "practice-e2e"}
    with Timeline(tmp_path / "t.db") as tl:
        assert all("glsa_e2eTokenValue_0123456789" not in json.dumps(e.data) for i in tl.incidents()
                   for e in tl.events(i.id))


def test_end_of_day_sees_what_grafana_alerts_on(estate, tmp_path):
    since = time.time()
    calm = _run(estate, tmp_path, "platform-end-of-day", "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert {k: c["level"] for k, c in _checks(calm).items()} == {
        "grafana_health": "ok", "alerts_firing": "ok", "end_of_day": "skipped"}
    assert mutating_requests(estate, since) == []
    # More replicas than the nodes can hold: pods Pending, the deployment short of ready.
    before = json.loads(_kubectl(estate, "get", "deployment", "greenlang-api", "-n", "greenlang", "-o", "json"))
    replicas = before["spec"]["replicas"]
    _kubectl(estate, "scale", "deployment", "greenlang-api", "-n", "greenlang", "--replicas=40")
    try:
        deadline = time.monotonic() + 60
        while True:
            proc = _run(estate, tmp_path, "platform-end-of-day")
            if proc.returncode == 1 or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        warning = proc.stdout.splitlines()[1]
        assert warning.startswith("  WARNING  Alerting answers, and nothing is firing: "), proc.stdout
        assert "KubePodNotReady" in warning
    finally:
        _kubectl(estate, "scale", "deployment", "greenlang-api", "-n", "greenlang", f"--replicas={replicas}")


def test_monthly_operations_counts_a_backup_a_day(estate, tmp_path):
    since = time.time()
    proc = _run(estate, tmp_path, "platform-monthly-operations", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert mutating_requests(estate, since) == []
    # The estate holds seven nightly dumps and six hourly ones: fifteen days back, the count falls short.
    listed = aws(estate, "s3", "eu-west-1").list_objects_v2(Bucket="greenlang-backups", Prefix="database/")
    assert listed["KeyCount"] == 7 + 6
    proc = _run(estate, tmp_path, "platform-monthly-operations", "--param", "backup_days=15")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[1] == ("  WARNING  A database backup every day of the last 15: 13 backup(s) in the "
                                           "last 15 days, fewer than one a day")


# --- seed 004 -------------------------------------------------------------------------------

def _npm_project(folder: Path, lockfile: bool) -> None:
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"name": folder.name, "version": "1.0.0", "dependencies": {}}))
    if lockfile:
        subprocess.run(["npm", "install", "--package-lock-only", "--offline"], cwd=folder, check=True,
                       capture_output=True, timeout=120)


def test_periodic_review_runs_npm_and_judges_last_months_cost(estate, tmp_path):
    if not shutil.which("npm"):
        pytest.skip("npm is not installed")
    repo = tmp_path / "flight-school"
    _npm_project(repo / "frontend", lockfile=True)
    _npm_project(repo / "cdk", lockfile=False)  # npm audit needs a lockfile
    since = time.time()
    proc = _run(estate, tmp_path, "flight-school-periodic-review", "--json", "--param", f"repo_dir={repo}")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    levels = {k: c["level"] for k, c in _checks(proc).items()}
    assert levels.pop("npm_audit_cdk") == "warning" and levels.pop("by_hand") == "skipped"
    assert set(levels.values()) == {"ok"}, levels
    assert _checks(proc)["npm_audit_frontend"]["finding"].endswith("the last: found 0 vulnerabilities")
    assert mutating_requests(estate, since) == []
    # Last month's Flight School services from Cost Explorer directly, against a $40 budget.
    now = datetime.now(timezone.utc).date()
    end = now.replace(day=1)
    start = (end - timedelta(days=1)).replace(day=1)
    groups = aws(estate, "ce").get_cost_and_usage(
        TimePeriod={"Start": str(start), "End": str(end)}, Granularity="MONTHLY", Metrics=["BlendedCost"],
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon DynamoDB", "AWS Lambda", "Amazon API Gateway",
                                                            "Amazon Bedrock"]}},
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}])["ResultsByTime"][0]["Groups"]
    total = sum(float(g["Metrics"]["BlendedCost"]["Amount"]) for g in groups)
    assert 40 < total < 100  # the runbook's estimate is ~$52
    tight = _run(estate, tmp_path, "flight-school-periodic-review", "--param", f"repo_dir={repo}",
                 "--param", "monthly_budget_usd=40")
    assert (f"  WARNING  Last month's cost under $40.0: last month cost ${total:.2f}, over $40.0 (the estimate is "
            "~$52)") in tight.stdout.splitlines(), tight.stdout
    # No checkout there: each npm step says which folder is missing, in one line, and checked nothing.
    nowhere = _run(estate, tmp_path, "flight-school-periodic-review", "--param", f"repo_dir={tmp_path / 'none'}")
    assert nowhere.returncode == 3, nowhere.stdout + nowhere.stderr
    assert (f"  UNKNOWN  npm outdated (frontend): not run: working directory {tmp_path / 'none'}/frontend "
            "does not exist") in nowhere.stdout.splitlines(), nowhere.stdout


def test_on_call_start_of_shift_reads_alarms_deployments_and_the_health_check(estate, tmp_path):
    since = time.time()
    proc = _run(estate, tmp_path, "flight-school-on-call", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {k: c["level"] for k, c in _checks(proc).items()} == {
        "handoff_notes": "skipped", "active_alarms": "ok", "recent_deployments": "ok", "health_check": "ok",
        "pager_and_shift": "skipped"}
    assert mutating_requests(estate, since) == []
    # A deploy a minute ago is listed as a recent deployment.
    lam = aws(estate, "lambda")
    name = "CdkStack-GetSchoolsFunction"
    lam.update_function_configuration(FunctionName=name, Description="routines test deploy")
    proc = _run(estate, tmp_path, "flight-school-on-call", "--json", "--param", "deploy_hours=1")
    assert name in _checks(proc)["recent_deployments"]["finding"]
    # The API down: the health check is the finding.
    broken = _run(estate, tmp_path, "flight-school-on-call",
                  "--param", f"base_url={estate.env['COCKPIT_FLIGHT_SCHOOL_API_URL']}/no-such-stage")
    assert broken.returncode == 2, broken.stdout + broken.stderr
    assert broken.stdout.splitlines()[1].startswith("  CRITICAL The health check passes (GET /schools): ")

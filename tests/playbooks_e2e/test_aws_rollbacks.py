"""Seed 001's rollbacks end to end: ECS to the previous revision, RDS from a snapshot, Lambda
to the previous package; and the P0 playbook gathering what moto can and cannot answer.

One estate for the module; each test reads the estate back with boto3 afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile

import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")
ESTATE_SPEED = 120  # an RDS restore (15 scenario minutes) takes 7.5 s, an ECS rollback (8) 4 s
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web-service:{}"


async def test_ecs_rollback_moves_web_service_to_the_previous_revision(module_estate, tmp_path):
    ecs = aws(module_estate, "ecs")
    assert ecs.describe_services(cluster="production-cluster", services=["web-service"])["services"][0][
        "taskDefinition"] == TD.format(3)
    old_tasks = set(ecs.list_tasks(cluster="production-cluster")["taskArns"])
    run = await run_playbook("ecs-rollback", tmp_path / "t.db", yes=True)
    assert run.status == "succeeded", run.engine.records
    service = ecs.describe_services(cluster="production-cluster", services=["web-service"])["services"][0]
    assert service["taskDefinition"] == TD.format(2)
    assert service["runningCount"] == service["desiredCount"] == 3  # the count is kept
    assert run.outputs("wait_stable")["attempts"] >= 2  # the deployment took scenario time
    tasks = ecs.list_tasks(cluster="production-cluster")["taskArns"]
    assert len(tasks) == 3 and not set(tasks) & old_tasks  # every task was replaced, on revision 2
    assert {t["taskDefinitionArn"] for t in ecs.describe_tasks(cluster="production-cluster", tasks=tasks)[
        "tasks"]} == {TD.format(2)}
    assert run.outputs("target_revision")["images"] == ["greenlang/web-service:1.2.0"]
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    assert started["update_service"]["call"]["params"]["taskDefinition"] == TD.format(2)


async def test_ecs_rollback_refuses_to_roll_back_to_the_revision_it_runs(module_estate, tmp_path):
    current = aws(module_estate, "ecs").describe_services(cluster="production-cluster",
                                                          services=["web-service"])["services"][0]["taskDefinition"]
    revision = int(current.rsplit(":", 1)[1])
    run = await run_playbook("ecs-rollback", tmp_path / "t.db", {"to_revision": str(revision)}, yes=True)
    assert run.status == "failed" and run.state("target_revision") == "failed"
    assert run.state("update_service") == "pending"  # nothing was changed


async def test_rds_restore_creates_production_db_restored_and_leaves_the_source(module_estate, tmp_path):
    rds = aws(module_estate, "rds")
    run = await run_playbook("rds-snapshot-restore", tmp_path / "t.db", yes=True)
    assert run.status == "succeeded", run.engine.records
    restored = rds.describe_db_instances(DBInstanceIdentifier="production-db-restored")["DBInstances"][0]
    assert restored["DBInstanceStatus"] == "available"
    assert run.outputs("restore_instance")["status"] == "creating"
    assert run.outputs("wait_available")["attempts"] >= 2  # it waited for creating -> available
    assert run.outputs("wait_available")["endpoint"] == restored["Endpoint"]["Address"]
    assert rds.describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0][
        "DBInstanceStatus"] == "available"

    again = await run_playbook("rds-snapshot-restore", tmp_path / "u.db", yes=True)
    assert again.state("target_free") == "failed"  # the identifier is taken: no second restore
    assert again.state("restore_instance") == "pending"


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.js", text)
    return buffer.getvalue()


async def test_lambda_rollback_deploys_the_previous_package(module_estate, tmp_path):
    s3, lam = aws(module_estate, "s3"), aws(module_estate, "lambda")
    package = _zip("exports.handler = async () => ({statusCode: 200, body: '[\"previous\"]'});\n")
    s3.create_bucket(Bucket="flight-school-deployments")  # the runbook's deployment bucket
    s3.put_object(Bucket="flight-school-deployments", Key="get-schools-previous.zip", Body=package)
    before = lam.get_function(FunctionName="CdkStack-GetSchoolsFunction")["Configuration"]["CodeSha256"]

    run = await run_playbook("lambda-rollback", tmp_path / "t.db",
                             {"s3_bucket": "flight-school-deployments", "s3_key": "get-schools-previous.zip"},
                             yes=True)
    assert run.status == "succeeded", run.engine.records
    after = lam.get_function(FunctionName="CdkStack-GetSchoolsFunction")["Configuration"]["CodeSha256"]
    assert after != before
    assert after == base64.b64encode(hashlib.sha256(package).digest()).decode()
    assert run.outputs("current_function")["code_sha"] == before


async def test_lambda_rollback_stops_when_the_package_is_missing(tmp_path):
    run = await run_playbook("lambda-rollback", tmp_path / "t.db",
                             {"s3_bucket": "flight-school-deployments", "s3_key": "no-such.zip"}, yes=True)
    assert run.status == "failed" and run.state("previous_package") == "failed"
    assert run.state("update_code") == "pending"


def _last_message(handle) -> str:
    import json
    import urllib.request

    url = handle.env["COCKPIT_ESTATE_URL"].rstrip("/") + "/webhook/messages"
    return json.loads(urllib.request.urlopen(url, timeout=5).read())[-1]["payload"]["text"]


@pytest.fixture(scope="module")
def hot_db(start_estate):
    """An estate where production-db is pinned at high CPU (scenario production-db-high-cpu):
    the CPU ramps to 97 % from T+30s and prod-rds-high-cpu (Average > 80 % over two 5-minute
    periods) fires by evaluation near T+12m, 6 s at x120. A forced SetAlarmState would last
    only to the next evaluation, as in AWS. Before the alarm fires, someone scheduled the
    revenue report that loads the database: the recent change a P0 looks for."""
    handle = start_estate(scenario="production-db-high-cpu", speed=120)
    aws(handle, "events").put_rule(Name="monthly-revenue-report", ScheduleExpression="cron(40 9 1 * ? *)")
    cw = aws(handle, "cloudwatch")
    deadline = time.monotonic() + 60
    while (state := cw.describe_alarms(AlarmNames=["prod-rds-high-cpu"])["MetricAlarms"][0]["StateValue"]) != "ALARM":
        assert time.monotonic() < deadline, f"prod-rds-high-cpu never fired by evaluation (still {state})"
        time.sleep(0.2)
    return handle


@pytest.fixture
def on_hot_db(hot_db, monkeypatch):
    """Run the playbook against the hot-database estate (the module's env is back afterwards)."""
    for key, value in hot_db.env.items():
        monkeypatch.setenv(key, value)
    return hot_db


async def test_p0_gathers_the_facts_and_the_recent_changes(on_hot_db, tmp_path):
    run = await run_playbook("p0-incident-response", tmp_path / "t.db", severity="P0", yes=True,
                             choices={"mitigation": "rollback"})
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("active_alarms")["names"] == ["prod-rds-high-cpu"]  # fired by evaluation
    assert run.outputs("ecs_status")["degraded"] == []
    assert run.state("target_health_1") == run.state("target_health_2") == "succeeded"
    assert run.state("target_health_3") == "skipped"  # the estate has two target groups
    assert run.state("recent_changes") == "succeeded"  # the estate's CloudTrail: the rule scheduled above
    assert ["PutRule", "moto"] in [event[1:] for event in run.outputs("recent_changes")["events"]]
    text = _last_message(on_hot_db)
    assert "Alarms in ALARM: prod-rds-high-cpu." in text and "Mitigation: rollback." in text
    assert run.outputs("mitigation") == {"choice": "rollback"}


async def test_p0_without_a_decision_stops_and_asks_for_one(tmp_path):
    run = await run_playbook("p0-incident-response", tmp_path / "t.db", severity="P0", yes=True)
    assert run.engine.current is not None and run.engine.current.id == "mitigation"
    assert run.state("status_update") == "pending"  # no update goes out before the decision


async def test_on_call_handoff_posts_what_is_alarming(on_hot_db, tmp_path):
    run = await run_playbook("on-call-handoff", tmp_path / "t.db", {"next_on_call": "sam"}, severity="P4", yes=True)
    assert run.status == "succeeded"
    text = _last_message(on_hot_db)
    assert text.startswith("On-call handoff to sam.") and "prod-rds-high-cpu" in text

"""Seed 001's operations procedures end to end: the manual RDS backup (snapshot and S3
export), manual scaling of each of the three things the runbook scales, and the
pre-deployment checklist as a check run (a real `cockpit run` process, exit 0/1/3).

One estate for the module; each test reads the estate back with boto3 afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")
ESTATE_SPEED = 120  # an ECS deployment of seven more tasks takes scenario minutes: seconds here


def _after_the_second_of(snapshot: str) -> None:
    """The runbook names a snapshot to the second (prod-manual-YYYYMMDD-HHMMSS): a person's
    next run starts in a later second, and so does the test's, or AWS refuses the name."""
    while dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S") <= snapshot[12:]:
        time.sleep(0.05)


async def test_manual_backup_snapshots_production_db_and_exports_it(module_estate, tmp_path):
    rds, s3 = aws(module_estate, "rds"), aws(module_estate, "s3")
    s3.create_bucket(Bucket="production-db-exports")  # the runbook's export bucket (the team's)
    run = await run_playbook("rds-manual-backup", tmp_path / "t.db", {"created_by": "dana"}, yes=True)
    assert run.status == "succeeded", run.engine.records

    name = run.outputs("create_snapshot")["snapshot"]
    assert re.fullmatch(r"prod-manual-\d{8}-\d{6}", name), name  # the runbook's naming, UTC now
    assert name[12:20] == dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d")
    snapshot = rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0]
    assert snapshot["DBInstanceIdentifier"] == "production-db" and snapshot["SnapshotType"] == "manual"
    assert snapshot["Status"] == "available"
    tags = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=snapshot["DBSnapshotArn"])["TagList"]}
    assert tags["Type"] == "Manual" and tags["CreatedBy"] == "dana" and tags["Incident"] == run.incident_id

    task = rds.describe_export_tasks(ExportTaskIdentifier=run.outputs("start_export")["export_task"])["ExportTasks"][0]
    assert task["ExportTaskIdentifier"] == "prod-export-" + name[12:20]
    assert task["SourceArn"] == snapshot["DBSnapshotArn"]
    assert task["S3Bucket"] == "production-db-exports"
    assert task["IamRoleArn"].endswith(":role/rds-export-role")
    assert run.outputs("export_status")["status"].upper() == "COMPLETE"  # moto exports at once

    # The runbook's export name is one a day: a second export that day is refused by AWS,
    # after the second snapshot is taken, unless it is given its own name.
    _after_the_second_of(name)
    same_day = await run_playbook("rds-manual-backup", tmp_path / "u.db", yes=True)
    assert same_day.state("wait_snapshot") == "succeeded" and same_day.state("start_export") == "failed"
    assert "ExportTaskAlreadyExists" in same_day.error("start_export")
    _after_the_second_of(same_day.outputs("create_snapshot")["snapshot"])
    named = await run_playbook("rds-manual-backup", tmp_path / "v.db", {"export_id": "prod-export-second"}, yes=True)
    assert named.status == "succeeded", named.engine.records
    assert rds.describe_export_tasks(ExportTaskIdentifier="prod-export-second")["ExportTasks"][0]["SourceArn"] == \
        rds.describe_db_snapshots(DBSnapshotIdentifier=named.outputs("create_snapshot")["snapshot"])[
            "DBSnapshots"][0]["DBSnapshotArn"]


async def test_manual_backup_stops_before_the_export_when_the_bucket_is_missing(module_estate, tmp_path):
    rds = aws(module_estate, "rds")
    before = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]}
    run = await run_playbook("rds-manual-backup", tmp_path / "t.db",
                             {"snapshot_id": "prod-manual-before-migration", "export_bucket": "no-such-exports"},
                             yes=True)
    assert run.status == "failed" and run.state("export_bucket") == "failed"
    assert run.state("start_export") == "pending"
    after = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]}
    assert after - before == {"prod-manual-before-migration"}  # the snapshot itself was taken


async def test_manual_scaling_ecs_sets_the_desired_count_and_waits_for_the_tasks(module_estate, tmp_path):
    ecs = aws(module_estate, "ecs")
    run = await run_playbook("manual-scaling", tmp_path / "t.db", {"desired_count": "6"}, yes=True,
                             approver="Dana Lead", choices={"what": "ecs"})
    assert run.status == "succeeded", run.engine.records
    service = ecs.describe_services(cluster="production-cluster", services=["web-service"])["services"][0]
    assert service["desiredCount"] == service["runningCount"] == 6
    assert len(ecs.list_tasks(cluster="production-cluster", serviceName="web-service")["taskArns"]) == 6
    assert run.outputs("ecs_now")["desired"] == 3 and run.outputs("ecs_stable")["attempts"] >= 2
    assert run.outputs("approve_scaling")["approver"] == "Dana Lead"
    assert {run.state(s) for s in ("scale_rds", "rds_available", "asg_range", "scale_asg")} == {"skipped"}
    assert aws(module_estate, "rds").describe_db_instances(DBInstanceIdentifier="production-db")[
        "DBInstances"][0]["DBInstanceClass"] == "db.r5.large"  # only what was chosen changed


async def test_manual_scaling_rds_resizes_production_db_after_approval(module_estate, tmp_path):
    rds = aws(module_estate, "rds")
    rejected = await run_playbook("manual-scaling", tmp_path / "r.db", yes=True, choices={"what": "rds"},
                                  rejections={"approve_scaling": "not during the campaign"})
    assert rejected.status == "failed" and rejected.state("scale_rds") == "pending"
    assert rds.describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0][
        "DBInstanceClass"] == "db.r5.large"  # no approval, no change

    run = await run_playbook("manual-scaling", tmp_path / "t.db", yes=True, approver="Dana Lead",
                             choices={"what": "rds"})
    assert run.status == "succeeded", run.engine.records
    db = rds.describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0]
    assert db["DBInstanceClass"] == "db.r5.xlarge" and db["DBInstanceStatus"] == "available"
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    assert started["scale_rds"]["call"]["params"]["ApplyImmediately"] is True


async def test_manual_scaling_asg_sets_the_capacity_within_its_limits(module_estate, tmp_path):
    asg = aws(module_estate, "autoscaling")
    too_many = await run_playbook("manual-scaling", tmp_path / "x.db", {"asg_capacity": "11"}, yes=True,
                                  approver="Dana Lead", choices={"what": "asg"})
    assert too_many.state("asg_range") == "failed" and too_many.state("approve_scaling") == "pending"

    run = await run_playbook("manual-scaling", tmp_path / "t.db", yes=True, approver="Dana Lead",
                             choices={"what": "asg"})
    assert run.status == "succeeded", run.engine.records
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["production-asg"])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 5
    assert sum(i["LifecycleState"] == "InService" for i in group["Instances"]) == 5
    assert run.outputs("asg_now")["desired"] == 3


def _zone_at(hour: int) -> str:
    """A POSIX zone (Etc/GMT-N is UTC+N) whose local hour is ``hour`` now."""
    offset = (hour - dt.datetime.now(dt.timezone.utc).hour + 12) % 24 - 12
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_pre_deployment_checklist_is_a_check_run(module_estate, tmp_path):
    env = cli_env(module_estate.env, tmp_path)
    since = time.time()
    inside = cockpit(["run", "pre-deployment-checklist", "--param", f"timezone={_zone_at(3)}"], env, tmp_path / "a.db")
    assert inside.returncode == 0, inside.stdout + inside.stderr
    lines = inside.stdout.splitlines()
    assert lines[0].startswith("pre-deployment-checklist: OK (")
    for title in ("No CloudWatch alarm in ALARM", "A recent automated RDS snapshot",
                  "The service is stable", "The database is available",
                  "Inside the 02:00-05:00 maintenance window"):
        assert any(line.startswith("  ok") and title in line for line in lines), (title, lines)

    outside = cockpit(["run", "pre-deployment-checklist", "--param", f"timezone={_zone_at(14)}"], env,
                      tmp_path / "b.db")
    assert outside.returncode == 1, outside.stdout + outside.stderr
    assert outside.stdout.splitlines()[1] == \
        "  WARNING  Inside the 02:00-05:00 maintenance window: sh exited with 1: hour 14, outside 02:00-05:00"

    staging = cockpit(["run", "pre-deployment-checklist", "--param", "environment=staging",
                       "--param", f"timezone={_zone_at(3)}"], env, tmp_path / "c.db")
    assert staging.returncode == 3, staging.stdout + staging.stderr  # no staging-cluster: cannot be read
    assert any(line.startswith("  UNKNOWN  The service is stable") for line in staging.stdout.splitlines())
    assert mutating_requests(module_estate, since) == []
    assert not (tmp_path / "a.db").exists()

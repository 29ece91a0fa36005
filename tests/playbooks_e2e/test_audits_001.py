"""Seed 001's weekly and monthly audits end to end: each finds what the estate was seeded with,
finds what the test then changes in the estate, and only ever reads.

One estate for the module (the tests change it: a bucket made public, a security group opened).
The audits run read-only, so every step must actually execute (they only read), and the estate
must have served no mutating request; a dry run must make no request at all.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.estate import catalogue as cat
from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate", "awscli_on_path")
AUDITS = ["weekly-security-audit", "weekly-backup-verification", "monthly-cost-optimisation", "capacity-monitoring",
          "log-review"]


@pytest.fixture(scope="module")
def awscli_on_path(module_estate):
    """The audits' loops run aws-cli (the runbook's own tool): the one installed with Cockpit,
    and the estate's late seed (EC2 findings come after the panes' services) finished."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        deadline = time.monotonic() + 30
        while not module_estate.control("status")["seeded"]:
            assert time.monotonic() < deadline, "the estate's late seed did not finish"
            time.sleep(0.2)
        yield


def _lines(run, step: str) -> list[str]:
    return [line for line in run.outputs(step)["stdout"].splitlines() if line]


def _executed_and_read_only(run, handle, since: float) -> None:
    """Every step ran (none skipped or refused by the read-only guard) and nothing was written."""
    states = {s.id: run.state(s.id) for s in run.engine.playbook.steps}
    assert set(states.values()) <= {"succeeded", "failed"}, states
    assert handle.control("requests", since=f"{since:.6f}")["mutating_requests"] == []


async def test_security_audit_finds_the_seeded_findings_and_each_new_one(module_estate, tmp_path):
    since = time.time()
    run = await run_playbook("weekly-security-audit", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    # Seeded: SSH open to the world on the old bastion's group, two users without MFA (ops-admin
    # has a device), one key older than 90 days (ops-admin's is three days old, deployment-user's new).
    assert run.state("open_security_groups") == "failed"
    assert [(g["GroupName"], g["ports"]) for g in run.outputs("open_security_groups")["open"]] == [
        (cat.AUDIT_OPEN_SG, [["tcp", 22, 22]])]
    assert run.error("open_security_groups") == (f"open to the world: {cat.AUDIT_OPEN_SG} "  # the line names the group
                                                  "(the ports are in the step's outputs)")
    assert _lines(run, "users_without_mfa") == [f"No MFA: {cat.DEPLOYMENT_USER}", f"No MFA: {cat.AUDIT_STALE_USER}"]
    old = _lines(run, "old_access_keys")
    assert len(old) == 1 and old[0].startswith(f"Old key: {cat.AUDIT_STALE_USER} ") and old[0].endswith(" Active")
    assert run.state("public_buckets") == run.state("public_rds") == run.state("trail_logging") == "succeeded"
    assert _lines(run, "public_buckets") == [] and run.outputs("public_rds")["public"] == []
    assert run.outputs("trail_logging")["logging"] is True
    # The finding names the user and the key's age; the key's id stays out of the timeline file.
    (key,) = aws(module_estate, "iam").list_access_keys(UserName=cat.AUDIT_STALE_USER)["AccessKeyMetadata"]
    assert key["AccessKeyId"] in old[0]
    written = b"".join(f.read_bytes() for f in tmp_path.glob("a.db*"))
    assert f"Old key: {cat.AUDIT_STALE_USER}".encode() in written and key["AccessKeyId"].encode() not in written

    # The world changes: the site bucket is made public, the ALB's group opened on 443, the
    # database made public, deployment-user gets MFA, the trail stops logging.
    s3, ec2, rds, iam = (aws(module_estate, s) for s in ("s3", "ec2", "rds", "iam"))
    s3.put_bucket_acl(Bucket="flight-school-marketplace", ACL="public-read")
    alb_sg = ec2.describe_security_groups(GroupNames=["production-alb-sg"])["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    rds.modify_db_instance(DBInstanceIdentifier=cat.RDS.instance, PubliclyAccessible=True, ApplyImmediately=True)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=cat.DEPLOYMENT_USER)["VirtualMFADevice"]
    iam.enable_mfa_device(UserName=cat.DEPLOYMENT_USER, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="111111", AuthenticationCode2="222222")
    aws(module_estate, "cloudtrail").stop_logging(Name=cat.TRAIL)

    since = time.time()
    run = await run_playbook("weekly-security-audit", tmp_path / "b.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    assert _lines(run, "public_buckets") == ["Public bucket: flight-school-marketplace"]
    assert run.outputs("public_rds")["public"] == [cat.RDS.instance]
    assert sorted(g["GroupName"] for g in run.outputs("open_security_groups")["open"]) == [
        cat.AUDIT_OPEN_SG, "production-alb-sg"]
    assert _lines(run, "users_without_mfa") == [f"No MFA: {cat.AUDIT_STALE_USER}"]
    assert run.state("trail_logging") == "failed" and run.outputs("trail_logging")["logging"] is False
    assert run.status == "succeeded"  # every finding is reported; none stops the audit


async def test_backup_verification_lists_recent_backups_and_buckets_without_versioning(module_estate, tmp_path):
    since = time.time()
    run = await run_playbook("weekly-backup-verification", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    assert run.state("rds_snapshots") == run.state("rds_instances") == run.state("ebs_snapshots") == "succeeded"
    assert cat.RDS.instance in run.outputs("rds_snapshots")["instances"]
    # This week's EBS snapshot is the hosts' image's; the detached volume's (120 days) is not recent.
    ec2 = aws(module_estate, "ec2")
    old = {s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
           if s["Description"].startswith(cat.AUDIT_DETACHED_VOLUME_NAME)}
    recent = {snapshot for snapshot, _, _ in run.outputs("ebs_snapshots")["recent"]}
    assert len(old) == 1 and recent and not recent & old
    unversioned = {"greenlang-prod-eu-west-1-temp", "flight-school-marketplace", cat.FLIGHT_SCHOOL_BACKUP_BUCKET}
    assert run.state("s3_versioning") == "failed"
    assert {line for line in _lines(run, "s3_versioning") if line.startswith("Not versioned: ")} == {
        f"Not versioned: {b}" for b in unversioned | {cat.BACKUPS_BUCKET}}
    assert f"{cat.DATA_LAKE}: Enabled" in _lines(run, "s3_versioning")

    # Versioning turned on for the backups bucket; a new instance that keeps no backups.
    aws(module_estate, "s3").put_bucket_versioning(Bucket=cat.BACKUPS_BUCKET,
                                                   VersioningConfiguration={"Status": "Enabled"})
    aws(module_estate, "rds").create_db_instance(
        DBInstanceIdentifier="reporting-db", Engine="postgres", DBInstanceClass="db.t3.medium", AllocatedStorage=20,
        MasterUsername="reporting", MasterUserPassword="not-a-secret-2", BackupRetentionPeriod=0)
    run = await run_playbook("weekly-backup-verification", tmp_path / "b.db", read_only=True, severity="P4")
    assert {line for line in _lines(run, "s3_versioning") if line.startswith("Not versioned: ")} == {
        f"Not versioned: {b}" for b in unversioned}
    assert run.state("rds_instances") == "failed" and run.outputs("rds_instances")["no_backups"] == ["reporting-db"]


async def test_cost_review_finds_the_idle_resources_and_an_idle_database(module_estate, tmp_path):
    since = time.time()
    run = await run_playbook("monthly-cost-optimisation", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    ec2 = aws(module_estate, "ec2")
    (address,) = ec2.describe_addresses(Filters=[{"Name": "tag:Name",
                                                  "Values": [cat.AUDIT_IDLE_EIP_NAME]}])["Addresses"]
    assert run.outputs("unused_elastic_ips")["unused"] == [[address["PublicIp"], address["AllocationId"]]]
    (volume,) = ec2.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [cat.AUDIT_DETACHED_VOLUME_NAME]}])[
        "Volumes"]
    assert [v[:3] for v in run.outputs("unattached_volumes")["unattached"]] == [[volume["VolumeId"], 200, "gp2"]]
    (old,) = run.outputs("old_snapshots")["old"]
    assert old[2] == 200 and old[0] in {s["SnapshotId"] for s in ec2.describe_snapshots(
        OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume["VolumeId"]]}])["Snapshots"]}
    assert {"unused_elastic_ips", "unattached_volumes", "old_snapshots"} == {
        s for s in ("unused_elastic_ips", "unattached_volumes", "old_snapshots") if run.state(s) == "failed"}
    # production-db averages about 35 % (the estate's week of history): not a candidate.
    cpu = _lines(run, "rds_low_cpu")
    assert any(line.startswith(f"{cat.RDS.instance}: ") and line.endswith("%") for line in cpu), cpu
    assert not [line for line in cpu if line.startswith("Low CPU:")] and run.state("rds_low_cpu") == "succeeded"
    assert run.outputs("reserved_instances")["recommended"][0][0] == "m5.large"

    # The EIP is put on a host, the volume attached; an instance idles at 4 % all week.
    host = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["production-ecs-node"]}])[
        "Reservations"][0]["Instances"][0]["InstanceId"]
    ec2.associate_address(AllocationId=address["AllocationId"], InstanceId=host)
    ec2.attach_volume(VolumeId=volume["VolumeId"], InstanceId=host, Device="/dev/sdf")
    aws(module_estate, "rds").create_db_instance(
        DBInstanceIdentifier="analytics-db", Engine="postgres", DBInstanceClass="db.r5.large", AllocatedStorage=100,
        MasterUsername="analytics", MasterUserPassword="not-a-secret-3")
    today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    aws(module_estate, "cloudwatch").put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "CPUUtilization", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "analytics-db"}],
         "Timestamp": today - timedelta(days=d), "Value": 3.0 + d % 3, "Unit": "Percent"} for d in range(1, 7)])
    run = await run_playbook("monthly-cost-optimisation", tmp_path / "b.db", read_only=True, severity="P4")
    assert run.outputs("unused_elastic_ips")["unused"] == [] and run.state("unused_elastic_ips") == "succeeded"
    assert run.outputs("unattached_volumes")["unattached"] == []
    assert run.state("rds_low_cpu") == "failed" and "Low CPU: analytics-db 4.0%" in _lines(run, "rds_low_cpu")


async def test_capacity_monitoring_reads_storage_tasks_and_cpu_against_the_runbooks_thresholds(module_estate,
                                                                                               tmp_path):
    since = time.time()
    run = await run_playbook("capacity-monitoring", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    assert run.status == "succeeded" and all(run.state(s.id) == "succeeded" for s in run.engine.playbook.steps)
    assert [cat.RDS.instance, 100, None] in run.outputs("rds_storage")["storage"]
    assert run.outputs("rds_free_storage")["min_free_bytes"] > 60 * 2**30  # the estate's 64 GiB
    assert run.outputs("ecs_task_capacity")["services"] == [{"name": cat.ECS.service, "running": 3, "desired": 3}]
    assert 0 < run.outputs("ecs_cpu")["peak_average"] < 70

    # web-service is scaled to 5 (its new tasks take scenario time to start), the disk fills
    # to 5 GiB free, the service's CPU runs hot.
    aws(module_estate, "ecs").update_service(cluster=cat.ECS.cluster, service=cat.ECS.service, desiredCount=5)
    cloudwatch = aws(module_estate, "cloudwatch")
    # A few seconds back: the playbook's window ends at now() to the second, so a datapoint put
    # in the same second as the run starts (microseconds after it) would fall past its end.
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    cloudwatch.put_metric_data(Namespace="AWS/RDS", MetricData=[{
        "MetricName": "FreeStorageSpace", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": cat.RDS.instance}],
        "Timestamp": now, "Value": 5.0 * 2**30, "Unit": "Bytes"}])
    cloudwatch.put_metric_data(Namespace="AWS/ECS", MetricData=[{
        "MetricName": "CPUUtilization", "Dimensions": [{"Name": "ClusterName", "Value": cat.ECS.cluster},
                                                       {"Name": "ServiceName", "Value": cat.ECS.service}],
        "Timestamp": now - timedelta(seconds=n), "Value": 97.0, "Unit": "Percent"} for n in range(20)])
    run = await run_playbook("capacity-monitoring", tmp_path / "b.db", read_only=True, severity="P4")
    assert run.state("rds_free_storage") == "failed"
    assert run.outputs("rds_free_storage")["min_free_bytes"] == 5.0 * 2**30
    assert run.state("ecs_task_capacity") == "failed"
    assert run.outputs("ecs_task_capacity")["short"] == [{"name": cat.ECS.service, "running": 3, "desired": 5}]
    assert run.state("ecs_cpu") == "failed" and run.outputs("ecs_cpu")["peak_average"] > 70
    assert run.status == "succeeded"


async def test_log_review_lists_the_hours_errors_and_5xx_and_nothing_else(module_estate, tmp_path):
    since = time.time()
    run = await run_playbook("log-review", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    # The seeded errors are 2½-3 h old: the last hour is quiet.
    assert run.state("application_errors") == run.state("alb_5xx") == "succeeded"
    assert _lines(run, "application_errors") == _lines(run, "alb_5xx") == []

    run = await run_playbook("log-review", tmp_path / "b.db", {"hours": "4"}, read_only=True, severity="P4")
    assert [line.split(" ", 2)[:2] for line in _lines(run, "application_errors")] == [
        ["ERROR", "payment-client"], ["ERROR", "db"]]  # not the WARN, not the INFO lines
    # The 504 and the 502, not the quiet 200 line: the estate reads `[..., status_code=5*, ...]`
    # as CloudWatch Logs does (moto matched every line).
    assert [line.split()[-2] for line in _lines(run, "alb_5xx")] == ["504", "502"]

    logs = aws(module_estate, "logs")
    now_ms = int(time.time() * 1000)
    access = "http 2026-01-01T00:00:0{n}Z app/production-alb 192.0.2.9:500{n} 10.0.1.21:80 0.001 0.002 0.000 {code}"
    for group, lines in ((cat.LOG_GROUPS[0].name, ["INFO order placed id=991", "ERROR card declined id=992"]),
                         (cat.LOG_GROUPS[1].name, [access.format(n=0, code="200 200"),
                                                   access.format(n=1, code="503 -")])):
        logs.create_log_stream(logGroupName=group, logStreamName="audit-test")
        logs.put_log_events(logGroupName=group, logStreamName="audit-test", logEvents=[
            {"timestamp": now_ms + n, "message": line} for n, line in enumerate(lines)])
    run = await run_playbook("log-review", tmp_path / "c.db", read_only=True, severity="P4")
    assert _lines(run, "application_errors") == ["ERROR card declined id=992"]
    assert [line.split()[-2] for line in _lines(run, "alb_5xx")] == ["503"]
    assert run.state("application_errors") == run.state("alb_5xx") == "failed" and run.status == "succeeded"


@pytest.mark.parametrize("playbook_id", AUDITS)
async def test_a_tabletop_of_an_audit_executes_every_step_and_changes_nothing(module_estate, tmp_path, playbook_id):
    since = time.time()
    run = await run_playbook(playbook_id, tmp_path / "t.db", mode="tabletop", severity="P4")
    _executed_and_read_only(run, module_estate, since)
    assert run.status == "succeeded"  # findings are reported, never an aborted audit


@pytest.mark.parametrize("playbook_id", AUDITS)
async def test_a_dry_run_of_an_audit_makes_no_request_and_shows_every_call(module_estate, tmp_path, playbook_id):
    since = time.time()
    run = await _dry_run(playbook_id, tmp_path / "t.db")
    assert module_estate.control("requests", since=f"{since:.6f}")["total"] == 0
    assert run.status == "succeeded"
    messages = {e.data["step_id"]: e.message for e in run.events() if e.data.get("step_id")}
    assert all(messages[s.id].endswith("not executed: dry run") for s in run.engine.playbook.steps), messages


async def _dry_run(playbook_id: str, db: Path):
    from cockpit.content.params import resolve_params
    from cockpit.content.playbooks import find_playbook
    from cockpit.engine import Engine, HeadlessOperator, Policy, Runtime
    from cockpit.timeline.aio import AsyncTimeline
    from tests.playbooks_e2e.conftest import Run

    playbook = find_playbook(playbook_id)
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare(f"dry {playbook_id}", "P4")
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, {}, None),
                                        operator=HeadlessOperator(), policy=Policy(dry_run=True), runtime=runtime)
            await engine.run_to_end()
            return Run(engine, incident.id, db)
    finally:
        await runtime.close()

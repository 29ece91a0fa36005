"""Recovery and DR procedures end to end: seed 001's DR test (restore, verify, clean up, the
clean-up guarded so it deletes only what the run created), seed 000's point-in-time restore
of a whole prefix, and seed 004's rebuild-and-restore into flight-schools.

One estate for the module; each test reads the estate back with boto3 afterwards.
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.playbooks_e2e.conftest import aws, run_playbook
from tests.playbooks_e2e.conftest import run_text as _run_text

pytestmark = pytest.mark.usefixtures("module_estate")
ESTATE_SPEED = 120  # an RDS restore (15 scenario minutes) takes 7.5 s
ROOT = Path(__file__).resolve().parents[2]


def _instances(rds: Any) -> set[str]:
    return {i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]}


async def test_dr_test_restores_the_latest_automated_snapshot_and_deletes_only_its_test_instance(
        module_estate, tmp_path):
    rds = aws(module_estate, "rds")
    before = _instances(rds)
    automated = [s for s in rds.describe_db_snapshots(DBInstanceIdentifier="production-db",
                                                      SnapshotType="automated")["DBSnapshots"]]
    newest = max(automated, key=lambda s: s["SnapshotCreateTime"])["DBSnapshotIdentifier"]
    run = await run_playbook("rds-dr-test", tmp_path / "t.db", yes=True,
                             confirmations={"delete_test_instance": "dr-test-db"})
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("latest_snapshot")["snapshot"] == newest
    assert run.outputs("restore_test_instance")["instance_id"] == "dr-test-db"
    assert run.outputs("wait_available")["attempts"] >= 2  # it waited for creating -> available
    assert run.outputs("verify_restored")["engine"] == rds.describe_db_instances(
        DBInstanceIdentifier="production-db")["DBInstances"][0]["Engine"]
    # Without infra_dir the terraform steps say they were skipped; nothing pretends they ran.
    for step in ("create_test_vpc", "deploy_test_application", "destroy_test_application", "destroy_test_vpc"):
        assert run.state(step) == "skipped"
    # The estate afterwards: the test instance is gone, production-db untouched and available.
    assert _instances(rds) == before
    assert "dr-test-db" not in _instances(rds)
    assert rds.describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0][
        "DBInstanceStatus"] == "available"
    deleted = [e.data for e in run.events(["step_started"]) if e.data["step_id"] == "delete_test_instance"]
    assert deleted[-1]["call"]["params"]["DBInstanceIdentifier"] == "dr-test-db"


async def test_dr_test_clean_up_edited_to_name_production_db_is_refused_by_the_engine(module_estate, tmp_path):
    """The guard derives from what the run recorded, not the playbook's wording: an edited
    clean-up naming production-db is refused before any request, and production-db stays."""
    rds = aws(module_estate, "rds")
    text = (ROOT / "playbooks" / "rds-dr-test.yaml").read_text()
    edited = text.replace('      DBInstanceIdentifier: "{{ params.test_instance }}"\n      SkipFinalSnapshot: true',
                          '      DBInstanceIdentifier: "{{ params.source_instance }}"\n      SkipFinalSnapshot: true')
    edited = edited.replace("    timeout: 30m\n", "    timeout: 20s\n")  # without the guard: not a 30 min wait
    assert edited != text
    run = await _run_text(edited, tmp_path / "t.db", {"test_instance": "dr-test-db2"}, yes=True,
                          confirmations={"delete_test_instance": "dr-test-db2"})
    assert run.state("restore_test_instance") == "succeeded"
    assert run.state("delete_test_instance") == "failed"
    assert "not run: DBInstanceIdentifier 'production-db' was not created by this run" in run.error(
        "delete_test_instance")
    assert "production-db" in _instances(rds)
    assert rds.describe_db_instances(DBInstanceIdentifier="production-db")["DBInstances"][0][
        "DBInstanceStatus"] == "available"
    rds.delete_db_instance(DBInstanceIdentifier="dr-test-db2", SkipFinalSnapshot=True)  # tidy for the next test


async def test_dr_test_stops_when_the_test_instance_already_exists(module_estate, tmp_path):
    """An instance the run did not create is never cleaned up: the run stops before restoring."""
    rds = aws(module_estate, "rds")
    snapshot = rds.describe_db_snapshots(DBInstanceIdentifier="production-db")["DBSnapshots"][0]
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="someone-elses-db",
                                             DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"])
    run = await run_playbook("rds-dr-test", tmp_path / "t.db", {"test_instance": "someone-elses-db"}, yes=True,
                             confirmations={"delete_test_instance": "someone-elses-db"})
    assert run.status == "failed" and run.state("test_instance_free") == "failed"
    assert run.state("delete_test_instance") == "pending"
    assert "someone-elses-db" in _instances(rds)


# -- seed 000: point-in-time restore of a whole prefix ------------------------------------

BUCKET = "greenlang-prod-eu-west-1-data-lake-confidential"
PREFIX = "silver/cbam/pitr-prefix/"


def _next_second() -> None:
    time.sleep(1.05 - (time.time() % 1))  # S3 keeps whole seconds


@pytest.fixture(scope="module")
def prefix_damaged(module_estate):
    """Three good objects, a restore point, then two overwritten, one deleted, one created,
    and a key outside the prefix overwritten too. Returns (s3, restore_to, good bodies)."""
    s3 = aws(module_estate, "s3", "eu-west-1")
    good = {f"{PREFIX}part-{i}.parquet": f"good {i}\n" for i in range(3)}
    for key, body in good.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    s3.put_object(Bucket=BUCKET, Key="silver/cbam/elsewhere.parquet", Body=b"outside v1\n")
    _next_second()
    restore_to = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    _next_second()
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}part-0.parquet", Body=b"CORRUPT 0")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}part-1.parquet", Body=b"CORRUPT 1")
    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}part-2.parquet")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}new-after.parquet", Body=b"created later\n")
    s3.put_object(Bucket=BUCKET, Key="silver/cbam/elsewhere.parquet", Body=b"outside v2\n")
    return s3, restore_to, good


def _body(s3: Any, key: str) -> str:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def _version_count(s3: Any) -> int:
    return len(s3.list_object_versions(Bucket=BUCKET, Prefix=PREFIX).get("Versions", []))


async def test_prefix_restore_read_only_lists_the_plan_and_writes_nothing(prefix_damaged, tmp_path):
    s3, restore_to, good = prefix_damaged
    versions = _version_count(s3)
    run = await run_playbook("s3-prefix-restore", tmp_path / "t.db",
                             {"prefix": PREFIX, "restore_to": restore_to}, read_only=True, approver="Dana")
    assert run.state("plan") == "succeeded"
    planned = [line.split("\t")[0] for line in run.outputs("plan")["stdout"].splitlines()]
    assert planned == sorted(good), run.outputs("plan")  # the two overwritten and the deleted one; not the one created later
    assert "created after the restore time, left: silver/cbam/pitr-prefix/new-after.parquet" in run.outputs(
        "plan")["stderr"]
    assert run.state("restore") == "skipped"
    assert _version_count(s3) == versions and _body(s3, f"{PREFIX}part-0.parquet") == "CORRUPT 0"


async def test_prefix_restore_puts_every_key_back_and_never_copies_twice(prefix_damaged, tmp_path):
    s3, restore_to, good = prefix_damaged
    run = await run_playbook("s3-prefix-restore", tmp_path / "t.db", {"prefix": PREFIX, "restore_to": restore_to},
                             yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    approval = [e.data for e in run.events(["approval"])][-1]
    assert approval["approver"] == "Dana Lead"  # the count approved is the count planned
    assert approval["subject"].startswith(f"Restore 3 objects under s3://{BUCKET}/{PREFIX} to their versions at")
    # The estate afterwards: every key under the prefix serves its content of the restore time.
    for key, body in good.items():
        assert _body(s3, key) == body
    assert _body(s3, f"{PREFIX}new-after.parquet") == "created later\n"  # left, as the script leaves it
    assert _body(s3, "silver/cbam/elsewhere.parquet") == "outside v2\n"  # outside the prefix: untouched
    assert run.outputs("restore")["stdout"].count("restored ") == 3

    # Running the restore again (what a `rerun` verdict does after an interruption) copies nothing:
    # every object's current version changed since the plan, so each is skipped.
    versions = _version_count(s3)
    started = [e.data for e in run.events(["step_started"]) if e.data["step_id"] == "restore"][-1]
    again = subprocess.run(started["call"]["argv"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("skipped ") == 3 and "restored 0, skipped 3" in again.stderr
    assert _version_count(s3) == versions


# -- seed 000: the P1/P2 root cause reads (AWS Health, CloudTrail, IAM) --------------------


async def test_p1_root_cause_reads_aws_health_and_cloudtrail_on_a_quiet_day(module_estate, tmp_path):
    iam = aws(module_estate, "iam")
    iam.put_user_policy(UserName="ops-admin", PolicyName="p1-probe", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'))
    run = await run_playbook("p1-storage-incident", tmp_path / "t.db", screen="greenlang-storage", read_only=True)
    assert run.state("aws_health") == "succeeded", run.error("aws_health")
    assert run.outputs("aws_health")["open_count"] == 0
    assert run.state("recent_iam_changes") == "succeeded"
    assert "PutUserPolicy" in [name for name, _ in run.outputs("recent_iam_changes")["policy_changes"]]
    assert run.state("recent_s3_changes") == "succeeded"


async def test_aws_health_reports_the_scenario_outage_to_p1_p2_and_aws_cli(start_estate, tmp_path, monkeypatch):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=60)  # the outage holds from 30 s (0.5 s)
    for key, value in handle.env.items():
        monkeypatch.setenv(key, value)
    health = aws(handle, "health")
    deadline = time.monotonic() + 30
    while not health.describe_events()["events"] and time.monotonic() < deadline:
        time.sleep(0.5)
    events = health.describe_events(filter={"services": ["S3"], "regions": ["eu-west-1"],
                                            "eventStatusCodes": ["open"]})["events"]
    assert [(e["region"], e["eventTypeCode"], e["statusCode"]) for e in events] == [
        ("eu-west-1", "AWS_S3_OPERATIONAL_ISSUE", "open")]
    assert health.describe_events(filter={"regions": ["eu-central-1"]})["events"] == []  # the DR region is fine
    cli = subprocess.run(["aws", "health", "describe-events", "--region", "us-east-1", "--query",
                          "events[].[region,statusCode]", "--output", "text"], capture_output=True, text=True,
                         timeout=60, env={**__import__("os").environ, **handle.env})
    assert cli.returncode == 0 and cli.stdout.split() == ["eu-west-1", "open"], cli.stderr
    p1 = await run_playbook("p1-storage-incident", tmp_path / "a.db", screen="greenlang-storage", read_only=True)
    assert p1.outputs("aws_health")["open_count"] == 1
    assert p1.outputs("aws_health")["open_events"][0][:2] == ["eu-west-1", "AWS_S3_OPERATIONAL_ISSUE"]
    p2 = await run_playbook("p2-replication-failure", tmp_path / "b.db", screen="greenlang-storage", read_only=True)
    assert p2.state("aws_health") == "failed"  # an open event is the finding (a warning in a check run)
    assert "length(events)" in p2.error("aws_health")


# -- seed 004: rebuild and restore into flight-schools ---------------------------------------


def _items(ddb: Any, table: str = "flight-schools") -> list[dict[str, Any]]:
    return sorted(ddb.scan(TableName=table)["Items"], key=lambda i: str(i))


async def test_rebuild_with_a_tool_missing_says_so_in_one_line_and_touches_no_table(module_estate, tmp_path,
                                                                                   monkeypatch):
    ddb = aws(module_estate, "dynamodb")
    before = _items(ddb)
    ddb.create_backup(TableName="flight-schools", BackupName="flight-schools-20261201")
    (tmp_path / "repo" / "cdk").mkdir(parents=True)
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no npx here
    run = await run_playbook("flight-school-rebuild-restore", tmp_path / "t.db", {"repo_dir": str(tmp_path / "repo")},
                             yes=True, approver="Dana Lead", confirmations={"delete_damaged": "flight-schools"})
    assert run.status == "failed" and run.state("cdk_deploy") == "failed"
    assert run.error("cdk_deploy") == "not run: npx is not installed here (not on PATH)"
    assert run.state("delete_damaged") == "pending" and _items(ddb) == before


async def test_rebuild_restores_flight_schools_from_its_backup_and_keeps_the_damaged_table(module_estate, tmp_path):
    ddb = aws(module_estate, "dynamodb")
    good = _items(ddb)
    assert good
    backup = ddb.create_backup(TableName="flight-schools", BackupName="flight-schools-20261202")["BackupDetails"]
    # The damage: a school deleted and a corrupt one written.
    key = {name: good[0][name] for name in ("id",) if name in good[0]} or {k: v for k, v in list(good[0].items())[:1]}
    ddb.delete_item(TableName="flight-schools", Key=key)
    ddb.put_item(TableName="flight-schools", Item={**{k: {"S": "corrupt"} for k in key}, "name": {"S": "\x00??"}})
    damaged = _items(ddb)
    run = await run_playbook("flight-school-rebuild-restore", tmp_path / "t.db",
                             {"backup_arn": backup["BackupArn"]}, yes=True, approver="Dana Lead",
                             confirmations={"delete_damaged": "flight-schools"})
    assert run.status == "succeeded", run.engine.records
    for step in ("cdk_deploy", "frontend_build", "frontend_deploy"):  # no repo_dir: by hand, and said so
        assert run.state(step) == "skipped"
    # The estate afterwards: flight-schools holds exactly the backup's items again ...
    assert _items(ddb) == good
    assert run.outputs("verify_count")["count"] == len(good)
    assert ddb.describe_continuous_backups(TableName="flight-schools")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    # ... and the damaged table was kept as a backup before it was deleted.
    kept = run.outputs("keep_damaged")["name"]
    assert kept.startswith("flight-schools-damaged-")
    kept_backup = [b for b in ddb.list_backups(TableName="flight-schools")["BackupSummaries"]
                   if b["BackupName"] == kept]
    assert len(kept_backup) == 1
    assert [e.data["approver"] for e in run.events(["approval"])] == ["Dana Lead"]
    assert len(damaged) == len(good)  # same count, different content: the count alone would not tell


# -- seed 003: the partial failover test in staging -------------------------------------------


async def test_partial_failover_test_validates_the_staging_replica_and_records_its_timings(module_estate, tmp_path):
    s3 = aws(module_estate, "s3", "eu-central-1")
    replica = "greenlang-staging-eu-central-1-data-lake-confidential-replica"
    run = await run_playbook("dr-partial-failover-test", tmp_path / "t.db", severity="P4", yes=True)
    assert run.status == "succeeded", run.engine.records
    assert run.state("manifest_replica") == "succeeded"  # the seeded staging pair is current
    assert run.state("fetch_presigned_url") == "succeeded" and run.state("integration_tests") == "skipped"
    # The estate afterwards: the validation object was written (its version is there) and cleaned up.
    history = s3.list_object_versions(Bucket=replica, Prefix="dr-validation/")
    assert [v["Key"] for v in history.get("Versions", [])] == ["dr-validation/test.txt"]
    assert [m["IsLatest"] for m in history.get("DeleteMarkers", [])] == [True]
    assert s3.list_objects_v2(Bucket=replica, Prefix="dr-validation/")["KeyCount"] == 0
    # The timings are on the timeline, against the DR plan's test metrics.
    metrics = {e.data["name"]: e.data for e in run.events(["metric"])}
    assert metrics["failover_time"]["target"] == 3600 and 0 <= metrics["failover_time"]["value"] < 600
    assert metrics["test_duration"]["value"] >= metrics["failover_time"]["value"]
    assert "rpo" not in metrics  # staging publishes no replication metric: not measured, never 0

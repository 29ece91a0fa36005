"""Seed 004's backup, restore-from-backup and Lambda scaling procedures end to end: the
on-demand backup named as the runbook names it and the table exported to S3, the backup
restored into a new table behind an approval (never over one that exists), and the reserved
or provisioned concurrency of a function set and read back.

One estate for the module; each test reads the estate back with boto3 afterwards.
"""

from __future__ import annotations

import datetime as dt

import botocore.exceptions
import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")
ESTATE_SPEED = 600  # a restore takes 10 scenario minutes (docs/estate-aws.md): one second here


def _today() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d")


async def test_backup_creates_the_named_backup_and_exports_the_table_to_s3(module_estate, tmp_path):
    ddb, s3 = aws(module_estate, "dynamodb"), aws(module_estate, "s3")
    run = await run_playbook("dynamodb-backup", tmp_path / "t.db", yes=True)
    assert run.status == "succeeded", run.engine.records

    backups = ddb.list_backups(TableName="flight-schools")["BackupSummaries"]
    assert [(b["BackupName"], b["BackupStatus"]) for b in backups] == [(f"flight-schools-{_today()}", "AVAILABLE")]
    assert run.outputs("list_backups")["names"] == [f"flight-schools-{_today()}"]

    export = ddb.describe_export(ExportArn=run.outputs("export_table")["arn"])["ExportDescription"]
    assert export["ExportStatus"] == "COMPLETED" and export["S3Bucket"] == "flight-school-backups"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="flight-school-backups")["Contents"]]
    assert keys and all(k.startswith(f"{_today()}/") for k in keys)  # the runbook's $(date +%Y%m%d)/
    assert run.outputs("export_files")["keys"] == keys


async def test_restore_from_backup_is_approved_into_a_new_table_and_never_over_one(module_estate, tmp_path):
    ddb = aws(module_estate, "dynamodb")
    backup = ddb.create_backup(TableName="flight-schools", BackupName="flight-schools-known-good")["BackupDetails"]
    source_items = ddb.scan(TableName="flight-schools")["Count"]

    rejected = await run_playbook("dynamodb-restore-from-backup", tmp_path / "r.db",
                                  {"backup_arn": backup["BackupArn"]}, yes=True,
                                  rejections={"approve_restore": "restore the PITR copy instead"})
    assert rejected.status == "failed" and rejected.state("restore_table") == "pending"
    assert "flight-schools-restored" not in ddb.list_tables()["TableNames"]

    # Without backup_arn: the newest AVAILABLE backup (the one just taken, not an older one).
    run = await run_playbook("dynamodb-restore-from-backup", tmp_path / "t.db", yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("backup")["arn"] == max(
        ddb.list_backups(TableName="flight-schools")["BackupSummaries"],
        key=lambda b: b["BackupCreationDateTime"])["BackupArn"]
    table = ddb.describe_table(TableName="flight-schools-restored")["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["RestoreSummary"]["SourceBackupArn"] == run.outputs("backup")["arn"]
    assert ddb.scan(TableName="flight-schools-restored")["Count"] == source_items == run.outputs("sample_restored")["count"]

    again = await run_playbook("dynamodb-restore-from-backup", tmp_path / "u.db", yes=True, approver="Dana Lead")
    assert again.state("target_free") == "failed" and again.state("approve_restore") == "pending"
    assert again.state("restore_table") == "pending"


async def test_lambda_reserved_concurrency_is_set_and_read_back(module_estate, tmp_path):
    lam = aws(module_estate, "lambda")
    run = await run_playbook("lambda-scaling", tmp_path / "t.db", {"reserved_concurrency": "50"}, yes=True,
                             approver="Dana Lead", choices={"what": "reserved"})
    assert run.status == "succeeded", run.engine.records
    assert lam.get_function_concurrency(FunctionName="CdkStack-MatchExplainerFunction")[
        "ReservedConcurrentExecutions"] == 50
    assert run.outputs("reserved_after")["reserved"] == 50
    assert run.state("put_provisioned") == "skipped"


async def test_lambda_provisioned_concurrency_goes_on_the_published_version(module_estate, tmp_path):
    lam = aws(module_estate, "lambda")
    run = await run_playbook("lambda-scaling", tmp_path / "t.db", yes=True,
                             approver="Dana Lead", choices={"what": "provisioned"})
    assert run.status == "succeeded", run.engine.records
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    assert started["put_provisioned"]["call"]["params"]["Qualifier"] == "1"  # the seeded function's version
    config = lam.get_provisioned_concurrency_config(FunctionName="CdkStack-MatchExplainerFunction", Qualifier="1")
    assert (config["Status"], config["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 5)
    # As AWS: never on $LATEST, and nothing configured on another function.
    with pytest.raises(botocore.exceptions.ClientError, match="unpublished function versions"):
        lam.put_provisioned_concurrency_config(FunctionName="CdkStack-MatchExplainerFunction", Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=5)
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName="CdkStack-GetSchoolsFunction", Qualifier="1")

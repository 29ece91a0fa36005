"""Restores take scenario time (estate/wsgi_operations.py): in progress, then done.

One estate at speed 600 (a scenario minute is 0.1 s): an RDS restore (15 scenario min) is
done 1.5 s after it is asked for, a DynamoDB restore (10 min) after 1 s, an Expedited
Glacier restore (3 min) after 0.3 s. Each is read back over HTTP with boto3, and with the
waiters aws-cli's ``wait`` commands use, as a runbook would.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

SPEED = 600
BUCKET = "greenlang-prod-eu-west-1-data-lake-confidential"
ARCHIVED = "archive/2024/compliance_report.pdf"


@pytest.fixture(scope="module")
def live(start_estate) -> Any:
    return start_estate(speed=SPEED)


def client(handle: Any, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, region_name=region, endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_an_rds_restore_is_creating_then_available_and_the_waiter_waits(live):
    rds = client(live, "rds")
    answer = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="restored-a",
                                                      DBSnapshotIdentifier="manual-backup-20250101")
    assert answer["DBInstance"]["DBInstanceStatus"] == "creating"
    assert rds.describe_db_instances(DBInstanceIdentifier="restored-a")["DBInstances"][0][
        "DBInstanceStatus"] == "creating"
    began = time.monotonic()
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="restored-a",
                                                 WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    waited = time.monotonic() - began
    assert 0.5 < waited < 15, waited  # 15 scenario minutes at x600: about 1.5 s
    assert rds.describe_db_instances(DBInstanceIdentifier="restored-a")["DBInstances"][0][
        "DBInstanceStatus"] == "available"


def test_a_dynamodb_restore_is_creating_then_active(live):
    ddb = client(live, "dynamodb")
    answer = ddb.restore_table_to_point_in_time(SourceTableName="flight-schools", TargetTableName="restored-b",
                                                UseLatestRestorableTime=True)
    assert answer["TableDescription"]["TableStatus"] == "CREATING"
    assert ddb.describe_table(TableName="restored-b")["Table"]["TableStatus"] == "CREATING"
    began = time.monotonic()
    ddb.get_waiter("table_exists").wait(TableName="restored-b", WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    assert 0.3 < time.monotonic() - began < 15
    assert ddb.describe_table(TableName="restored-b")["Table"]["TableStatus"] == "ACTIVE"
    assert ddb.describe_table(TableName="flight-schools")["Table"]["TableStatus"] == "ACTIVE"  # the source


def test_a_paused_clock_holds_a_glacier_restore_in_progress(live):
    s3 = client(live, "s3", "eu-west-1")
    live.control("pause")
    try:
        s3.restore_object(Bucket=BUCKET, Key=ARCHIVED,
                          RestoreRequest={"Days": 7, "GlacierJobParameters": {"Tier": "Expedited"}})
        time.sleep(1.0)  # 10 scenario minutes, were the clock running
        assert s3.head_object(Bucket=BUCKET, Key=ARCHIVED)["Restore"] == 'ongoing-request="true"'
    finally:
        live.control("resume")
    deadline = time.monotonic() + 15
    while 'ongoing-request="true"' in s3.head_object(Bucket=BUCKET, Key=ARCHIVED)["Restore"]:
        assert time.monotonic() < deadline, "the restore never finished"
        time.sleep(0.1)
    restore = s3.head_object(Bucket=BUCKET, Key=ARCHIVED)["Restore"]
    assert restore.startswith('ongoing-request="false", expiry-date=')

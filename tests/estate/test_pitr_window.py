"""DynamoDB point-in-time recovery keeps AWS's window on the scenario clock
(estate/wsgi_dynamodb_pitr.py): the runbook's fixed 2024 restore time is refused as AWS
refuses it, and the window's bounds are world time.

One estate at speed 600 (a scenario minute is 0.1 s of wall time): a few seconds in, the
world is half an hour ahead of the wall clock, so a bound on the wall clock (moto's) and one
in world time are far apart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cockpit.estate.process import read_env_file

SPEED = 600
TABLE = "flight-schools"


@pytest.fixture(scope="module")
def live(start_estate) -> Any:
    return start_estate(speed=SPEED)


def ddb(handle: Any) -> Any:
    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def aws(handle: Any, *args: str) -> subprocess.CompletedProcess:
    """aws-cli as an SRE runs it after sourcing the Flight School system's env file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(Path(f"{handle.process.env_file}.flight-school")))
    return subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=90)


def world_ahead(handle: Any, minutes: float) -> None:
    """Wait until the world is at least ``minutes`` scenario minutes in."""
    deadline = time.monotonic() + 30
    while handle.control("status")["elapsed"] < minutes * 60:
        assert time.monotonic() < deadline, "the scenario clock does not run"
        time.sleep(0.1)


def test_the_runbooks_fixed_2024_restore_time_is_refused_as_aws_refuses_it(live):
    """Seed 004 line 730: --restore-date-time 2024-01-01T12:00:00Z is outside the last 35 days."""
    proc = aws(live, "dynamodb", "restore-table-to-point-in-time", "--source-table-name", TABLE,
               "--target-table-name", "flight-schools-temp", "--restore-date-time", "2024-01-01T12:00:00Z")
    assert proc.returncode != 0
    assert ("An error occurred (InvalidRestoreTimeException) when calling the RestoreTableToPointInTime operation: "
            "An invalid restore time was specified. RestoreDateTime must be between EarliestRestorableDateTime "
            "and LatestRestorableDateTime.") in proc.stderr
    scan = aws(live, "dynamodb", "scan", "--table-name", "flight-schools-temp", "--limit", "5")  # line 739
    assert scan.returncode != 0 and "ResourceNotFoundException" in scan.stderr


def test_the_window_is_in_world_time_and_a_restore_inside_it_is_accepted(live):
    world_ahead(live, 30)
    pitr = json.loads(aws(live, "dynamodb", "describe-continuous-backups", "--table-name", TABLE).stdout)[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    wall = time.time()
    earliest, latest = pitr["EarliestRestorableDateTime"], pitr["LatestRestorableDateTime"]  # aws-cli v1: epoch
    # The world is 30+ scenario minutes ahead of the wall clock; AWS keeps 5 minutes back.
    assert latest > wall + 20 * 60, (latest - wall) / 60
    assert abs((latest - earliest) - (35 * 86400 - 300)) < 120  # the seeded table's window is full
    client = ddb(live)
    with pytest.raises(ClientError) as refused:  # a day past the latest restorable time: the world's
        # clock runs 10 scenario minutes a wall second, but not a day in this test
        client.restore_table_to_point_in_time(SourceTableName=TABLE, TargetTableName="too-recent",
                                              RestoreDateTime=datetime.fromtimestamp(latest + 86400, timezone.utc))
    assert refused.value.response["Error"]["Code"] == "InvalidRestoreTimeException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    answer = client.restore_table_to_point_in_time(  # ten days back, inside the window
        SourceTableName=TABLE, TargetTableName="ten-days-back",
        RestoreDateTime=datetime.fromtimestamp(wall - 10 * 86400, timezone.utc))
    assert answer["TableDescription"]["TableName"] == "ten-days-back"


def test_a_table_without_pitr_cannot_be_restored_and_its_window_starts_when_enabled(live):
    client = ddb(live)
    client.create_table(TableName="no-pitr", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    with pytest.raises(ClientError) as refused:
        client.restore_table_to_point_in_time(SourceTableName="no-pitr", TargetTableName="no-pitr-copy",
                                              UseLatestRestorableTime=True)
    assert refused.value.response["Error"] == {
        "Code": "PointInTimeRecoveryUnavailableException",
        "Message": "Point in time recovery is not enabled for table 'no-pitr'"}
    enabled = client.update_continuous_backups(TableName="no-pitr", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    since = enabled["EarliestRestorableDateTime"].timestamp()
    with pytest.raises(ClientError) as before:  # an hour before PITR was enabled: nothing to restore from
        client.restore_table_to_point_in_time(SourceTableName="no-pitr", TargetTableName="no-pitr-copy",
                                              RestoreDateTime=datetime.fromtimestamp(since - 3600, timezone.utc))
    assert before.value.response["Error"]["Code"] == "InvalidRestoreTimeException"
    world_ahead(live, live.control("status")["elapsed"] / 60 + 10)  # ten scenario minutes later
    later = client.describe_continuous_backups(TableName="no-pitr")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]
    assert later["EarliestRestorableDateTime"].timestamp() == pytest.approx(since, abs=1)
    assert later["LatestRestorableDateTime"].timestamp() >= since + 4 * 60
    client.restore_table_to_point_in_time(SourceTableName="no-pitr", TargetTableName="no-pitr-copy",
                                          UseLatestRestorableTime=True)

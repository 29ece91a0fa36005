"""CloudWatch in world time: scenarios drive metrics, the estate evaluates alarms on them,
and boto3, aws-cli and the cockpit see the same values and ages (docs/estate-aws.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from cockpit.estate.process import read_env_file

DATA_LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
DR_DATA_LAKE = "greenlang-prod-eu-central-1-data-lake-confidential-replica"
ALARM = "greenlang-s3-5xx-errors-critical"


@pytest.fixture(scope="module")
def outage(start_estate):
    # 10 scenario minutes a real second: the 5xx alarm fires by evaluation within a second or two.
    return start_estate(scenario="eu-west-1-storage-outage", speed=600)


def cloudwatch(env: dict[str, str], region: str = "eu-west-1"):
    return boto3.client("cloudwatch", region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def wait_for_state(cw, name: str, state: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        if alarm["StateValue"] == state or time.monotonic() > deadline:
            return alarm
        time.sleep(0.2)


def aws_cli(env_file, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(env_file))
    out = subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_alarm_fires_by_evaluation_and_its_reason_agrees_with_the_metric(outage):
    cw = cloudwatch(outage.env)
    alarm = wait_for_state(cw, ALARM, "ALARM")
    assert alarm["StateValue"] == "ALARM" and alarm["StateReason"].startswith("Threshold Crossed")
    outage.control("pause")
    try:
        alarm = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
        evaluated = json.loads(alarm["StateReasonData"])["evaluatedDatapoints"]
        assert evaluated and all(p["value"] > 10 for p in evaluated)
        assert max(p["value"] for p in evaluated) == 1060.0
        # The runbook's own command (seed 000), through aws-cli and the printed env: ~212 a minute.
        now = datetime.now(timezone.utc)
        stats = aws_cli(outage.process.env_file, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/S3",
                        "--metric-name", "5xxErrors", "--dimensions", f"Name=BucketName,Value={DATA_LAKE}",
                        "--start-time", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                        "--end-time", now.strftime("%Y-%m-%dT%H:%M:%S"), "--period", "60", "--statistics", "Sum")
        sums = [p["Sum"] for p in stats["Datapoints"]]
        assert max(sums) == 212.0 and sums.count(212.0) >= 5
        # The alarm's 5-minute sums are the runbook's per-minute sums added up: its periods end
        # at the evaluation minute (as AWS's do), so any five consecutive minutes of 212.
        minutes = sorted(stats["Datapoints"], key=lambda p: p["Timestamp"])
        windows = [sum(p["Sum"] for p in minutes[i:i + 5]) for i in range(len(minutes) - 4)]
        assert 1060.0 in windows
    finally:
        outage.control("resume")


def test_alarm_ages_and_history_are_in_scenario_time_and_pause_freezes_them(outage):
    cw = cloudwatch(outage.env)
    wait_for_state(cw, ALARM, "ALARM")
    time.sleep(1.0)  # 10 more scenario minutes
    outage.control("pause")
    try:
        started = outage.control("status")["started_at"]
        real_elapsed = time.time() - started
        alarm = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
        age = (datetime.now(timezone.utc) - alarm["StateUpdatedTimestamp"]).total_seconds()
        assert real_elapsed < 120 and age > 5 * 60  # scenario minutes, not the real seconds that passed
        history = aws_cli(outage.process.env_file, "cloudwatch", "describe-alarm-history", "--alarm-name", ALARM,
                          "--max-records", "20")["AlarmHistoryItems"]
        fired = [h for h in history if json.loads(h["HistoryData"])["newState"]["stateValue"] == "ALARM"]
        assert fired and fired[0]["HistorySummary"] == "Alarm updated from OK to ALARM"
        assert json.loads(fired[0]["HistoryData"])["oldState"]["stateValue"] == "OK"
        time.sleep(1.5)  # paused: the age must not grow
        again = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
        age_again = (datetime.now(timezone.utc) - again["StateUpdatedTimestamp"]).total_seconds()
        assert abs(age_again - age) < 1.0
    finally:
        outage.control("resume")


def test_replication_metrics_answer_under_s3s_and_the_runbooks_dimensions(outage):
    cw = cloudwatch(outage.env)
    now = datetime.now(timezone.utc)

    def latest(dims: dict[str, str]) -> float:
        points = cw.get_metric_statistics(
            Namespace="AWS/S3", MetricName="ReplicationLatency", Dimensions=[{"Name": k, "Value": v}
                                                                             for k, v in dims.items()],
            StartTime=now - timedelta(hours=1), EndTime=now, Period=60, Statistics=["Average"])["Datapoints"]
        assert points, dims
        return max(points, key=lambda p: p["Timestamp"])["Average"]

    outage.control("pause")
    try:
        real = latest({"SourceBucket": DATA_LAKE, "DestinationBucket": DR_DATA_LAKE,
                       "RuleId": "replicate-critical-data"})
        assert real > 900  # the scenario's lag ramp, past the RPO
        assert latest({"BucketName": DATA_LAKE}) == real  # seed 000's query
        assert latest({"BucketName": DATA_LAKE, "DestinationBucket": DR_DATA_LAKE}) == real  # seed 003's alarm
    finally:
        outage.control("resume")


def test_a_week_of_history_exists_from_the_start_and_list_metrics_lists_it(estate):
    cw = cloudwatch(estate.env, "us-east-1")
    now = datetime.now(timezone.utc)
    week = cw.get_metric_statistics(Namespace="AWS/RDS", MetricName="CPUUtilization",
                                    Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "production-db"}],
                                    StartTime=now - timedelta(days=7), EndTime=now, Period=86400,
                                    Statistics=["Average", "Maximum"])["Datapoints"]
    assert len(week) >= 7 and all(10 < p["Average"] < 80 for p in week)
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/DynamoDB")["Metrics"]}
    assert {"ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ThrottledRequests"} <= names

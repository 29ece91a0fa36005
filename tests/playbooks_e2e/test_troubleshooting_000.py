"""Seed 000's troubleshooting trees and monthly cost review as check runs, each on an estate of its own.

`cockpit run ID --json` is a real process against the emulated estate. Calm, every check is
ok (exit 0). Then the world changes the way the tree exists to catch, with the test's own
tools (boto3 over HTTP): the finding names it and the exit code follows. The checks' own
requests change nothing, and a check run writes no timeline.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws

LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
REPORTS = "greenlang-prod-eu-west-1-reports-confidential"


def _check(handle, tmp_path, playbook):
    since = time.time()
    proc = cockpit(["run", playbook, "--json"], cli_env(handle.env, tmp_path), tmp_path / "t.db")
    assert proc.stderr == ""
    assert mutating_requests(handle, since) == []
    assert not (tmp_path / "t.db").exists()
    doc = json.loads(proc.stdout)
    return proc.returncode, {c["step"]: c for c in doc["checks"]}, doc


@pytest.fixture()
def handle(start_estate):
    return start_estate()


def test_slow_uploads_calm_then_latency_throttling_and_no_endpoint(handle, tmp_path):
    code, checks, doc = _check(handle, tmp_path, "s3-slow-uploads")
    assert code == 0, json.dumps(doc, indent=1)
    assert {c["level"] for c in checks.values()} == {"ok", "skipped"}
    assert checks["network_path"]["level"] == "skipped" and checks["client_transfer_config"]["level"] == "skipped"
    assert "status=" in checks["transfer_acceleration"]["finding"]

    # Uploads crawl: requests take seconds, the first byte 900 ms, 40 are throttled, and the S3 endpoint is gone.
    # Seconds back: the checks' windows end at now() to the second, and a datapoint put in the
    # check's own second would fall past that end.
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    dims = [{"Name": "BucketName", "Value": LAKE}]
    aws(handle, "cloudwatch", "eu-west-1").put_metric_data(Namespace="AWS/S3", MetricData=[
        *({"MetricName": "TotalRequestLatency", "Dimensions": dims, "Timestamp": now - timedelta(seconds=n),
           "Value": 2500.0, "Unit": "Milliseconds"} for n in range(10)),
        *({"MetricName": "FirstByteLatency", "Dimensions": dims, "Timestamp": now - timedelta(seconds=n),
           "Value": 900.0, "Unit": "Milliseconds"} for n in range(10)),
        {"MetricName": "ThrottledRequests", "Dimensions": dims, "Timestamp": now, "Value": 40.0, "Unit": "Count"}])
    ec2 = aws(handle, "ec2", "eu-west-1")
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "service-name",
                                                     "Values": ["com.amazonaws.eu-west-1.s3"]}])["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"] for e in endpoints])
    code, checks, doc = _check(handle, tmp_path, "s3-slow-uploads")
    assert code == 1, json.dumps(doc, indent=1)
    assert checks["total_request_latency"]["level"] == "warning"
    assert checks["total_request_latency"]["finding"].endswith("ms in a 5-minute period, over 500 ms")
    assert checks["throttled_requests"]["finding"].startswith("40 throttled requests in the last hour")
    assert checks["s3_vpc_endpoint"]["level"] == "warning"
    assert "no available S3 endpoint in eu-west-1" in checks["s3_vpc_endpoint"]["finding"]
    assert checks["first_byte_latency"]["finding"].endswith("ms in a 5-minute period, over 200 ms")
    assert checks["incomplete_multipart_uploads"]["level"] == "ok"
    assert doc["counts"]["warning"] == 4


def test_lifecycle_issues_calm_then_a_disabled_rule_and_a_small_object_for_ia(handle, tmp_path):
    code, checks, doc = _check(handle, tmp_path, "s3-lifecycle-issues")
    assert code == 0, json.dumps(doc, indent=1)
    assert {c["level"] for c in checks.values()} == {"ok", "skipped"}
    assert "storage_class=GLACIER" in checks["object_metadata"]["finding"]  # the runbook's head-object

    # Someone pauses the archive rule and drops the noncurrent-version rule; a 2 KB file lands in bronze/.
    s3 = aws(handle, "s3", "eu-west-1")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=LAKE)["Rules"]
    for rule in rules:
        if rule["ID"] == "archive-to-glacier":
            rule["Status"] = "Disabled"
    rules = [r for r in rules if r["ID"] != "expire-noncurrent-versions"]
    s3.put_bucket_lifecycle_configuration(Bucket=LAKE, LifecycleConfiguration={"Rules": rules})
    s3.put_object(Bucket=LAKE, Key="bronze/cbam/2026/readings.csv", Body=b"x" * 2048)
    code, checks, doc = _check(handle, tmp_path, "s3-lifecycle-issues")
    assert code == 1, json.dumps(doc, indent=1)
    assert checks["lifecycle_rules"]["finding"] == "rules not enabled: archive-to-glacier"
    assert checks["small_objects_for_ia"]["finding"] == (
        "1 object(s) under bronze/ smaller than 128 KB never move to STANDARD_IA: bronze/cbam/2026/readings.csv")
    assert checks["noncurrent_versions_expire"]["level"] == "warning"
    assert "versioning is Enabled and no enabled rule expires noncurrent versions" in \
        checks["noncurrent_versions_expire"]["finding"]
    assert checks["archive_transitions"]["level"] == "ok"
    assert doc["counts"]["warning"] == 3


def test_monthly_cost_review_calm_then_tiering_and_transitions_switched_off(handle, tmp_path):
    code, checks, doc = _check(handle, tmp_path, "monthly-storage-cost-review")
    assert code == 0, json.dumps(doc, indent=1)
    assert {c["level"] for c in checks.values()} == {"ok", "skipped"}
    first = datetime.now(timezone.utc).replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    report = checks["cost_report"]["finding"]  # Cost Explorer answered last month, by usage type
    assert f"month={last_month:%Y-%m-%d}" in report and "TimedStorage-ByteHrs" in report and "Requests-Tier1" in report
    month_before = (last_month - timedelta(days=1)).replace(day=1)
    assert f"{month_before:%Y-%m-%d}" in checks["cost_trend"]["finding"]
    assert checks["review_and_budgets"]["level"] == "skipped"

    # Someone pauses Intelligent-Tiering on the reports bucket and the data lake's bronze/ transitions.
    s3 = aws(handle, "s3", "eu-west-1")
    for bucket, rule_id in ((REPORTS, "intelligent-tiering"), (LAKE, "bronze-to-infrequent-access")):
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        for rule in rules:
            if rule["ID"] == rule_id:
                rule["Status"] = "Disabled"
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    code, checks, doc = _check(handle, tmp_path, "monthly-storage-cost-review")
    assert code == 1, json.dumps(doc, indent=1)
    assert checks["reports_intelligent_tiering"]["finding"] == f"no enabled rule moves {REPORTS} to INTELLIGENT_TIERING"
    assert checks["data_lake_transition_rules"]["finding"] == "transition rules not enabled: bronze-to-infrequent-access"
    assert checks["models_intelligent_tiering"]["level"] == "ok" and checks["cost_report"]["level"] == "ok"
    assert doc["counts"]["warning"] == 2

"""A regional S3 outage seen where the runbooks look: aws-cli against a scenario estate.

While the scenario's ``outage`` holds, the primary buckets' data plane answers 503 to
aws-cli (``s3 ls``, ``s3 cp``, ``s3api``) as S3 does in a regional outage, the control plane
a responder needs answers (replication and versioning configuration, ``list-buckets``, the
eu-central-1 replica, CloudWatch), and Route53's checkers report HC-PRIMARY-S3 failing;
after the world's recovery event everything answers again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cockpit.estate import catalogue as cat

AWS = shutil.which("aws") or "/work/main/.venv/bin/aws"
PRIMARY = "greenlang-prod-eu-west-1-data-lake-confidential"
REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"

SCENARIO = """\
id: s3-outage-probe
title: S3 eu-west-1 down, then up
events:
  - at: 0s
    outage: {service: s3, region: eu-west-1}
  - at: 10m
    outage: {service: s3, region: eu-west-1, over: true}
"""


@pytest.fixture(scope="module")
def outage(start_estate, tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "s3-outage-probe.yaml"
    path.write_text(SCENARIO)
    handle = start_estate(scenario=str(path), speed=1)
    handle.control("pause")
    return handle


def aws(handle, *args: str) -> subprocess.CompletedProcess:
    """aws-cli v1 with only the estate's env, one attempt per call (the errors, not the retries).

    The whole env, as a user who sources it gets it: its ``AWS_CONFIG_FILE`` loads a v1 plugin
    that only the env's ``PYTHONPATH`` finds.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
    env.update(handle.env)
    env.update({"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "1"})
    return subprocess.run([AWS, *args], env=env, capture_output=True, text=True, timeout=60)


def health_check_statuses(handle) -> list[str]:
    hc = aws(handle, "route53", "list-health-checks", "--query", "HealthChecks[0].Id", "--output", "text")
    out = aws(handle, "route53", "get-health-check-status", "--health-check-id", hc.stdout.strip())
    assert out.returncode == 0, out.stderr
    return [o["StatusReport"]["Status"] for o in json.loads(out.stdout)["HealthCheckObservations"]]


def test_primary_data_plane_fails_control_plane_answers_then_recovers(outage, tmp_path: Path):
    assert outage.control("status")["outages"] == ["s3 eu-west-1"]

    # The DR plan's "manual test" and seed 000's checks: the primary bucket does not answer.
    ls = aws(outage, "s3", "ls", f"s3://{PRIMARY}/")
    assert ls.returncode != 0 and "(ServiceUnavailable)" in ls.stderr and "ListObjectsV2" in ls.stderr, ls.stderr
    cp = aws(outage, "s3", "cp", f"s3://{PRIMARY}/silver/manifest.json", str(tmp_path / "m.json"))
    assert cp.returncode != 0 and "503" in cp.stderr, cp.stderr  # HeadObject: S3 sends no body on HEAD
    put = aws(outage, "s3api", "put-object", "--bucket", PRIMARY, "--key", "landing/x", "--body", __file__)
    assert put.returncode != 0 and ("ServiceUnavailable" in put.stderr or "SlowDown" in put.stderr), put.stderr
    versions = aws(outage, "s3api", "list-object-versions", "--bucket", PRIMARY)
    assert versions.returncode != 0, versions.stdout

    # What a responder needs keeps answering: configuration, the bucket list, the replica.
    rule = aws(outage, "s3api", "get-bucket-replication", "--bucket", PRIMARY,
               "--query", "ReplicationConfiguration.Rules[0].ID", "--output", "text")
    assert rule.stdout.strip() == cat.REPLICATION_RULE_ID, rule.stderr
    assert "Enabled" in aws(outage, "s3api", "get-bucket-versioning", "--bucket", PRIMARY).stdout
    assert PRIMARY in aws(outage, "s3", "ls").stdout
    replica = aws(outage, "s3", "ls", f"s3://{REPLICA}/silver/", "--region", "eu-central-1")
    assert replica.returncode == 0 and "manifest.json" in replica.stdout, replica.stderr
    alarms = aws(outage, "cloudwatch", "describe-alarms", "--alarm-names", "greenlang-s3-5xx-errors-critical")
    assert alarms.returncode == 0, alarms.stderr
    # Route53's checkers see the primary endpoint failing (moto alone always says Success).
    statuses = health_check_statuses(outage)
    assert len(statuses) > 1 and all(s.startswith("Failure: HTTP Status Code 503") for s in statuses), statuses

    # The world recovers (the scenario's later event): the same commands answer.
    fired = outage.control("next")["fired"]
    assert fired["summary"] == "s3 eu-west-1: recovered", fired
    assert outage.control("status")["outages"] == []
    ls = aws(outage, "s3", "ls", f"s3://{PRIMARY}/silver/")
    assert ls.returncode == 0 and "manifest.json" in ls.stdout, ls.stderr
    manual_test = aws(outage, "s3api", "list-objects-v2", "--bucket", PRIMARY, "--max-keys", "1")
    assert manual_test.returncode == 0 and json.loads(manual_test.stdout)["KeyCount"] == 1
    assert aws(outage, "s3", "cp", f"s3://{PRIMARY}/silver/manifest.json", str(tmp_path / "m.json")).returncode == 0
    assert all(s.startswith("Success") for s in health_check_statuses(outage))

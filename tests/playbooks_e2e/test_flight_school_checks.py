"""Seed 004's read-only checks as cron runs them: `cockpit run ID` with no incident, a real
process against an estate of this module's own (the tests change it to make findings appear).

A calm estate passes each check (exit 0) and nothing is written to it; then the estate is
changed as the runbook's failure would change it and the exit code and the finding follow.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws


@pytest.fixture(scope="module")
def estate(start_estate):
    return start_estate()


def _run(handle, tmp_path, playbook, *args):
    return cockpit(["run", playbook, *args], cli_env(handle.env, tmp_path), tmp_path / "t.db")


def _levels(proc) -> dict[str, str]:
    return {c["step"]: c["level"] for c in json.loads(proc.stdout)["checks"]}


def test_daily_check_passes_a_calm_estate_then_finds_errors_and_backups_off(estate, tmp_path):
    since = time.time()
    calm = _run(estate, tmp_path, "flight-school-daily-check", "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert _levels(calm) == {"active_alarms": "ok", "lambda_errors_24h": "ok", "table_status": "ok",
                             "backups_enabled": "ok"}
    assert mutating_requests(estate, since) == []

    # GetSchools logs an error, and someone turned point-in-time recovery off.
    logs = aws(estate, "logs")
    group = "/aws/lambda/CdkStack-GetSchoolsFunction"
    logs.create_log_stream(logGroupName=group, logStreamName="fs004-test")
    logs.put_log_events(logGroupName=group, logStreamName="fs004-test", logEvents=[
        {"timestamp": int(time.time() * 1000) - 3_600_000, "message": "ERROR DynamoDB Scan failed: AccessDenied"}])
    ddb = aws(estate, "dynamodb")
    ddb.update_continuous_backups(TableName="flight-schools",
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    try:
        proc = _run(estate, tmp_path, "flight-school-daily-check")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        lines = proc.stdout.splitlines()
        summary = "flight-school-daily-check: WARNING (0 critical, 2 warning, 0 unknown, 2 ok)"
        assert lines[0].startswith(summary), proc.stdout
        warnings = [line for line in lines if line.startswith("  WARNING")]
        errors = "sh exited with 1: 1 ERROR line(s) in /aws/lambda/CdkStack-GetSchoolsFunction in the last 24 h"
        assert any(errors in w for w in warnings), warnings
        assert any("point-in-time recovery is DISABLED" in w for w in warnings), warnings
    finally:
        ddb.update_continuous_backups(TableName="flight-schools",
                                      PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})


def test_security_review_passes_a_calm_estate_then_finds_a_wildcard_and_a_silent_trail(estate, tmp_path):
    since = time.time()
    calm = _run(estate, tmp_path, "flight-school-security-review", "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    levels = _levels(calm)
    assert levels.pop("checklist_by_hand") == "skipped"  # a person's step
    assert set(levels.values()) == {"ok"}, levels
    assert mutating_requests(estate, since) == []

    # A weekend fix widened GetSchools' role to everything in DynamoDB, and the trail stopped.
    iam, trail = aws(estate, "iam"), aws(estate, "cloudtrail")
    role, policy = "CdkStack-GetSchoolsFunction-Role", "default"
    original = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    wide = {"Version": "2012-10-17", "Statement": [*original["Statement"], {
        "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(wide))
    name = trail.describe_trails()["trailList"][0]["Name"]
    trail.stop_logging(Name=name)
    try:
        proc = _run(estate, tmp_path, "flight-school-security-review")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        warnings = [line for line in proc.stdout.splitlines() if line.startswith("  WARNING")]
        assert len(warnings) == 2, proc.stdout
        assert any(f"{role}/default allows * : dynamodb:* on *" in w for w in warnings), warnings
        assert any(f"{name} is not logging" in w for w in warnings), warnings
    finally:
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(original))
        trail.start_logging(Name=name)


def test_frontend_check_passes_a_calm_estate_then_finds_the_distribution_disabled(estate, tmp_path):
    since = time.time()
    calm = _run(estate, tmp_path, "flight-school-frontend-check", "--json")
    assert calm.returncode == 0, calm.stdout + calm.stderr
    assert _levels(calm) == {"site_listing": "ok", "site_website": "ok", "distribution": "ok", "api_answers": "ok",
                             "page_answers": "skipped", "dns_and_vercel": "skipped"}
    assert mutating_requests(estate, since) == []

    # Someone disabled the distribution in the console: the page stops loading.
    cf = aws(estate, "cloudfront")
    dist = next(d for d in cf.list_distributions()["DistributionList"]["Items"]
                if d["Origins"]["Items"][0]["DomainName"].startswith("flight-school-marketplace."))
    got = cf.get_distribution_config(Id=dist["Id"])
    config = {**got["DistributionConfig"], "Enabled": False}
    etag = cf.update_distribution(Id=dist["Id"], IfMatch=got["ETag"], DistributionConfig=config)["ETag"]
    try:
        proc = _run(estate, tmp_path, "flight-school-frontend-check")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        lines = proc.stdout.splitlines()
        assert lines[0].startswith("flight-school-frontend-check: CRITICAL ("), proc.stdout
        assert lines[1] == ("  CRITICAL A CloudFront distribution in front of the bucket is enabled and deployed: "
                            f"distribution {dist['Id']} is disabled"), proc.stdout
    finally:
        cf.update_distribution(Id=dist["Id"], IfMatch=etag, DistributionConfig={**config, "Enabled": True})

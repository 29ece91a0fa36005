"""What the estate answers where moto has nothing, asked the way the runbooks ask it.

boto3 over HTTP against the suite's estate process, and aws-cli (v1, as the runbooks use
it) where the runbook's own command is the point. Each of these failed before the estate
answered: moto raised NotImplementedError (a 501 from the counter) or an HTML 404, or
Cost Explorer answered nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import boto3
import pytest

from cockpit.estate import catalogue as cat

AWS_CLI = Path(sys.executable).with_name("aws")


def client(estate, service: str, region: str = cat.US_REGION, *, key: str | None = None, secret: str | None = None):
    env = estate.env
    return boto3.client(service, region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=key or env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=secret or env["AWS_SECRET_ACCESS_KEY"])


def aws_cli(estate, *args: str, region: str = cat.US_REGION) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(estate.env)
    env["AWS_DEFAULT_REGION"] = env["AWS_REGION"] = region
    return subprocess.run([str(AWS_CLI), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not AWS_CLI.exists(), reason="aws-cli is not installed next to this Python")
def test_simulate_principal_policy_as_seed_000_runs_it(estate):
    """The access-denied tree: the CBAM role reads the data lake but may not write any key."""
    run = aws_cli(estate, "iam", "simulate-principal-policy",
                  "--policy-source-arn", f"arn:aws:iam::{cat.ACCOUNT_ID}:role/{cat.CBAM_ROLE}",
                  "--action-names", "s3:GetObject", "s3:PutObject",
                  "--resource-arns", f"arn:aws:s3:::{cat.DATA_LAKE}/*", region=cat.PRIMARY_REGION)
    assert run.returncode == 0, run.stderr
    results = {r["EvalActionName"]: r for r in json.loads(run.stdout)["EvaluationResults"]}
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"
    assert results["s3:GetObject"]["MatchedStatements"][0]["SourcePolicyId"] == "data-lake-access"
    assert results["s3:PutObject"]["EvalDecision"] == "implicitDeny"  # only silver/cbam/* and gold/cbam/*


def test_simulation_reads_the_policy_as_it_is_now(estate):
    """An explicit Deny added to a role's policy turns the answer, as in IAM; an unknown role is NoSuchEntity."""
    iam = client(estate, "iam")
    role = "cockpit-test-simulated-role"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    try:
        arn = f"arn:aws:iam::{cat.ACCOUNT_ID}:role/{role}"
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(policy))
        ask = {"PolicySourceArn": arn, "ActionNames": ["s3:DeleteObject"], "ResourceArns": ["arn:aws:s3:::b/k"]}
        assert iam.simulate_principal_policy(**ask)["EvaluationResults"][0]["EvalDecision"] == "allowed"
        policy["Statement"].append({"Effect": "Deny", "Action": "s3:Delete*", "Resource": "arn:aws:s3:::b/*"})
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps(policy))
        assert iam.simulate_principal_policy(**ask)["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.simulate_principal_policy(**{**ask, "PolicySourceArn": f"{arn}-missing"})
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName="p")
        iam.delete_role(RoleName=role)


@pytest.mark.skipif(not AWS_CLI.exists(), reason="aws-cli is not installed next to this Python")
def test_cloudtrail_shows_who_changed_what(estate):
    """Seed 004's rotation, then seed 001's "Recent CloudTrail Events": the new key and the
    upload are there, with the user whose key signed them; the estate's own seeding is not."""
    iam = client(estate, "iam")
    key = iam.create_access_key(UserName=cat.DEPLOYMENT_USER)["AccessKey"]
    try:
        as_deployer = client(estate, "s3", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        as_deployer.put_object(Bucket=cat.DEPLOYMENT_BUCKET, Key="cockpit-test/package.zip", Body=b"zip")
        run = aws_cli(estate, "cloudtrail", "lookup-events", "--start-time",
                      (date.today() - timedelta(days=1)).isoformat(), "--max-results", "20")
        assert run.returncode == 0, run.stderr
        events = json.loads(run.stdout)["Events"]
        upload = next(e for e in events if e["EventName"] == "PutObject"
                      and {"ResourceName": cat.DEPLOYMENT_BUCKET} in e["Resources"])
        assert (upload["Username"], upload["AccessKeyId"]) == (cat.DEPLOYMENT_USER, key["AccessKeyId"])
        assert upload["EventSource"] == "s3.amazonaws.com"
        assert any(e["EventName"] == "CreateAccessKey" and e["Username"] == cat.ESTATE_USER for e in events)
        assert not any(e["EventName"] == "CreateBucket" for e in events)  # the seed is the world, not a change
        by_user = client(estate, "cloudtrail").lookup_events(LookupAttributes=[
            {"AttributeKey": "Username", "AttributeValue": cat.DEPLOYMENT_USER}])["Events"]
        assert {e["EventName"] for e in by_user} == {"PutObject"}
        later = client(estate, "cloudtrail").lookup_events(StartTime=time.time() + 3600,
                                                           EndTime=time.time() + 7200)["Events"]
        assert later == []
    finally:
        client(estate, "s3").delete_object(Bucket=cat.DEPLOYMENT_BUCKET, Key="cockpit-test/package.zip")
        iam.delete_access_key(UserName=cat.DEPLOYMENT_USER, AccessKeyId=key["AccessKeyId"])


@pytest.mark.skipif(not AWS_CLI.exists(), reason="aws-cli is not installed next to this Python")
def test_yesterdays_costs_by_service_as_seed_001_asks(estate):
    today = date.today()
    args = ("ce", "get-cost-and-usage", "--time-period",
            f"Start={(today - timedelta(days=1)).isoformat()},End={today.isoformat()}", "--granularity", "DAILY",
            "--metrics", "BlendedCost", "--group-by", "Type=DIMENSION,Key=SERVICE")
    first, again = aws_cli(estate, *args), aws_cli(estate, *args)
    assert first.returncode == 0, first.stderr
    groups = json.loads(first.stdout)["ResultsByTime"][0]["Groups"]
    costs = {g["Keys"][0]: float(g["Metrics"]["BlendedCost"]["Amount"]) for g in groups}
    assert costs["Amazon Relational Database Service"] > 10 > costs["AWS Lambda"] > 0
    assert first.stdout == again.stdout  # deterministic


def test_a_week_of_s3_costs_grouped_by_tag_as_seed_000_asks(estate):
    ce = client(estate, "ce")
    today = date.today()
    answer = ce.get_cost_and_usage(
        TimePeriod={"Start": (today - timedelta(days=7)).isoformat(), "End": today.isoformat()},
        Granularity="DAILY", Metrics=["BlendedCost"],
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Simple Storage Service"]}},
        GroupBy=[{"Type": "TAG", "Key": "greenlang:application"}])
    days = answer["ResultsByTime"]
    assert len(days) == 7
    keys = {g["Keys"][0] for g in days[0]["Groups"]}
    assert "greenlang:application$data-lake" in keys
    totals = {sum(float(g["Metrics"]["BlendedCost"]["Amount"]) for g in d["Groups"]) for d in days}
    assert len(totals) > 1 and all(10 < t < 20 for t in totals)  # a trend around S3's daily figure
    with pytest.raises(ce.exceptions.ClientError, match="ValidationException"):
        ce.get_cost_and_usage(TimePeriod={"Start": today.isoformat(), "End": today.isoformat()},
                              Granularity="DAILY", Metrics=["BlendedCost"])


def test_reserved_instance_recommendation_counts_the_running_hosts(estate):
    answer = client(estate, "ce").get_reservation_purchase_recommendation(
        Service="EC2", LookbackPeriodInDays="SIXTY_DAYS", TermInYears="ONE_YEAR", PaymentOption="NO_UPFRONT")
    detail = answer["Recommendations"][0]["RecommendationDetails"][0]
    assert detail["InstanceDetails"]["EC2InstanceDetails"]["InstanceType"] == "m5.large"
    assert detail["RecommendedNumberOfInstancesToPurchase"] == str(cat.ECS.container_instances)


@pytest.mark.skipif(not AWS_CLI.exists(), reason="aws-cli is not installed next to this Python")
def test_guardduty_findings_of_the_seeded_detector(estate):
    detector = client(estate, "guardduty").list_detectors()["DetectorIds"][0]
    run = aws_cli(estate, "guardduty", "list-findings", "--detector-id", detector)
    assert run.returncode == 0, run.stderr
    ids = json.loads(run.stdout)["FindingIds"]
    findings = client(estate, "guardduty").get_findings(DetectorId=detector, FindingIds=ids)["Findings"]
    assert [(f["Type"], f["Severity"]) for f in findings] == [("Recon:EC2/PortProbeUnprotectedPort", 2.0)]
    wrong = aws_cli(estate, "guardduty", "list-findings", "--detector-id", "not-a-detector")
    assert wrong.returncode != 0 and "BadRequestException" in wrong.stderr and "<html" not in wrong.stderr

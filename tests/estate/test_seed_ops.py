"""What the runbooks' audits, rotations, reviews and DR steps read or change exists, as they name it."""

from __future__ import annotations

import json
import time

import boto3

from cockpit.estate import catalogue as cat


def client(estate, service: str, region: str = cat.US_REGION):
    env = estate.env
    return boto3.client(service, region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def test_seed_000_bucket_policy_lifecycle_and_vpc_endpoint(estate):
    s3 = client(estate, "s3", cat.PRIMARY_REGION)
    policy = json.loads(s3.get_bucket_policy(Bucket=cat.DATA_LAKE)["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} >= {"AllowCbamService", "AllowReplicationRole"}
    rules = {r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=cat.DATA_LAKE)["Rules"]}
    assert {"abort-incomplete-multipart", "archive-to-glacier"} <= rules
    endpoints = client(estate, "ec2", cat.PRIMARY_REGION).describe_vpc_endpoints(
        Filters=[{"Name": "service-name", "Values": [cat.S3_VPC_ENDPOINT_SERVICE]}])["VpcEndpoints"]
    assert len(endpoints) == 1 and "greenlang-prod" in endpoints[0]["PolicyDocument"]


def test_seed_002_backups_end_with_last_nights(estate):
    listed = client(estate, "s3", cat.PRIMARY_REGION).list_objects_v2(Bucket=cat.BACKUPS_BUCKET, Prefix="database/")
    keys = [o["Key"] for o in listed["Contents"]]
    nightly = [k for k in keys if k.endswith(".dump.gz")]
    assert len(nightly) == cat.BACKUP_DAYS
    assert nightly[-1].endswith(f"{time.strftime('%Y-%m-%d', time.gmtime())}.dump.gz")


def test_seed_002_hourly_dumps_are_stamped_at_their_hour_the_newest_within_the_rpo(estate):
    """Seed 002's database restoration RPO is 1 hour: the hourly dumps' LastModified says when each ran."""
    from datetime import datetime, timedelta, timezone

    from cockpit.estate import backup_dumps

    listed = client(estate, "s3", cat.PRIMARY_REGION).list_objects_v2(Bucket=cat.BACKUPS_BUCKET, Prefix="database/")
    hourly = [(o["Key"], o["LastModified"]) for o in listed["Contents"] if o["Key"].endswith(".sql")]
    assert len(hourly) == backup_dumps.HOURS
    assert all(backup_dumps.time_in(k) == stamp for k, stamp in hourly), hourly
    assert datetime.now(timezone.utc) - hourly[-1][1] < timedelta(hours=1)
    assert {later[1] - earlier[1] for earlier, later in zip(hourly, hourly[1:])} == {timedelta(hours=1)}
    # `aws s3 ls s3://greenlang-backups/database/ | tail -5` ends with the newest hour
    assert [o["Key"] for o in listed["Contents"]][-1] == hourly[-1][0]
    nights = [o["LastModified"] for o in listed["Contents"] if o["Key"].endswith(".dump.gz")]
    assert all(n.hour == n.minute == 0 for n in nights)  # each night's dump at its midnight


def test_seed_003_dr_phase_2_updates_the_stage(estate):
    api = client(estate, "apigateway", cat.DR_REGION)
    stage = api.get_stage(restApiId=cat.REST_API_ID, stageName=cat.REST_API_STAGE)
    assert stage["variables"]["S3_REGION"] == cat.PRIMARY_REGION


def test_seed_004_stack_roles_user_and_deployment_packages(estate):
    iam = client(estate, "iam")
    stack = client(estate, "cloudformation").describe_stack_resources(StackName=cat.CDK_STACK)["StackResources"]
    role = cat.function_role("CdkStack-GetSchoolsFunction")
    assert role in {r["PhysicalResourceId"] for r in stack}
    document = iam.get_role_policy(RoleName=role, PolicyName="default")["PolicyDocument"]
    assert any("dynamodb:GetItem" in s["Action"] for s in document["Statement"])
    function = client(estate, "lambda").get_function(FunctionName="CdkStack-GetSchoolsFunction")
    assert function["Configuration"]["Role"].endswith(f"role/{role}")
    assert len(iam.list_access_keys(UserName=cat.DEPLOYMENT_USER)["AccessKeyMetadata"]) == 1
    packages = client(estate, "s3").list_objects_v2(Bucket=cat.DEPLOYMENT_BUCKET)["Contents"]
    assert "CdkStack-GetSchoolsFunction-previous-version.zip" in {o["Key"] for o in packages}


def test_seed_001_trail_scaling_group_listener_rule_and_error_history(estate):
    trail = client(estate, "cloudtrail")
    assert trail.get_trail_status(Name=cat.TRAIL)["IsLogging"] is True
    group = client(estate, "autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[cat.ASG])["AutoScalingGroups"][0]
    assert (group["DesiredCapacity"], len(group["Instances"])) == (3, 3)  # it owns the ECS hosts
    elb = client(estate, "elbv2")
    alb = elb.describe_load_balancers(Names=[cat.ALB.name])["LoadBalancers"][0]
    listener = elb.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"][0]
    rules = [r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert rules and rules[0]["Actions"][0]["Type"] == "forward"
    logs = client(estate, "logs")
    now_ms = int(time.time() * 1000)
    day = logs.filter_log_events(logGroupName="/aws/application/enterprise-prod", filterPattern="ERROR",
                                 startTime=now_ms - 86_400_000)["events"]
    hour = logs.filter_log_events(logGroupName="/aws/application/enterprise-prod", filterPattern="ERROR",
                                  startTime=now_ms - 3_600_000)["events"]
    assert len(day) == 2 and hour == []  # a 24-hour review finds history; the last hour is quiet

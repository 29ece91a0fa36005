"""Seed what the runbooks' audits, rotations, reviews and DR steps read or change.

``aws_seed.py`` builds what the panes and the incident playbooks need; this module adds
the rest of the account a responder pastes commands against: bucket policies and
lifecycle rules (seed 000's access-denied and lifecycle trees), the S3 VPC endpoint, the
backups and deployment buckets, the ALB listener rule a blue-green switch modifies (seed
001), the REST API whose stage DR phase 2 updates (seed 003), the CDK stack with its roles,
the IAM user whose keys are rotated (seed 004), a CloudTrail trail, a GuardDuty detector,
log history with the errors the log reviews look for, and the Auto Scaling group seed 001
scales. Like the rest of the seed it goes over HTTP with boto3 (never into moto's objects),
so what is seeded is what every client sees.

All of it is deferred (``aws_seed.rest_steps``): no pane reads it, so it never delays the
moment the estate says it is ready.
"""

from __future__ import annotations

import importlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.estate import catalogue as cat
from cockpit.estate import moto_iam

Clients = Callable[[str, str], Any]  # (service, region) -> boto3 client

_LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: list[str], resources: list[str], sid: str = "") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if sid:
        statement["Sid"] = sid
    return statement


#: Seed 003 "Replication IAM Role", as written (the KMS conditions included).
REPLICATION_POLICY = _doc(
    _allow(["s3:GetReplicationConfiguration", "s3:ListBucket"], [f"arn:aws:s3:::greenlang-prod-{cat.PRIMARY_REGION}-*"]),
    _allow(["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
           [f"arn:aws:s3:::greenlang-prod-{cat.PRIMARY_REGION}-*/*"]),
    _allow(["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
           [f"arn:aws:s3:::greenlang-prod-{cat.DR_REGION}-*-replica/*"]),
    {"Effect": "Allow", "Action": ["kms:Decrypt"],
     "Resource": f"arn:aws:kms:{cat.PRIMARY_REGION}:{cat.ACCOUNT_ID}:key/primary-key-id",
     "Condition": {"StringEquals": {"kms:ViaService": f"s3.{cat.PRIMARY_REGION}.amazonaws.com"}}},
    {"Effect": "Allow", "Action": ["kms:Encrypt"], "Resource": cat.DR_KMS_KEY_ARN,
     "Condition": {"StringEquals": {"kms:ViaService": f"s3.{cat.DR_REGION}.amazonaws.com"}}},
)

#: What the CBAM service may do (seed 000 simulates GetObject and PutObject on the data lake):
#: it reads the whole lake but writes only its own cbam/ prefixes, so the simulation shows
#: one allowed and, for other keys, one implicitly denied action.
CBAM_POLICY = _doc(
    _allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{cat.DATA_LAKE}", f"arn:aws:s3:::{cat.DATA_LAKE}/*"],
           "ReadDataLake"),
    _allow(["s3:PutObject"], [f"arn:aws:s3:::{cat.DATA_LAKE}/silver/cbam/*", f"arn:aws:s3:::{cat.DATA_LAKE}/gold/cbam/*"],
           "WriteCbamOutputs"),
    _allow(["kms:Decrypt", "kms:GenerateDataKey"], [f"arn:aws:kms:{cat.PRIMARY_REGION}:{cat.ACCOUNT_ID}:key/primary-key-id"]),
)

DEPLOYMENT_POLICY = _doc(
    _allow(["lambda:UpdateFunctionCode", "lambda:GetFunction", "lambda:PublishVersion"],
           [f"arn:aws:lambda:{cat.US_REGION}:{cat.ACCOUNT_ID}:function:CdkStack-*"], "DeployFunctions"),
    _allow(["s3:GetObject", "s3:PutObject"], [f"arn:aws:s3:::{cat.DEPLOYMENT_BUCKET}/*"], "Packages"),
    _allow(["cloudformation:*"], [f"arn:aws:cloudformation:{cat.US_REGION}:{cat.ACCOUNT_ID}:stack/{cat.CDK_STACK}/*"],
           "CdkDeploy"),
)


def _function_policy(function: str) -> str:
    """Each CDK function's ``default`` inline policy: its logs, the table, Bedrock for the explainer."""
    table = f"arn:aws:dynamodb:{cat.US_REGION}:{cat.ACCOUNT_ID}:table/{cat.FLIGHT_SCHOOL.table}"
    statements = [
        _allow(["logs:CreateLogStream", "logs:PutLogEvents"],
               [f"arn:aws:logs:{cat.US_REGION}:{cat.ACCOUNT_ID}:log-group:/aws/lambda/{function}:*"]),
        _allow(["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], [table]),
    ]
    if "MatchExplainer" in function:
        statements.append(_allow(["bedrock:InvokeModel"], ["*"]))
    return _doc(*statements)


def seed_identities(clients: Clients) -> None:
    """IAM: the replication role's policy, the CBAM and RDS-export roles, deployment-user and one key."""
    iam = clients("iam", cat.US_REGION)
    iam.put_role_policy(RoleName=cat.REPLICATION_ROLE_ARN.rsplit("/", 1)[1], PolicyName="s3-replication",
                        PolicyDocument=REPLICATION_POLICY)
    ec2_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName=cat.CBAM_ROLE, AssumeRolePolicyDocument=ec2_trust,
                    Description="GreenLang CBAM service (seed 000)")
    iam.put_role_policy(RoleName=cat.CBAM_ROLE, PolicyName="data-lake-access", PolicyDocument=CBAM_POLICY)
    export_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "export.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam.create_role(RoleName=cat.RDS_EXPORT_ROLE, AssumeRolePolicyDocument=export_trust)
    iam.create_user(UserName=cat.DEPLOYMENT_USER, Tags=[{"Key": "purpose", "Value": "ci-cd"}])
    iam.put_user_policy(UserName=cat.DEPLOYMENT_USER, PolicyName="deploy", PolicyDocument=DEPLOYMENT_POLICY)
    # The key seed 004's rotation replaces, 88 days old (world time) and last used by CI hours ago.
    now = moto_iam.now()
    with moto_iam.iam_clock(now - timedelta(days=cat.DEPLOYMENT_KEY_AGE_DAYS)):
        key_id = iam.create_access_key(UserName=cat.DEPLOYMENT_USER)["AccessKey"]["AccessKeyId"]
    ago, service, region = cat.DEPLOYMENT_KEY_LAST_USED
    moto_iam.set_last_used(key_id, now - ago, service, region)
    moto_iam.set_root_mfa(True)  # the account's root user has MFA (seed 004's security checklist)


def seed_cdk_stack(clients: Clients) -> None:
    """Seed 004: ``CdkStack``, owning the functions' roles (what CDK would have deployed).

    The functions themselves and the table are seeded directly (panes read the table before
    the stack could exist); the stack's resources are the roles, whose ``default`` inline
    policies ``iam get-role-policy`` reads. Policy documents are given as JSON text: moto
    stores a template's dict as Python's repr, which ``get-role-policy`` would echo back.
    """
    resources: dict[str, Any] = {}
    for function, _, _ in cat.FLIGHT_SCHOOL.functions:
        logical = function.split("-", 1)[1] + "Role"
        resources[logical] = {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": cat.function_role(function), "AssumeRolePolicyDocument": _LAMBDA_TRUST,
            "Policies": [{"PolicyName": "default", "PolicyDocument": _function_policy(function)}]}}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": "Flight School Marketplace backend (CDK)",
                "Resources": resources}
    clients("cloudformation", cat.US_REGION).create_stack(
        StackName=cat.CDK_STACK, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"],
        Tags=[{"Key": "aws:cdk:stack", "Value": cat.CDK_STACK}])


def _lifecycle(bucket: str) -> list[dict[str, Any]] | None:
    """Lifecycle rules per bucket; seed 000: abort stale multipart uploads after 7 days everywhere."""
    abort = {"ID": "abort-incomplete-multipart", "Status": "Enabled", "Filter": {"Prefix": ""},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}}
    if bucket == cat.DATA_LAKE:
        return [abort,
                {"ID": "bronze-to-infrequent-access", "Status": "Enabled", "Filter": {"Prefix": "bronze/"},
                 "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}]},
                {"ID": "archive-to-glacier", "Status": "Enabled", "Filter": {"Prefix": "archive/"},
                 "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]},
                {"ID": "expire-noncurrent-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
                 "NoncurrentVersionExpiration": {"NoncurrentDays": 90}}]
    if bucket.endswith("-temp"):
        return [abort, {"ID": "expire-temp-uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
                        "Expiration": {"Days": 7}}]
    if bucket.startswith("greenlang-prod-") and not bucket.endswith("-audit-logs"):
        return [abort, {"ID": "intelligent-tiering", "Status": "Enabled", "Filter": {"Prefix": ""},
                        "Transitions": [{"Days": 30, "StorageClass": "INTELLIGENT_TIERING"}]}]
    if bucket == cat.BACKUPS_BUCKET:
        return [abort, {"ID": "expire-old-dumps", "Status": "Enabled", "Filter": {"Prefix": "database/"},
                        "Expiration": {"Days": 35}}]
    return None


def _bucket_policy(bucket: str) -> str | None:
    """Confidential buckets let the replication role in, the data lake the CBAM role (seed 000's tree)."""
    if not bucket.startswith("greenlang-prod-") or bucket.endswith("-temp"):
        return None
    arn = f"arn:aws:s3:::{bucket}"
    # No "deny unless aws:SecureTransport" statement, though production would have one: moto
    # enforces bucket policies and the estate speaks plain HTTP, so it would refuse every request.
    statements: list[dict[str, Any]] = [
        {"Sid": "AllowReplicationRole", "Effect": "Allow", "Principal": {"AWS": cat.REPLICATION_ROLE_ARN},
         "Action": ["s3:GetObjectVersionForReplication", "s3:ReplicateObject", "s3:ReplicateDelete",
                    "s3:ReplicateTags", "s3:ListBucket"], "Resource": [arn, f"{arn}/*"]},
    ]
    if bucket == cat.DATA_LAKE:
        statements.append({"Sid": "AllowCbamService", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:aws:iam::{cat.ACCOUNT_ID}:role/{cat.CBAM_ROLE}"},
                           "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{arn}/*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def seed_storage_extras(clients: Clients, now: datetime) -> None:
    """Bucket policies and lifecycle rules, the backups bucket (seed 002) and the deployment bucket."""
    for bucket in cat.BUCKETS:
        s3 = clients("s3", bucket.region)
        policy = _bucket_policy(bucket.name)
        if policy is not None:
            s3.put_bucket_policy(Bucket=bucket.name, Policy=policy)
        rules = _lifecycle(bucket.name)
        if rules is not None:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket.name, LifecycleConfiguration={"Rules": rules})
    s3 = clients("s3", cat.PRIMARY_REGION)
    s3.create_bucket(Bucket=cat.BACKUPS_BUCKET, CreateBucketConfiguration={"LocationConstraint": cat.PRIMARY_REGION})
    s3.put_bucket_lifecycle_configuration(Bucket=cat.BACKUPS_BUCKET,
                                          LifecycleConfiguration={"Rules": _lifecycle(cat.BACKUPS_BUCKET)})
    from cockpit.estate import backup_dumps
    from cockpit.estate.aws_seed import s3_clock

    for days_ago in range(cat.BACKUP_DAYS, 0, -1):  # oldest first; the newest is last night's
        night = (now - timedelta(days=days_ago - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
        day = night.strftime("%Y-%m-%d")
        with s3_clock(night):  # stamped when the night's dump ran, not when the estate started
            s3.put_object(Bucket=cat.BACKUPS_BUCKET, Key=f"database/greenlang-prod-{day}.dump.gz",
                          Body=f"pg_dump greenlang-prod {day}\n".encode(), ContentType="application/gzip")
    for at in backup_dumps.recent_times(now):  # the hourly plain-SQL dumps (RPO 1 h), each stamped when it ran
        with s3_clock(at):
            s3.put_object(Bucket=cat.BACKUPS_BUCKET, Key=backup_dumps.key(at), Body=backup_dumps.dump(at),
                          ContentType="application/sql")
    us = clients("s3", cat.US_REGION)
    us.create_bucket(Bucket=cat.DEPLOYMENT_BUCKET)
    us.put_bucket_versioning(Bucket=cat.DEPLOYMENT_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for function, _, _ in cat.FLIGHT_SCHOOL.functions:
        for which in ("previous", "current"):
            us.put_object(Bucket=cat.DEPLOYMENT_BUCKET, Key=f"{function}-{which}-version.zip",
                          Body=_package(function, which), ContentType="application/zip")
    us.create_bucket(Bucket=cat.FLIGHT_SCHOOL_BACKUP_BUCKET)  # seed 004's table exports land here


#: Incomplete multipart uploads (seed 000's daily "no stale uploads > 7 days"): (bucket, key,
#: days since initiated). The data lake's is a day old (a large export under way: not stale);
#: the temp bucket holds one abandoned nine days ago, which the check must find.
MULTIPART_UPLOADS = (
    (cat.DATA_LAKE, "bronze/exports/emissions-2026-full.parquet", 1),
    (f"greenlang-prod-{cat.PRIMARY_REGION}-temp", "uploads/cbam-batch-0412.zip", 9),
)


def seed_multipart_uploads(clients: Clients, now: datetime) -> None:
    """Start each upload of MULTIPART_UPLOADS at its time on S3's clock, one part uploaded, never completed."""
    from cockpit.estate.aws_seed import s3_clock

    s3 = clients("s3", cat.PRIMARY_REGION)
    for bucket, key, days in MULTIPART_UPLOADS:
        with s3_clock(now - timedelta(days=days)):
            upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
            s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1,
                           Body=f"{key} part 1\n".encode())


def _package(function: str, which: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.js", f"// {function} ({which} version)\n"
                                "exports.handler = async () => ({statusCode: 200, body: '[]'});\n")
    return buffer.getvalue()


def seed_network_extras(clients: Clients, result: Any) -> None:
    """The S3 gateway endpoint in eu-west-1 (seed 000); the ALB rule is ``seed_alb_rule``'s."""
    ec2 = clients("ec2", cat.PRIMARY_REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "Name", "Value": "greenlang-prod-vpc"}, {"Key": "Environment", "Value": "production"}]}])["Vpc"]
    table = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
    buckets = [f"arn:aws:s3:::greenlang-prod-{cat.PRIMARY_REGION}-*", f"arn:aws:s3:::greenlang-prod-{cat.PRIMARY_REGION}-*/*"]
    ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], ServiceName=cat.S3_VPC_ENDPOINT_SERVICE, VpcEndpointType="Gateway",
                            RouteTableIds=[table], PolicyDocument=_doc(
                                {"Sid": "GreenLangBucketsOnly", "Effect": "Allow", "Principal": "*",
                                 "Action": "s3:*", "Resource": buckets}),
                            TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [
                                {"Key": "Name", "Value": "greenlang-prod-s3"}]}])


def seed_alb_rule(clients: Clients, result: Any) -> None:
    """Seed 001: the port-80 listener's rule a blue-green switch modifies (``web-service-live``).

    Seeded with the ALB, before ELB answers anyone: a blue-green deployment run in the
    estate's first seconds must find the rule the listener will always have had."""
    elb = clients("elbv2", cat.US_REGION)
    listener = next(item for item in elb.describe_listeners(LoadBalancerArn=result.alb_arn)["Listeners"]
                    if item["Port"] == 80)
    elb.create_rule(ListenerArn=listener["ListenerArn"], Priority=10,
                    Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                    Actions=[{"Type": "forward",
                              "TargetGroupArn": result.target_group_arns[cat.ALB.target_groups[0]]}],
                    Tags=[{"Key": "Name", "Value": "web-service-live"}])


def seed_scaling(clients: Clients, result: Any) -> None:
    """Seed 001: ``production-asg``, owning the three ECS hosts (so scaling it to 5 adds two)."""
    hosts = clients("ec2", cat.US_REGION).describe_instances(InstanceIds=result.instance_ids)["Reservations"]
    subnets = sorted({i["SubnetId"] for r in hosts for i in r["Instances"]})
    asg = clients("autoscaling", cat.US_REGION)
    asg.create_launch_configuration(LaunchConfigurationName=f"{cat.ASG}-lc", ImageId=result.image_id,
                                    InstanceType="m5.large")
    asg.create_auto_scaling_group(AutoScalingGroupName=cat.ASG, LaunchConfigurationName=f"{cat.ASG}-lc",
                                  MinSize=0, MaxSize=10, DesiredCapacity=0, VPCZoneIdentifier=",".join(subnets),
                                  Tags=[{"Key": "Environment", "Value": "production", "PropagateAtLaunch": True}])
    asg.attach_instances(AutoScalingGroupName=cat.ASG, InstanceIds=result.instance_ids)
    asg.update_auto_scaling_group(AutoScalingGroupName=cat.ASG, MinSize=2)


def seed_api(clients: Clients) -> None:
    """Seed 003 DR phase 2: REST API ``abc123`` with stage ``prod`` in the DR region.

    moto picks REST API ids; its ``_custom_id_`` tag is how one asks for the runbook's.
    """
    api = clients("apigateway", cat.DR_REGION)
    rest = api.create_rest_api(name=cat.REST_API_NAME, description="GreenLang storage API (DR region)",
                               endpointConfiguration={"types": ["REGIONAL"]}, tags={"_custom_id_": cat.REST_API_ID})
    root = rest["rootResourceId"]
    api.put_method(restApiId=rest["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    api.put_integration(restApiId=rest["id"], resourceId=root, httpMethod="GET", type="MOCK")
    api.create_deployment(restApiId=rest["id"], stageName=cat.REST_API_STAGE, description="initial",
                          variables={"S3_REGION": cat.PRIMARY_REGION})


def seed_security(clients: Clients) -> None:
    """A multi-region trail that is logging (seed 001's audit) and a GuardDuty detector (seed 004)."""
    trail = clients("cloudtrail", cat.US_REGION)
    trail.create_trail(Name=cat.TRAIL, S3BucketName=cat.TRAIL_BUCKET, IsMultiRegionTrail=True,
                       IncludeGlobalServiceEvents=True, EnableLogFileValidation=True)
    trail.start_logging(Name=cat.TRAIL)
    clients("guardduty", cat.US_REGION).create_detector(Enable=True, FindingPublishingFrequency="SIX_HOURS")


def seed_cdn(clients: Clients) -> None:
    """Seed 004's frontend is "S3 + CloudFront": the distribution in front of the site bucket,
    which its health checks list (``aws cloudfront list-distributions``)."""
    site = "flight-school-marketplace"
    origin = f"{site}.s3-website-{cat.US_REGION}.amazonaws.com"  # the bucket's website endpoint
    clients("cloudfront", cat.US_REGION).create_distribution(DistributionConfig={
        "CallerReference": f"{site}-frontend",
        "Comment": "Flight School Marketplace frontend (S3 website origin)",
        "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": 1, "Items": [{
            "Id": f"{site}-website", "DomainName": origin,
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": f"{site}-website", "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    })


def seed_log_history(clients: Clients, now: datetime) -> None:
    """Older lines in the runbooks' log groups: the errors a 24-hour review finds (after seed_logs)."""
    stream = f"{cat.LOG_STREAM}-history"
    for group, lines in cat.LOG_HISTORY.items():
        logs = clients("logs", cat.LOG_GROUPS_BY_NAME[group].region)
        events = []
        for minutes_ago, line in sorted(lines, key=lambda item: -item[0]):  # PutLogEvents wants them in order
            at = now - timedelta(minutes=minutes_ago)
            events.append({"timestamp": int(at.timestamp() * 1000),
                           "message": line.replace("{time}", at.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))})
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


@contextmanager
def moto_clock(models_module: str, at: datetime) -> Iterator[None]:
    """Have one moto models module stamp what it creates inside with ``at`` (UTC).

    Ages are what seed 001's audits judge (a key "older than 90 days", a snapshot older than
    90 days), and no AWS call sets a creation time: only the clock of the one module, only
    for the seed's own calls (outside requests to that service are held until it is seeded,
    ``wsgi_gate.SeedGate``). ``aws_seed.s3_clock`` does the same for S3 objects.
    """
    module = importlib.import_module(models_module)
    naive = at.astimezone(timezone.utc).replace(tzinfo=None)
    real = module.utcnow
    module.utcnow = lambda: naive
    try:
        yield
    finally:
        module.utcnow = real


def seed_audit_identities(clients: Clients, now: datetime) -> None:
    """Seed 001's weekly security audit: one user without MFA whose key is 200 days old, and
    ``ops-admin`` with a virtual MFA device and a key from this week (neither is a finding)."""
    iam = clients("iam", cat.US_REGION)
    iam.create_user(UserName=cat.AUDIT_STALE_USER, Tags=[{"Key": "purpose", "Value": "nightly-report-export"}])
    with moto_clock("moto.iam.models", now - timedelta(days=cat.AUDIT_STALE_KEY_DAYS)):
        iam.create_access_key(UserName=cat.AUDIT_STALE_USER)
    iam.create_user(UserName=cat.AUDIT_MFA_USER, Tags=[{"Key": "purpose", "Value": "operator"}])
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=cat.AUDIT_MFA_USER)["VirtualMFADevice"]
    iam.enable_mfa_device(UserName=cat.AUDIT_MFA_USER, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    with moto_clock("moto.iam.models", now - timedelta(days=3)):
        iam.create_access_key(UserName=cat.AUDIT_MFA_USER)


def seed_audit_resources(clients: Clients, now: datetime) -> None:
    """Seed 001's security audit and cost review findings in EC2 (us-east-1, production-vpc)."""
    ec2 = clients("ec2", cat.US_REGION)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["production-vpc"]}])["Vpcs"][0]["VpcId"]
    sg = ec2.create_security_group(GroupName=cat.AUDIT_OPEN_SG, Description="bastion (to be retired)",
                                   VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh from anywhere"}]}])
    ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [
        {"Key": "Name", "Value": cat.AUDIT_IDLE_EIP_NAME}]}])
    with moto_clock("moto.ec2.models.elastic_block_store", now - timedelta(days=cat.AUDIT_OLD_SNAPSHOT_DAYS + 5)):
        volume = ec2.create_volume(AvailabilityZone=f"{cat.US_REGION}a", Size=200, VolumeType="gp2",
                                   TagSpecifications=[{"ResourceType": "volume", "Tags": [
                                       {"Key": "Name", "Value": cat.AUDIT_DETACHED_VOLUME_NAME}]}])["VolumeId"]
    with moto_clock("moto.ec2.models.elastic_block_store", now - timedelta(days=cat.AUDIT_OLD_SNAPSHOT_DAYS)):
        ec2.create_snapshot(VolumeId=volume, Description=f"{cat.AUDIT_DETACHED_VOLUME_NAME} before the migration")


#: Seed 003's Q3 "Partial Failover, Staging" test: the staging data lake and its replica, named
#: as the DR plan names production's (``greenlang-<env>-<region>-data-lake-confidential``).
STAGING_SOURCE = f"greenlang-staging-{cat.PRIMARY_REGION}-data-lake-confidential"
STAGING_REPLICA = f"greenlang-staging-{cat.DR_REGION}-data-lake-confidential-replica"
STAGING_MANIFEST = "silver/cbam/latest/manifest.json"


def seed_staging_storage(clients: Clients) -> None:
    """The staging pair, versioned and replicating, with one manifest already replicated."""
    body = b'{"environment": "staging", "datasets": ["cbam/emissions"]}\n'
    for bucket, region in ((STAGING_REPLICA, cat.DR_REGION), (STAGING_SOURCE, cat.PRIMARY_REGION)):
        s3 = clients("s3", region)
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key=STAGING_MANIFEST, Body=body, ContentType="application/json")
    clients("s3", cat.PRIMARY_REGION).put_bucket_replication(Bucket=STAGING_SOURCE, ReplicationConfiguration={
        "Role": cat.REPLICATION_ROLE_ARN, "Rules": [{
            "ID": "replicate-staging-to-dr", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
            "Destination": {"Bucket": f"arn:aws:s3:::{STAGING_REPLICA}", "StorageClass": "STANDARD"},
            "DeleteMarkerReplication": {"Status": "Enabled"}}]})

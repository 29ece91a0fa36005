"""Create the runbooks' AWS account inside a running moto server.

Everything goes through boto3 over HTTP (never into moto's Python objects), so what the
seed builds is exactly what any AWS client will later see, and a moto upgrade that changes
its internals cannot silently break the estate. The calls are batched where AWS allows it
(one PutMetricData per region, one ChangeResourceRecordSets, one BatchWriteItem) because
the whole estate must be ready in under three seconds.

Names come from :mod:`cockpit.estate.catalogue`; which runbook each resource serves is
documented there and in ``docs/estate-aws.md``.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from cockpit.estate import aws_seed_ops as ops
from cockpit.estate import catalogue as cat
from cockpit.estate import log_patterns

Clients = Callable[[str, str], Any]  # (service, region) -> boto3 client
_ENV_LOCK = threading.RLock()
#: The ECS hosts' image, registered by the seed (AWS's ECS-optimized Amazon Linux 2 naming).
HOST_AMI_NAME = "amzn2-ami-ecs-hvm-2.0.20250101-x86_64-ebs"


@dataclass
class SeedResult:
    """Ids moto chose that the driver and playbooks need (AWS would have chosen them too)."""

    hosted_zone_id: str = ""
    health_check_id: str = ""
    alb_arn: str = ""
    alb_dimension: str = ""
    target_group_arns: dict[str, str] = field(default_factory=dict)
    instance_ids: list[str] = field(default_factory=list)
    image_id: str = ""
    timings: dict[str, float] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@contextmanager
def moto_settings(**variables: str) -> Iterator[None]:
    """Set moto's environment switches for one stretch of seeding, then put them back.

    moto reads some settings from the process environment at the moment it acts (a new
    service's runningCount, whether a new EC2 region loads its ~1,300 stock AMIs). Scoping
    them to the seed keeps the rest of the process (and other tests) on moto's defaults.
    Re-entrant, so a step can narrow a setting inside the seed-wide ones.
    """
    with _ENV_LOCK:
        previous = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def seed_iam(clients: Clients) -> None:
    """The role S3 replication assumes (seed 003); the Lambda functions' roles belong to CdkStack (aws_seed_ops)."""
    iam = clients("iam", cat.US_REGION)
    for role_arn, principal in ((cat.REPLICATION_ROLE_ARN, "s3.amazonaws.com"),):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}]}
        iam.create_role(RoleName=role_arn.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(policy))


def seed_sns(clients: Clients) -> None:
    for topic in cat.TOPICS:
        clients("sns", topic.region).create_topic(Name=topic.name)


def _replication_config(pair: cat.ReplicationPair) -> dict[str, Any]:
    """Seed 003's replication rules; the bronze-zone rule exists only on the data lake."""
    rules: list[dict[str, Any]] = [{
        "ID": pair.rule_id, "Status": "Enabled", "Priority": 1,
        "Filter": {"And": {"Prefix": "", "Tags": [{"Key": "replication", "Value": "enabled"}]}},
        "Destination": {
            "Bucket": pair.destination_arn, "Account": cat.ACCOUNT_ID, "StorageClass": "STANDARD",
            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            "EncryptionConfiguration": {"ReplicaKmsKeyID": cat.DR_KMS_KEY_ARN},
        },
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"},
                                    "ReplicaModifications": {"Status": "Enabled"}},
    }]
    if pair.id == "data-lake":
        rules.append({"ID": "replicate-bronze-zone", "Status": "Enabled", "Priority": 2,
                      "Filter": {"Prefix": "bronze/"},
                      "Destination": {"Bucket": pair.destination_arn, "StorageClass": "STANDARD_IA"},
                      "DeleteMarkerReplication": {"Status": "Enabled"}})
    return {"Role": cat.REPLICATION_ROLE_ARN, "Rules": rules}


#: How far back the seeded object history starts, and how far apart its writes are.
HISTORY_DAYS = 7
HISTORY_STEP = timedelta(hours=1)


@contextmanager
def s3_clock(at: datetime) -> Iterator[None]:
    """Have moto stamp the S3 writes made inside with ``at`` (UTC) as their LastModified.

    moto stamps an object with its own clock, to the second in listings; the seed writes a
    dozen objects and versions within one second, so they shared a LastModified or not
    depending on where the second turned, and ``aws s3 sync`` between a bucket and its
    replica copied (a GLACIER object, failing) or not from one start to the next. Each
    seeded write gets a planned time instead: distinct for every object and version, and
    the same for an object and its replica (S3 replication keeps the source's creation
    time). Only S3's clock, only while the seed writes: outside requests to S3 are held
    until it is seeded (``SeedGate``), and the estate's other services keep moto's clock.
    """
    import moto.s3.models as s3_models

    naive = at.astimezone(timezone.utc).replace(tzinfo=None)
    real = s3_models.utcnow
    s3_models.utcnow = lambda: naive
    try:
        yield
    finally:
        s3_models.utcnow = real


def _object_body(bucket: str, key: str, version: int) -> bytes:
    """The object's bytes; ``bucket`` is the source bucket, so a replica holds the same bytes."""
    if key.endswith(".json"):
        return json.dumps({"bucket": bucket, "key": key, "version": version,
                           "generated": "2025-01-01T00:00:00Z"}).encode()
    return f"{key} v{version}\n".encode()


def seed_s3(clients: Clients) -> None:
    """Seeds 000/003 buckets with versioning, replication config and already-replicated objects."""
    for bucket in cat.BUCKETS:
        s3 = clients("s3", bucket.region)
        args: dict[str, Any] = {"Bucket": bucket.name}
        if bucket.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": bucket.region}
        if bucket.name.endswith("-audit-logs"):
            args["ObjectLockEnabledForBucket"] = True  # seed 003: "versioning and Object Lock"
        s3.create_bucket(**args)
        if bucket.versioned and "ObjectLockEnabledForBucket" not in args:
            s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    for pair in cat.REPLICATION_PAIRS:
        clients("s3", pair.source_region).put_bucket_replication(
            Bucket=pair.source, ReplicationConfiguration=_replication_config(pair))
    # Replication had already happened before any outage: same keys, bytes and times on both
    # sides; every object and version written at its own time in the last week (s3_clock).
    start = _now().replace(microsecond=0) - timedelta(days=HISTORY_DAYS)
    writes = [(pair, obj, version) for pair in cat.REPLICATION_PAIRS for obj in cat.SEED_OBJECTS[pair.id]
              for version in range(1, obj.versions + 1)]
    for n, (pair, obj, version) in enumerate(writes):
        body = _object_body(pair.source, obj.key, version)
        with s3_clock(start + n * HISTORY_STEP):
            for bucket, region in ((pair.source, pair.source_region), (pair.destination, pair.destination_region)):
                clients("s3", region).put_object(Bucket=bucket, Key=obj.key, Body=body, ContentType=obj.content_type,
                                                 StorageClass=obj.storage_class, Tagging="replication=enabled")
    site = clients("s3", cat.US_REGION)
    site.put_object(Bucket="flight-school-marketplace", Key="index.html", ContentType="text/html",
                    Body=b"<!doctype html><title>Flight School Marketplace</title>")
    site.put_bucket_website(Bucket="flight-school-marketplace", WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "index.html"}})


def seed_network(clients: Clients, result: SeedResult) -> None:
    """Seed 001: VPC, EC2 hosts, production-alb and its target groups (ECS follows: seed_ecs)."""
    ec2 = clients("ec2", cat.US_REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        {"Key": "Name", "Value": "production-vpc"}, {"Key": "Environment", "Value": "production"}]}])["Vpc"]
    subnets = [ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.0.{i}.0/24",
                                 AvailabilityZone=f"{cat.US_REGION}{az}")["Subnet"]["SubnetId"]
               for i, az in enumerate("ab", start=1)]
    ecs_spec = cat.ECS
    # The hosts' own image: moto's ~1,300 stock AMIs are not loaded (see run_steps).
    result.image_id = ec2.register_image(Name=HOST_AMI_NAME,
                                         Description="Amazon Linux 2 ECS-optimized AMI")["ImageId"]
    reservation = ec2.run_instances(
        ImageId=result.image_id, InstanceType="m5.large", MinCount=ecs_spec.container_instances,
        MaxCount=ecs_spec.container_instances, SubnetId=subnets[0],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": "Name", "Value": "production-ecs-node"}, {"Key": "Environment", "Value": "production"}]}])
    result.instance_ids = [i["InstanceId"] for i in reservation["Instances"]]

    elb = clients("elbv2", cat.US_REGION)
    sg = ec2.create_security_group(GroupName="production-alb-sg", Description="production-alb",
                                   VpcId=vpc["VpcId"])["GroupId"]
    alb = elb.create_load_balancer(Name=cat.ALB.name, Subnets=subnets, SecurityGroups=[sg],
                                   Scheme="internet-facing", Type="application")["LoadBalancers"][0]
    result.alb_arn = alb["LoadBalancerArn"]
    result.alb_dimension = alb["LoadBalancerArn"].split(":loadbalancer/", 1)[1]
    for n, tg_name in enumerate(cat.ALB.target_groups):
        tg = elb.create_target_group(Name=tg_name, Protocol="HTTP", Port=80, VpcId=vpc["VpcId"],
                                     HealthCheckPath="/health", TargetType="instance")["TargetGroups"][0]
        arn = tg["TargetGroupArn"]
        result.target_group_arns[tg_name] = arn
        hosts = result.instance_ids[n:n + cat.ALB.targets_per_group]
        if tg_name != cat.ECS.target_group:  # ECS registers web-service's tasks there (ecs_scheduler)
            elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": i, "Port": 80} for i in hosts])
        elb.create_listener(LoadBalancerArn=result.alb_arn, Protocol="HTTP", Port=80 + n * 8000,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}])


def seed_ecs(clients: Clients, result: SeedResult) -> None:
    """Seed 001: ECS production-cluster running web-service on the hosts, behind the ALB."""
    ecs_spec = cat.ECS
    ecs = clients("ecs", ecs_spec.region)
    ecs.create_cluster(clusterName=ecs_spec.cluster)
    for revision in range(1, ecs_spec.revisions + 1):
        ecs.register_task_definition(family=ecs_spec.family, requiresCompatibilities=["EC2"], containerDefinitions=[{
            "name": "web", "image": f"greenlang/web-service:1.{revision}.0", "cpu": 256, "memory": 512,
            "essential": True, "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}]}])
    for instance_id in result.instance_ids:
        ecs.register_container_instance(cluster=ecs_spec.cluster, instanceIdentityDocument=json.dumps(
            {"instanceId": instance_id, "region": ecs_spec.region, "accountId": cat.ACCOUNT_ID}))
    task_def = f"{ecs_spec.family}:{ecs_spec.revisions}"
    # The estate's scheduler (ecs_scheduler) places the tasks and registers them in the target
    # group; AwsEstate settles that deployment at once, as a service that has been running a while.
    ecs.create_service(cluster=ecs_spec.cluster, serviceName=ecs_spec.service, taskDefinition=task_def,
                       desiredCount=ecs_spec.desired_count, launchType="EC2",
                       loadBalancers=[{"targetGroupArn": result.target_group_arns[ecs_spec.target_group],
                                       "containerName": "web", "containerPort": 80}])


def seed_rds(clients: Clients) -> None:
    """Seed 001: production-db (Multi-AZ); moto adds the automated snapshot, we add the manual one."""
    rds = clients("rds", cat.RDS.region)
    rds.create_db_instance(DBInstanceIdentifier=cat.RDS.instance, Engine=cat.RDS.engine,
                           DBInstanceClass=cat.RDS.instance_class, AllocatedStorage=100, MultiAZ=True,
                           MasterUsername="greenlang", MasterUserPassword="not-a-secret-1",
                           BackupRetentionPeriod=7, Tags=[{"Key": "Environment", "Value": "production"}])
    rds.create_db_snapshot(DBInstanceIdentifier=cat.RDS.instance, DBSnapshotIdentifier=cat.RDS.manual_snapshot)


def seed_route53(clients: Clients, result: SeedResult) -> None:
    """Seeds 000/003: the hosted zone, api.greenlang.io failover records, the HC-PRIMARY-S3 health check."""
    r53 = clients("route53", cat.US_REGION)
    zone = r53.create_hosted_zone(Name=cat.HOSTED_ZONE, CallerReference=f"cockpit-{cat.HOSTED_ZONE}")
    result.hosted_zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    hc = cat.HEALTH_CHECK
    check = r53.create_health_check(CallerReference=hc.caller_reference, HealthCheckConfig={
        "Type": hc.type, "FullyQualifiedDomainName": hc.fqdn, "Port": hc.port, "ResourcePath": hc.resource_path,
        "RequestInterval": 30, "FailureThreshold": 3})
    result.health_check_id = check["HealthCheck"]["Id"]
    r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=result.health_check_id,
                                 AddTags=[{"Key": "Name", "Value": hc.name}])
    changes = []
    for role, region in (("PRIMARY", cat.PRIMARY_REGION), ("SECONDARY", cat.DR_REGION)):
        record: dict[str, Any] = {"Name": cat.API_RECORD, "Type": "CNAME", "TTL": 60, "SetIdentifier": region,
                                  "Failover": role, "ResourceRecords": [{"Value": cat.API_TARGETS[region]}]}
        if role == "PRIMARY":
            record["HealthCheckId"] = result.health_check_id
        changes.append({"Action": "CREATE", "ResourceRecordSet": record})
    r53.change_resource_record_sets(HostedZoneId=result.hosted_zone_id, ChangeBatch={"Changes": changes})


def _lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.js", "exports.handler = async () => ({statusCode: 200, body: '[]'});\n")
    return buffer.getvalue()


def seed_flight_school_table(clients: Clients) -> None:
    """Seed 004: DynamoDB flight-schools with PITR (a pane reads it: seeded before ready)."""
    fs = cat.FLIGHT_SCHOOL
    ddb = clients("dynamodb", fs.region)
    ddb.create_table(TableName=fs.table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    ddb.update_continuous_backups(TableName=fs.table,
                                  PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ddb.batch_write_item(RequestItems={fs.table: [
        {"PutRequest": {"Item": {"id": {"S": sid}, "name": {"S": name}, "location": {"S": city}}}}
        for sid, name, city in fs.schools]})


def seed_flight_school_functions(clients: Clients) -> None:
    """Seed 004: the two CDK Lambda functions (their roles come from the CdkStack step)."""
    fs = cat.FLIGHT_SCHOOL
    lam = clients("lambda", fs.region)
    code = _lambda_zip()
    for name, memory, timeout in fs.functions:
        role = f"arn:aws:iam::{cat.ACCOUNT_ID}:role/{cat.function_role(name)}"
        lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role, Handler="index.handler",
                            Code={"ZipFile": code}, MemorySize=memory, Timeout=timeout, Publish=True)


def seed_logs(clients: Clients) -> None:
    """Seeds 001/004 log groups with a few quiet lines; scenarios append the ERRORs."""
    now_ms = int(_now().timestamp() * 1000)
    for group in cat.LOG_GROUPS:
        logs = clients("logs", group.region)
        logs.create_log_group(logGroupName=group.name)
        logs.create_log_stream(logGroupName=group.name, logStreamName=cat.LOG_STREAM)
        logs.put_log_events(logGroupName=group.name, logStreamName=cat.LOG_STREAM, logEvents=[
            {"timestamp": now_ms - 1000 * (len(group.baseline) - i), "message": line}
            for i, line in enumerate(group.baseline)])


def on_alb(alarm: cat.Alarm) -> bool:
    """Whether the alarm watches the ALB, by the ALB's real id (known once the ALB exists)."""
    return any(value == cat.ALB_DIMENSION_PLACEHOLDER for _, value in alarm.dimensions)


#: Regions whose alarms include one on the ALB: their CloudWatch is complete only once the ALB
#: exists, so an outside request to it waits for the network step (``soon_steps``).
ALB_ALARM_REGIONS = frozenset(alarm.region for alarm in cat.ALARMS if on_alb(alarm))


def seed_cloudwatch(clients: Clients, result: SeedResult, *, alb: bool = False) -> None:
    """Every runbook alarm (state OK) and one baseline datapoint per metric they watch;
    ``alb``: only those on the ALB (seeded after it), else all the others."""
    for alarm in cat.ALARMS:
        if on_alb(alarm) != alb:
            continue
        clients("cloudwatch", alarm.region).put_metric_alarm(
            AlarmName=alarm.name, AlarmDescription=alarm.description, MetricName=alarm.metric,
            Namespace=alarm.namespace, Dimensions=_alarm_dimensions(alarm, result), Statistic=alarm.statistic,
            Period=alarm.period, EvaluationPeriods=alarm.evaluation_periods, Threshold=alarm.threshold,
            ComparisonOperator=alarm.comparison, AlarmActions=[alarm.topic.arn],
            Tags=[{"Key": "severity", "Value": alarm.severity}, {"Key": "runbook", "Value": alarm.runbook}])
    now = _now()
    batches: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (region, namespace) -> data
    for pair in cat.REPLICATION_PAIRS if not alb else ():
        batches.setdefault((pair.source_region, "AWS/S3"), []).extend(
            replication_data(pair, now, latency_seconds=45.0, pending_operations=10.0,
                              failed_operations=0.0, bytes_pending=20480.0))
    baseline = {  # quiet, healthy values for the other alarms' metrics
        "greenlang-s3-5xx-errors-critical": 0.0, "greenlang-s3-4xx-errors-warning": 3.0,
        "prod-rds-high-cpu": 35.0, "prod-rds-low-disk": 64.0 * 2**30, "prod-alb-unhealthy-targets": 0.0,
    }
    for name, value in baseline.items():
        alarm = cat.ALARMS_BY_NAME[name]
        if on_alb(alarm) != alb:
            continue
        batches.setdefault((alarm.region, alarm.namespace), []).append(
            {"MetricName": alarm.metric, "Dimensions": _alarm_dimensions(alarm, result), "Value": value,
             "Timestamp": now})
    for (region, namespace), data in batches.items():  # PutMetricData takes one namespace per call
        clients("cloudwatch", region).put_metric_data(Namespace=namespace, MetricData=data)


def _alarm_dimensions(alarm: cat.Alarm, result: SeedResult) -> list[dict[str, str]]:
    """The alarm's dimensions, with the runbook's ``app/production-alb/xxx`` made real."""
    return [{"Name": k, "Value": result.alb_dimension if v == cat.ALB_DIMENSION_PLACEHOLDER else v}
            for k, v in alarm.dimensions]


REPLICATION_METRICS = ("ReplicationLatency", "OperationsPendingReplication",
                       "OperationsFailedReplication", "BytesPendingReplication")


def replication_data(pair: cat.ReplicationPair, at: datetime, *, latency_seconds: float,
                      pending_operations: float, failed_operations: float,
                      bytes_pending: float) -> list[dict[str, Any]]:
    """The four S3 replication metrics as AWS publishes them (namespace AWS/S3, source region)."""
    dims = [{"Name": k, "Value": v} for k, v in pair.metric_dimensions().items()]
    values = ((latency_seconds, "Seconds"), (pending_operations, "Count"), (failed_operations, "Count"),
              (bytes_pending, "Bytes"))
    return [{"MetricName": name, "Dimensions": dims, "Value": float(value), "Unit": unit, "Timestamp": at}
            for name, (value, unit) in zip(REPLICATION_METRICS, values)]


Step = tuple[str, Callable[[], None]]

#: Seeded before the estate says it is ready: what the default screen (greenlang-storage)
#: reads from AWS, alarms and replication metrics. Named as ``wsgi_counter.credential_scope``
#: names services; ``service@region`` is one region of it. Everything else is seeded just
#: after, service by service (``soon_steps``, then ``rest_steps``), while the server holds
#: outside requests to each until it is done (``wsgi_gate.SeedGate``): nobody ever reads a
#: half-built service, a false "0/3" or a region's alarms without the one on the ALB.
READY_SERVICES = frozenset({"cloudwatch"})
#: Regions of READY_SERVICES still held at ready: CloudWatch where an alarm watches the ALB
#: (EC2 and the ALB are a third of the AWS seed, and the default screen reads neither).
HELD_AT_READY = {"cloudwatch": ALB_ALARM_REGIONS}


def pane_steps(clients: Clients, result: SeedResult) -> list[Step]:
    """Resources of READY_SERVICES: the alarms, but for those on the ALB."""
    return [("cloudwatch", lambda: seed_cloudwatch(clients, result))]


def seed_alb(clients: Clients, result: SeedResult) -> None:
    """The network, the ALB with blue-green's rule on its listener, then the alarms on it."""
    seed_network(clients, result)
    ops.seed_alb_rule(clients, result)
    seed_cloudwatch(clients, result, alb=True)


def soon_steps(clients: Clients, result: SeedResult) -> list[tuple[str, Callable[[], None], frozenset[str]]]:
    """What other screens' panes read, first after ready; each with the services (or
    ``service@region``) it completes. The network first: ECS runs on its hosts."""
    return [
        ("network", lambda: seed_alb(clients, result),
         frozenset({"ec2", "elbv2", *(f"cloudwatch@{region}" for region in ALB_ALARM_REGIONS)})),
        ("ecs", lambda: seed_ecs(clients, result), frozenset({"ecs"})),
        ("rds", lambda: seed_rds(clients), frozenset({"rds"})),
        ("flight-school-table", lambda: seed_flight_school_table(clients), frozenset({"dynamodb"})),
    ]


def rest_steps(clients: Clients, result: SeedResult) -> list[Step]:
    """Everything else (read by playbooks, not panes); IAM before Lambda (the functions' role)."""
    return [
        ("iam", lambda: seed_iam(clients)),
        ("sns", lambda: seed_sns(clients)),
        ("s3", lambda: seed_s3(clients)),
        ("storage-extras", lambda: ops.seed_storage_extras(clients, _now())),
        ("staging-storage", lambda: ops.seed_staging_storage(clients)),  # seed 003's partial failover test
        ("multipart-uploads", lambda: ops.seed_multipart_uploads(clients, _now())),
        ("identities", lambda: ops.seed_identities(clients)),
        ("audit-identities", lambda: ops.seed_audit_identities(clients, _now())),
        ("cdk-stack", lambda: ops.seed_cdk_stack(clients)),
        ("route53", lambda: seed_route53(clients, result)),
        ("flight-school-functions", lambda: seed_flight_school_functions(clients)),
        ("log-patterns", log_patterns.install),  # seed 001's `[..., status_code=5*, ...]`, as CloudWatch reads it
        ("logs", lambda: seed_logs(clients)),
        ("log-history", lambda: ops.seed_log_history(clients, _now())),
    ]


#: What ``rest_steps`` completes: let through once they are done, before ``late_steps``.
REST_SERVICES = frozenset({"iam", "sns", "s3", "route53", "lambda", "logs"})


def late_steps(clients: Clients, result: SeedResult) -> list[Step]:
    """Services no earlier step touches (and EC2/ELB extras): their first use costs moto a
    module import each, so they come last and hold nobody else's requests."""
    return [
        ("network-extras", lambda: ops.seed_network_extras(clients, result)),
        ("scaling", lambda: ops.seed_scaling(clients, result)),
        ("api", lambda: ops.seed_api(clients)),
        ("security", lambda: ops.seed_security(clients)),
        ("cdn", lambda: ops.seed_cdn(clients)),
        ("audit-resources", lambda: ops.seed_audit_resources(clients, _now())),
    ]


def run_steps(steps: list[Step], result: SeedResult, timer: Callable[[], float]) -> None:
    """Run seed steps in order, recording how long each took (the estate must be ready in < 3 s)."""
    # moto would give every new EC2 region ~1,300 stock AMIs (with a volume and snapshot
    # each): seconds of CPU on the first EC2 call, and a describe-snapshots the
    # runbook's reader would have to wade through. The account has the hosts' image only.
    with moto_settings(MOTO_EC2_LOAD_DEFAULT_AMIS="false"):
        for name, step in steps:
            started = timer()
            step()
            result.timings[name] = round(timer() - started, 3)

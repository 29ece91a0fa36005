"""The runbooks' AWS names, as data.

The seed, the scenario driver, the tests and the documentation all need the same bucket,
alarm and cluster names. Keeping them here (rather than as string literals scattered over
those modules) means a playbook written from a runbook and the estate it runs against can
never drift apart silently. Each entry says which runbook (seed 000-004) it comes from.

Where a runbook is inconsistent with AWS we keep the runbook's text and say so: seed 001
writes the account as ``123456789``; moto's (and the estate's) account is ``123456789012``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

ACCOUNT_ID = "123456789012"

PRIMARY_REGION = "eu-west-1"  # seeds 000/003: GreenLang storage, primary
DR_REGION = "eu-central-1"  # seeds 000/003: GreenLang storage, disaster recovery
US_REGION = "us-east-1"  # seeds 001/004: generic infrastructure, flight school
REGIONS: tuple[str, ...] = (PRIMARY_REGION, DR_REGION, US_REGION)


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket and why it exists."""

    name: str
    region: str
    versioned: bool
    runbook: str
    purpose: str


@dataclass(frozen=True)
class ReplicationPair:
    """A cross-region replication rule of seed 003 (source bucket -> replica)."""

    id: str
    source: str
    destination: str
    source_region: str
    destination_region: str
    rule_id: str
    rpo_seconds: int

    @property
    def destination_arn(self) -> str:
        return f"arn:aws:s3:::{self.destination}"

    def metric_dimensions(self) -> dict[str, str]:
        """The dimensions AWS itself publishes S3 replication metrics under."""
        return {"SourceBucket": self.source, "DestinationBucket": self.destination, "RuleId": self.rule_id}


def _primary(name: str) -> str:
    return f"greenlang-prod-{PRIMARY_REGION}-{name}"


def _replica(name: str) -> str:
    return f"greenlang-prod-{DR_REGION}-{name}-replica"


REPLICATION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/greenlang-s3-replication-role"
REPLICATION_RULE_ID = "replicate-critical-data"
DR_KMS_KEY_ARN = f"arn:aws:kms:{DR_REGION}:{ACCOUNT_ID}:key/dr-key-id"

REPLICATION_PAIRS: tuple[ReplicationPair, ...] = (
    ReplicationPair("data-lake", _primary("data-lake-confidential"), _replica("data-lake-confidential"),
                    PRIMARY_REGION, DR_REGION, REPLICATION_RULE_ID, 900),
    ReplicationPair("reports", _primary("reports-confidential"), _replica("reports-confidential"),
                    PRIMARY_REGION, DR_REGION, REPLICATION_RULE_ID, 900),
    ReplicationPair("models", _primary("models-internal"), _replica("models-internal"),
                    PRIMARY_REGION, DR_REGION, REPLICATION_RULE_ID, 3600),
)
PAIRS_BY_ID: dict[str, ReplicationPair] = {p.id: p for p in REPLICATION_PAIRS}

DATA_LAKE = REPLICATION_PAIRS[0].source
DATA_LAKE_REPLICA = REPLICATION_PAIRS[0].destination

BUCKETS: tuple[Bucket, ...] = (
    *(Bucket(p.source, p.source_region, True, "003", f"{p.id} (primary)") for p in REPLICATION_PAIRS),
    *(Bucket(p.destination, p.destination_region, True, "003", f"{p.id} (replica)") for p in REPLICATION_PAIRS),
    Bucket(_primary("audit-logs"), PRIMARY_REGION, True, "003", "audit logs (no replication, compliance)"),
    Bucket(_primary("temp"), PRIMARY_REGION, False, "003", "temporary uploads (no replication)"),
    Bucket("flight-school-marketplace", US_REGION, False, "004", "flight school static site"),
)


@dataclass(frozen=True)
class SeedObject:
    """An object present in a replicated bucket (and, already replicated, in its replica)."""

    key: str
    versions: int = 1
    storage_class: str = "STANDARD"
    content_type: str = "application/octet-stream"


#: Objects the runbooks read, head or restore (seeds 000 and 003), per replication pair. They
#: exist in the source AND the replica: replication had caught up before any outage began.
SEED_OBJECTS: dict[str, tuple[SeedObject, ...]] = {
    "data-lake": (
        SeedObject("silver/cbam/latest/manifest.json", content_type="application/json"),
        SeedObject("silver/manifest.json", content_type="application/json"),
        SeedObject("gold/sustainability/emissions_summary.parquet"),
        SeedObject("silver/cbam/emissions/data.parquet", versions=3),  # point-in-time restore (seed 000)
        SeedObject("archive/2024/compliance_report.pdf", storage_class="GLACIER",  # Glacier restore (seed 000)
                   content_type="application/pdf"),
    ),
    "reports": (SeedObject("cbam/2024/Q4/cbam_report.pdf", content_type="application/pdf"),),
    "models": (SeedObject("emissions-forecaster/v3/model.tar.gz", versions=2),),
}


@dataclass(frozen=True)
class Topic:
    name: str
    region: str

    @property
    def arn(self) -> str:
        return f"arn:aws:sns:{self.region}:{ACCOUNT_ID}:{self.name}"


PLATFORM_CRITICAL = Topic("platform-critical-alerts", PRIMARY_REGION)  # seeds 000/003
CRITICAL_ALERTS = Topic("critical-alerts", US_REGION)  # seed 001 (and seed 004's alarms)
BILLING_ALERTS = Topic("billing-alerts", US_REGION)  # seed 004
TOPICS: tuple[Topic, ...] = (PLATFORM_CRITICAL, CRITICAL_ALERTS, BILLING_ALERTS)


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch metric alarm exactly as a runbook defines it."""

    name: str
    region: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period: int
    evaluation_periods: int
    threshold: float
    comparison: str
    severity: str  # "critical" | "warning", from the runbook's response matrix
    description: str
    topic: Topic
    runbook: str

    def dimensions_dict(self) -> dict[str, str]:
        return dict(self.dimensions)


#: Placeholder the seed replaces with the real ``app/production-alb/<id>`` once moto made the ALB.
ALB_DIMENSION_PLACEHOLDER = "app/production-alb/xxx"

_DL = (("BucketName", DATA_LAKE),)
_DL_DEST = (("BucketName", DATA_LAKE), ("DestinationBucket", DATA_LAKE_REPLICA))
_GT, _GE, _LT = "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold"

ALARMS: tuple[Alarm, ...] = (
    # seed 000: "CloudWatch Alarms" + the alert response matrix
    Alarm("greenlang-s3-5xx-errors-critical", PRIMARY_REGION, "AWS/S3", "5xxErrors", _DL, "Sum", 300, 2, 10, _GT,
          "critical", "S3 5xx errors > 10/min", PLATFORM_CRITICAL, "000"),
    Alarm("greenlang-s3-replication-pending-critical", PRIMARY_REGION, "AWS/S3", "OperationsPendingReplication", _DL,
          "Sum", 300, 3, 1000, _GT, "critical", "Replication pending > 1000", PLATFORM_CRITICAL, "000"),
    Alarm("greenlang-s3-4xx-errors-warning", PRIMARY_REGION, "AWS/S3", "4xxErrors", _DL, "Sum", 300, 2, 100, _GT,
          "warning", "S3 4xx errors > 100/min", PLATFORM_CRITICAL, "000"),
    Alarm("greenlang-s3-replication-lag-warning", PRIMARY_REGION, "AWS/S3", "ReplicationLatency", _DL_DEST,
          "Average", 300, 3, 900, _GT, "warning", "Replication lag > 15 min", PLATFORM_CRITICAL, "000"),
    # seed 003: "Monitoring RPO Compliance"
    Alarm("S3-Replication-Lag-Critical", PRIMARY_REGION, "AWS/S3", "ReplicationLatency", _DL_DEST, "Average", 300, 3,
          900, _GT, "critical", "S3 replication lag exceeds 15 minutes", PLATFORM_CRITICAL, "003"),
    # seed 001: "Critical Alerts Setup"
    Alarm("prod-rds-high-cpu", US_REGION, "AWS/RDS", "CPUUtilization", (("DBInstanceIdentifier", "production-db"),),
          "Average", 300, 2, 80, _GT, "critical", "RDS CPU > 80%", CRITICAL_ALERTS, "001"),
    Alarm("prod-rds-low-disk", US_REGION, "AWS/RDS", "FreeStorageSpace", (("DBInstanceIdentifier", "production-db"),),
          "Average", 300, 1, 10737418240, _LT, "critical", "RDS Free Storage < 10GB", CRITICAL_ALERTS, "001"),
    Alarm("prod-alb-unhealthy-targets", US_REGION, "AWS/ApplicationELB", "UnHealthyHostCount",
          (("LoadBalancer", ALB_DIMENSION_PLACEHOLDER),), "Average", 60, 2, 1, _GE, "critical",
          "ALB has unhealthy targets", CRITICAL_ALERTS, "001"),
    # seed 004: "Alerting Setup" and "Set Up Billing Alerts" (the runbook gives no dimensions)
    Alarm("flight-school-lambda-errors", US_REGION, "AWS/Lambda", "Errors", (), "Average", 300, 2, 0.05, _GT,
          "critical", "Alert when Lambda error rate > 5%", CRITICAL_ALERTS, "004"),
    Alarm("flight-school-api-5xx", US_REGION, "AWS/ApiGateway", "5XXError", (), "Sum", 300, 1, 10, _GT,
          "critical", "Alert on API 5XX errors", CRITICAL_ALERTS, "004"),
    Alarm("flight-school-dynamodb-throttle", US_REGION, "AWS/DynamoDB", "ThrottledRequests", (), "Sum", 300, 1, 0,
          _GT, "warning", "Alert on DynamoDB throttling", CRITICAL_ALERTS, "004"),
    Alarm("flight-school-billing", US_REGION, "AWS/Billing", "EstimatedCharges", (), "Maximum", 21600, 1, 100, _GT,
          "warning", "Alert when monthly bill > $100", BILLING_ALERTS, "004"),
)
ALARMS_BY_NAME: dict[str, Alarm] = {a.name: a for a in ALARMS}


@dataclass(frozen=True)
class HealthCheck:
    """A Route53 health check. moto generates ids, so playbooks find it by its Name tag."""

    name: str
    caller_reference: str
    fqdn: str
    resource_path: str = "/"
    port: int = 443
    type: str = "HTTPS"


HOSTED_ZONE = "greenlang.io"  # seed 000 calls it Z1234567890ABC; moto picks its own id
API_RECORD = "api.greenlang.io"
HEALTH_CHECK = HealthCheck("HC-PRIMARY-S3", "HC-PRIMARY-S3", f"s3.{PRIMARY_REGION}.amazonaws.com")
#: Failover targets of api.greenlang.io (seed 003: Route53 points at the DR region's endpoints).
API_TARGETS: dict[str, str] = {region: f"api.{region}.greenlang.io" for region in (PRIMARY_REGION, DR_REGION)}


@dataclass(frozen=True)
class EcsEstate:
    """Seed 001's ECS: ``production-cluster`` running ``web-service``."""

    cluster: str = "production-cluster"
    service: str = "web-service"
    family: str = "web-service"
    revisions: int = 3  # web-service:1..:3, so "roll back to the previous revision" has somewhere to go
    desired_count: int = 3
    container_instances: int = 3
    target_group: str = "web-service-tg"  # the service's load balancer: its running tasks are the targets
    region: str = US_REGION


@dataclass(frozen=True)
class RdsEstate:
    """Seed 001's RDS: ``production-db`` (Multi-AZ) and the snapshot its rollback restores."""

    instance: str = "production-db"
    engine: str = "postgres"
    instance_class: str = "db.r5.large"
    manual_snapshot: str = "manual-backup-20250101"
    region: str = US_REGION


@dataclass(frozen=True)
class AlbEstate:
    """Seed 001's load balancer and its target groups."""

    name: str = "production-alb"
    target_groups: tuple[str, ...] = ("web-service-tg", "api-tg")
    targets_per_group: int = 2
    region: str = US_REGION


@dataclass(frozen=True)
class FlightSchool:
    """Seed 004's serverless app: DynamoDB table and Lambda functions."""

    table: str = "flight-schools"
    functions: tuple[tuple[str, int, int], ...] = (  # name, memory MB, timeout s (seed 004 "Lambda Scaling")
        ("CdkStack-GetSchoolsFunction", 256, 10),
        ("CdkStack-MatchExplainerFunction", 512, 30),
    )
    region: str = US_REGION
    schools: tuple[tuple[str, str, str], ...] = field(default=(  # id, name, city
        ("school-001", "Blue Skies Aviation", "Phoenix, AZ"),
        ("school-002", "Coastal Flight Academy", "San Diego, CA"),
        ("school-003", "Mountain Air Training", "Denver, CO"),
        ("school-004", "Lakeside Aero Club", "Madison, WI"),
    ))


@dataclass(frozen=True)
class LogGroup:
    """A CloudWatch Logs group a runbook reads with ``filter-log-events`` or ``logs tail``."""

    name: str
    region: str
    runbook: str
    baseline: tuple[str, ...]  # quiet INFO lines, so a filter for ERROR finds nothing at first


LOG_GROUPS: tuple[LogGroup, ...] = (
    LogGroup("/aws/application/enterprise-prod", US_REGION, "001",
             ("INFO request served path=/health status=200", "INFO cache warm entries=1024")),
    LogGroup("/aws/elasticloadbalancing/app/production-alb", US_REGION, "001",
             ("http 2025-01-01T09:00:00Z app/production-alb 10.0.1.10:443 10.0.1.20:80 0.001 0.010 0.000 200 200",)),
    LogGroup("/aws/lambda/CdkStack-GetSchoolsFunction", US_REGION, "004",
             ("START RequestId: 0001 Version: $LATEST", "INFO returned 4 schools", "END RequestId: 0001")),
    LogGroup("/aws/lambda/CdkStack-MatchExplainerFunction", US_REGION, "004",
             ("START RequestId: 0002 Version: $LATEST", "INFO explanation generated", "END RequestId: 0002")),
)
LOG_GROUPS_BY_NAME: dict[str, LogGroup] = {g.name: g for g in LOG_GROUPS}
LOG_STREAM = "cockpit-estate"


ECS = EcsEstate()
RDS = RdsEstate()
ALB = AlbEstate()
FLIGHT_SCHOOL = FlightSchool()


def alarm_region(alarm_name: str) -> str:
    """The region an alarm lives in; unknown names get a clear error (drivers pass names from YAML)."""
    try:
        return ALARMS_BY_NAME[alarm_name].region
    except KeyError:
        raise KeyError(f"unknown alarm {alarm_name!r}; known: {', '.join(sorted(ALARMS_BY_NAME))}") from None


# -- What the runbooks' audits, rotations, reviews and DR steps read or change (issue 11) ----------
# Seeded by ``aws_seed_ops.py``; answered where moto has no answer by ``wsgi_answers.py``.

BACKUPS_BUCKET = "greenlang-backups"  # seed 002: `aws s3 ls s3://greenlang-backups/database/ | tail -5`
BACKUP_DAYS = 7  # one nightly database dump per day, the newest last night
#: seed 001 rolls a Lambda back with `--s3-bucket my-deployment-bucket --s3-key my-function-previous-version.zip`;
#: the flight school's functions keep their packages here as ``<function>-{previous,current}-version.zip``.
DEPLOYMENT_BUCKET = "flight-school-lambda-deployments"
#: seed 004's "Data Export" writes to ``s3://your-backup-bucket/$(date +%Y%m%d)/schools.json``: this is it (empty).
FLIGHT_SCHOOL_BACKUP_BUCKET = "flight-school-backups"
CDK_STACK = "CdkStack"  # seed 004: describe-stack-events --stack-name CdkStack


def function_role(function: str) -> str:
    """Seed 004 reviews ``CdkStack-GetSchoolsFunction-Role``: each function has its own role."""
    return f"{function}-Role"


CBAM_ROLE = "greenlang-cbam-role"  # seed 000: simulate-principal-policy --policy-source-arn .../greenlang-cbam-role
RDS_EXPORT_ROLE = "rds-export-role"  # seed 001: rds start-export-task --iam-role-arn .../rds-export-role
DEPLOYMENT_USER = "deployment-user"  # seed 004: create-access-key / delete-access-key --user-name deployment-user
#: The age of deployment-user's seeded key at the start (world time): two days short of seed
#: 001's "old access keys (>90 days)" audit line, the rotation the security team asks for.
DEPLOYMENT_KEY_AGE_DAYS = 88
#: When CI last deployed with it before the start, and through which service and region.
DEPLOYMENT_KEY_LAST_USED = (timedelta(hours=3), "s3", US_REGION)
#: The user behind the estate's own credentials (``testing``), as moto's get-caller-identity names it.
ESTATE_USER = "moto"

TRAIL = "management-events"  # seed 001 `describe-trails`; seed 004 creates its own flight-school-trail
TRAIL_BUCKET = _primary("audit-logs")
ASG = "production-asg"  # seed 001: autoscaling set-desired-capacity --auto-scaling-group-name production-asg
#: seed 003 DR phase 2: `apigateway update-stage --rest-api-id abc123 --stage-name prod --region eu-central-1`
REST_API_ID = "abc123"
REST_API_NAME = "greenlang-api"
REST_API_STAGE = "prod"
S3_VPC_ENDPOINT_SERVICE = f"com.amazonaws.{PRIMARY_REGION}.s3"  # seed 000: describe-vpc-endpoints
#: Historical lines the log reviews find (seed 001 "Log Review", seed 004 Lambda errors): a few
#: hours old, so "the last hour" is quiet until a scenario writes more. ``{time}``: the line's own time.
LOG_HISTORY: dict[str, tuple[tuple[int, str], ...]] = {  # group -> (minutes ago, line)
    "/aws/application/enterprise-prod": (
        (185, "ERROR payment-client timeout after 30000ms path=/api/v1/orders request_id=7f3a"),
        (150, "ERROR db pool exhausted waiting 5000ms for a connection (max 50)"),
        (95, "WARN slow query 2315ms SELECT * FROM emissions_reports WHERE tenant_id=$1"),
    ),
    "/aws/elasticloadbalancing/app/production-alb": (
        (190, "http {time} app/production-alb 203.0.113.7:51234 10.0.1.21:80 0.001 30.001 -1 504 -"),
        (150, "http {time} app/production-alb 198.51.100.4:40211 10.0.1.22:80 0.001 0.004 0.000 502 502"),
    ),
    "/aws/lambda/CdkStack-MatchExplainerFunction": (
        (240, "ERROR ThrottlingException: Rate exceeded (Bedrock InvokeModel, retrying)"),
        (120, "ERROR Task timed out after 30.03 seconds"),
    ),
}

#: Seed 001's weekly security audit and monthly cost review find these (aws_seed_ops.seed_audit_*):
#: a user without MFA whose only key is older than the runbook's 90 days, next to one with MFA
#: and a fresh key; a security group open to 0.0.0.0/0 on SSH; an Elastic IP nobody uses, a
#: volume nobody attached and its snapshot older than 90 days (no EBS snapshot of the last week).
AUDIT_STALE_USER = "legacy-reporting"
AUDIT_STALE_KEY_DAYS = 200
AUDIT_MFA_USER = "ops-admin"
AUDIT_OPEN_SG = "legacy-bastion-sg"
AUDIT_IDLE_EIP_NAME = "old-nat-gateway-eip"
AUDIT_DETACHED_VOLUME_NAME = "reporting-scratch"
AUDIT_OLD_SNAPSHOT_DAYS = 120

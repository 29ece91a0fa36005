"""Which metrics the estate publishes on its own, under which dimensions, at what level.

The series the runbooks' capacity, cost and health queries read (seeds 000, 001, 003, 004,
with the dimensions their commands use), plus the dimension-less series the seed-004
alarms watch (Lambda and DynamoDB publish account-wide aggregates too). Each gets a quiet,
healthy :class:`Baseline`; scenarios move them with levels (``MetricStore.set_level``).

S3 replication metrics are published twice with the same values: under the dimensions S3
really uses (SourceBucket, DestinationBucket, RuleId: what the cockpit reads) and under
the runbooks' (BucketName with and without DestinationBucket: what their alarms and
``get-metric-statistics`` commands read), see :func:`replication_keys`.
"""

from __future__ import annotations

from cockpit.estate import catalogue as cat
from cockpit.estate.metrics import Baseline, SeriesKey, series_key

#: The flight-school REST API's name as API Gateway metrics carry it (seed 004's CDK ``RestApi 'Api'``).
API_NAME = "Api"
GIB = 2.0**30

#: Replication metric -> (baseline while replication keeps up, unit). Same as the seed's.
REPLICATION_BASELINE: dict[str, tuple[float, str]] = {
    "ReplicationLatency": (42.0, "Seconds"),
    "OperationsPendingReplication": (12.0, "Count"),
    "OperationsFailedReplication": (0.0, "Count"),
    "BytesPendingReplication": (1.8e6, "Bytes"),
}


def replication_keys(pair: cat.ReplicationPair, metric: str) -> list[SeriesKey]:
    """Every key one replication metric of ``pair`` is published under (same values in each)."""
    dims = [pair.metric_dimensions(),
            {"BucketName": pair.source, "DestinationBucket": pair.destination},
            {"BucketName": pair.source}]
    return [series_key(pair.source_region, "AWS/S3", metric, d) for d in dims]


def alb_series(alb_dimension: str) -> list[tuple[SeriesKey, Baseline]]:
    """The ALB's series; ``alb_dimension`` is its real ``app/production-alb/<id>`` (known once it exists)."""
    alb = {"LoadBalancer": alb_dimension}
    us = cat.US_REGION
    return [
        (series_key(us, "AWS/ApplicationELB", "RequestCount", alb), Baseline(900.0, "Count", daily=0.5, whole=True)),
        (series_key(us, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb), Baseline(0.0, "Count", whole=True)),
        (series_key(us, "AWS/ApplicationELB", "UnHealthyHostCount", alb), Baseline(0.0, "Count", whole=True)),
        (series_key(us, "AWS/ApplicationELB", "HealthyHostCount", alb),
         Baseline(float(cat.ALB.targets_per_group), "Count", daily=0.0, noise=0.0, whole=True)),
    ]


def baseline_series() -> list[tuple[SeriesKey, Baseline]]:
    """Every series with generated history but the ALB's (:func:`alb_series`)."""
    us = cat.US_REGION
    out: list[tuple[SeriesKey, Baseline]] = []

    def add(region: str, namespace: str, name: str, dims: dict[str, str], baseline: Baseline) -> None:
        out.append((series_key(region, namespace, name, dims), baseline))

    db = {"DBInstanceIdentifier": cat.RDS.instance}
    add(us, "AWS/RDS", "CPUUtilization", db, Baseline(35.0, "Percent", daily=0.3))
    add(us, "AWS/RDS", "DatabaseConnections", db, Baseline(42.0, "Count", daily=0.4, whole=True))
    # Free storage shrinks by half a GiB a day (the data grows): seed 001's monthly capacity
    # planning forecasts from this trend when the disk fills.
    add(us, "AWS/RDS", "FreeStorageSpace", db, Baseline(64 * GIB, "Bytes", daily=0.0, noise=0.002,
                                                         trend_per_day=-0.5 * GIB))
    svc = {"ClusterName": cat.ECS.cluster, "ServiceName": cat.ECS.service}
    add(us, "AWS/ECS", "CPUUtilization", svc, Baseline(28.0, "Percent", daily=0.3))
    add(us, "AWS/ECS", "MemoryUtilization", svc, Baseline(46.0, "Percent", daily=0.05, noise=0.03))
    # Container Insights' task count, what seed 001's monthly capacity planning reads ("ECS Task Count Trends").
    add(us, "ECS/ContainerInsights", "RunningTaskCount", svc,
        Baseline(float(cat.ECS.desired_count), "Count", daily=0.0, noise=0.0, whole=True))
    lambda_dims = [{"FunctionName": name} for name, _, _ in cat.FLIGHT_SCHOOL.functions] + [{}]
    for dims in lambda_dims:
        add(us, "AWS/Lambda", "Invocations", dims, Baseline(120.0, "Count", daily=0.5, whole=True))
        add(us, "AWS/Lambda", "Errors", dims, Baseline(0.0, "Count", whole=True))
        add(us, "AWS/Lambda", "Duration", dims, Baseline(180.0, "Milliseconds", daily=0.1))
        add(us, "AWS/Lambda", "Throttles", dims, Baseline(0.0, "Count", whole=True))
    for dims in ({"ApiName": API_NAME}, {}):
        add(us, "AWS/ApiGateway", "Count", dims, Baseline(240.0, "Count", daily=0.5, whole=True))
        add(us, "AWS/ApiGateway", "4XXError", dims, Baseline(2.0, "Count", noise=0.5, whole=True))
        add(us, "AWS/ApiGateway", "5XXError", dims, Baseline(0.0, "Count", whole=True))
        add(us, "AWS/ApiGateway", "Latency", dims, Baseline(95.0, "Milliseconds", daily=0.1))
    for dims in ({"TableName": cat.FLIGHT_SCHOOL.table}, {}):
        add(us, "AWS/DynamoDB", "ConsumedReadCapacityUnits", dims, Baseline(60.0, "Count", daily=0.5))
        add(us, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", dims, Baseline(8.0, "Count", daily=0.5))
        add(us, "AWS/DynamoDB", "ThrottledRequests", dims, Baseline(0.0, "Count", whole=True))
    for dims in ({"Currency": "USD"}, {}):  # the month's bill so far, published every few hours
        add(us, "AWS/Billing", "EstimatedCharges", dims, Baseline(42.0, "None", period=21600, daily=0.0, noise=0.05))
    for bucket in cat.BUCKETS:
        b = {"BucketName": bucket.name}
        size = 3 * GIB if "data-lake" in bucket.name else 0.4 * GIB
        for storage in ("StandardStorage",):
            add(bucket.region, "AWS/S3", "BucketSizeBytes", {**b, "StorageType": storage},
                Baseline(size, "Bytes", period=86400, daily=0.0, noise=0.01))
        add(bucket.region, "AWS/S3", "NumberOfObjects", {**b, "StorageType": "AllStorageTypes"},
            Baseline(size / 2e6, "Count", period=86400, daily=0.0, noise=0.01, whole=True))
    for bucket in cat.BUCKETS:
        if bucket.region != cat.PRIMARY_REGION:
            continue
        b = {"BucketName": bucket.name}
        add(bucket.region, "AWS/S3", "AllRequests", b, Baseline(300.0, "Count", daily=0.5, whole=True))
        add(bucket.region, "AWS/S3", "4xxErrors", b, Baseline(3.0, "Count", noise=0.5, whole=True))
        add(bucket.region, "AWS/S3", "5xxErrors", b, Baseline(0.0, "Count", whole=True))
        add(bucket.region, "AWS/S3", "TotalRequestLatency", b, Baseline(38.0, "Milliseconds", daily=0.1))
        add(bucket.region, "AWS/S3", "FirstByteLatency", b, Baseline(14.0, "Milliseconds", daily=0.1))  # seed 000: > 200 ms
        add(bucket.region, "AWS/S3", "ThrottledRequests", b, Baseline(0.0, "Count", whole=True))
    for pair in cat.REPLICATION_PAIRS:
        for metric, (mean, unit) in REPLICATION_BASELINE.items():
            for key in replication_keys(pair, metric):
                out.append((key, Baseline(mean, unit, daily=0.0, noise=0.0)))
    out.extend(watched_series())
    return out


#: Seed 003's bronze-zone rule on the data lake (prefix bronze/, RPO 1 h): S3 publishes its
#: replication metrics under its own RuleId.
BRONZE_RULE_ID = "replicate-bronze-zone"


def watched_series() -> list[tuple[SeriesKey, Baseline]]:
    """The series the screens' runbook thresholds read that nothing above publishes:
    seed 004's Lambda concurrency and DynamoDB errors and latency, seed 003's bronze-zone
    rule, and the GreenLang API's request metrics that seed 002's SLOs are measured on
    (a custom namespace, as the platform's api-gateway would publish them)."""
    us = cat.US_REGION
    out: list[tuple[SeriesKey, Baseline]] = []
    for dims in [{"FunctionName": name} for name, _, _ in cat.FLIGHT_SCHOOL.functions] + [{}]:
        out.append((series_key(us, "AWS/Lambda", "ConcurrentExecutions", dims),
                    Baseline(6.0, "Count", daily=0.5, whole=True)))
    for dims in ({"TableName": cat.FLIGHT_SCHOOL.table}, {}):
        out.append((series_key(us, "AWS/DynamoDB", "SystemErrors", dims), Baseline(0.0, "Count", whole=True)))
        out.append((series_key(us, "AWS/DynamoDB", "UserErrors", dims), Baseline(0.0, "Count", whole=True)))
    for op in ("GetItem", "Scan", "PutItem"):
        out.append((series_key(us, "AWS/DynamoDB", "SuccessfulRequestLatency",
                               {"TableName": cat.FLIGHT_SCHOOL.table, "Operation": op}),
                    Baseline(6.0, "Milliseconds", daily=0.1)))
    lake = cat.REPLICATION_PAIRS[0]
    bronze = {"SourceBucket": lake.source, "DestinationBucket": lake.destination, "RuleId": BRONZE_RULE_ID}
    for metric, (mean, unit) in REPLICATION_BASELINE.items():
        out.append((series_key(lake.source_region, "AWS/S3", metric, bronze),
                    Baseline(mean * 2 if metric == "ReplicationLatency" else mean, unit, daily=0.0, noise=0.0)))
    api = {"Service": "api-gateway"}
    eu = cat.PRIMARY_REGION
    out.append((series_key(eu, "GreenLang/API", "RequestCount", api), Baseline(1200.0, "Count", daily=0.5, whole=True)))
    out.append((series_key(eu, "GreenLang/API", "5XXCount", api), Baseline(0.3, "Count", noise=1.0)))
    out.append((series_key(eu, "GreenLang/API", "Latency", api), Baseline(180.0, "Milliseconds", daily=0.1)))
    return out

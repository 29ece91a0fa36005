"""The emulated AWS account, seen over real HTTP by the clients Cockpit uses (aiobotocore).

One AwsEstate serves the whole module (start + seed takes a couple of seconds). Tests that
change it (alarm states, the health check) put it back before they finish.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from aiobotocore.session import get_session

from cockpit.estate import catalogue as cat
from cockpit.estate.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY, AwsEstate, EstateAlreadyRunning
from cockpit.estate.aws_seed import HOST_AMI_NAME
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.wsgi_counter import operation_of

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child


@pytest.fixture(scope="module")
def log() -> RequestLog:
    return RequestLog()


@pytest.fixture(scope="module")
def estate(log: RequestLog) -> Iterator[AwsEstate]:
    aws = AwsEstate(log)
    aws.start()
    print(f"\nAwsEstate start+seed: {aws.start_seconds:.2f}s {aws.seed.timings if aws.seed else ''}")
    yield aws
    aws.stop()


_SESSION = get_session()  # one session: its loader caches service models across tests


def aws(estate: AwsEstate, service: str, region: str = cat.PRIMARY_REGION):
    return _SESSION.create_client(service, region_name=region, endpoint_url=estate.endpoint_url,
                                       aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)


async def test_greenlang_buckets_are_versioned_replicated_and_hold_the_runbook_objects(estate: AwsEstate) -> None:
    async with aws(estate, "s3", cat.PRIMARY_REGION) as s3, aws(estate, "s3", cat.DR_REGION) as s3_dr:
        names = {b["Name"] for b in (await s3.list_buckets())["Buckets"]}
        assert {b.name for b in cat.BUCKETS} <= names
        for pair in cat.REPLICATION_PAIRS:
            seeded = cat.SEED_OBJECTS[pair.id][0]
            for bucket, client in ((pair.source, s3), (pair.destination, s3_dr)):
                assert (await client.get_bucket_versioning(Bucket=bucket))["Status"] == "Enabled"
                head = await client.head_object(Bucket=bucket, Key=seeded.key)
                assert head["ContentType"] == seeded.content_type
            rules = (await s3.get_bucket_replication(Bucket=pair.source))["ReplicationConfiguration"]["Rules"]
            critical = next(r for r in rules if r["ID"] == "replicate-critical-data")
            assert critical["Destination"]["Bucket"] == f"arn:aws:s3:::{pair.destination}"
        versions = await s3.list_object_versions(Bucket=cat.DATA_LAKE, Prefix="silver/cbam/emissions/")
        assert len(versions["Versions"]) >= 2  # point-in-time restore has something to restore
        archived = await s3.head_object(Bucket=cat.DATA_LAKE, Key="archive/2024/compliance_report.pdf")
        assert archived["StorageClass"] == "GLACIER"
    assert estate.object_exists(cat.DATA_LAKE_REPLICA, "gold/sustainability/emissions_summary.parquet")
    assert not estate.object_exists(cat.DATA_LAKE_REPLICA, "dr-validation/test.txt")


async def test_every_runbook_alarm_exists_with_its_threshold_action_and_state_ok(estate: AwsEstate) -> None:
    # An alarm starts in INSUFFICIENT_DATA, as in AWS, until the estate first evaluates it (at
    # start, then every world minute): on a loaded box a read can come first. OK within that.
    deadline = time.monotonic() + 75
    while True:
        seen: dict[str, dict] = {}
        for region in cat.REGIONS:
            async with aws(estate, "cloudwatch", region) as cw:
                seen.update({a["AlarmName"]: a for a in (await cw.describe_alarms())["MetricAlarms"]})
        if all(a["StateValue"] != "INSUFFICIENT_DATA" for a in seen.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    for alarm in cat.ALARMS:
        got = seen[alarm.name]
        assert (got["Namespace"], got["MetricName"], got["Threshold"], got["ComparisonOperator"]) == (
            alarm.namespace, alarm.metric, alarm.threshold, alarm.comparison)
        assert got["AlarmActions"] == [alarm.topic.arn] and got["StateValue"] == "OK"
        assert got["AlarmArn"].split(":")[3] == alarm.region
    assert {d["Name"]: d["Value"] for d in seen["S3-Replication-Lag-Critical"]["Dimensions"]} == {
        "BucketName": cat.DATA_LAKE, "DestinationBucket": cat.DATA_LAKE_REPLICA}
    alb_dim = seen["prod-alb-unhealthy-targets"]["Dimensions"][0]["Value"]
    assert alb_dim.startswith("app/production-alb/") and alb_dim != cat.ALB_DIMENSION_PLACEHOLDER
    async with aws(estate, "sns", cat.US_REGION) as sns:
        topics = {t["TopicArn"] for t in (await sns.list_topics())["Topics"]}
    assert cat.CRITICAL_ALERTS.arn in topics


async def test_production_cluster_runs_web_service_with_revisions_to_roll_back_to(estate: AwsEstate) -> None:
    async with aws(estate, "ecs", cat.US_REGION) as ecs:
        service = (await ecs.describe_services(cluster="production-cluster", services=["web-service"]))["services"][0]
        assert (service["desiredCount"], service["runningCount"]) == (3, 3)
        assert service["taskDefinition"].endswith("task-definition/web-service:3")
        arns = (await ecs.list_tasks(cluster="production-cluster"))["taskArns"]
        assert len(arns) == 3
        for _ in range(3):  # moto would walk tasks towards STOPPED one step per describe
            described = (await ecs.describe_tasks(cluster="production-cluster", tasks=arns))["tasks"]
            assert [t["lastStatus"] for t in described] == ["RUNNING"] * 3
        families = await ecs.list_task_definitions(familyPrefix="web-service")
        assert [arn.rsplit(":", 1)[1] for arn in families["taskDefinitionArns"]] == ["1", "2", "3"]


async def test_ec2_hosts_run_the_accounts_own_image_and_ec2_knows_every_region(estate: AwsEstate) -> None:
    """moto's ~1,300 stock AMIs are not loaded (start time); the hosts' image is registered."""
    async with aws(estate, "ec2", cat.US_REGION) as ec2:
        reservations = (await ec2.describe_instances())["Reservations"]
        instances = [i for r in reservations for i in r["Instances"]]
        assert len(instances) == cat.ECS.container_instances
        images = (await ec2.describe_images())["Images"]
        assert [i["Name"] for i in images] == [HOST_AMI_NAME]
        assert {i["ImageId"] for i in instances} == {images[0]["ImageId"]}
        # The hosts' image's and the detached volume's (seed 001's cost review), not one per stock AMI.
        assert len((await ec2.describe_snapshots())["Snapshots"]) <= 2
        # moto_boot shares one botocore session while moto builds its region table: same answer.
        regions = {r["RegionName"] for r in (await ec2.describe_regions(AllRegions=True))["Regions"]}
    assert regions >= {cat.PRIMARY_REGION, cat.DR_REGION, cat.US_REGION, "us-gov-west-1", "cn-north-1"}


async def test_production_db_is_multi_az_with_manual_and_automated_snapshots(estate: AwsEstate) -> None:
    async with aws(estate, "rds", cat.US_REGION) as rds:
        db = (await rds.describe_db_instances(DBInstanceIdentifier="production-db"))["DBInstances"][0]
        assert db["DBInstanceStatus"] == "available" and db["MultiAZ"] is True
        snaps = (await rds.describe_db_snapshots(DBInstanceIdentifier="production-db"))["DBSnapshots"]
    kinds = {s["DBSnapshotIdentifier"]: s["SnapshotType"] for s in snaps}
    assert kinds["manual-backup-20250101"] == "manual"
    assert "automated" in kinds.values()


async def test_alb_target_groups_report_healthy_targets(estate: AwsEstate) -> None:
    async with aws(estate, "elbv2", cat.US_REGION) as elb:
        groups = (await elb.describe_target_groups())["TargetGroups"]
        assert {g["TargetGroupName"] for g in groups} >= set(cat.ALB.target_groups)
        for group in groups:
            health = (await elb.describe_target_health(TargetGroupArn=group["TargetGroupArn"]))
            states = [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]]
            assert states and set(states) == {"healthy"}


async def test_health_check_is_found_by_tag_and_a_responder_can_disable_it(estate: AwsEstate) -> None:
    async with aws(estate, "route53", cat.US_REGION) as r53:
        zones = (await r53.list_hosted_zones_by_name(DNSName=cat.HOSTED_ZONE))["HostedZones"]
        zone_id = zones[0]["Id"]
        records = (await r53.list_resource_record_sets(HostedZoneId=zone_id))["ResourceRecordSets"]
        failover = {r.get("Failover") for r in records if r["Name"].rstrip(".") == cat.API_RECORD}
        assert failover == {"PRIMARY", "SECONDARY"}
        hc_id = estate.health_check_id()
        tags = await r53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=hc_id)
        assert {"Key": "Name", "Value": "HC-PRIMARY-S3"} in tags["ResourceTagSet"]["Tags"]
        assert not estate.health_check_disabled()
        await r53.update_health_check(HealthCheckId=hc_id, Disabled=True)  # seed 003, failover phase 2
        try:
            assert estate.health_check_disabled()
        finally:
            await r53.update_health_check(HealthCheckId=hc_id, Disabled=False)


async def test_flight_schools_table_has_pitr_and_items_and_the_lambdas_exist(estate: AwsEstate) -> None:
    async with aws(estate, "dynamodb", cat.US_REGION) as ddb, aws(estate, "lambda", cat.US_REGION) as lam:
        backups = await ddb.describe_continuous_backups(TableName="flight-schools")
        pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
        items = (await ddb.scan(TableName="flight-schools"))["Items"]
        assert "school-001" in {i["id"]["S"] for i in items}
        functions = {f["FunctionName"] for f in (await lam.list_functions())["Functions"]}
        assert {name for name, _, _ in cat.FLIGHT_SCHOOL.functions} <= functions


async def test_log_groups_are_quiet_until_the_estate_writes_errors(estate: AwsEstate) -> None:
    group = "/aws/lambda/CdkStack-GetSchoolsFunction"  # seed 004: filter-log-events --filter-pattern ERROR
    async with aws(estate, "logs", cat.US_REGION) as logs:
        assert (await logs.filter_log_events(logGroupName=group, filterPattern="ERROR"))["events"] == []
        estate.put_log_lines(group, ["ERROR DynamoDB ProvisionedThroughputExceededException"])
        events = (await logs.filter_log_events(logGroupName=group, filterPattern="ERROR"))["events"]
    assert [e["message"] for e in events] == ["ERROR DynamoDB ProvisionedThroughputExceededException"]


async def test_set_alarm_state_is_what_describe_alarms_returns(estate: AwsEstate) -> None:
    name = "greenlang-s3-5xx-errors-critical"
    estate.set_alarm_state(name, "ALARM", "scenario: eu-west-1 S3 outage")
    try:
        async with aws(estate, "cloudwatch", cat.PRIMARY_REGION) as cw:
            alarms = (await cw.describe_alarms(StateValue="ALARM"))["MetricAlarms"]
        assert [(a["AlarmName"], a["StateReason"]) for a in alarms] == [(name, "scenario: eu-west-1 S3 outage")]
        assert estate.alarm_state(name) == "ALARM"
    finally:
        estate.set_alarm_state(name, "OK", "recovered")
    assert estate.alarm_state(name) == "OK"


async def test_replication_metrics_come_back_in_one_get_metric_data(estate: AwsEstate, log: RequestLog) -> None:
    pair = cat.PAIRS_BY_ID["data-lake"]
    estate.put_replication_metrics("data-lake", latency_seconds=1250.0, pending_operations=1800.0,
                                   failed_operations=2.0, bytes_pending=5.0e8)
    dims = [{"Name": k, "Value": v} for k, v in pair.metric_dimensions().items()]
    names = ("ReplicationLatency", "OperationsPendingReplication", "OperationsFailedReplication",
             "BytesPendingReplication")
    queries = [{"Id": f"m{i}", "MetricStat": {"Metric": {"Namespace": "AWS/S3", "MetricName": n, "Dimensions": dims},
                                             "Period": 60, "Stat": "Maximum"}} for i, n in enumerate(names)]
    now = datetime.now(timezone.utc)
    since = time.time()
    async with aws(estate, "cloudwatch", pair.source_region) as cw:
        result = await cw.get_metric_data(MetricDataQueries=queries, StartTime=now - timedelta(minutes=10),
                                          EndTime=now + timedelta(minutes=1))
    latest = {r["Id"]: max(r["Values"]) for r in result["MetricDataResults"]}
    assert latest == {"m0": 1250.0, "m1": 1800.0, "m2": 2.0, "m3": 5.0e8}
    assert [(r.service, r.operation, r.region) for r in log.records(since=since)] == [
        ("cloudwatch", "GetMetricData", cat.PRIMARY_REGION)]


async def test_request_log_counts_external_reads_and_mutations_but_not_the_estates_own(
        estate: AwsEstate, log: RequestLog) -> None:
    since = time.time()
    estate.alarm_state("prod-rds-high-cpu")  # internal: the estate looking at itself
    async with aws(estate, "cloudwatch", cat.US_REGION) as cw:
        await cw.describe_alarms(AlarmNames=["prod-rds-high-cpu"])
        await cw.put_metric_alarm(AlarmName="cockpit-test-alarm", MetricName="CPUUtilization", Namespace="AWS/RDS",
                                  Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1.0,
                                  ComparisonOperator="GreaterThanThreshold")
        await cw.delete_alarms(AlarmNames=["cockpit-test-alarm"])
    external = [(r.operation, r.mutating) for r in log.records(since=since)]
    assert external == [("DescribeAlarms", False), ("PutMetricAlarm", True), ("DeleteAlarms", True)]
    internal = [r for r in log.records(since=since, include_internal=True) if r.internal]
    assert [(r.operation, r.mutating) for r in internal] == [("DescribeAlarms", False)]
    assert log.summary(since=since)["mutating"] == 2


async def test_operations_moto_lacks_answer_a_one_line_not_implemented_error(estate: AwsEstate) -> None:
    from botocore.exceptions import ClientError

    async with aws(estate, "cloudwatch", cat.US_REGION) as cw, aws(estate, "cloudtrail", cat.US_REGION) as trail:
        # (LookupEvents and DescribeAlarmHistory were; the estate answers them now:
        # tests/estate/test_answers.py, test_cloudwatch_world.py)
        for call in (lambda: trail.list_public_keys(),):
            with pytest.raises(ClientError) as caught:
                await call()
            assert caught.value.response["Error"]["Code"] == "NotImplemented"
            assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_operation_names_are_read_from_every_aws_protocol() -> None:
    cases = {
        "DescribeAlarms": {"PATH_INFO": "/service/GraniteServiceVersion20100801/operation/DescribeAlarms"},
        "DescribeServices": {"HTTP_X_AMZ_TARGET": "AmazonEC2ContainerServiceV20141113.DescribeServices"},
        "GET /greenlang-bucket/key.json": {"REQUEST_METHOD": "GET", "PATH_INFO": "/greenlang-bucket/key.json"},
    }
    for expected, environ in cases.items():
        assert operation_of(environ) == expected
    import io
    body = b"Action=DescribeDBInstances&Version=2014-10-31"
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    assert operation_of(environ) == "DescribeDBInstances"
    assert environ["wsgi.input"].read() == body  # moto still gets the whole body


def test_a_second_estate_in_the_same_process_is_refused(estate: AwsEstate) -> None:
    with pytest.raises(EstateAlreadyRunning, match=estate.endpoint_url):
        AwsEstate(RequestLog()).start()


def test_stop_frees_the_port_and_a_restart_starts_from_a_clean_account(estate: AwsEstate) -> None:
    port = estate.port
    estate.stop()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody answers any more
    with socket.socket() as listener:  # and a server can listen there again (TIME_WAIT is fine)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen()
    estate.port = 0
    estate.start()  # re-seeding the same names would fail if moto still held the old account
    assert estate.alarm_state("S3-Replication-Lag-Critical") == "OK"
    assert estate.start_seconds < 10

"""ECS services, RDS instances, target groups and DynamoDB tables on moto."""

from __future__ import annotations

from cockpit.sources.aws_services import DynamoDBSource, EcsSource, RdsSource, TargetGroupsSource
from cockpit.sources.snapshot import Level

from .conftest import screen

REGION = "us-east-1"


async def test_ecs_running_below_desired_is_reported(aws, conn):
    ecs = aws.client("ecs", REGION)
    ecs.create_cluster(clusterName="production-cluster")
    ecs.register_task_definition(family="web-service", containerDefinitions=[
        {"name": "web", "image": "nginx", "memory": 128}])
    ecs.create_service(cluster="production-cluster", serviceName="web-service", taskDefinition="web-service",
                       desiredCount=3)
    s = screen(ecs={"region": REGION, "clusters": [{"name": "production-cluster", "services": ["web-service", "ghost"]}]})

    snap = await EcsSource(s, conn).refresh()

    assert snap.error is None, snap.error
    items = {i.name: i for i in snap.items}
    web = items["web-service"]  # moto: no container instances, so nothing runs
    assert (web.ready, web.desired, web.level, web.problem) == (0, 3, Level.CRITICAL, "0/3 running")
    assert items["ghost"].level == Level.CRITICAL and items["ghost"].status == "missing"

    everything = await EcsSource(screen(ecs={"region": REGION, "clusters": [{"name": "production-cluster"}]}),
                                 conn).refresh()
    assert [i.name for i in everything.items] == ["web-service"]


async def test_rds_status_and_missing_instance(aws, conn):
    aws.client("rds", REGION).create_db_instance(
        DBInstanceIdentifier="production-db", DBInstanceClass="db.r5.large", Engine="postgres",
        MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20)
    s = screen(rds={"region": REGION, "instances": ["production-db", "old-db"]})

    snap = await RdsSource(s, conn).refresh()

    items = {i.name: i for i in snap.items}
    assert (items["production-db"].status, items["production-db"].level) == ("available", Level.OK)
    assert (items["old-db"].status, items["old-db"].level) == ("missing", Level.CRITICAL)
    assert aws.count("DescribeDBInstances") == 1  # one filtered call for every instance


async def test_target_group_health(aws, conn):
    ec2, elb = aws.client("ec2", REGION), aws.client("elbv2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    tg = elb.create_target_group(Name="web-service-tg", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.10"}, {"Id": "10.0.0.11"}])
    elb.create_target_group(Name="api-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
    s = screen(target_groups={"region": REGION, "names": ["web-service-tg", "api-tg", "gone-tg"]})

    snap = await TargetGroupsSource(s, conn).refresh()

    assert snap.error is None, snap.error
    items = {i.name: i for i in snap.items}
    web = items["web-service-tg"]
    assert (web.status, web.ready, web.desired, web.level) == ("2/2 healthy", 2, 2, Level.OK)
    assert (items["api-tg"].level, items["api-tg"].problem) == (Level.WARNING, "no registered targets")
    assert (items["gone-tg"].status, items["gone-tg"].level) == ("missing", Level.CRITICAL)


async def test_dynamodb_table_status(aws, conn):
    aws.client("dynamodb", REGION).create_table(
        TableName="flight-schools", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    s = screen(dynamodb={"region": REGION, "tables": ["flight-schools", "flight-schools-restored"]})

    snap = await DynamoDBSource(s, conn).refresh()

    items = {i.name: i for i in snap.items}
    assert (items["flight-schools"].status, items["flight-schools"].level) == ("ACTIVE", Level.OK)
    assert items["flight-schools-restored"].level == Level.CRITICAL

"""ECS deployments replace tasks, and a service's tasks are its target group's targets
(estate/ecs_scheduler.py, estate/wsgi_ecs.py), seen over HTTP with boto3 and aws-cli.

One estate at speed 120: a rolling deployment (30 s to start, 5 x 30 s health checks,
300 s deregistration delay: 8 scenario minutes) takes 4 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from typing import Any

import boto3
import pytest

SPEED = 120
CLUSTER, SERVICE = "production-cluster", "web-service"
AWS_CLI = shutil.which("aws", path=os.path.dirname(sys.executable)) or shutil.which("aws")


@pytest.fixture(scope="module")
def live(start_estate) -> Any:
    return start_estate(speed=SPEED)


def client(handle: Any, service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def web_service(ecs: Any) -> dict[str, Any]:
    return ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]


def targets(elb: Any, group: str) -> dict[tuple[str, int], str]:
    arn = elb.describe_target_groups(Names=[group])["TargetGroups"][0]["TargetGroupArn"]
    return {(t["Target"]["Id"], t["Target"]["Port"]): t["TargetHealth"]["State"]
            for t in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]}


def running_tasks(ecs: Any) -> dict[str, dict[str, Any]]:
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE)["taskArns"]
    return {t["taskArn"]: t for t in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]} if arns else {}


def test_web_service_tasks_are_the_healthy_targets_of_web_service_tg(live):
    ecs, elb = client(live, "ecs"), client(live, "elbv2")
    tasks = running_tasks(ecs)
    assert len(tasks) == 3 and {t["lastStatus"] for t in tasks.values()} == {"RUNNING"}
    instances = {ci["containerInstanceArn"]: ci["ec2InstanceId"] for ci in ecs.describe_container_instances(
        cluster=CLUSTER, containerInstances=ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"])[
        "containerInstances"]}
    expected = {(instances[t["containerInstanceArn"]], t["containers"][0]["networkBindings"][0]["hostPort"])
                for t in tasks.values()}
    assert targets(elb, "web-service-tg") == {key: "healthy" for key in expected}


def test_a_rollback_starts_new_tasks_then_drains_the_old_ones(live):
    ecs, elb = client(live, "ecs"), client(live, "elbv2")
    before = running_tasks(ecs)
    old_targets = set(targets(elb, "web-service-tg"))
    answer = ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition="web-service:2")["service"]
    assert answer["taskDefinition"].endswith("task-definition/web-service:2")  # the ARN, as ECS answers
    assert [(d["status"], d["rolloutState"]) for d in answer["deployments"]] == [
        ("PRIMARY", "IN_PROGRESS"), ("ACTIVE", "COMPLETED")]
    assert answer["runningCount"] == 3 and answer["pendingCount"] == 3

    seen: list[set[str]] = []  # the new targets' states, and the old ones', as a poller sees them
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline, f"the rollback never finished: {web_service(ecs)['deployments']}"
        now = targets(elb, "web-service-tg")
        seen.append({f"new:{s}" for k, s in now.items() if k not in old_targets}
                    | {f"old:{s}" for k, s in now.items() if k in old_targets})
        service = web_service(ecs)
        if len(service["deployments"]) == 1:
            break
        time.sleep(0.1)
    states = set().union(*seen)
    assert {"new:initial", "new:healthy", "old:healthy", "old:draining"} <= states
    assert not any({"old:draining", "new:initial"} <= s for s in seen)  # old ones drain once new are healthy
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert service["runningCount"] == service["desiredCount"] == 3
    after = running_tasks(ecs)
    assert not set(after) & set(before)
    assert {t["taskDefinitionArn"].rsplit("/", 1)[1] for t in after.values()} == {"web-service:2"}
    assert set(targets(elb, "web-service-tg")).isdisjoint(old_targets)
    assert set(targets(elb, "web-service-tg").values()) == {"healthy"}
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=list(before))["tasks"]
    assert {t["lastStatus"] for t in stopped} == {"STOPPED"}
    assert any("has reached a steady state" in e["message"] for e in service["events"])


def test_a_paused_clock_holds_a_deployment(live):
    ecs = client(live, "ecs")
    live.control("pause")
    try:
        ecs.update_service(cluster=CLUSTER, service=SERVICE, forceNewDeployment=True)
        time.sleep(1.0)  # two scenario minutes, were the clock running
        service = web_service(ecs)
        assert len(service["deployments"]) == 2 and service["deployments"][0]["runningCount"] == 0
    finally:
        live.control("resume")


@pytest.mark.skipif(AWS_CLI is None, reason="aws-cli is not installed next to this python")
def test_aws_cli_waits_until_a_forced_deployment_is_stable(live):
    env = {**os.environ, **live.env, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}
    ecs = client(live, "ecs")
    before = set(running_tasks(ecs))
    subprocess.run([AWS_CLI, "ecs", "update-service", "--cluster", CLUSTER, "--service", SERVICE,
                    "--force-new-deployment"], env=env, check=True, capture_output=True, timeout=60)
    began = time.monotonic()
    done = subprocess.run([AWS_CLI, "ecs", "wait", "services-stable", "--cluster", CLUSTER, "--services", SERVICE],
                          env=env, capture_output=True, text=True, timeout=120)
    waited = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert waited > 10, waited  # not stable at the first poll: aws-cli polled again 15 s later
    service = web_service(ecs)
    assert len(service["deployments"]) == 1 and service["runningCount"] == 3
    assert not set(running_tasks(ecs)) & before  # every task was replaced


def test_blue_green_green_service_tasks_become_healthy_targets_of_the_green_group(live):
    """Seed 001's blue-green-deployment.sh: create a green target group and service, wait for healthy."""
    ecs, elb, ec2 = client(live, "ecs"), client(live, "elbv2"), client(live, "ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["production-vpc"]}])["Vpcs"][0]["VpcId"]
    green = elb.create_target_group(Name="web-service-green", Protocol="HTTP", Port=80, VpcId=vpc,
                                    HealthCheckPath="/health")["TargetGroups"][0]["TargetGroupArn"]
    ecs.create_service(cluster=CLUSTER, serviceName="web-service-green", taskDefinition="web-service:3",
                       desiredCount=2, loadBalancers=[{"targetGroupArn": green, "containerName": "web",
                                                       "containerPort": 80}])
    first = targets(elb, "web-service-green")
    assert set(first.values()) <= {"initial"}  # nothing healthy yet: the runbook's loop waits
    deadline = time.monotonic() + 20
    while sorted(targets(elb, "web-service-green").values()) != ["healthy", "healthy"]:
        assert time.monotonic() < deadline, targets(elb, "web-service-green")
        time.sleep(0.2)
    assert len(targets(elb, "web-service-tg")) == 3  # blue is untouched

"""ECS tasks and their targets as the runbooks read them (estate/wsgi_ecs.py): ``ListTasks
--service-name`` lists that service's tasks only (moto ignored the filter and listed every
task of the cluster) once a second service (the blue-green script's green one) runs beside
web-service; web-service-tg lists its task targets from the first request on; and
``deregister-targets`` on one of them drains it (moto refused it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from cockpit.estate.process import read_env_file

CLUSTER = "production-cluster"


@pytest.fixture(scope="module")
def live(start_estate) -> Any:
    return start_estate(speed=120)


def ecs_client(handle: Any) -> Any:
    return boto3.client("ecs", region_name="us-east-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def aws(handle: Any, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(Path(f"{handle.process.env_file}.aws-infrastructure")))
    return subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=90)


def elb_client(handle: Any) -> Any:
    return boto3.client("elbv2", region_name="us-east-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def test_target_health_asked_first_thing_lists_web_services_tasks(live):
    """The estate is ready before ECS is seeded (ELBv2 is ready at once): a cockpit's first
    refresh of web-service-tg found no target at all, until the seed had made the service."""
    elb = elb_client(live)
    group = elb.describe_target_groups(Names=["web-service-tg"])["TargetGroups"][0]["TargetGroupArn"]
    states = [d["TargetHealth"]["State"]
              for d in elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]]
    assert states == ["healthy"] * 3


def test_list_tasks_by_service_lists_that_services_tasks_only(live):
    ecs = ecs_client(live)
    web = set(ecs.list_tasks(cluster=CLUSTER, serviceName="web-service")["taskArns"])
    assert len(web) == 3
    ecs.create_service(cluster=CLUSTER, serviceName="web-service-green", taskDefinition="web-service:3",
                       desiredCount=2, launchType="EC2")
    deadline = time.monotonic() + 30
    while len(ecs.list_tasks(cluster=CLUSTER)["taskArns"]) < 5:  # started 30 scenario seconds later
        assert time.monotonic() < deadline, "the green service's tasks never started"
        time.sleep(0.2)
    everything = set(ecs.list_tasks(cluster=CLUSTER)["taskArns"])
    green = set(ecs.list_tasks(cluster=CLUSTER, serviceName="web-service-green")["taskArns"])
    assert set(ecs.list_tasks(cluster=CLUSTER, serviceName="web-service")["taskArns"]) == web
    assert len(green) == 2 and green == everything - web
    described = ecs.describe_tasks(cluster=CLUSTER, tasks=sorted(green))["tasks"]
    assert {t["group"] for t in described} == {"service:web-service-green"}


def test_list_tasks_of_an_unknown_service_is_service_not_found(live):
    proc = aws(live, "ecs", "list-tasks", "--cluster", CLUSTER, "--service-name", "web-service-blue")
    assert proc.returncode != 0
    assert "An error occurred (ServiceNotFoundException) when calling the ListTasks operation: Service not found." \
        in proc.stderr


def test_a_deregistered_task_target_drains_then_leaves_while_the_task_runs_on(live):
    """elbv2 deregister-targets on one of web-service's targets (moto refused it: InvalidTarget)."""
    elb = elb_client(live)
    group = elb.describe_target_groups(Names=["web-service-tg"])["TargetGroups"][0]["TargetGroupArn"]

    def health() -> dict[tuple[str, int], str]:
        return {(d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]["State"]
                for d in elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]}

    before = health()
    target = sorted(before)[0]
    proc = aws(live, "elbv2", "deregister-targets", "--target-group-arn", group,
               "--targets", f"Id={target[0]},Port={target[1]}")
    assert proc.returncode == 0, proc.stderr
    assert health()[target] == "draining"
    deadline = time.monotonic() + 30
    while target in health():  # 300 s of deregistration delay: 2.5 s at x120
        assert time.monotonic() < deadline, "the deregistered target never left"
        time.sleep(0.2)
    assert health() == {k: v for k, v in before.items() if k != target}
    ecs = ecs_client(live)
    assert len(ecs.list_tasks(cluster=CLUSTER, serviceName="web-service")["taskArns"]) == 3  # the task runs on

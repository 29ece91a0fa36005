"""``ListTasks --service-name`` lists that service's tasks only (estate/wsgi_ecs.py; moto
ignored the filter and listed every task of the cluster), as seed 001's checks read them
once a second service (the blue-green script's green one) runs beside web-service.
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

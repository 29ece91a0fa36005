"""The emulated estate as `cockpit demo --no-ui` runs it, seen through real clients.

Everything here goes over HTTP to a child process: aiobotocore and aws-cli to moto,
kubernetes-asyncio to the Kubernetes emulator, aiohttp to the endpoints.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import aiohttp
import pytest
from aiobotocore.session import get_session
from kubernetes_asyncio import client as k8s, config as k8s_config

from cockpit.estate.process import read_env_file

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

DATA_LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
DR_DATA_LAKE = "greenlang-prod-eu-central-1-data-lake-confidential-replica"
DR_CONFIG = {
    "DATA_LAKE_BUCKET": DR_DATA_LAKE,
    "REPORTS_BUCKET": "greenlang-prod-eu-central-1-reports-confidential-replica",
    "MODELS_BUCKET": "greenlang-prod-eu-central-1-models-internal-replica",
    "AWS_REGION": "eu-central-1",
    "DR_MODE": "true",
}


def aws(env: dict[str, str], service: str, region: str = "eu-west-1"):
    return get_session().create_client(
        service, region_name=region, endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


async def kube(env: dict[str, str]) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    await k8s_config.load_kube_config(config_file=env["KUBECONFIG"], client_configuration=configuration)
    return k8s.ApiClient(configuration)


async def get_json(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.json()


async def eventually(check, timeout: float = 20.0, interval: float = 0.2):
    """Poll ``check`` (async, returns truthy when done) until it passes or time runs out."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")


async def alarm_state(env, name: str, region: str = "eu-west-1") -> str:
    async with aws(env, "cloudwatch", region) as cw:
        alarms = (await cw.describe_alarms(AlarmNames=[name]))["MetricAlarms"]
    return alarms[0]["StateValue"]


# -- the calm estate ---------------------------------------------------------------------

async def test_aws_clients_see_the_runbooks_resources(estate):
    env = estate.env
    async with aws(env, "s3") as s3:
        buckets = {b["Name"] for b in (await s3.list_buckets())["Buckets"]}
        assert {DATA_LAKE, DR_DATA_LAKE, "greenlang-prod-eu-west-1-reports-confidential"} <= buckets
        head = await s3.head_object(Bucket=DR_DATA_LAKE, Key="silver/cbam/latest/manifest.json")
        assert head["ContentLength"] > 0
        replication = await s3.get_bucket_replication(Bucket=DATA_LAKE)
        assert replication["ReplicationConfiguration"]["Rules"][0]["ID"] == "replicate-critical-data"
    async with aws(env, "cloudwatch") as cw:
        names = {a["AlarmName"] for a in (await cw.describe_alarms())["MetricAlarms"]}
        assert {"greenlang-s3-5xx-errors-critical", "S3-Replication-Lag-Critical"} <= names
    async with aws(env, "ecs", "us-east-1") as ecs:
        svc = (await ecs.describe_services(cluster="production-cluster", services=["web-service"]))["services"][0]
        assert svc["runningCount"] == svc["desiredCount"] > 0


async def test_replication_metrics_are_published_by_the_estate(estate):
    now = datetime.now(timezone.utc)
    async with aws(estate.env, "cloudwatch") as cw:
        answer = await cw.get_metric_data(
            MetricDataQueries=[{"Id": "lat", "MetricStat": {"Metric": {
                "Namespace": "AWS/S3", "MetricName": "ReplicationLatency",
                "Dimensions": [{"Name": "SourceBucket", "Value": DATA_LAKE},
                               {"Name": "DestinationBucket", "Value": DR_DATA_LAKE},
                               {"Name": "RuleId", "Value": "replicate-critical-data"}]},
                "Period": 60, "Stat": "Average"}}],
            StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1))
    values = answer["MetricDataResults"][0]["Values"]
    assert values and all(0 < v < 900 for v in values)  # calm: well inside the 15-minute RPO


async def test_kubernetes_clients_see_the_greenlang_namespace(estate):
    api = await kube(estate.env)
    async with api:
        deployments = await k8s.AppsV1Api(api).list_namespaced_deployment("greenlang")
        names = {d.metadata.name for d in deployments.items}
        assert {"storage-service", "api-gateway", "greenlang-api"} <= names
        cm = await k8s.CoreV1Api(api).read_namespaced_config_map("storage-config", "greenlang")
        assert cm.data["AWS_REGION"] == "eu-west-1" and cm.data["DR_MODE"] == "false"


async def test_http_endpoints_and_webhook_sink(estate):
    env = estate.env
    status, body = await get_json(env["COCKPIT_STORAGE_HEALTH_URL"])
    assert (status, body["status"], body["region"]) == (200, "ok", "eu-west-1")
    status, body = await get_json(f"{env['COCKPIT_FLIGHT_SCHOOL_API_URL']}/schools/school-001")
    assert status == 200 and body["id"] == "school-001"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{env['COCKPIT_FLIGHT_SCHOOL_API_URL']}/explain-match",
                             json={"student": {"trainingGoal": "PPL", "maxBudget": 15000},
                                   "school": {"name": "Test"}, "matchScore": 85}) as resp:
            assert resp.status == 200
        marker = f"drill message {time.time()}"
        async with http.post(env["COCKPIT_WEBHOOK_URL"], json={"text": marker}) as resp:
            assert resp.status == 200 and await resp.text() == "ok"
    _, messages = await get_json(f"{env['COCKPIT_ESTATE_URL']}/webhook/messages")
    assert any(m["payload"] == {"text": marker} for m in messages)


def test_aws_cli_sees_the_estate_through_the_printed_environment(estate):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(estate.process.env_file))
    out = subprocess.run([sys.executable, "-m", "awscli", "s3", "ls"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert DATA_LAKE in out.stdout and DR_DATA_LAKE in out.stdout


async def test_requests_are_counted_at_the_estate(estate):
    since = time.time()
    async with aws(estate.env, "cloudwatch") as cw:
        await cw.describe_alarms(StateValue="ALARM")
    counts = estate.control("requests", since=str(since))
    assert counts["by_operation"].get("aws:cloudwatch:DescribeAlarms", 0) >= 1
    assert counts["mutating"] == 0  # a read, and the estate's own publishing is not counted


# -- a scenario at high speed ------------------------------------------------------------

@pytest.fixture(scope="module")
def outage(start_estate):
    # 30 scenario minutes in 3 real seconds; ramps of 14 minutes take 1.4 s.
    return start_estate(scenario="eu-west-1-storage-outage", speed=600)


async def test_outage_scenario_changes_alarms_metrics_kubernetes_and_health(outage):
    env = outage.env
    # The alarms fire by evaluation: the 5xx alarm near T+7m, the lag alarm (three 5-minute
    # periods past the RPO) near T+28m. At T+30m replication stops publishing and at T+45m
    # the region recovers, so play fast to T+25m, then at x30 until the lag alarm fires.
    await eventually(lambda: _elapsed_at_least(outage, 25 * 60), timeout=30, interval=0.05)
    outage.control("speed", x="30")
    await eventually(lambda: _alarm_is(env, "S3-Replication-Lag-Critical", "ALARM"), timeout=30)
    assert await alarm_state(env, "greenlang-s3-5xx-errors-critical") == "ALARM"
    status, body = await get_json(env["COCKPIT_STORAGE_HEALTH_URL"])
    assert status == 503 and body["status"] == "degraded" and body["region"] == "eu-west-1"
    lag = outage.control("status")["replication"]["data-lake"]
    assert lag["latency_seconds"] > 900 and lag["pending_operations"] > 1000  # past the RPO, past 1000
    api = await kube(env)
    async with api:
        dep = await k8s.AppsV1Api(api).read_namespaced_deployment("storage-service", "greenlang")
        assert dep.status.ready_replicas == 1 < dep.spec.replicas

    # The responders fail over, as seed 003 phase 2 says: DR ConfigMap, then restarts.
    api = await kube(env)
    async with api:
        core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
        await core.patch_namespaced_config_map("storage-config", "greenlang", {"data": DR_CONFIG})
        stamp = datetime.now(timezone.utc).isoformat()
        for name in ("storage-service", "api-gateway"):
            await apps.patch_namespaced_deployment(name, "greenlang", {"spec": {"template": {"metadata": {
                "annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})

    async def recovered():
        status, body = await get_json(env["COCKPIT_STORAGE_HEALTH_URL"])
        return status == 200 and body["status"] == "ok" and body["region"] == "eu-central-1"

    await eventually(recovered, timeout=20)
    assert "failed-over-to-eu-central-1" in outage.control("status")["reactions_fired"]
    # The failover took the errors away: two clean 5-minute periods later the 5xx alarm is OK,
    # before the region itself recovers at T+45m (which would clear it too).
    outage.control("speed", x="120")
    assert await eventually(lambda: _alarm_is(env, "greenlang-s3-5xx-errors-critical", "OK"))
    assert outage.control("status")["elapsed"] < 45 * 60


async def _scenario_done(handle) -> bool:
    status = handle.control("status")
    return status["events_fired"] == status["events_total"]


async def _elapsed_at_least(handle, seconds: float) -> bool:
    return handle.control("status")["elapsed"] >= seconds


async def _alarm_is(env, name, state) -> bool:
    return await alarm_state(env, name) == state


def test_restart_alone_does_not_fail_over(start_estate):
    """A restart before the DR ConfigMap is applied changes nothing: order matters."""
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)

    async def scenario():
        env = handle.env
        await eventually(lambda: _scenario_done(handle), timeout=30)
        api = await kube(env)
        async with api:
            stamp = datetime.now(timezone.utc).isoformat()
            for name in ("storage-service", "api-gateway"):
                await k8s.AppsV1Api(api).patch_namespaced_deployment(name, "greenlang", {"spec": {"template": {
                    "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})
        await asyncio.sleep(1.5)
        status, body = await get_json(env["COCKPIT_STORAGE_HEALTH_URL"])
        assert status == 503 and body["region"] == "eu-west-1"
        assert handle.control("status")["reactions_fired"] == []

    asyncio.run(scenario())


def test_facilitator_can_pause_and_fire_the_next_event(start_estate):
    handle = start_estate(scenario="flight-school-api-5xx", speed=1)
    paused = handle.control("pause")
    assert paused["paused"] is True
    fired_before = paused["events_fired"]
    fired = handle.control("next")
    # The clock jumped to the next event's time and fired it (and any due at the same time).
    assert fired["fired"]["at"] == paused["next_event_at"]
    assert paused["next_event_at"] <= fired["elapsed"] < paused["next_event_at"] + 1
    assert fired["events_fired"] > fired_before
    assert fired["next_event_at"] > paused["next_event_at"]
    time.sleep(0.5)
    after = handle.control("status")
    assert (after["events_fired"], after["elapsed"]) == (fired["events_fired"], fired["elapsed"])  # still paused


GROUPED_BY_TOPIC = """\
id: grouped-by-topic
title: A file that lists its lines by topic, not by time
events:
  - {at: 0s, say: "start"}
  - {at: 2m, say: "the errors spread"}
  - {at: 1m, say: "the first errors"}
injects:
  - {id: escalation, at: 2m, title: "A customer asks for an ETA", message: "When will it work again?"}
  - {id: page, at: 1m, title: "The page", message: "The 5xx alarm fires."}
"""


def test_a_scenario_plays_in_time_order_whatever_order_its_file_lists(start_estate, tmp_path):
    """The storage outage lists its lag inject (T+29m) before the customer's escalation
    (T+22m): the escalation comes at T+22m, not with the lag."""
    path = tmp_path / "grouped-by-topic.yaml"
    path.write_text(GROUPED_BY_TOPIC)
    handle = start_estate(scenario=str(path), speed=1)
    paused = handle.control("pause")
    assert (paused["next_event_at"], paused["next_inject_at"]) == (60, 60)
    fired = handle.control("next")
    assert (fired["fired"]["at"], fired["fired"]["summary"]) == (60, "the first errors")
    assert [h["summary"] for h in fired["happenings"] if h["at"] == 60] == ["the first errors", "The page"]
    assert (fired["next_event_at"], fired["next_inject_at"]) == (120, 120)


# -- leaving nothing behind --------------------------------------------------------------

def _port_open(url: str) -> bool:
    parsed = urlparse(url)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parsed.hostname, parsed.port)) == 0


def test_stopping_the_estate_frees_every_port_and_process(start_estate):
    handle = start_estate()
    urls = [handle.env["AWS_ENDPOINT_URL"], handle.env["COCKPIT_ESTATE_URL"]]
    kubeconfig = handle.env["KUBECONFIG"]
    assert all(_port_open(u) for u in urls)
    pid = handle.process.proc.pid
    handle.process.stop()
    assert handle.process.proc.poll() is not None
    assert not any(_port_open(u) for u in urls)
    assert not os.path.exists(kubeconfig)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_estate_exits_when_its_parent_dies(tmp_path):
    parent = subprocess.Popen(["sleep", "60"])
    env_file = tmp_path / "estate.env"
    child = subprocess.Popen([sys.executable, "-m", "cockpit", "demo", "--no-ui", "--env-file", str(env_file),
                              "--parent-pid", str(parent.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists() and time.monotonic() < deadline:
            assert child.poll() is None, child.stderr.read()
            time.sleep(0.1)
        aws_url = read_env_file(env_file)["AWS_ENDPOINT_URL"]
        parent.kill()
        parent.wait()
        assert child.wait(timeout=15) == 0
        assert not _port_open(aws_url)
        assert not env_file.exists()
    finally:
        for proc in (parent, child):
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)

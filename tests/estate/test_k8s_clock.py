"""The cluster on the scenario clock, seen through the real kubectl (docs/estate-k8s.md,
"Scenario time"): restarts take scenario seconds, ages read in scenario time on the user's
own wall clock, pause holds a rollout, and the pods' events and CloudWatch's alarms of the
same scenario agree on when things happened. Skipped where kubectl is not installed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import boto3
import pytest

from cockpit.estate.clock import ScenarioClock
from cockpit.estate.k8s import KubeEstate
from cockpit.estate.requestlog import RequestLog

pytestmark = [pytest.mark.slow,  # starts an estate
              pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")]

NS = "greenlang"


def seconds(age: str) -> int:
    """kubectl's short age (``45s``, ``12m``, ``5h``, ``3d``) in seconds, at its lower bound."""
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[age[-1]]
    return int(age[:-1]) * unit


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def kubectl(kubeconfig: Path | str, *args: str, check: bool = True) -> tuple[int, str]:
    cache = Path(kubeconfig).parent / "kube-cache"
    proc = await asyncio.create_subprocess_exec(
        "kubectl", "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    if check:
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {err.decode() or out.decode()}"
    return proc.returncode or 0, out.decode() + err.decode()


class Cluster:
    def __init__(self, kube: KubeEstate, kubeconfig: Path) -> None:
        self.kube, self.kubeconfig = kube, kubeconfig

    async def run(self, *args: str, check: bool = True) -> tuple[int, str]:
        return await kubectl(self.kubeconfig, *args, check=check)

    async def ok(self, *args: str) -> str:
        return (await self.run(*args))[1]

    async def pods(self, app: str) -> dict[str, dict]:
        """name -> the pod as kubectl gets it (JSON), with its AGE column as kubectl prints it."""
        items = json.loads(await self.ok("get", "pods", "-l", f"app={app}", "-o", "json"))["items"]
        table = await self.ok("get", "pods", "-l", f"app={app}", "--no-headers")
        ages = {line.split()[0]: line.split()[4] for line in table.splitlines()}
        return {p["metadata"]["name"]: {**p, "age": ages[p["metadata"]["name"]]} for p in items}


async def start_cluster(tmp_path: Path, clock: ScenarioClock, restart_seconds: float) -> AsyncIterator[Cluster]:
    async with KubeEstate(RequestLog(), clock=clock, restart_seconds=restart_seconds) as kube:
        yield Cluster(kube, kube.write_kubeconfig(tmp_path / "kubeconfig"))


async def test_at_speed_60_a_30s_restart_takes_half_a_second_and_ages_read_in_scenario_time(tmp_path: Path):
    async for cluster in start_cluster(tmp_path, ScenarioClock(60), restart_seconds=30):
        before = set(await cluster.pods("api-gateway"))
        began = time.monotonic()
        await cluster.ok("rollout", "restart", "deployment/api-gateway")
        # Two pods, one at a time (maxUnavailable 1): two 30-second restarts, about a second real.
        await cluster.ok("rollout", "status", "deployment/api-gateway", "--timeout=20s")
        assert time.monotonic() - began < 10
        await asyncio.sleep(1.0)  # another scenario minute
        pods = await cluster.pods("api-gateway")
        new = {name: p for name, p in pods.items() if name not in before}
        assert len(new) == 2 and len(pods) == 2
        now = time.time()
        for pod in new.values():
            # AGE: ready 30 scenario seconds after it started, then a scenario minute more.
            assert seconds(pod["age"]) >= 60, pod["age"]
            # The timestamps kubectl reads are on its own wall clock, as far back as the age says.
            created, started = epoch(pod["metadata"]["creationTimestamp"]), epoch(pod["status"]["startTime"])
            assert 60 <= now - created <= 30 * 60 and 60 <= now - started <= 30 * 60


async def test_at_speed_600_events_logs_and_alerts_follow_the_scenario_clock(tmp_path: Path):
    async for cluster in start_cluster(tmp_path, ScenarioClock(600), restart_seconds=30):
        before = set(await cluster.pods("api-gateway"))
        await cluster.ok("rollout", "restart", "deployment/api-gateway")
        await cluster.ok("rollout", "status", "deployment/api-gateway", "--timeout=20s")
        cluster.kube.set_degraded(NS, "storage-service", 1)
        await asyncio.sleep(1.5)  # fifteen scenario minutes
        new = [name for name in await cluster.pods("api-gateway") if name not in before]

        events = await cluster.ok("get", "events", "--no-headers", "--field-selector", "reason=Started")
        started = [line.split()[0] for line in events.splitlines() if any(name in line for name in new)]
        assert len(started) == 2 and all(10 * 60 <= seconds(age) < 60 * 60 for age in started), events

        # The last five scenario minutes of a pod started fifteen ago: requests, not its start-up.
        log = await cluster.ok("logs", new[0], "--since=5m", "--timestamps")
        lines = log.splitlines()
        assert "starting" not in log and 8 <= len(lines) <= 11, log
        # A line every 30 scenario seconds: the newest is at most that old, on kubectl's clock too.
        assert -1 <= time.time() - epoch(lines[-1].split()[0]) <= 35

        # Crash-looping for fifteen scenario minutes: the kubelet's back-off (10 s, doubling, at
        # most 5 min) has restarted each about 8 times, not 90.
        table = await cluster.ok("get", "pods", "-l", "app=storage-service", "--no-headers")
        restarts = [int(line.split()[3]) for line in table.splitlines() if "CrashLoopBackOff" in line]
        assert len(restarts) == 2 and all(6 <= n <= 10 for n in restarts), table

        alerts = {a["labels"]["alertname"]: a for a in cluster.kube.alerts()}
        mismatch = alerts["KubeDeploymentReplicasMismatch"]
        assert 10 * 60 <= time.time() - epoch(mismatch["startsAt"]) < 60 * 60


async def test_pause_holds_a_rollout_restart_and_freezes_ages(tmp_path: Path):
    clock = ScenarioClock(1)
    clock.pause()
    async for cluster in start_cluster(tmp_path, clock, restart_seconds=0.5):
        before = set(await cluster.pods("api-gateway"))
        await cluster.ok("rollout", "restart", "deployment/api-gateway")
        code, out = await cluster.run("rollout", "status", "deployment/api-gateway", "--timeout=3s", check=False)
        assert code != 0 and "Waiting for deployment" in out, out
        new = [p for name, p in (await cluster.pods("api-gateway")).items() if name not in before]
        assert new and all(p["age"] == "0s" for p in new), [p["age"] for p in new]  # 3 s later: still 0s
        assert not any(c.get("ready") for p in new for c in p["status"].get("containerStatuses", []))

        clock.resume()
        await cluster.ok("rollout", "status", "deployment/api-gateway", "--timeout=20s")


@pytest.fixture(scope="module")
def outage(start_estate):
    # 10 scenario minutes a real second: storage-service crash-loops from T+1m, the 5xx alarm
    # fires by evaluation near T+7m.
    return start_estate(scenario="eu-west-1-storage-outage", speed=600)


async def test_pod_events_and_alarms_of_one_scenario_agree_on_when(outage):
    cw = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=outage.env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    deadline = time.monotonic() + 30
    while True:
        alarm = cw.describe_alarms(AlarmNames=["greenlang-s3-5xx-errors-critical"])["MetricAlarms"][0]
        if alarm["StateValue"] == "ALARM" or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert alarm["StateValue"] == "ALARM"
    outage.control("pause")
    try:
        alarm = cw.describe_alarms(AlarmNames=["greenlang-s3-5xx-errors-critical"])["MetricAlarms"][0]
        events = json.loads((await kubectl(outage.env["KUBECONFIG"], "get", "events", "-o", "json",
                                           "--field-selector", "reason=BackOff"))[1])["items"]
        backoff = min(epoch(e["firstTimestamp"]) for e in events
                      if e["involvedObject"]["name"].startswith("storage-service-"))
        # storage-service crash-loops from T+1m, the alarm fires by evaluation 5-7 scenario
        # minutes later: on any client's clock, the alarm comes that much after the events.
        assert 4 * 60 <= alarm["StateUpdatedTimestamp"].timestamp() - backoff <= 8 * 60
    finally:
        outage.control("resume")

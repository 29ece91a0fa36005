"""Grafana's API as seed 002 reads it, answered by the estate's HTTP side from the cluster's
state: the health check of its access validation, and the alerts its morning checklist
reviews. Over HTTP, as curl would ask."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from cockpit.estate.http import build_app, serve
from cockpit.estate.k8s import KubeEstate
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.state import EstateState

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

NS = "greenlang"
NODE = "ip-10-0-1-11.eu-west-1.compute.internal"


async def _no_control(action: str, query: dict[str, str]) -> dict[str, Any]:
    raise KeyError(action)


@pytest.fixture
async def grafana() -> AsyncIterator[tuple[KubeEstate, str]]:
    log = RequestLog()
    async with KubeEstate(log, restart_seconds=0.2) as kube:
        runner, url = await serve(build_app(EstateState(), log, _no_control, grafana_alerts=kube.alerts))
        try:
            yield kube, f"{url}/grafana"
        finally:
            await runner.cleanup()


async def _get(url: str) -> Any:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_alerting_shows_what_the_scenario_did_to_the_cluster(grafana: tuple[KubeEstate, str]) -> None:
    kube, base = grafana
    assert (await _get(f"{base}/api/health"))["database"] == "ok"
    alerts_url = f"{base}/api/alertmanager/grafana/api/v2/alerts"
    assert await _get(alerts_url) == [], "a calm cluster raises nothing"

    kube.set_node_ready(NODE, False)
    kube.set_degraded(NS, "storage-service", 1)
    await asyncio.sleep(0.4)  # past the restart time: the capped pods crash-loop
    kube.controller.tick()
    alerts = await _get(alerts_url)
    names = [(a["labels"]["alertname"], a["labels"].get("node") or a["labels"].get("deployment")
              or a["labels"].get("pod", "")[:15]) for a in alerts]
    assert names[0] == ("KubeNodeNotReady", NODE), "critical first"
    assert ("KubeDeploymentReplicasMismatch", "storage-service") in names
    assert ("KubePodCrashLooping", "storage-service") in names
    prom = await _get(f"{base}/api/prometheus/grafana/api/v1/alerts")
    assert len(prom["data"]["alerts"]) == len(alerts)

    kube.set_node_ready(NODE, True)
    kube.set_degraded(NS, "storage-service", None)
    kube.controller.tick()
    assert await _get(alerts_url) == [], "alerts resolve when the cluster recovers"


async def test_the_printed_env_points_at_grafana(estate_env: dict[str, str]) -> None:
    assert (await _get(f"{estate_env['COCKPIT_GRAFANA_URL']}/api/health"))["version"]

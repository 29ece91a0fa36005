"""The emulated Kubernetes cluster, seen the way Cockpit sees it: kubernetes-asyncio over
HTTP through the kubeconfig the estate writes (and kubectl, where it is installed).

Each test starts its own small cluster (a few milliseconds) with fast pod restarts, so
rollouts finish in about a second and tests never see each other's changes.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.exceptions import ApiException

from cockpit.estate.k8s import KubeEstate
from cockpit.estate.requestlog import RequestLog

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

NS = "greenlang"
RESTART = 0.5
DR_CONFIG = {
    "DATA_LAKE_BUCKET": "greenlang-prod-eu-central-1-data-lake-confidential-replica",
    "REPORTS_BUCKET": "greenlang-prod-eu-central-1-reports-confidential-replica",
    "MODELS_BUCKET": "greenlang-prod-eu-central-1-models-internal-replica",
    "AWS_REGION": "eu-central-1",
    "DR_MODE": "true",
}


class Cluster:
    """A running estate plus typed clients built from its kubeconfig."""

    def __init__(self, estate: KubeEstate, log: RequestLog, api: client.ApiClient, kubeconfig: Path):
        self.estate, self.log, self.api, self.kubeconfig = estate, log, api, kubeconfig
        self.apps = client.AppsV1Api(api)
        self.core = client.CoreV1Api(api)

    async def pods(self, app: str) -> list[Any]:
        return (await self.core.list_namespaced_pod(NS, label_selector=f"app={app}")).items

    async def status(self, name: str) -> Any:
        return await self.apps.read_namespaced_deployment(name, NS)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    log = RequestLog()
    async with KubeEstate(log, restart_seconds=RESTART) as estate:
        kubeconfig = estate.write_kubeconfig(tmp_path / "kubeconfig")
        cfg = client.Configuration()
        await config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
        async with client.ApiClient(configuration=cfg) as api:
            yield Cluster(estate, log, api, kubeconfig)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 6.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


def is_ready(pod: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


async def test_seeded_cluster_is_what_the_runbooks_name(cluster: Cluster) -> None:
    deployments = {d.metadata.name: d for d in (await cluster.apps.list_namespaced_deployment(NS)).items}
    assert {n: d.spec.replicas for n, d in deployments.items()} == {
        "storage-service": 3, "api-gateway": 2, "greenlang-api": 3}
    for dep in deployments.values():
        s = dep.status
        assert (s.replicas, s.ready_replicas, s.available_replicas, s.updated_replicas) == (dep.spec.replicas,) * 4
        assert s.observed_generation == dep.metadata.generation == 1
        assert {c.type: c.status for c in s.conditions} == {"Available": "True", "Progressing": "True"}

    pods = await cluster.pods("storage-service")
    assert len(pods) == 3 and all(is_ready(p) and p.status.phase == "Running" for p in pods)
    assert all(p.metadata.owner_references[0].kind == "ReplicaSet" for p in pods)
    all_pods = (await cluster.core.list_namespaced_pod(NS)).items
    assert len(all_pods) == 8

    namespaces = {n.metadata.name for n in (await cluster.core.list_namespace()).items}
    assert NS in namespaces
    assert (await cluster.core.read_namespace(NS)).status.phase == "Active"

    nodes = (await cluster.core.list_node()).items
    assert len(nodes) == 3
    assert all(n.metadata.name.endswith(".eu-west-1.compute.internal") for n in nodes)
    assert all({c.type: c.status for c in n.status.conditions}["Ready"] == "True" for n in nodes)

    cm = await cluster.core.read_namespaced_config_map("storage-config", NS)
    assert cm.data["DATA_LAKE_BUCKET"] == "greenlang-prod-eu-west-1-data-lake-confidential"
    assert (cm.data["AWS_REGION"], cm.data["DR_MODE"]) == ("eu-west-1", "false")


async def test_list_answers_carry_kind_so_kubectl_can_read_them(cluster: Cluster) -> None:
    resp = await cluster.apps.list_namespaced_deployment(NS, _preload_content=False)
    body = await resp.json()
    assert (body["apiVersion"], body["kind"]) == ("apps/v1", "DeploymentList")
    resp = await cluster.core.list_node(_preload_content=False)
    assert (await resp.json())["kind"] == "NodeList"


async def test_rollout_restart_takes_pods_unready_then_back(cluster: Cluster) -> None:
    before = {p.metadata.name for p in await cluster.pods("storage-service")}
    stamp = "2025-01-15T10:04:00Z"
    patched = await cluster.apps.patch_namespaced_deployment("storage-service", NS, {
        "spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})
    assert patched.metadata.generation == 2
    assert cluster.estate.restarted_at(NS, "storage-service") == stamp

    seen_ready: list[int] = []
    seen_updated: list[int] = []

    async def rolled_out() -> bool:
        d = await cluster.status("storage-service")
        s = d.status
        seen_ready.append(s.ready_replicas or 0)
        seen_updated.append(s.updated_replicas or 0)
        return (s.observed_generation == d.metadata.generation and s.updated_replicas == 3
                and s.ready_replicas == 3 and s.available_replicas == 3 and s.replicas == 3)

    started = time.monotonic()
    await eventually(rolled_out)
    took = time.monotonic() - started
    assert min(seen_ready) < 3, "a restart should make some pods unready for a while"
    assert min(seen_updated) < 3, "the rollout should be seen in progress"
    assert took >= RESTART
    after = await cluster.pods("storage-service")
    assert before.isdisjoint({p.metadata.name for p in after}), "every pod is replaced"
    assert all(p.metadata.annotations["kubectl.kubernetes.io/restartedAt"] == stamp for p in after)
    dep = cluster.estate.deployment(NS, "storage-service")
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert dep["status"]["observedGeneration"] == 2


async def test_scaling_creates_and_removes_pods(cluster: Cluster) -> None:
    await cluster.apps.patch_namespaced_deployment("api-gateway", NS, {"spec": {"replicas": 5}})

    async def five_ready() -> bool:
        pods = await cluster.pods("api-gateway")
        return len(pods) == 5 and all(map(is_ready, pods))
    await eventually(five_ready)
    assert (await cluster.status("api-gateway")).status.ready_replicas == 5

    scale = await cluster.apps.patch_namespaced_deployment_scale("api-gateway", NS, {"spec": {"replicas": 1}})
    assert scale.spec.replicas == 1 and scale.status.selector.startswith("app=api-gateway")

    async def one_left() -> bool:
        return len(await cluster.pods("api-gateway")) == 1
    await eventually(one_left)
    s = (await cluster.status("api-gateway")).status
    assert (s.replicas, s.ready_replicas) == (1, 1)
    assert (await cluster.apps.read_namespaced_deployment_scale("api-gateway", NS)).spec.replicas == 1


async def test_configmap_patch_and_replace_reach_the_estate(cluster: Cluster) -> None:
    await cluster.core.patch_namespaced_config_map("storage-config", NS, {"data": {"DR_MODE": "true"}})
    data = cluster.estate.configmap_data(NS, "storage-config")
    assert data["DR_MODE"] == "true" and data["AWS_REGION"] == "eu-west-1"

    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="storage-config", namespace=NS), data=DR_CONFIG)
    replaced = await cluster.core.replace_namespaced_config_map("storage-config", NS, body)
    assert replaced.data == DR_CONFIG
    assert cluster.estate.configmap_data(NS, "storage-config") == DR_CONFIG

    stale = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="storage-config", resource_version="1"),
                               data={"AWS_REGION": "nowhere"})
    with pytest.raises(ApiException) as err:
        await cluster.core.replace_namespaced_config_map("storage-config", NS, stale)
    assert err.value.status == 409
    with pytest.raises(ApiException) as err:
        await cluster.core.replace_namespaced_config_map("no-such-config", NS, body)
    assert err.value.status == 404

    created = await cluster.core.create_namespaced_config_map(NS, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="storage-config-dr"), data=DR_CONFIG))
    assert created.metadata.uid and created.metadata.namespace == NS
    with pytest.raises(ApiException) as err:
        await cluster.core.create_namespaced_config_map(NS, created)
    assert err.value.status == 409


async def test_strategic_merge_keeps_the_other_containers(cluster: Cluster) -> None:
    await cluster.apps.patch_namespaced_deployment("greenlang-api", NS, {"spec": {"template": {"spec": {
        "containers": [{"name": "log-shipper", "image": "fluent-bit:3.0"}]}}}})
    dep = await cluster.status("greenlang-api")
    assert [c.name for c in dep.spec.template.spec.containers] == ["greenlang-api", "log-shipper"]
    await cluster.apps.patch_namespaced_deployment("greenlang-api", NS, [
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "greenlang/greenlang-api:3.2.1"}])
    dep = await cluster.status("greenlang-api")
    assert dep.spec.template.spec.containers[0].image == "greenlang/greenlang-api:3.2.1"
    assert dep.metadata.generation == 3


async def test_degradation_shows_and_outlives_a_restart(cluster: Cluster) -> None:
    cluster.estate.set_degraded(NS, "storage-service", 1)
    s = (await cluster.status("storage-service")).status
    assert (s.ready_replicas, s.available_replicas) == (1, 1)
    assert {c.type: c.status for c in s.conditions}["Available"] == "False"
    pods = await cluster.pods("storage-service")
    assert sum(map(is_ready, pods)) == 1
    waiting = [p.status.container_statuses[0].state.waiting for p in pods if not is_ready(p)]
    assert [w.reason for w in waiting] == ["CrashLoopBackOff"] * 2

    await cluster.apps.patch_namespaced_deployment("storage-service", NS, {
        "spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}}})
    await asyncio.sleep(RESTART * 4)
    assert (await cluster.status("storage-service")).status.ready_replicas <= 1

    cluster.estate.set_degraded(NS, "storage-service", None)

    async def healed() -> bool:
        s = (await cluster.status("storage-service")).status
        return s.ready_replicas == 3 and s.updated_replicas == 3 and s.replicas == 3
    await eventually(healed)


async def test_a_node_that_is_not_ready_takes_its_pods_with_it(cluster: Cluster) -> None:
    node = "ip-10-0-1-11.eu-west-1.compute.internal"
    cluster.estate.set_node_ready(node, False)
    n = await cluster.core.read_node(node)
    assert {c.type: c.status for c in n.status.conditions}["Ready"] == "Unknown"
    pods = (await cluster.core.list_namespaced_pod(NS, field_selector=f"spec.nodeName={node}")).items
    assert pods and not any(map(is_ready, pods))
    cluster.estate.set_node_ready(node, True)
    pods = (await cluster.core.list_namespaced_pod(NS, field_selector=f"spec.nodeName={node}")).items
    assert all(map(is_ready, pods))


async def test_watch_follows_one_deployment(cluster: Cluster) -> None:
    events: list[tuple[str, str, int]] = []

    async def follow() -> None:
        w = watch.Watch()
        async for ev in w.stream(cluster.apps.list_namespaced_deployment, NS,
                                 field_selector="metadata.name=api-gateway", timeout_seconds=5):
            events.append((ev["type"], ev["object"].metadata.name, ev["object"].spec.replicas))
            if ev["object"].spec.replicas == 4:
                w.stop()

    task = asyncio.create_task(follow())
    await asyncio.sleep(0.2)
    await cluster.apps.patch_namespaced_deployment("greenlang-api", NS, {"spec": {"replicas": 4}})
    await cluster.apps.patch_namespaced_deployment("api-gateway", NS, {"spec": {"replicas": 4}})
    await asyncio.wait_for(task, 5)
    assert events[0] == ("ADDED", "api-gateway", 2)
    assert {name for _, name, _ in events} == {"api-gateway"}
    assert events[-1][2] == 4


async def test_request_log_counts_what_the_cluster_served(cluster: Cluster) -> None:
    cluster.log.clear()
    await cluster.core.list_namespaced_pod(NS, label_selector="app=storage-service")
    await cluster.apps.patch_namespaced_deployment("storage-service", NS, {"spec": {"replicas": 3}})
    records = cluster.log.records()
    assert [(r.component, r.service, r.operation, r.mutating) for r in records] == [
        ("k8s", "v1 pods", "GET", False),
        ("k8s", "apps/v1 deployments", "PATCH", True),
    ]
    assert cluster.log.summary()["mutating"] == 1


async def test_stop_frees_the_port(tmp_path: Path) -> None:
    # A long grace period, so a watch left open would hold stop() up for all of it.
    estate = KubeEstate(RequestLog(), restart_seconds=RESTART, shutdown_seconds=30)
    await estate.start()
    port = int(estate.url.rsplit(":", 1)[1])
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(estate.write_kubeconfig(tmp_path / "kc")), client_configuration=cfg)
    async with client.ApiClient(configuration=cfg) as api:
        async with watch.Watch() as watcher:
            stream = watcher.stream(client.CoreV1Api(api).list_namespaced_pod, NS, timeout_seconds=60)
            await anext(stream)
            started = time.monotonic()
            await estate.stop()
            assert time.monotonic() - started < 10, "stop() waited on the open watch"
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # would fail with EADDRINUSE if still served
    await estate.stop()  # idempotent


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
async def test_kubectl_rollout_restart_and_status(cluster: Cluster) -> None:
    async def kubectl(*args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "kubectl", "--kubeconfig", str(cluster.kubeconfig), *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, out.decode()
        return out.decode()

    await kubectl("rollout", "restart", "deployment/api-gateway", "-n", NS)
    assert cluster.estate.restarted_at(NS, "api-gateway")
    out = await kubectl("rollout", "status", "deployment/api-gateway", "-n", NS, "--timeout=15s")
    assert 'deployment "api-gateway" successfully rolled out' in out
    table = await kubectl("get", "deployments", "-n", NS)
    assert table.split()[:5] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert "api-gateway       2/2" in table
    cluster.estate.set_degraded(NS, "storage-service", 0)
    assert "CrashLoopBackOff" in await kubectl("get", "pods", "-n", NS, "-l", "app=storage-service")

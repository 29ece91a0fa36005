"""Kubernetes health through kmock's emulator: deployments, pods in trouble, nodes not Ready."""

from __future__ import annotations

from cockpit.sources.kubernetes import KubernetesSource
from cockpit.sources.snapshot import Level

from .conftest import screen


def deployment(k, name: str, replicas: int, ready: int, *, updated: int | None = None, generation: int = 1,
               observed: int = 1, ns: str = "greenlang") -> None:
    k.objects["apps/v1/deployments", ns, name] = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "generation": generation},
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas if updated is None else updated,
                   "observedGeneration": observed,
                   "conditions": [{"type": "Available", "status": "True" if ready else "False", "reason": "test"}]},
    }


def pod(k, name: str, phase: str = "Running", restarts: int = 0, waiting: str | None = None) -> None:
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {}}
    k.objects["v1/pods", "greenlang", name] = {
        "metadata": {"name": name, "namespace": "greenlang"}, "spec": {"nodeName": "node-1"},
        "status": {"phase": phase, "containerStatuses": [{"name": "app", "restartCount": restarts, "state": state}]},
    }


def node(k, name: str, ready: str) -> None:
    k.objects["v1/nodes", None, name] = {
        "metadata": {"name": name},
        "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "KubeletReady" if ready == "True"
                                   else "KubeletNotReady"}]},
    }


def storage_screen(deployments="all"):
    return screen(kubernetes={"namespaces": ["greenlang"], "deployments": deployments})


async def test_deployments_ready_degraded_down_rolling_and_missing(kube, conn):
    deployment(kube, "storage-service", 3, 3)
    deployment(kube, "api-gateway", 3, 1)
    deployment(kube, "worker", 2, 0)
    deployment(kube, "frontend", 2, 2, updated=1, generation=5, observed=5)  # rollout restart under way

    snap = await KubernetesSource(storage_screen(), conn).refresh()

    assert snap.error is None, snap.error
    deps = {i.name: i for i in snap.items if i.kind == "deployment"}
    assert (deps["storage-service"].level, deps["storage-service"].ready, deps["storage-service"].desired) == \
        (Level.OK, 3, 3)
    assert (deps["api-gateway"].level, deps["api-gateway"].problem) == (Level.WARNING, "1/3 ready")
    assert deps["worker"].level == Level.CRITICAL
    assert (deps["frontend"].status, deps["frontend"].problem) == ("rolling out", "rollout in progress")

    named = await KubernetesSource(storage_screen(["storage-service", "reports-service"]), conn).refresh()
    named_deps = {i.name: i for i in named.items if i.kind == "deployment"}
    assert set(named_deps) == {"storage-service", "reports-service"}
    assert (named_deps["reports-service"].status, named_deps["reports-service"].level) == ("missing", Level.CRITICAL)


async def test_pods_not_running_or_restarting_and_nodes_not_ready(kube, conn):
    pod(kube, "storage-service-1")  # healthy: not listed
    pod(kube, "storage-service-2", restarts=5)
    pod(kube, "api-gateway-1", waiting="CrashLoopBackOff", restarts=9)
    pod(kube, "api-gateway-2", phase="Pending")
    node(kube, "node-1", "True")
    node(kube, "node-2", "False")

    snap = await KubernetesSource(storage_screen(), conn).refresh()

    pods = {i.name: i for i in snap.items if i.kind == "pod"}
    assert set(pods) == {"storage-service-2", "api-gateway-1", "api-gateway-2"}
    assert (pods["api-gateway-1"].status, pods["api-gateway-1"].level) == ("CrashLoopBackOff", Level.CRITICAL)
    assert (pods["api-gateway-2"].level, pods["storage-service-2"].problem) == (Level.WARNING, "5 restarts")
    nodes = [i for i in snap.items if i.kind == "node"]
    assert [(n.name, n.level, n.problem) for n in nodes] == [("node-2", Level.CRITICAL, "KubeletNotReady")]
    summary = next(i for i in snap.items if i.kind == "nodes")
    assert (summary.ready, summary.desired, summary.status) == (1, 2, "1/2 Ready")
    assert snap.level == Level.CRITICAL
    assert snap.calls == 3  # deployments + pods of one namespace, nodes

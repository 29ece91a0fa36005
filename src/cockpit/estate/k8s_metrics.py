"""The resource metrics API (``metrics.k8s.io/v1beta1``) that metrics-server serves in a real
cluster, computed from the cluster's state: what ``kubectl top nodes`` and ``kubectl top pods``
read (seed 002's morning checklist runs the first).

metrics-server scrapes each kubelet for the CPU and memory of running containers. So the
estate reports usage for a pod only while its containers run on a Ready node: a pod
crash-looping (``CrashLoopBackOff``) or still being created has no metrics, and a node that
is not Ready has none, nor do its pods, as when metrics-server cannot reach a kubelet. A
deployment's load is shared by the pods that serve it: when a scenario degrades it to one
ready pod out of three, that pod works about three times as hard. Node usage is the sum of its
pods' plus the system daemons'. Values move a little from one 30-second window to the next,
deterministically (a hash of the pod name and the window), so two ``top`` runs a minute apart
differ as they would, and tests can reason about them.

Pure functions over the stored objects: no I/O, ``now`` passed in.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cockpit.estate import k8s_objects as objs

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
WINDOW_SECONDS = 30  # metrics-server's default resolution is 15-60 s; the window it reports
_MI = 1024 * 1024

#: app -> (CPU millicores, memory MiB) one pod uses when the deployment is fully served.
_USAGE: dict[str, tuple[float, float]] = {
    "storage-service": (185.0, 430.0),
    "api-gateway": (95.0, 260.0),
    "greenlang-api": (140.0, 610.0),
}
_DEFAULT_USAGE = (40.0, 120.0)
_STARTING = (0.12, 0.45)  # a pod that is running but not yet ready: warming up
_SYSTEM = (230.0, 1240.0)  # kubelet, containerd, kube-proxy, aws-node, coredns on each node
_MAX_LOAD = 4.0  # one pod does not take more than four times its share: it saturates


def _ready(obj: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in obj.get("status", {}).get("conditions", []))


def _running(pod: dict[str, Any]) -> bool:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    return (pod.get("status", {}).get("phase") == "Running" and bool(statuses)
            and all("running" in c.get("state", {}) for c in statuses))


def _jitter(name: str, window: int, spread: float) -> float:
    """A factor in [1 - spread, 1 + spread], fixed for a name within one window."""
    digest = hashlib.sha256(f"{name}/{window}".encode()).digest()
    return 1.0 + spread * (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF * 2 - 1)


def _quantities(cpu_millicores: float, memory_mib: float) -> dict[str, str]:
    """As metrics-server writes them: nanocores and kibibytes."""
    return {"cpu": f"{max(int(cpu_millicores * 1_000_000), 0)}n", "memory": f"{max(int(memory_mib * 1024), 0)}Ki"}


def _window(now: float) -> tuple[str, int]:
    window = int(now // WINDOW_SECONDS)
    return objs.timestamp(window * WINDOW_SECONDS), window


def pod_usage(pods: list[dict[str, Any]], deployments: list[dict[str, Any]], ready_nodes: set[str],
              now: float) -> dict[tuple[str, str], list[tuple[str, float, float]]]:
    """(namespace, pod) -> [(container, millicores, MiB)] for every pod metrics-server would report."""
    _, window = _window(now)
    wanted = {(d["metadata"]["namespace"], d["metadata"]["name"]): int(d["spec"].get("replicas", 1))
              for d in deployments}
    serving: dict[tuple[str, str], int] = {}
    for p in pods:
        app = p["metadata"].get("labels", {}).get("app", "")
        if _ready(p) and p.get("spec", {}).get("nodeName") in ready_nodes:
            key = (p["metadata"].get("namespace", ""), app)
            serving[key] = serving.get(key, 0) + 1
    usage: dict[tuple[str, str], list[tuple[str, float, float]]] = {}
    for p in pods:
        meta = p["metadata"]
        if p.get("spec", {}).get("nodeName") not in ready_nodes or not _running(p):
            continue
        ns, app = meta.get("namespace", ""), meta.get("labels", {}).get("app", "")
        cpu, mem = _USAGE.get(app, _DEFAULT_USAGE)
        if _ready(p):
            load = min(wanted.get((ns, app), 1) / max(serving.get((ns, app), 1), 1), _MAX_LOAD)
            cpu, mem = cpu * load, mem * (1 + 0.15 * (load - 1))
        else:
            cpu, mem = cpu * _STARTING[0], mem * _STARTING[1]
        containers = p.get("spec", {}).get("containers", []) or [{"name": app}]
        share = 1 / len(containers)
        usage[(ns, meta["name"])] = [
            (c.get("name", app), cpu * share * _jitter(meta["name"] + c.get("name", ""), window, 0.08),
             mem * share * _jitter(meta["name"] + c.get("name", ""), window // 10, 0.02))
            for c in containers]
    return usage


def pod_metrics(pods: list[dict[str, Any]], deployments: list[dict[str, Any]], nodes: list[dict[str, Any]],
                now: float) -> list[dict[str, Any]]:
    """``PodMetrics`` objects for the pods that have metrics now."""
    stamp, _ = _window(now)
    ready_nodes = {n["metadata"]["name"] for n in nodes if _ready(n)}
    usage = pod_usage(pods, deployments, ready_nodes, now)
    by_key = {(p["metadata"].get("namespace", ""), p["metadata"]["name"]): p for p in pods}
    items = []
    for key, containers in usage.items():
        meta = by_key[key]["metadata"]
        items.append({
            "kind": "PodMetrics", "apiVersion": API_VERSION,
            "metadata": {"name": meta["name"], "namespace": meta.get("namespace"),
                         "creationTimestamp": objs.timestamp(now), "labels": dict(meta.get("labels", {}))},
            "timestamp": stamp, "window": f"{WINDOW_SECONDS}s",
            "containers": [{"name": name, "usage": _quantities(cpu, mem)} for name, cpu, mem in containers],
        })
    return items


def node_metrics(pods: list[dict[str, Any]], deployments: list[dict[str, Any]], nodes: list[dict[str, Any]],
                 now: float) -> list[dict[str, Any]]:
    """``NodeMetrics`` for the Ready nodes: their pods' usage plus the system daemons'."""
    stamp, window = _window(now)
    ready_nodes = {n["metadata"]["name"] for n in nodes if _ready(n)}
    usage = pod_usage(pods, deployments, ready_nodes, now)
    node_of = {(p["metadata"].get("namespace", ""), p["metadata"]["name"]): p.get("spec", {}).get("nodeName")
               for p in pods}
    items = []
    for n in nodes:
        name = n["metadata"]["name"]
        if name not in ready_nodes:
            continue
        cpu = _SYSTEM[0] * _jitter(name, window, 0.1)
        mem = _SYSTEM[1] * _jitter(name, window // 10, 0.02)
        for key, containers in usage.items():
            if node_of.get(key) == name:
                cpu += sum(c[1] for c in containers)
                mem += sum(c[2] for c in containers)
        items.append({
            "kind": "NodeMetrics", "apiVersion": API_VERSION,
            "metadata": {"name": name, "creationTimestamp": objs.timestamp(now),
                         "labels": dict(n["metadata"].get("labels", {}))},
            "timestamp": stamp, "window": f"{WINDOW_SECONDS}s", "usage": _quantities(cpu, mem),
        })
    return items


def api_service(now: float) -> dict[str, Any]:
    """The ``APIService`` that registers metrics-server's API with the aggregator, Available."""
    at = objs.timestamp(now)
    return {
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": objs.new_metadata(f"{VERSION}.{GROUP}", None, now,
                                      labels={"k8s-app": "metrics-server"}),
        "spec": {"group": GROUP, "version": VERSION, "groupPriorityMinimum": 100, "versionPriority": 100,
                 "insecureSkipTLSVerify": True,
                 "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}},
        "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                   "message": "all checks passed", "lastTransitionTime": at}]},
    }

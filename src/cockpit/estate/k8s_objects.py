"""The GreenLang cluster as Kubernetes objects: seed data and pure object builders.

Everything here is plain dicts in the shape the real API server returns, so that
kubernetes-asyncio deserialises them into its models and kubectl prints them. The names
come from the runbooks (seed 002: namespace ``greenlang``; seed 003: ``storage-service``,
``api-gateway`` and the ``storage-config`` ConfigMap keys). No I/O, no clock reads except
through the ``now`` arguments, so the controller and the tests can reason about them.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NAMESPACE = "greenlang"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REGION = "eu-west-1"

#: Resource key -> (kind, namespaced, subresources, short names), declared for discovery.
RESOURCES: dict[str, tuple[str, bool, tuple[str, ...], tuple[str, ...]]] = {
    "v1/namespaces": ("Namespace", False, ("status",), ("ns",)),
    "v1/nodes": ("Node", False, ("status",), ("no",)),
    "v1/pods": ("Pod", True, ("status", "log"), ("po",)),
    "v1/configmaps": ("ConfigMap", True, (), ("cm",)),
    "v1/services": ("Service", True, ("status",), ("svc",)),
    "v1/events": ("Event", True, (), ("ev",)),
    "apps/v1/deployments": ("Deployment", True, ("scale", "status"), ("deploy",)),
    "apps/v1/replicasets": ("ReplicaSet", True, ("scale", "status"), ("rs",)),
    "apiregistration.k8s.io/v1/apiservices": ("APIService", False, ("status",), ()),
    "metrics.k8s.io/v1beta1/nodes": ("NodeMetrics", False, (), ()),
    "metrics.k8s.io/v1beta1/pods": ("PodMetrics", True, (), ()),
}
VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")
#: Resources computed on request, never stored (metrics-server's API): only read.
READ_ONLY = {"metrics.k8s.io/v1beta1/nodes": ("get", "list"), "metrics.k8s.io/v1beta1/pods": ("get", "list")}


@dataclass(frozen=True)
class DeploymentSeed:
    """One workload of the seeded namespace."""

    name: str
    replicas: int
    image: str
    port: int
    uses_storage_config: bool = False
    cpu: str = "250m"  # the container's CPU request: what the scheduler fits on a node


DEPLOYMENTS: tuple[DeploymentSeed, ...] = (
    DeploymentSeed("storage-service", 3, "greenlang/storage-service:2.14.1", 8080, uses_storage_config=True),
    DeploymentSeed("api-gateway", 2, "greenlang/api-gateway:1.9.3", 8000, uses_storage_config=True),
    # The API's calculation workers reserve two cores each: the node group has room for every
    # replica, but not for one more when a node is lost (seed 002's capacity planning).
    DeploymentSeed("greenlang-api", 3, "greenlang/greenlang-api:3.2.0", 8000, cpu="2"),
)

NODES: tuple[str, ...] = (
    "ip-10-0-1-11.eu-west-1.compute.internal",
    "ip-10-0-2-12.eu-west-1.compute.internal",
    "ip-10-0-3-13.eu-west-1.compute.internal",
)

#: Seed 003's primary-region configuration (the failback ConfigMap).
STORAGE_CONFIG: dict[str, str] = {
    "DATA_LAKE_BUCKET": "greenlang-prod-eu-west-1-data-lake-confidential",
    "REPORTS_BUCKET": "greenlang-prod-eu-west-1-reports-confidential",
    "MODELS_BUCKET": "greenlang-prod-eu-west-1-models-internal",
    "AWS_REGION": "eu-west-1",
    "DR_MODE": "false",
}


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def applied(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` as ``kubectl apply`` left it: the manifest recorded in the last-applied annotation.

    The cluster's workloads and configuration were deployed with ``kubectl apply``, so the
    runbooks' ``kubectl apply -f`` computes its three-way patch against that record instead
    of warning that the annotation is missing (which a real cluster would not do).
    """
    meta = obj["metadata"]
    manifest: dict[str, Any] = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": {
        "annotations": {}, **{k: meta[k] for k in ("labels", "name", "namespace") if k in meta}}}
    manifest.update({k: copy.deepcopy(v) for k, v in obj.items() if k in ("spec", "data")})
    meta.setdefault("annotations", {})[LAST_APPLIED] = json.dumps(manifest, sort_keys=True,
                                                                   separators=(",", ":")) + "\n"
    return obj


def timestamp(now: float) -> str:
    """RFC 3339 in UTC, second precision, as the API server writes it."""
    return datetime.datetime.fromtimestamp(now, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_metadata(name: str, namespace: str | None, now: float, **extra: Any) -> dict[str, Any]:
    """Server-assigned metadata for an object created at ``now``."""
    meta: dict[str, Any] = {"name": name, "uid": str(uuid.uuid4()), "creationTimestamp": timestamp(now)}
    if namespace is not None:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def template_hash(template: dict[str, Any]) -> str:
    """A stable short hash of a pod template, like the ``pod-template-hash`` label."""
    digest = hashlib.sha256(json.dumps(_pruned(template), sort_keys=True).encode()).hexdigest()
    return digest[:10]


def _pruned(value: Any) -> Any:
    """``value`` without nulls and empty maps/lists: the server hashes the decoded struct, in
    which ``creationTimestamp: null`` (what kubectl writes back on ``rollout undo``) and an
    absent field are the same template."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def namespace(name: str, now: float) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": new_metadata(name, None, now, labels={"kubernetes.io/metadata.name": name}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def node(name: str, now: float, *, ready: bool = True) -> dict[str, Any]:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": new_metadata(name, None, now, labels={
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": "m5.xlarge",
            "topology.kubernetes.io/region": REGION,
        }),
        "spec": {"providerID": f"aws:///{REGION}a/i-0{digest[:16]}"},
        "status": {
            "conditions": node_conditions(ready, now),
            "addresses": [{"type": "InternalIP", "address": node_ip(name)}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.29.3-eks-ae9a62a", "kubeProxyVersion": "v1.29.3-eks-ae9a62a",
                         "osImage": "Amazon Linux 2", "architecture": "amd64",
                         "containerRuntimeVersion": "containerd://1.7.11", "kernelVersion": "5.10.210",
                         "operatingSystem": "linux", "bootID": str(uuid.UUID(digest[:32])),
                         "machineID": digest[32:64], "systemUUID": str(uuid.UUID(digest[16:48]))},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "58"},
            "allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "58"},
        },
    }


def is_ready(obj: dict[str, Any]) -> bool:
    """The object's Ready condition is True (nodes and pods)."""
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in obj.get("status", {}).get("conditions", []))


def node_conditions(ready: bool, now: float) -> list[dict[str, Any]]:
    at = timestamp(now)
    pressure = [{"type": t, "status": "False", "reason": f"KubeletHas{r}", "lastHeartbeatTime": at,
                 "lastTransitionTime": at} for t, r in (("MemoryPressure", "SufficientMemory"),
                                                        ("DiskPressure", "NoDiskPressure"),
                                                        ("PIDPressure", "SufficientPID"))]
    ready_cond = {"type": "Ready", "status": "True" if ready else "Unknown",
                  "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                  "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
                  "lastHeartbeatTime": at, "lastTransitionTime": at}
    return [*pressure, ready_cond]


#: The taint the node lifecycle controller puts on a node whose kubelet stopped posting status.
UNREACHABLE = "node.kubernetes.io/unreachable"
#: How long a pod tolerates it before it is evicted (the DefaultTolerationSeconds admission
#: plugin gives every pod 300 s).
EVICTION_SECONDS = 300.0


def unreachable_taints(now: float) -> list[dict[str, Any]]:
    """NoSchedule and NoExecute ``node.kubernetes.io/unreachable``, added at ``now``."""
    return [{"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": timestamp(now)},
            {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": timestamp(now)}]


def cpu_millicores(quantity: Any) -> float:
    """A CPU quantity (``250m``, ``2``, ``1.5``) in millicores; 0 for none."""
    text = str(quantity or "0").strip()
    return float(text[:-1]) if text.endswith("m") else float(text) * 1000


def cpu_request(pod_or_template_spec: dict[str, Any]) -> float:
    """The millicores a pod asks the scheduler for: the sum of its containers' requests."""
    return sum(cpu_millicores(c.get("resources", {}).get("requests", {}).get("cpu"))
               for c in pod_or_template_spec.get("containers", []))


def schedulable(node_obj: dict[str, Any]) -> bool:
    """Whether the scheduler may place a new pod on the node: Ready, not cordoned, no NoSchedule taint."""
    return (is_ready(node_obj) and not node_obj.get("spec", {}).get("unschedulable")
            and not any(t.get("effect") in ("NoSchedule", "NoExecute") for t in node_obj.get("spec", {}).get("taints") or []))


def pending_status(message: str, now: float) -> dict[str, Any]:
    """A pod the scheduler could not place: Pending, PodScheduled False (Unschedulable)."""
    return {"phase": "Pending", "qosClass": "Burstable",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                            "message": message, "lastProbeTime": None, "lastTransitionTime": timestamp(now)}]}


def configmap(name: str, ns: str, data: dict[str, str], now: float) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": new_metadata(name, ns, now), "data": dict(data)}


def deployment(seed: DeploymentSeed, ns: str, now: float) -> dict[str, Any]:
    labels = {"app": seed.name, "app.kubernetes.io/part-of": "greenlang"}
    container: dict[str, Any] = {
        "name": seed.name, "image": seed.image,
        "ports": [{"containerPort": seed.port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": seed.port}, "periodSeconds": 5},
        "resources": {"requests": {"cpu": seed.cpu, "memory": "512Mi"}},
    }
    if seed.uses_storage_config:
        container["envFrom"] = [{"configMapRef": {"name": "storage-config"}}]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": new_metadata(seed.name, ns, now, labels=labels, generation=1,
                                 annotations={"deployment.kubernetes.io/revision": "1"}),
        "spec": {
            "replicas": seed.replicas,
            "selector": {"matchLabels": {"app": seed.name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, "minReadySeconds": 0,
            "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": [container]}},
        },
        "status": {},
    }


def replicaset(dep: dict[str, Any], hash_: str, revision: str, now: float) -> dict[str, Any]:
    """The ReplicaSet the deployment controller keeps for one pod template of ``dep``.

    Named and labelled as the real one (``<deployment>-<pod-template-hash>``), owned by the
    deployment, its uid the one its pods' owner references already name, and carrying the
    revision: what ``kubectl rollout history`` lists and ``rollout undo`` goes back to.
    """
    dep_meta = dep["metadata"]
    name = f"{dep_meta['name']}-{hash_}"
    template = copy.deepcopy(dep["spec"]["template"])
    template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = hash_
    labels = dict(template["metadata"]["labels"])
    replicas = dep["spec"].get("replicas", 1)
    meta = new_metadata(name, dep_meta["namespace"], now, labels=labels, generation=1, annotations={
        "deployment.kubernetes.io/revision": revision, "deployment.kubernetes.io/desired-replicas": str(replicas),
        "deployment.kubernetes.io/max-replicas": str(replicas + 1)},
        ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": dep_meta["name"],
                          "uid": dep_meta.get("uid", ""), "controller": True, "blockOwnerDeletion": True}])
    meta["uid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    selector = {**dep["spec"].get("selector", {}).get("matchLabels", {}), "pod-template-hash": hash_}
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": meta,
            "spec": {"replicas": replicas, "minReadySeconds": dep["spec"].get("minReadySeconds", 0),
                     "selector": {"matchLabels": selector}, "template": template},
            "status": {"replicas": 0, "observedGeneration": 1}}


def pod(dep: dict[str, Any], hash_: str, suffix: str, node_name: str, ip: str, now: float) -> dict[str, Any]:
    """A new pod of ``dep``'s current template, scheduled but not yet ready."""
    dep_name = dep["metadata"]["name"]
    template = dep["spec"]["template"]
    labels = {**template.get("metadata", {}).get("labels", {}), "pod-template-hash": hash_}
    rs_name = f"{dep_name}-{hash_}"
    meta = new_metadata(f"{rs_name}-{suffix}", dep["metadata"]["namespace"], now, labels=labels,
                        annotations=dict(template.get("metadata", {}).get("annotations", {})),
                        generateName=f"{rs_name}-",
                        ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name,
                                          "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, rs_name)),
                                          "controller": True, "blockOwnerDeletion": True}])
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": meta,
        "spec": {**template.get("spec", {}), "nodeName": node_name, "restartPolicy": "Always"},
        "status": pod_status(template, ready=False, waiting="ContainerCreating", restarts=0,
                             started=now, now=now, node_ip=node_ip(node_name), pod_ip=ip),
    }


def node_ip(node_name: str) -> str:
    """``ip-10-0-1-11.…`` -> ``10.0.1.11``."""
    return node_name.split(".")[0].removeprefix("ip-").replace("-", ".")


def pod_status(template: dict[str, Any], *, ready: bool, waiting: str | None, restarts: int,
               started: float, now: float, node_ip: str, pod_ip: str) -> dict[str, Any]:
    """A pod's status: Running and Ready, or Running with its container waiting (not ready)."""
    at = timestamp(now)
    flag = "True" if ready else "False"
    containers = template.get("spec", {}).get("containers", [])
    statuses = []
    for c in containers:
        state: dict[str, Any] = ({"running": {"startedAt": timestamp(started)}} if waiting is None else
                                 {"waiting": {"reason": waiting}})
        if waiting == "CrashLoopBackOff":
            state["waiting"]["message"] = f"back-off restarting failed container {c['name']}"
        statuses.append({"name": c["name"], "image": c.get("image", ""), "imageID": "",
                         "ready": ready, "started": waiting is None, "restartCount": restarts,
                         "state": state, "containerID": f"containerd://{uuid.uuid4().hex}"})
    return {
        "phase": "Running" if waiting != "ContainerCreating" else "Pending",
        "conditions": [
            {"type": "Initialized", "status": "True", "lastTransitionTime": timestamp(started)},
            {"type": "Ready", "status": flag, "lastTransitionTime": at},
            {"type": "ContainersReady", "status": flag, "lastTransitionTime": at},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": timestamp(started)},
        ],
        "hostIP": node_ip, "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
        "startTime": timestamp(started), "qosClass": "Burstable",
        "containerStatuses": statuses,
    }


def deployment_status(dep: dict[str, Any], *, total: int, updated: int, ready: int, available: int,
                      now: float, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The status the deployment controller would write for these pod counts."""
    spec_replicas = dep["spec"].get("replicas", 1)
    generation = dep["metadata"].get("generation", 1)
    name = dep["metadata"]["name"]
    max_unavailable = dep["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxUnavailable", 1)
    min_available = max(spec_replicas - int(max_unavailable), 0)
    complete = updated == spec_replicas and total == spec_replicas and available == spec_replicas
    rs_name = f"{name}-{template_hash(dep['spec']['template'])}"
    available_cond = ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.") \
        if available >= min_available else \
        ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
    progressing_cond = ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.') \
        if complete else ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
    old = {c["type"]: c for c in (previous or {}).get("conditions", [])}
    conditions = []
    for kind, (status, reason, message) in (("Available", available_cond), ("Progressing", progressing_cond)):
        at = timestamp(now)
        before = old.get(kind)
        transition = before["lastTransitionTime"] if before and before["status"] == status else at
        update = before["lastUpdateTime"] if before and before.get("reason") == reason else at
        conditions.append({"type": kind, "status": status, "reason": reason, "message": message,
                           "lastUpdateTime": update, "lastTransitionTime": transition})
    status: dict[str, Any] = {
        "observedGeneration": generation, "replicas": total, "updatedReplicas": updated,
        "readyReplicas": ready, "availableReplicas": available,
        "unavailableReplicas": max(total - available, 0), "conditions": conditions,
    }
    # The real API server omits zero counts; kubernetes clients treat absent as 0.
    return {k: v for k, v in status.items() if v != 0 or k in ("observedGeneration", "replicas")}


def selector_string(dep: dict[str, Any]) -> str:
    """``spec.selector.matchLabels`` as a label-selector string (for the Scale subresource)."""
    labels = dep["spec"].get("selector", {}).get("matchLabels", {})
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def scale(dep: dict[str, Any]) -> dict[str, Any]:
    """The ``autoscaling/v1 Scale`` view of a deployment (its ``/scale`` subresource)."""
    meta = dep["metadata"]
    return {
        "apiVersion": "autoscaling/v1", "kind": "Scale",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": dep["spec"].get("replicas", 1)},
        "status": {"replicas": dep.get("status", {}).get("replicas", 0), "selector": selector_string(dep)},
    }


_LOG_STEP = 30.0  # seconds between a serving pod's log lines
_LOG_KEEP = 86400.0  # the kubelet has rotated away anything older than a day
_ROUTES = ("GET /v1/storage/objects", "PUT /v1/storage/objects", "GET /v1/reports", "GET /healthz",
           "GET /v1/models", "POST /v1/ingest")


def pod_log(pod: dict[str, Any], now: float, *, since: float | None = None, tail: int | None = None,
            timestamps: bool = False, shown_offset: float = 0.0,
            load: Callable[[float], float] | None = None) -> str:
    """The container log of ``pod`` up to ``now``, as the kubelet serves it.

    A serving pod logs its start-up and then a request line every half minute, about one in
    a hundred an ERROR (an upstream timeout), so the runbooks' ``grep ERROR | wc -l`` counts
    something plausible; a pod that is not ready logs why. Deterministic per pod and time.
    ``since`` (epoch seconds), ``tail`` (last lines) and ``timestamps`` (an RFC 3339 prefix)
    are the API's ``sinceSeconds``/``sinceTime``, ``tailLines`` and ``timestamps``. Times are
    world time; lines show them ``shown_offset`` earlier, on the client's clock (k8s_time).
    ``load(t)`` is how many times its usual share of requests the pod served at ``t`` (its
    deployment short of ready replicas: the others take the missing ones' traffic): latency
    grows with it, and so do the upstream timeouts (about 6 % of lines on two pods of three).
    """
    meta = pod["metadata"]
    app = meta.get("labels", {}).get("app", meta["name"])
    started = _parse_time(pod.get("status", {}).get("startTime", "")) or now
    entries: list[tuple[float, str]] = [
        (started, f"INFO  {app} starting"),
        (started + 0.2, "INFO  loaded configuration from storage-config"),
    ]
    if is_ready(pod):
        entries.append((started + 1.5, "INFO  readiness probe passing"))
        first = max(started + _LOG_STEP, now - _LOG_KEEP)
        step = int(first // _LOG_STEP)
        while step * _LOG_STEP <= now:
            at = step * _LOG_STEP
            digest = hashlib.sha256(f"{meta['name']}/{step}".encode()).digest()
            route = _ROUTES[digest[0] % len(_ROUTES)]
            level = load(at) if load else 1.0
            if digest[1] < 3 + int(25 * (level - 1)):  # ~1 % at the usual load
                entries.append((at, f"ERROR {route} 504 upstream timeout after 30000ms"))
            else:
                entries.append((at, f"INFO  {route} 200 {int((12 + digest[2] % 180) * level)}ms"))
            step += 1
    else:
        entries.append((started + 1.0, "ERROR upstream storage unavailable; readiness probe failing"))
    lines = [(at, text) for at, text in entries if at <= now and (since is None or at >= since)]
    if tail is not None:
        lines = lines[-tail:] if tail > 0 else []
    shown = [(at - shown_offset, text) for at, text in lines]
    return "".join(f"{_nano(at)} {timestamp(at)} {text}\n" if timestamps else f"{timestamp(at)} {text}\n"
                   for at, text in shown)


def _nano(at: float) -> str:
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(value: str) -> float | None:
    try:
        return parse_rfc3339(value)
    except ValueError:
        return None


def parse_rfc3339(value: str) -> float:
    """Epoch seconds of an RFC 3339 time (``Z`` or an offset); ValueError if it is not one."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()

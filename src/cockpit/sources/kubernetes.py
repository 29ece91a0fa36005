"""Kubernetes health: deployments (ready/desired, rollout), pods in trouble, nodes not Ready.

Lists are read as raw JSON through the lean reader (``sources/kube_reader.py``), in the
running cockpit and in ``cockpit status`` alike: a screen with hundreds of workloads would
spend most of a refresh building client model objects, and importing kubernetes-asyncio
costs more than the three GETs. Raw JSON is also what any conforming API server (or
emulator) returns. One list per namespace for deployments and for pods, one for nodes:
calls grow with namespaces only.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from cockpit.content.screen import Kubernetes, Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.services import ServiceItem, count_level
from cockpit.sources.snapshot import Level

_BAD_WAITING = {"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
                "InvalidImageName", "RunContainerError"}


def deployment_item(obj: dict[str, Any]) -> ServiceItem:
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status") or {}
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    current = int(status.get("replicas") or 0)
    generation, observed = meta.get("generation"), status.get("observedGeneration")
    rolling = (generation is not None and observed is not None and observed < generation) \
        or updated < desired or current > updated
    level = count_level(ready, desired)
    problem = "" if level == Level.OK else f"{ready}/{desired} ready"
    if rolling and level == Level.OK:
        problem = "rollout in progress"
    state = "rolling out" if rolling else ("available" if level == Level.OK else "degraded")
    conditions = [{k: c.get(k) for k in ("type", "status", "reason", "message")} for c in status.get("conditions") or []]
    return ServiceItem("deployment", meta["name"], meta.get("namespace", ""), state, level, problem, ready, desired,
                       {"updated": updated, "rolling": rolling, "conditions": conditions})


def pod_item(obj: dict[str, Any], restarts_warning: int) -> ServiceItem | None:
    """A pod worth showing (not Running/Succeeded, not ready, or restarting), else None."""
    meta, status = obj.get("metadata", {}), obj.get("status") or {}
    phase = status.get("phase", "Unknown")
    containers = status.get("containerStatuses") or []
    restarts = sum(int(c.get("restartCount") or 0) for c in containers)
    waiting = [c.get("state", {}).get("waiting", {}).get("reason") for c in containers]
    bad = sorted({w for w in waiting if w in _BAD_WAITING})
    if phase == "Succeeded":
        return None
    if bad or phase == "Failed":
        level, problem = Level.CRITICAL, ", ".join(bad) or status.get("reason") or "Failed"
    elif phase != "Running":
        level, problem = Level.WARNING, status.get("reason") or phase
    elif restarts >= restarts_warning:
        level, problem = Level.WARNING, f"{restarts} restarts"
    else:
        return None
    return ServiceItem("pod", meta["name"], meta.get("namespace", ""), bad[0] if bad else phase, level, problem,
                       detail={"restarts": restarts, "node": (obj.get("spec") or {}).get("nodeName")})


def node_item(obj: dict[str, Any]) -> ServiceItem:
    meta, status = obj.get("metadata", {}), obj.get("status") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    is_ready = ready is not None and ready.get("status") == "True"
    problem = "" if is_ready else (ready or {}).get("reason") or ("no Ready condition" if ready is None else "NotReady")
    unschedulable = bool((obj.get("spec") or {}).get("unschedulable"))
    return ServiceItem("node", meta["name"], "", "Ready" if is_ready else "NotReady",
                       Level.OK if is_ready else Level.CRITICAL, problem, detail={"unschedulable": unschedulable})


class KubernetesSource(Source[ServiceItem]):
    name = "kubernetes"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        assert screen.kubernetes is not None
        self.spec: Kubernetes = screen.kubernetes
        self.restarts_warning = screen.thresholds.pod_restarts_warning
        self.conn = conn

    async def _list(self, api: Any, path: str, what: str) -> list[dict[str, Any]]:
        """One list's items (ValueError when the answer is not a list)."""
        self.calls += 1
        data = await api.get_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ValueError(f"unexpected answer listing {what}")
        return data["items"]

    async def fetch(self) -> tuple[ServiceItem, ...]:
        api = await self.conn.kube_reader(self.spec.context)
        jobs = []
        for ns in self.spec.namespaces:
            jobs.append(self._deployments(api, ns))
            if self.spec.pods:
                jobs.append(self._pods(api, ns))
        if self.spec.nodes:
            jobs.append(self._nodes(api))
        groups = await asyncio.gather(*jobs)
        return tuple(item for group in groups for item in group)

    async def _deployments(self, api: Any, ns: str) -> list[ServiceItem]:
        raw = await self._list(api, f"/apis/apps/v1/namespaces/{quote(ns, safe='')}/deployments",
                               f"deployments in {ns}")
        found = {obj["metadata"]["name"]: deployment_item(obj) for obj in raw}
        if self.spec.deployments == "all":
            return sorted(found.values(), key=lambda i: i.name)
        items = []
        for name in self.spec.deployments:
            items.append(found.get(name) or ServiceItem("deployment", name, ns, "missing", Level.CRITICAL,
                                                        "deployment not found"))
        return items

    async def _pods(self, api: Any, ns: str) -> list[ServiceItem]:
        raw = await self._list(api, f"/api/v1/namespaces/{quote(ns, safe='')}/pods", f"pods in {ns}")
        items = [pod_item(obj, self.restarts_warning) for obj in raw]
        return sorted((i for i in items if i is not None), key=lambda i: (-i.level, i.name))

    async def _nodes(self, api: Any) -> list[ServiceItem]:
        nodes = [node_item(obj) for obj in await self._list(api, "/api/v1/nodes", "nodes")]
        return sorted((n for n in nodes if n.level != Level.OK), key=lambda n: n.name) + \
            [ServiceItem("nodes", "all nodes", "", f"{sum(n.level == Level.OK for n in nodes)}/{len(nodes)} Ready",
                         Level.OK if all(n.level == Level.OK for n in nodes) else Level.WARNING, "",
                         sum(n.level == Level.OK for n in nodes), len(nodes))]

"""The deployment controller and kubelet of the emulated cluster, in one small loop.

kmock stores what clients write and nothing more: a ``kubectl rollout restart`` would set
an annotation and no pod would ever restart. This loop plays the cluster's part, cheaply
(a tick every quarter second, a few dicts compared per tick): it rolls out a changed pod
template with the RollingUpdate rules (maxSurge / maxUnavailable), scales pods to
``spec.replicas``, makes new pods ready ``restart_seconds`` after they start, and writes
the deployment status the way the real controller does, so a client that implements
``rollout status`` sees progress and then completion.

Faults come from the scenario driver: :meth:`Controller.degrade` caps how many of a
deployment's pods may be ready (the others crash-loop), and a node that is not Ready
takes its pods' readiness with it. A rollout does not clear a degradation; only the
driver does, because in the story the fault is in the region, not in the pods.

It is the scheduler and the node lifecycle controller too, on CPU requests: a new pod goes
round-robin to a schedulable node (Ready, not cordoned, not tainted) whose unrequested CPU
fits it; where none does it stays ``Pending`` with the scheduler's ``FailedScheduling``
event, and is placed as soon as capacity comes back (a node joins, a pod goes). A node
whose kubelet stopped posting status carries the ``unreachable`` taints, and its pods are
evicted once they have tolerated them for 300 world seconds; pods bound to a node that was
deleted are removed (the pod garbage collector). The deployments then replace them.
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import logging
import random
from dataclasses import dataclass, field
from typing import Any

import kmock

from cockpit.estate import k8s_objects as objs
from cockpit.estate.k8s_api import ClusterAPI
from cockpit.estate.k8s_events import EventRecorder
from cockpit.estate.k8s_selectors import label_selector

log = logging.getLogger(__name__)

DEPLOYMENTS = kmock.resource("apps/v1/deployments")
PODS = kmock.resource("v1/pods")
NODES = kmock.resource("v1/nodes")
REPLICASETS = kmock.resource("apps/v1/replicasets")

_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated names
_BACKOFF_FIRST, _BACKOFF_MAX = 10.0, 300.0  # the kubelet's crash-loop back-off: 10 s, doubling, at most 5 min
_SEEDED_AGE = 3 * 86400.0  # seeded pods have been running for three days
_RETRY_EVENT = 60.0  # world seconds between the scheduler's FailedScheduling events for one pod
_MAX_LOAD = 4.0  # one pod does not take more than four times its share: it saturates (as k8s_metrics)
_LOAD_KEEP = 500  # load changes remembered per deployment (a day of flapping is far fewer)


@dataclass
class _Pod:
    """What the kubelet knows about a pod that the object does not say."""

    deployment: tuple[str, str]
    started: float
    ready_at: float
    restarts: int = 0
    crashing_since: float | None = None
    shown: tuple[Any, ...] = field(default=())
    #: Why the scheduler cannot place it (None: it is bound to a node), and when it last said so.
    unschedulable: str | None = None
    failed_at: float = 0.0


def _surge_unavailable(dep: dict[str, Any], replicas: int) -> tuple[int, int]:
    """maxSurge (rounded up) and maxUnavailable (rounded down), never both zero."""
    rolling = dep["spec"].get("strategy", {}).get("rollingUpdate", {})

    def value(raw: Any, default: str, round_up: bool) -> int:
        raw = default if raw is None else raw
        if isinstance(raw, str) and raw.endswith("%"):
            exact = replicas * int(raw[:-1]) / 100
            return int(-(-exact // 1)) if round_up else int(exact)
        return int(raw)

    surge = value(rolling.get("maxSurge"), "25%", True)
    unavailable = value(rolling.get("maxUnavailable"), "25%", False)
    return surge, unavailable if (surge or unavailable) else 1


class Controller:
    """Reconciles every deployment's pods and status; see the module docstring."""

    def __init__(self, api: ClusterAPI, *, restart_seconds: float = 3.0, tick_seconds: float = 0.25) -> None:
        self.api = api
        #: World seconds from a pod's start to its readiness (the scenario clock's, as every
        #: time here: ``api.world``), so pause holds a rollout and ``--speed`` hastens it.
        self.restart_seconds = restart_seconds
        self.tick_seconds = tick_seconds
        self._pods: dict[tuple[str, str], _Pod] = {}  # (namespace, pod name) -> kubelet state
        self._caps: dict[tuple[str, str], int] = {}  # (namespace, deployment) -> max ready pods
        self._hashes: dict[tuple[str, str], str] = {}  # (namespace, deployment) -> template hash seen
        self._ips = 0
        self._rng = random.Random(2)
        self.events = EventRecorder(api)
        self._task: asyncio.Task[None] | None = None
        #: (namespace, deployment) -> [(world time, load)] each time the load of its serving pods changed.
        self._load: dict[tuple[str, str], list[tuple[float, float]]] = {}
        api.load = self.load_at

    # ------------------------------------------------------------ driver hooks
    def degrade(self, ns: str, deployment: str, ready_replicas: int | None) -> None:
        """Allow at most ``ready_replicas`` ready pods (None: no limit); applied at once."""
        if ready_replicas is None:
            self._caps.pop((ns, deployment), None)
        else:
            self._caps[(ns, deployment)] = max(0, ready_replicas)
        self.tick()

    # ------------------------------------------------------------ loop
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="k8s-controller")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        ticks = 0
        while True:
            try:
                self.tick()
                await self.api.flush_events()
            except Exception:  # one bad object must not stop the cluster; say so loudly
                log.exception("k8s controller tick failed")
            ticks += 1
            if ticks % 240 == 0:
                self.api.forget_requests()
            await asyncio.sleep(self._sleep_seconds())

    def _sleep_seconds(self) -> float:
        """Until the next tick: ``tick_seconds``, or sooner when a pod comes due before it in
        world time (at ``--speed 600`` a quarter second is two and a half scenario minutes)."""
        clock = self.api.world.clock
        if clock.paused:
            return self.tick_seconds
        now = self.api.world.now()
        due = [st.ready_at - now for st in self._pods.values() if st.ready_at > now]
        if not due:
            return self.tick_seconds
        return min(self.tick_seconds, max(0.01, min(due) / clock.speed + 0.005))

    def tick(self, *, settled: bool = False) -> None:
        """One reconciliation of every deployment. ``settled``: new pods are long-running."""
        now = self.api.world.now()
        self._node_lifecycle(now)
        self._schedule_pending(now)
        ready_nodes = [n["metadata"]["name"] for n in self.api.list(NODES) if _node_ready(n)]
        live: set[tuple[str, str]] = set()
        for dep in self.api.list(DEPLOYMENTS):
            ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
            live.add((ns, name))
            self._reconcile(dep, now, ready_nodes, settled)
        for key, state in list(self._pods.items()):
            if state.deployment not in live:  # garbage-collect pods of deleted deployments
                self.api.remove(PODS, *key)
                del self._pods[key]
        for rs in self.api.list(REPLICASETS):  # …and their ReplicaSets
            owner = next((o for o in rs["metadata"].get("ownerReferences", []) if o.get("kind") == "Deployment"), None)
            if owner is not None and (rs["metadata"]["namespace"], owner["name"]) not in live:
                self.api.remove(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])

    # ------------------------------------------------------------ reconciliation
    def _reconcile(self, dep: dict[str, Any], now: float, ready_nodes: list[str], settled: bool) -> None:
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        desired = int(dep["spec"].get("replicas", 1))
        hash_ = objs.template_hash(dep["spec"]["template"])
        selector = ",".join(f"{k}={v}" for k, v in dep["spec"].get("selector", {}).get("matchLabels", {}).items())
        pods = sorted(self.api.list(PODS, ns, label_selector(selector)) if selector else [],
                      key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
        names = {p["metadata"]["name"] for p in pods}
        for key in [k for k, st in self._pods.items() if st.deployment == (ns, name) and k[1] not in names]:
            del self._pods[key]  # deleted by a client: forget it (a replacement is created below)
        for p in pods:  # pods we did not create (seeded elsewhere, or by a client) count as running
            self._pods.setdefault((ns, p["metadata"]["name"]), _Pod((ns, name), now, now))
        new = [p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == hash_]
        old = [p for p in pods if p not in new]
        ready = self._readiness(ns, name, pods, now, ready_nodes)

        if old and dep["spec"].get("strategy", {}).get("type") == "Recreate":
            old = self._delete(ns, old, len(old))
        elif old:
            surge, unavailable = _surge_unavailable(dep, desired)
            while len(new) < desired and len(new) + len(old) < desired + surge:
                new.append(self._create(dep, hash_, now, settled))
            unhealthy = [p for p in old if not ready[p["metadata"]["name"]]]
            self._delete(ns, unhealthy, len(unhealthy))  # unhealthy old pods go first, freely
            old = [p for p in old if ready[p["metadata"]["name"]]]
            available = sum(ready.get(p["metadata"]["name"], False) for p in new + old)
            while old and available - 1 >= desired - unavailable:
                self._delete(ns, old, 1)
                old.pop(0)
                available -= 1
        if not old:
            while len(new) < desired:
                new.append(self._create(dep, hash_, now, settled))
            if len(new) > desired:  # scale down: not-ready pods first, then the newest
                order = sorted(range(len(new)), key=lambda i: (ready.get(new[i]["metadata"]["name"], False), -i))
                excess = {new[i]["metadata"]["name"] for i in order[: len(new) - desired]}
                self._delete(ns, [p for p in new if p["metadata"]["name"] in excess], len(excess))
                new = [p for p in new if p["metadata"]["name"] not in excess]

        pods = new + old
        ready = self._readiness(ns, name, pods, now, ready_nodes)
        for p in pods:
            self._show_pod(ns, p, dep, ready[p["metadata"]["name"]], now)
        n_ready = sum(ready.values())
        self._record_load(ns, name, min(desired / n_ready, _MAX_LOAD) if 0 < n_ready < desired else 1.0, now)
        self._write_status(dep, total=len(pods), updated=len(new), ready=n_ready, now=now, hash_=hash_)
        self._sync_replicasets(self.api.get(DEPLOYMENTS, ns, name) or dep, hash_, pods, ready, now)

    def _record_load(self, ns: str, name: str, level: float, now: float) -> None:
        changes = self._load.setdefault((ns, name), [])
        if (changes[-1][1] if changes else 1.0) != level:
            changes.append((now, level))
            del changes[:-_LOAD_KEEP]

    def load_at(self, ns: str, name: str, at: float) -> float:
        """How many times its share of the traffic a serving pod of the deployment carried at
        world time ``at``: the wanted replicas over the ready ones (1.0 when all are ready)."""
        changes = self._load.get((ns, name), [])
        i = bisect.bisect_right(changes, (at, float("inf"))) - 1
        return changes[i][1] if i >= 0 else 1.0

    def _sync_replicasets(self, dep: dict[str, Any], hash_: str, pods: list[dict[str, Any]],
                          ready: dict[str, bool], now: float) -> None:
        """One ReplicaSet per pod template: the current one sized to the deployment and given its
        revision, older ones sized to the pods they still have, kept up to revisionHistoryLimit."""
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        revision = dep["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "1")
        uid = dep["metadata"].get("uid")
        owned = {rs["metadata"]["labels"].get("pod-template-hash"): rs for rs in self.api.list(
            REPLICASETS, ns, lambda rs: any(o.get("uid") == uid for o in rs["metadata"].get("ownerReferences", [])))}
        if hash_ not in owned:
            owned[hash_] = objs.replicaset(dep, hash_, revision, now)
        for h, rs in owned.items():
            mine = [p for p in pods if p["metadata"].get("labels", {}).get("pod-template-hash") == h]
            n_ready = sum(ready.get(p["metadata"]["name"], False) for p in mine)
            new = copy.deepcopy(rs)
            new["spec"]["replicas"] = int(dep["spec"].get("replicas", 1)) if h == hash_ else len(mine)
            if h == hash_:
                new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision
            status = {"replicas": len(mine), "fullyLabeledReplicas": len(mine), "readyReplicas": n_ready,
                      "availableReplicas": n_ready, "observedGeneration": new["metadata"].get("generation", 1)}
            new["status"] = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
            if new != rs or "resourceVersion" not in rs["metadata"]:
                self.api.put(REPLICASETS, new)
        limit = int(dep["spec"].get("revisionHistoryLimit", 10))
        old = sorted((rs for h, rs in owned.items() if h != hash_ and not rs["spec"].get("replicas")),
                     key=lambda rs: int(rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision", "0")))
        for rs in old[: max(len(old) - limit, 0)]:
            self.api.remove(REPLICASETS, ns, rs["metadata"]["name"])

    def _readiness(self, ns: str, dep_name: str, pods: list[dict[str, Any]], now: float,
                   ready_nodes: list[str]) -> dict[str, bool]:
        """Which pods are ready now: started long enough, on a Ready node, within the cap."""
        cap = self._caps.get((ns, dep_name))
        result: dict[str, bool] = {}
        for p in pods:
            pname = p["metadata"]["name"]
            state = self._pods[(ns, pname)]
            ok = now >= state.ready_at and p["spec"].get("nodeName") in ready_nodes
            if ok and cap is not None:
                ok = cap > 0
                cap -= ok
            result[pname] = ok
        return result

    def _create(self, dep: dict[str, Any], hash_: str, now: float, settled: bool) -> dict[str, Any]:
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        while True:
            suffix = "".join(self._rng.choice(_SUFFIX_ALPHABET) for _ in range(5))
            if (ns, f"{name}-{hash_}-{suffix}") not in self._pods:
                break
        node_name, why = self._place(dep["spec"]["template"].get("spec", {}))
        started = now - _SEEDED_AGE if settled else now
        pod = objs.pod(dep, hash_, suffix, node_name or "", self._next_ip(), started)
        state = _Pod((ns, name), started, now if settled else now + self.restart_seconds)
        if node_name is None:  # nowhere to go: Pending until capacity comes back
            del pod["spec"]["nodeName"]
            pod["status"] = objs.pending_status(why, now)
            state.ready_at, state.unschedulable = float("inf"), why
        self._pods[(ns, pod["metadata"]["name"])] = state
        stored = self.api.put(PODS, pod)
        if not settled:  # the seeded cluster's events expired long ago, as a real one's would
            self._scaled(dep, hash_, "up", now)
            if node_name is None:
                self._failed_scheduling(stored, state, now)
            else:
                self._started(stored, node_name, now)
        return stored

    def _next_ip(self) -> str:
        self._ips += 1
        return f"10.0.{100 + self._ips // 250 % 100}.{self._ips % 250 + 2}"

    def _started(self, pod: dict[str, Any], node_name: str, now: float) -> None:
        """The scheduler's Scheduled event and the kubelet's Pulled, Created, Started."""
        ns, pname = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.events.record(pod, "Normal", "Scheduled", f"Successfully assigned {ns}/{pname} to {node_name}",
                           now, component="default-scheduler")
        for c in pod["spec"].get("containers", []):
            for reason, message in (("Pulled", f'Container image "{c.get("image", "")}" already present on machine'),
                                    ("Created", f"Created container {c['name']}"),
                                    ("Started", f"Started container {c['name']}")):
                self.events.record(pod, "Normal", reason, message, now, component="kubelet", host=node_name)

    def _failed_scheduling(self, pod: dict[str, Any], state: _Pod, now: float) -> None:
        self.events.record(pod, "Warning", "FailedScheduling", state.unschedulable or "", now,
                           component="default-scheduler")
        state.failed_at = now

    # ------------------------------------------------------------ scheduler and node lifecycle
    def _place(self, spec: dict[str, Any]) -> tuple[str | None, str]:
        """The node a new pod with ``spec`` goes to (round-robin over the schedulable nodes whose
        unrequested CPU fits its request), or None and the scheduler's reason."""
        nodes = self.api.list(NODES)
        want = objs.cpu_request(spec)
        requested: dict[str, float] = {}
        for p in self.api.list(PODS):
            bound = p.get("spec", {}).get("nodeName")
            if bound:
                requested[bound] = requested.get(bound, 0.0) + objs.cpu_request(p["spec"])
        candidates = [n for n in nodes if objs.schedulable(n)]
        start = (self._ips + 1) % len(candidates) if candidates else 0  # the next pod's turn (_next_ip)
        for i in range(len(candidates)):
            node = candidates[(start + i) % len(candidates)]
            name = node["metadata"]["name"]
            free = objs.cpu_millicores(node.get("status", {}).get("allocatable", {}).get("cpu")) \
                - requested.get(name, 0.0)
            if want <= free:
                return name, ""
        reasons: dict[str, int] = {}
        for n in nodes:
            if n.get("spec", {}).get("unschedulable"):
                why = "node(s) were unschedulable"
            elif not objs.schedulable(n):
                keys = sorted({t.get("key", "") for t in n.get("spec", {}).get("taints") or []}
                              or {"node.kubernetes.io/not-ready"})
                why = f"node(s) had untolerated taint {{{keys[0]}: }}"
            else:
                why = "Insufficient cpu"
            reasons[why] = reasons.get(why, 0) + 1
        parts = ", ".join(sorted(f"{count} {why}" for why, count in reasons.items()))  # as the scheduler sorts
        return None, f"0/{len(nodes)} nodes are available: {parts}."

    def _schedule_pending(self, now: float) -> None:
        """Place Pending pods that fit now, oldest first; the others say again why they wait."""
        pending = sorted((p for p in self.api.list(PODS) if not p.get("spec", {}).get("nodeName")),
                         key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
        for pod in pending:
            ns, pname = pod["metadata"]["namespace"], pod["metadata"]["name"]
            state = self._pods.get((ns, pname))
            if state is None:
                continue
            node_name, why = self._place(pod["spec"])
            if node_name is None:
                if why != state.unschedulable or now - state.failed_at >= _RETRY_EVENT:
                    state.unschedulable = why
                    self._failed_scheduling(pod, state, now)
                continue
            state.started, state.ready_at, state.unschedulable, state.shown = now, now + self.restart_seconds, None, ()
            bound = copy.deepcopy(pod)
            bound["spec"]["nodeName"] = node_name
            template = {"spec": {"containers": pod["spec"].get("containers", [])}}
            bound["status"] = objs.pod_status(template, ready=False, waiting="ContainerCreating", restarts=0,
                                              started=now, now=now, node_ip=objs.node_ip(node_name),
                                              pod_ip=self._next_ip())
            self._started(self.api.put(PODS, bound), node_name, now)

    def _node_lifecycle(self, now: float) -> None:
        """Evict the pods of a node unreachable for longer than they tolerate; remove pods bound
        to a node that no longer exists."""
        nodes = {n["metadata"]["name"]: n for n in self.api.list(NODES)}
        doomed: list[tuple[dict[str, Any], str]] = []
        for name, node in nodes.items():
            taint = next((t for t in node.get("spec", {}).get("taints") or []
                          if t.get("key") == objs.UNREACHABLE and t.get("effect") == "NoExecute"), None)
            if taint is None:
                continue
            try:
                since = objs.parse_rfc3339(taint.get("timeAdded") or "")
            except ValueError:
                continue
            if now - since >= objs.EVICTION_SECONDS:
                doomed += [(p, "evict") for p in self.api.list(PODS, None, lambda p: p["spec"].get("nodeName") == name)]
        doomed += [(p, "gc") for p in self.api.list(PODS) if p["spec"].get("nodeName")
                   and p["spec"]["nodeName"] not in nodes]
        for pod, why in doomed:
            ns, pname = pod["metadata"]["namespace"], pod["metadata"]["name"]
            self.api.remove(PODS, ns, pname)
            self._pods.pop((ns, pname), None)
            if why == "evict":
                self.events.record(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {ns}/{pname}",
                                   now, component="taint-eviction-controller")

    def _scaled(self, dep: dict[str, Any], hash_: str, direction: str, now: float) -> None:
        """The deployment controller's ScalingReplicaSet event, with the ReplicaSet's new size."""
        ns, name = dep["metadata"]["namespace"], dep["metadata"]["name"]
        size = len(self.api.list(PODS, ns, lambda p: p["metadata"].get("labels", {}).get("pod-template-hash") == hash_
                                 and p["metadata"].get("labels", {}).get("app") == name))
        self.events.record(dep, "Normal", "ScalingReplicaSet", f"Scaled {direction} replica set {name}-{hash_} "
                           f"from {size + (-1 if direction == 'up' else 1)} to {size}", now,
                           component="deployment-controller")

    def _delete(self, ns: str, pods: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
        now = self.api.world.now()
        for p in pods[:count]:
            self.api.remove(PODS, ns, p["metadata"]["name"])
            state = self._pods.pop((ns, p["metadata"]["name"]), None)
            for c in p["spec"].get("containers", []):
                self.events.record(p, "Normal", "Killing", f"Stopping container {c['name']}", now,
                                   component="kubelet", host=p["spec"].get("nodeName"))
            dep = self.api.get(DEPLOYMENTS, ns, state.deployment[1]) if state else None
            hash_ = p["metadata"].get("labels", {}).get("pod-template-hash")
            if dep is not None and hash_:
                self._scaled(dep, hash_, "down", now)
        return pods[count:]

    def _show_pod(self, ns: str, pod: dict[str, Any], dep: dict[str, Any], ready: bool, now: float) -> None:
        """Rewrite the pod's status only when what a client would see has changed."""
        state = self._pods[(ns, pod["metadata"]["name"])]
        if not pod["spec"].get("nodeName"):  # Pending: the scheduler's word is all there is
            if state.shown != ("Pending", state.unschedulable):
                state.shown = ("Pending", state.unschedulable)
                self.api.put(PODS, {**copy.deepcopy(pod), "status": objs.pending_status(state.unschedulable or "", state.started)})
            return
        capped = (ns, dep["metadata"]["name"]) in self._caps and not ready and now >= state.ready_at
        if capped:
            state.crashing_since = state.crashing_since or now
            restarts = state.restarts + 1 + _backoff_restarts(now - state.crashing_since)
        else:
            if state.crashing_since is not None:
                state.restarts += 1 + _backoff_restarts(now - state.crashing_since)
                state.crashing_since = None
            restarts = state.restarts
        starting = now < state.ready_at
        waiting = "CrashLoopBackOff" if capped else (
            "ContainerCreating" if starting and now < state.started + self.restart_seconds * 0.4 else None)
        shown = (ready, waiting, restarts)
        if shown == state.shown:
            return
        state.shown = shown
        if capped:
            host = pod["spec"].get("nodeName")
            for c in pod["spec"].get("containers", []):
                self.events.record(pod, "Warning", "BackOff", f"Back-off restarting failed container {c['name']} "
                                   f"in pod {pod['metadata']['name']}_{ns}", now, component="kubelet", host=host)
            self.events.record(pod, "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with "
                               "statuscode: 503", now, component="kubelet", host=host)
        template = {"spec": {"containers": pod["spec"].get("containers", [])}}
        new = copy.deepcopy(pod)
        new["status"] = objs.pod_status(template, ready=ready, waiting=waiting, restarts=restarts,
                                        started=state.started, now=now,
                                        node_ip=objs.node_ip(pod["spec"].get("nodeName", "") or "ip-0-0-0-0"),
                                        pod_ip=pod["status"].get("podIP", ""))
        self.api.put(PODS, new)

    def _write_status(self, dep: dict[str, Any], *, total: int, updated: int, ready: int, now: float,
                      hash_: str) -> None:
        status = objs.deployment_status(dep, total=total, updated=updated, ready=ready, available=ready,
                                        now=now, previous=dep.get("status"))
        key = (dep["metadata"]["namespace"], dep["metadata"]["name"])
        revision = dep["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "1")
        known_hash = self._hashes.setdefault(key, hash_)
        if known_hash != hash_:  # a new template is a new ReplicaSet revision
            revision = str(int(revision) + 1)
            self._hashes[key] = hash_
        elif status == dep.get("status"):
            return
        new = copy.deepcopy(dep)
        new["status"] = status
        new["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/revision"] = revision
        self.api.put(DEPLOYMENTS, new)


def _backoff_restarts(crashing: float) -> int:
    """Restarts after the first within ``crashing`` seconds of a crash loop: the kubelet waits
    10 s, then twice as long each time, at most 5 minutes (so a pod crash-looping for an hour
    shows 16 restarts, not 360)."""
    restarts, delay, elapsed = 0, _BACKOFF_FIRST, _BACKOFF_FIRST
    while elapsed <= crashing and delay < _BACKOFF_MAX:
        restarts, delay = restarts + 1, min(delay * 2, _BACKOFF_MAX)
        elapsed += delay
    if elapsed <= crashing:  # at the cap: one restart every five minutes
        restarts += 1 + int((crashing - elapsed) // _BACKOFF_MAX)
    return restarts


def _node_ready(node: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in node.get("status", {}).get("conditions", []))

"""The emulated GreenLang Kubernetes cluster: an API server on loopback plus its controller.

:class:`KubeEstate` is what ``cockpit demo``, the scenario driver and the tests start. It
serves :class:`~cockpit.estate.k8s_api.ClusterAPI` (kmock's emulator, extended) on a free
loopback port, seeds the runbooks' namespace, and runs the
:class:`~cockpit.estate.k8s_controller.Controller` that makes rollouts and scaling happen.
Clients reach it only over HTTP through the kubeconfig it writes, exactly as they would a
real cluster; the scenario driver changes it in-process through the hooks below.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp.web
import kmock
import yaml

from cockpit.estate import k8s_alerts
from cockpit.estate import k8s_metrics as metrics
from cockpit.estate import k8s_objects as objs
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.k8s_api import ClusterAPI
from cockpit.estate.k8s_controller import DEPLOYMENTS, NODES, PODS, Controller
from cockpit.estate.k8s_openapi import OpenAPI
from cockpit.estate.k8s_time import WorldTime
from cockpit.estate.requestlog import RequestLog

CONTEXT = "cockpit-demo"
CONFIGMAPS = kmock.resource("v1/configmaps")
NAMESPACES = kmock.resource("v1/namespaces")
APISERVICES = kmock.resource("apiregistration.k8s.io/v1/apiservices")
_SHUTDOWN_SECONDS = 0.5  # a request still open on stop() is cut after this
#: What a scenario's ``when.k8s`` may read (content/scenario.py K8sCondition).
_RESOURCE_KEYS = {"node": "v1/nodes", "pod": "v1/pods", "deployment": "apps/v1/deployments",
                  "event": "v1/events", "configmap": "v1/configmaps"}


class KubeEstate:
    """The cluster of the runbooks, served on ``url`` between :meth:`start` and :meth:`stop`."""

    def __init__(self, log: RequestLog, *, clock: ScenarioClock | None = None, restart_seconds: float = 3.0,
                 shutdown_seconds: float = _SHUTDOWN_SECONDS) -> None:
        self.log = log
        #: The scenario clock the runner shares with the AWS side and the driver; on its own,
        #: a clock at speed 1 (world time = wall time). See k8s_time.
        self.clock = clock or ScenarioClock()
        self.world = WorldTime(self.clock)
        self.restart_seconds = restart_seconds  # world (scenario) seconds
        self.shutdown_seconds = shutdown_seconds
        self.api = ClusterAPI(log=log, openapi=OpenAPI(objs.RESOURCES), world=self.world)
        for key, (kind, namespaced, subresources, shortnames) in objs.RESOURCES.items():
            self.api.declare(key, kind, namespaced, subresources, shortnames)
        self.controller = Controller(self.api, restart_seconds=restart_seconds)
        self._runner: aiohttp.web.ServerRunner | None = None
        self.url = ""

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Serve on a free loopback port, seed the cluster, start the controller."""
        if self._runner is not None:
            raise RuntimeError("the Kubernetes estate is already running")
        await self.api.__aenter__()
        # aiohttp's own runner rather than kmock.Server: the latter also swaps aiohttp's DNS
        # resolver process-wide, which the estate neither needs nor may do.
        runner = aiohttp.web.ServerRunner(aiohttp.web.Server(self.api), shutdown_timeout=self.shutdown_seconds)
        try:
            await runner.setup()
            site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
        except BaseException:
            await runner.cleanup()
            await self.api.__aexit__(None, None, None)
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self._seed()
        self.controller.tick(settled=True)
        await self.api.flush_events()
        self.controller.start()

    async def stop(self) -> None:
        """Stop the controller, close open watches and free the port. Safe to call twice."""
        await self.controller.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                await self.api.close_watches()
                await asyncio.sleep(0)  # let the watch handlers write their last chunk
                await runner.cleanup()
            finally:
                await self.api.__aexit__(None, None, None)
        self.url = ""

    async def __aenter__(self) -> KubeEstate:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    def _seed(self) -> None:
        now = self.world.now() - 30 * 86400  # the cluster has been up for a month
        self.api.put(NAMESPACES, objs.namespace(objs.NAMESPACE, now))
        self.api.put(NAMESPACES, objs.namespace("default", now))
        for name in objs.NODES:
            self.api.put(NODES, objs.node(name, now))
        self.api.put(CONFIGMAPS, objs.applied(
            objs.configmap("storage-config", objs.NAMESPACE, objs.STORAGE_CONFIG, now)))
        for seed in objs.DEPLOYMENTS:
            self.api.put(DEPLOYMENTS, objs.applied(objs.deployment(seed, objs.NAMESPACE, now)))
        self.api.put(APISERVICES, metrics.api_service(now))

    # ------------------------------------------------------------ kubeconfig
    def write_kubeconfig(self, path: Path) -> Path:
        """Write a kubeconfig whose current context ``cockpit-demo`` points at this cluster."""
        if not self.url:
            raise RuntimeError("start the Kubernetes estate before writing its kubeconfig")
        config = {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "current-context": CONTEXT,
            "clusters": [{"name": objs.NAMESPACE, "cluster": {"server": self.url}}],
            "users": [{"name": objs.NAMESPACE, "user": {"token": "cockpit-demo-token"}}],
            "contexts": [{"name": CONTEXT, "context": {"cluster": objs.NAMESPACE, "user": objs.NAMESPACE,
                                                       "namespace": objs.NAMESPACE}}],
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        return path

    # ------------------------------------------------------------ scenario-driver hooks
    def set_degraded(self, namespace: str, deployment: str, ready_replicas: int | None) -> None:
        """Let only ``ready_replicas`` pods be ready (the rest crash-loop); None heals."""
        self._require_deployment(namespace, deployment)
        self.controller.degrade(namespace, deployment, ready_replicas)

    def configmap_data(self, namespace: str, name: str) -> dict[str, str]:
        obj = self.api.get(CONFIGMAPS, namespace, name)
        if obj is None:
            raise KeyError(f"no ConfigMap {namespace}/{name}")
        return dict(obj.get("data") or {})

    def restarted_at(self, namespace: str, deployment: str) -> str | None:
        """The ``kubectl.kubernetes.io/restartedAt`` annotation of the pod template, if any."""
        dep = self._require_deployment(namespace, deployment)
        annotations = dep["spec"]["template"].get("metadata", {}).get("annotations") or {}
        return annotations.get(objs.RESTARTED_AT)

    def deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """A copy of the stored Deployment, status included."""
        return copy.deepcopy(self._require_deployment(namespace, name))

    def set_node_ready(self, name: str, ready: bool) -> None:
        """Flip a node's Ready condition; its pods lose (or regain) readiness at once."""
        node = self.api.get(NODES, None, name)
        if node is None:
            raise KeyError(f"no node {name}")
        new = copy.deepcopy(node)
        now = self.world.now()
        new["status"]["conditions"] = objs.node_conditions(ready, now)
        # The node lifecycle controller taints a node whose kubelet went silent (nothing new is
        # scheduled there; its pods are evicted after 300 s) and lifts the taints when it is back.
        taints = [t for t in new["spec"].get("taints") or [] if t.get("key") != objs.UNREACHABLE]
        if not ready:
            kept = [t for t in node["spec"].get("taints") or [] if t.get("key") == objs.UNREACHABLE]
            taints += kept or objs.unreachable_taints(now)
        if taints:
            new["spec"]["taints"] = taints
        else:
            new["spec"].pop("taints", None)
        stored = self.api.put(NODES, new)
        if objs.is_ready(node) != ready:
            status = "NodeReady" if ready else "NodeNotReady"
            self.controller.events.record(stored, "Normal", status, f"Node {name} status is now: {status}", now,
                                          component="kubelet" if ready else "node-controller")
        self.controller.tick()

    def join_node(self, name: str) -> None:
        """A new node registers, Ready (the node group's replacement instance); pods that wait
        for capacity are scheduled on it at once."""
        if self.api.get(NODES, None, name) is not None:
            raise KeyError(f"node {name} is already in the cluster")
        now = self.world.now()
        stored = self.api.put(NODES, objs.node(name, now))
        self.controller.events.record(stored, "Normal", "RegisteredNode", f"Node {name} event: Registered Node "
                                      f"{name} in Controller", now, component="node-controller")
        self.controller.tick()

    def observe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every change to the cluster (see ClusterAPI.observe)."""
        self.api.observe(callback)

    def read(self, resource: str, namespace: str, name: str | None) -> Any:
        """What a client's get (``name``) or list (``{"items": [...]}``) of ``resource`` would
        answer now, in world time; a named object that does not exist reads as None."""
        key = kmock.resource(_RESOURCE_KEYS[resource])
        ns = None if resource == "node" else namespace
        if name is not None:
            return copy.deepcopy(self.api.get(key, ns, name))
        return {"items": copy.deepcopy(self.api.list(key, ns))}

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts the cluster's monitoring raises now (Alertmanager v2 shape; see k8s_alerts),
        timed on the client's wall clock like everything the cluster serves (k8s_time)."""
        return self.world.to_client(k8s_alerts.cluster_alerts(
            self.api.list(NODES), self.api.list(PODS), self.api.list(DEPLOYMENTS), self.world.now()))

    def _require_deployment(self, namespace: str, name: str) -> dict[str, Any]:
        dep = self.api.get(DEPLOYMENTS, namespace, name)
        if dep is None:
            raise KeyError(f"no deployment {namespace}/{name}")
        return dep

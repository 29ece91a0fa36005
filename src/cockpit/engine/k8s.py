"""The ``k8s`` step through kubernetes-asyncio, doing what kubectl does.

* ``rollout_restart``: merge-patch ``spec.template.metadata.annotations
  ["kubectl.kubernetes.io/restartedAt"]`` with the current time, exactly as
  ``kubectl rollout restart`` does; the controller then replaces the pods.
* ``rollout_status``: poll until the controller has observed the latest generation and
  updated, ready and available replicas all equal the desired count (kubectl's rule).
* ``apply_configmap`` creates the ConfigMap or replaces its data; ``patch_configmap``
  merges keys into it; ``scale`` patches the scale subresource; ``get`` reads or lists.
* ``cordon`` merge-patches the node's ``spec.unschedulable`` to true, as ``kubectl cordon``;
  ``drain`` cordons, then deletes every pod bound to the node except DaemonSet pods, as
  ``kubectl drain --ignore-daemonsets --disable-eviction`` (the owners replace them
  elsewhere); ``delete`` deletes the named object (a node: the node group replaces it).
  All three are writes: the engine's guard runs none of them in a read-only, dry or tabletop run.
"""

from __future__ import annotations

import asyncio
import functools
import time
from datetime import datetime, timezone
from typing import Any

from cockpit.content import templating
from cockpit.content.step_base import K8sCall
from cockpit.engine.bounds import REQUEST_TIMEOUT, WAIT_DEFAULT
from cockpit.engine.results import StepFailure, StepResult, TimedOut, Unmet, judge
from cockpit.engine.runtime import Runtime

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_MERGE = "application/merge-patch+json"
_KIND = {"deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet",
         "configmap": "ConfigMap", "pod": "Pod", "node": "Node", "service": "Service", "event": "Event"}


def render_k8s(call: K8sCall, ctx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"action": call.action, "resource": call.resource,
                           "namespace": str(templating.render_value(call.namespace, ctx)),
                           "name": str(templating.render_value(call.name, ctx)) if call.name else None}
    if call.data is not None:
        out["data"] = {k: str(v) for k, v in templating.render_value(call.data, ctx).items()}
    if call.replicas is not None:
        replicas = templating.render_value(call.replicas, ctx)
        try:
            out["replicas"] = int(replicas)
        except (TypeError, ValueError):
            raise StepFailure(f"replicas must be a whole number, got {replicas!r}") from None
    return out


class _Api:
    """The typed API objects for one resource kind."""

    def __init__(self, client: Any, resource: str, request_timeout: float):
        from kubernetes_asyncio import client as k

        self.client, self.resource, self.request_timeout = client, resource, request_timeout
        self.core, self.apps = k.CoreV1Api(client), k.AppsV1Api(client)
        plural = {"deployment": "deployment", "statefulset": "stateful_set", "daemonset": "daemon_set",
                  "configmap": "config_map", "pod": "pod", "node": "node", "service": "service",
                  "event": "event"}[resource]
        self.api = self.apps if resource in ("deployment", "statefulset", "daemonset") else self.core
        self.plural = plural

    def method(self, verb: str, namespaced: bool = True) -> Any:
        where = "namespaced_" if namespaced and self.resource != "node" else ""
        return self.bounded(getattr(self.api, f"{verb}_{where}{self.plural}"))

    def bounded(self, operation: Any) -> Any:
        """``operation`` with a per-request timeout: kubernetes-asyncio's default has none at
        all (an empty ``aiohttp.ClientTimeout``), so a wedged API server would hang forever."""
        return functools.partial(operation, _request_timeout=self.request_timeout)

    def plain(self, obj: Any) -> Any:
        return self.client.sanitize_for_serialization(obj)


async def run_k8s(call: K8sCall, ctx: dict[str, Any], rt: Runtime, timeout: float | None = None,
                  request_timeout: float = REQUEST_TIMEOUT) -> StepResult:
    """One action; ``timeout`` is rollout_status's wait, ``request_timeout`` bounds each API request."""
    from kubernetes_asyncio.client.exceptions import ApiException
    from kubernetes_asyncio.config import ConfigException

    r = render_k8s(call, ctx)
    try:
        api = _Api(await rt.connections.kube(rt.kube_context), call.resource, request_timeout)
        obj, summary = await _ACTIONS[call.action](api, r, rt, timeout)
    except ApiException as exc:
        raise StepFailure(f"kubernetes {call.action} {call.resource}/{r['name'] or ''} in {r['namespace']}: "
                          f"{exc.status} {exc.reason}") from None
    except ConfigException as exc:
        raise StepFailure(f"kubernetes configuration: {exc}") from None
    except TimeoutError:  # before OSError, of which it is a subclass
        raise StepFailure(f"kubernetes API did not answer {call.action} {call.resource}/{r['name'] or ''} "
                          f"within {request_timeout:g}s") from None
    except OSError as exc:  # aiohttp's connection errors are OSErrors
        raise StepFailure(f"kubernetes API unreachable: {exc}") from None
    outputs = judge(call.expect, call.outputs, obj, ctx, {"object": obj})
    return StepResult(outputs, summary)


def _ns(api: _Api, r: dict[str, Any]) -> tuple:
    return (r["name"],) if api.resource == "node" else (r["name"], r["namespace"])


async def _restart(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    obj = await api.method("patch")(r["name"], r["namespace"], body, _content_type=_MERGE)
    return api.plain(obj), f"{r['resource']}/{r['name']} restarted at {stamp}"


def rollout_complete(obj: dict[str, Any]) -> tuple[bool, str]:
    """kubectl's rule: latest generation observed, every replica updated, ready and available."""
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status", {}) or {}
    want = spec.get("replicas", 1)
    if status.get("observedGeneration", 0) < meta.get("generation", 0):
        return False, "waiting for the rollout to be observed"
    updated, ready, avail = (status.get(k, 0) or 0 for k in ("updatedReplicas", "readyReplicas", "availableReplicas"))
    total = status.get("replicas", 0) or 0
    text = f"{updated}/{want} updated, {ready} ready, {avail} available"
    return (updated == ready == avail == want and total == want), text


async def _status(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    deadline = time.monotonic() + (timeout or WAIT_DEFAULT)
    last = ""
    while True:
        obj = api.plain(await api.method("read")(*_ns(api, r)))
        done, text = rollout_complete(obj)
        if text != last:
            rt.emit(f"{r['resource']}/{r['name']}: {text}", "stdout")
            last = text
        if done:
            return obj, f"rollout complete: {text}"
        if timeout == 0:  # a guarded run: nothing was restarted, so there is nothing to wait for
            # Not a failure: skipped, as a wait step under the guard is (engine/calls.py): a
            # tabletop's walk-through read as a failed run at every rollout it did not cause.
            raise Unmet(f"not waiting (read-only): checked once, {r['resource']}/{r['name']}: {text}",
                        {"object": obj})
        if time.monotonic() >= deadline:
            raise TimedOut(f"timed out after {timeout or WAIT_DEFAULT:g}s: rollout of {r['resource']}/{r['name']} "
                           f"not complete: {text}", timeout or WAIT_DEFAULT, {"object": obj})
        await asyncio.sleep(1.0)


async def _apply_cm(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    from kubernetes_asyncio.client.exceptions import ApiException

    try:
        current = await api.bounded(api.core.read_namespaced_config_map)(r["name"], r["namespace"])
    except ApiException as exc:
        if exc.status != 404:
            raise
        body = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": r["name"], "namespace": r["namespace"]}, "data": r["data"]}
        obj = await api.bounded(api.core.create_namespaced_config_map)(r["namespace"], body)
        return api.plain(obj), f"configmap/{r['name']} created ({len(r['data'])} keys)"
    body = api.plain(current)
    body["data"] = r["data"]
    obj = await api.bounded(api.core.replace_namespaced_config_map)(r["name"], r["namespace"], body)
    return api.plain(obj), f"configmap/{r['name']} configured ({len(r['data'])} keys)"


async def _patch_cm(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    obj = await api.bounded(api.core.patch_namespaced_config_map)(r["name"], r["namespace"], {"data": r["data"]},
                                                     _content_type=_MERGE)
    return api.plain(obj), f"configmap/{r['name']} patched ({', '.join(r['data'])})"


async def _scale(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    patch = api.bounded(getattr(api.api, f"patch_namespaced_{api.plural}_scale"))
    obj = await patch(r["name"], r["namespace"], {"spec": {"replicas": r["replicas"]}}, _content_type=_MERGE)
    return api.plain(obj), f"{r['resource']}/{r['name']} scaled to {r['replicas']}"


async def _get(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    if r["name"]:
        obj = api.plain(await api.method("read")(*_ns(api, r)))
        return obj, f"{r['resource']}/{r['name']} read"
    if api.resource == "node":
        listing = await api.bounded(api.core.list_node)()
    else:
        listing = await api.method("list")(r["namespace"])
    obj = api.plain(listing)
    return obj, f"{len(obj.get('items', []))} {r['resource']}s"


async def _cordon(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    obj = await api.bounded(api.core.patch_node)(r["name"], {"spec": {"unschedulable": True}}, _content_type=_MERGE)
    return api.plain(obj), f"node/{r['name']} cordoned"


async def _drain(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    """Cordon (unless it is already, as kubectl drain), then delete the node's pods (DaemonSet
    pods stay: their controller would put them back)."""
    node = api.plain(await api.bounded(api.core.read_node)(r["name"]))
    if not (node.get("spec") or {}).get("unschedulable"):
        await _cordon(api, r, rt, timeout)
    listing = api.plain(await api.bounded(api.core.list_pod_for_all_namespaces)(
        field_selector=f"spec.nodeName={r['name']}"))
    deleted, kept = [], []
    for pod in listing.get("items", []):
        meta = pod.get("metadata", {})
        where = f"{meta.get('namespace')}/{meta.get('name')}"
        if any(o.get("kind") == "DaemonSet" for o in meta.get("ownerReferences") or []):
            kept.append(where)
            continue
        await api.bounded(api.core.delete_namespaced_pod)(meta["name"], meta["namespace"])
        rt.emit(f"pod/{where} deleted", "stdout")
        deleted.append(where)
    obj = {"node": r["name"], "unschedulable": True, "deleted": deleted, "daemonset_pods": kept}
    return obj, f"node/{r['name']} drained: {len(deleted)} pod(s) deleted" + (
        f", {len(kept)} DaemonSet pod(s) left" if kept else "")


async def _delete(api: _Api, r: dict[str, Any], rt: Runtime, timeout: float | None) -> tuple[Any, str]:
    obj = await api.method("delete")(*_ns(api, r))
    return api.plain(obj), f"{r['resource']}/{r['name']} deleted"


_ACTIONS = {"rollout_restart": _restart, "rollout_status": _status, "apply_configmap": _apply_cm,
            "patch_configmap": _patch_cm, "scale": _scale, "get": _get, "cordon": _cordon, "drain": _drain,
            "delete": _delete}

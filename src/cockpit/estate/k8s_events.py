"""Core ``v1`` Events, as the scheduler, the kubelet and the controllers write them.

A responder reads what happened to a workload in ``kubectl get events`` and at the bottom
of ``kubectl describe`` (Scheduled, Pulled, Started, Killing, BackOff, Unhealthy,
ScalingReplicaSet, NodeNotReady). The controller records them here as it acts. Like the
API server, the recorder folds a repeat of the same event into the existing object (its
``count`` and ``lastTimestamp`` go up) and forgets events after an hour (the API server's
default ``--event-ttl``), so a long demo keeps a bounded list.
"""

from __future__ import annotations

import hashlib
from typing import Any

import kmock

from cockpit.estate import k8s_objects as objs
from cockpit.estate.k8s_api import ClusterAPI

EVENTS = kmock.resource("v1/events")
TTL_SECONDS = 3600.0
_MAX_EVENTS = 1000


class EventRecorder:
    """Writes Events into ``api``; see the module docstring."""

    def __init__(self, api: ClusterAPI) -> None:
        self.api = api
        self._seen: dict[tuple[str, ...], tuple[str | None, str, float]] = {}  # key -> (ns, name, last)

    def record(self, obj: dict[str, Any], type_: str, reason: str, message: str, now: float, *,
               component: str, host: str | None = None) -> None:
        """One occurrence of an event about ``obj`` (a pod, deployment or node)."""
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        key = (meta.get("uid", ""), type_, reason, message)
        at = objs.timestamp(now)
        known = self._seen.get(key)
        existing = self.api.get(EVENTS, known[0], known[1]) if known else None
        if existing is not None:
            event = {**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": at}
        else:
            suffix = hashlib.sha256(f"{key}{now}".encode()).hexdigest()[:16]
            source = {"component": component, **({"host": host} if host else {})}
            event = {
                "apiVersion": "v1", "kind": "Event",
                "metadata": objs.new_metadata(f"{meta['name']}.{suffix}", namespace, now),
                "involvedObject": {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj.get("kind", ""),
                                   "name": meta["name"], "namespace": meta.get("namespace"),
                                   "uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion")},
                "type": type_, "reason": reason, "message": message, "source": source,
                "reportingComponent": component, "reportingInstance": host or "",
                "firstTimestamp": at, "lastTimestamp": at, "count": 1,
            }
            if not meta.get("namespace"):
                event["involvedObject"].pop("namespace")
        self.api.put(EVENTS, event)
        self._seen[key] = (namespace, event["metadata"]["name"], now)
        self._expire(now)

    def _expire(self, now: float) -> None:
        if len(self._seen) <= _MAX_EVENTS and all(now - last < TTL_SECONDS for *_, last in self._seen.values()):
            return
        by_age = sorted(self._seen.items(), key=lambda item: item[1][2])
        for key, (namespace, name, last) in by_age:
            if now - last < TTL_SECONDS and len(self._seen) <= _MAX_EVENTS:
                break
            self.api.remove(EVENTS, namespace, name)
            del self._seen[key]

"""Server-side printing: the ``Table`` answers that ``kubectl get`` asks for.

kubectl no longer knows how to print built-in kinds; it asks the server for a
``meta.k8s.io/v1 Table`` and shows its rows. Without one it falls back to NAME and AGE,
which hides exactly what a responder looks at (READY 1/3, CrashLoopBackOff, NotReady). So
the estate renders the columns of the real server for the kinds it seeds.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

Row = list[Any]


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def age(created: str, now: float | None = None) -> str:
    """kubectl's short human duration: 45s, 12m, 5h, 3d."""
    try:
        then = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC).timestamp()
    except ValueError:
        return "<unknown>"
    seconds = max(0, int((now or time.time()) - then))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _ready(obj: dict[str, Any]) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in obj.get("status", {}).get("conditions", []))


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("template", {}).get("spec", {}).get("containers", [])


def _deployment(d: dict[str, Any]) -> Row:
    s = d.get("status", {})
    containers = _containers(d["spec"])
    selector = ",".join(f"{k}={v}" for k, v in d["spec"].get("selector", {}).get("matchLabels", {}).items())
    return [f"{s.get('readyReplicas', 0)}/{d['spec'].get('replicas', 1)}", s.get("updatedReplicas", 0),
            s.get("availableReplicas", 0),
            ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            selector or "<none>"]


def _replicaset(r: dict[str, Any]) -> Row:
    s = r.get("status", {})
    containers = _containers(r["spec"])
    selector = ",".join(f"{k}={v}" for k, v in r["spec"].get("selector", {}).get("matchLabels", {}).items())
    return [r["spec"].get("replicas", 1), s.get("replicas", 0), s.get("readyReplicas", 0),
            ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers),
            selector or "<none>"]


def _pod(p: dict[str, Any]) -> Row:
    statuses = p.get("status", {}).get("containerStatuses", [])
    ready = sum(1 for c in statuses if c.get("ready"))
    waiting = [c["state"]["waiting"].get("reason", "Waiting") for c in statuses if "waiting" in c.get("state", {})]
    return [f"{ready}/{len(statuses)}", waiting[0] if waiting else p.get("status", {}).get("phase", "Unknown"),
            sum(c.get("restartCount", 0) for c in statuses), p.get("status", {}).get("podIP", "<none>"),
            p.get("spec", {}).get("nodeName", "<none>"), "<none>", "<none>"]


def _node(n: dict[str, Any]) -> Row:
    status = n.get("status", {})
    info = status.get("nodeInfo", {})
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses", [])}
    status = ("Ready" if _ready(n) else "NotReady") + (",SchedulingDisabled" if n.get("spec", {}).get("unschedulable")
                                                       else "")
    return [status, "<none>", info.get("kubeletVersion", ""),
            addresses.get("InternalIP", "<none>"), addresses.get("ExternalIP", "<none>"),
            info.get("osImage", ""), info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]


def _event(e: dict[str, Any]) -> Row:
    involved = e.get("involvedObject", {})
    return [e.get("type", "Normal"), e.get("reason", ""),
            f"{involved.get('kind', '').lower()}/{involved.get('name', '')}", e.get("message", "")]


#: plural -> (columns before Age, after Age, wide-only columns (priority 1), row builder).
#: The row builder returns the cells in that order.
_COLUMNS: dict[str, tuple[list[str], list[str], list[str], Callable[[dict[str, Any]], Row]]] = {
    "deployments": (["Ready", "Up-to-date", "Available"], [], ["Containers", "Images", "Selector"], _deployment),
    "replicasets": (["Desired", "Current", "Ready"], [], ["Containers", "Images", "Selector"], _replicaset),
    "pods": (["Ready", "Status", "Restarts"], [], ["IP", "Node", "Nominated Node", "Readiness Gates"], _pod),
    "nodes": (["Status", "Roles"], ["Version"], ["Internal-IP", "External-IP", "OS-Image", "Kernel-Version",
                                                 "Container-Runtime"], _node),
    "configmaps": (["Data"], [], [], lambda c: [len(c.get("data") or {})]),
    "namespaces": (["Status"], [], [], lambda n: [n.get("status", {}).get("phase", "Active")]),
    "events": (["Type", "Reason", "Object", "Message"], [], [], _event),
}


def table(plural: str, items: list[dict[str, Any]], resource_version: str, now: float | None = None) -> dict[str, Any]:
    """A Table of ``items`` with the real server's columns (Name and Age for other kinds).

    Ages are the server's, at ``now`` (the cluster's world time; see k8s_time)."""
    before, after, wide, build = _COLUMNS.get(plural, ([], [], [], lambda _: []))
    if plural == "events":  # the events table leads with when it was last seen, not with a name
        columns = [("Last Seen", 0), *((c, 0) for c in before), ("Name", 1)]
    else:
        columns = [("Name", 0), *((c, 0) for c in before), ("Age", 0), *((c, 0) for c in after),
                   *((c, 1) for c in wide)]
    rows = []
    for obj in items:
        extra = build(obj)
        if plural == "events":
            cells = [age(obj.get("lastTimestamp") or obj["metadata"].get("creationTimestamp", ""), now), *extra,
                     obj["metadata"]["name"]]
        else:
            cells = [obj["metadata"]["name"], *extra[: len(before)],
                     age(obj["metadata"].get("creationTimestamp", ""), now), *extra[len(before):]]
        rows.append({"cells": cells, "object": {
            "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}})
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [{"name": name, "type": _type(rows, i), "format": "name" if name == "Name" else "",
                               "description": "", "priority": priority}
                              for i, (name, priority) in enumerate(columns)],
        "rows": rows,
    }


def _type(rows: list[dict[str, Any]], column: int) -> str:
    return "integer" if rows and isinstance(rows[0]["cells"][column], int) else "string"

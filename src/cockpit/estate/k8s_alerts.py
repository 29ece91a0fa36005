"""The alerts a cluster's monitoring raises about it, computed from the cluster's state.

Seed 002's on-call reviews "overnight alerts" in Grafana's alerting view, and its alert
rules are the usual kube-prometheus ones. The estate has no Prometheus, so the rules are
evaluated here directly on the objects, with the labels and annotations those rules carry:

- ``KubeNodeNotReady`` (critical): a node whose Ready condition is not True;
- ``KubePodCrashLooping`` (warning): a container waiting in ``CrashLoopBackOff``;
- ``KubePodNotReady`` (warning): a pod Pending because the scheduler cannot place it;
- ``KubeDeploymentReplicasMismatch`` (warning): fewer ready replicas than wanted, once a
  rollout is not the reason (the new pods are all there).

An alert is active from the moment its condition started (the condition's or the pod's
transition time), so a drill sees how long it has been firing. Pure functions, no I/O.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cockpit.estate import k8s_objects as objs


def _since(conditions: list[dict[str, Any]], kind: str, fallback: str) -> str:
    return next((c.get("lastTransitionTime", fallback) for c in conditions if c.get("type") == kind), fallback)


def _alert(name: str, severity: str, labels: dict[str, str], summary: str, description: str,
           starts: str, now: float) -> dict[str, Any]:
    labels = {"alertname": name, "severity": severity, "cluster": "greenlang-prod", **labels}
    fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return {"labels": labels, "annotations": {"summary": summary, "description": description,
                                              "runbook_url": f"https://runbooks.prometheus-operator.dev/runbooks/"
                                                             f"kubernetes/{name.lower()}"},
            "startsAt": starts, "endsAt": objs.timestamp(now + 240), "updatedAt": objs.timestamp(now),
            "fingerprint": fingerprint, "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
            "receivers": [{"name": "pagerduty-oncall" if severity == "critical" else "slack-alerts"}],
            "generatorURL": f"/alerting/grafana/{name}/view"}


def cluster_alerts(nodes: list[dict[str, Any]], pods: list[dict[str, Any]], deployments: list[dict[str, Any]],
                   now: float) -> list[dict[str, Any]]:
    """Every alert firing now, most severe first."""
    alerts = []
    at = objs.timestamp(now)
    for n in nodes:
        if not objs.is_ready(n):
            name = n["metadata"]["name"]
            alerts.append(_alert("KubeNodeNotReady", "critical", {"node": name},
                                 "Node is not ready.", f"{name} has been unready for more than 15 minutes.",
                                 _since(n.get("status", {}).get("conditions", []), "Ready", at), now))
    for p in pods:
        for c in p.get("status", {}).get("containerStatuses", []):
            if c.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff":
                meta = p["metadata"]
                alerts.append(_alert(
                    "KubePodCrashLooping", "warning",
                    {"namespace": meta.get("namespace", ""), "pod": meta["name"], "container": c.get("name", "")},
                    "Pod is crash looping.",
                    f"Pod {meta.get('namespace')}/{meta['name']} ({c.get('name')}) is in waiting state "
                    f"(reason: \"CrashLoopBackOff\").",
                    _since(p.get("status", {}).get("conditions", []), "Ready", at), now))
    for p in pods:
        scheduled = next((c for c in p.get("status", {}).get("conditions", []) if c.get("type") == "PodScheduled"), {})
        if p.get("status", {}).get("phase") == "Pending" and scheduled.get("status") == "False":
            meta = p["metadata"]
            alerts.append(_alert(
                "KubePodNotReady", "warning", {"namespace": meta.get("namespace", ""), "pod": meta["name"]},
                "Pod has been in a non-ready state for more than 15 minutes.",
                f"Pod {meta.get('namespace')}/{meta['name']} has been in a non-ready state for longer than 15 "
                f"minutes (Pending: {scheduled.get('message', 'unschedulable')}).",
                scheduled.get("lastTransitionTime", at), now))
    for d in deployments:
        s, meta = d.get("status", {}), d["metadata"]
        wanted = d["spec"].get("replicas", 1)
        if s.get("readyReplicas", 0) < wanted and s.get("updatedReplicas", 0) >= wanted:
            alerts.append(_alert(
                "KubeDeploymentReplicasMismatch", "warning",
                {"namespace": meta.get("namespace", ""), "deployment": meta["name"]},
                "Deployment has not matched the expected number of replicas.",
                f"Deployment {meta.get('namespace')}/{meta['name']} has not matched the expected number of "
                f"replicas ({s.get('readyReplicas', 0)}/{wanted} ready).",
                _since(s.get("conditions", []), "Available", at), now))
    return sorted(alerts, key=lambda a: (a["labels"]["severity"] != "critical", a["startsAt"]))

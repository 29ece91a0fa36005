"""Nodes, capacity and scheduling in the emulated cluster, through the real kubectl: a node
whose kubelet goes silent is tainted and its pods evicted after five scenario minutes; a
replacement that fits nowhere stays Pending with the scheduler's FailedScheduling event and
is placed once a node joins; a cordoned node takes no new pods; drain empties a node.
Skipped where kubectl is not installed."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.estate.clock import ScenarioClock
from cockpit.estate.k8s import KubeEstate
from cockpit.estate.requestlog import RequestLog
from tests.estate.test_k8s_kubectl import Kubectl

pytestmark = [pytest.mark.slow,  # starts an estate
              pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")]

BAD = "ip-10-0-2-12.eu-west-1.compute.internal"
NEW = "ip-10-0-2-27.eu-west-1.compute.internal"


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[Kubectl, ScenarioClock]]:
    clock = ScenarioClock()
    async with KubeEstate(RequestLog(), clock=clock, restart_seconds=0.5) as estate:
        yield Kubectl(estate, estate.write_kubeconfig(tmp_path / "kubeconfig"), tmp_path / "cache"), clock


async def _pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    return json.loads(await kubectl.ok("get", "pods", "-n", "greenlang", "-o", "json"))["items"]


def _later(kubectl: Kubectl, clock: ScenarioClock, seconds: float) -> None:
    """Move the scenario clock on and let the controller act on it."""
    clock.jump_to(clock.now() + seconds)
    kubectl.estate.controller.tick()


async def test_a_silent_node_is_evicted_and_the_pod_that_fits_nowhere_waits_for_a_new_node(cluster) -> None:
    kubectl, clock = cluster
    kubectl.estate.set_node_ready(BAD, False)
    node = json.loads(await kubectl.ok("get", "node", BAD, "-o", "json"))
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    _later(kubectl, clock, 240)  # within the 300 s the pods tolerate: still bound to the node
    assert sum(p["spec"].get("nodeName") == BAD for p in await _pods(kubectl)) == 3

    _later(kubectl, clock, 61)
    pods = await _pods(kubectl)
    assert not [p for p in pods if p["spec"].get("nodeName") == BAD]
    pending = [p for p in pods if p["status"]["phase"] == "Pending" and not p["spec"].get("nodeName")]
    assert [p["metadata"]["labels"]["app"] for p in pending] == ["greenlang-api"]  # two cores fit nowhere
    listing = await kubectl.ok("get", "pods", "-n", "greenlang", "--field-selector", "status.phase=Pending")
    assert pending[0]["metadata"]["name"] in listing
    events = await kubectl.ok("get", "events", "-n", "greenlang", "--field-selector", "reason=FailedScheduling")
    assert ("0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 Insufficient cpu.") in events
    assert "TaintManagerEviction" in await kubectl.ok("get", "events", "-n", "greenlang")
    dep = json.loads(await kubectl.ok("get", "deployment", "greenlang-api", "-n", "greenlang", "-o", "json"))
    assert dep["status"]["readyReplicas"] == 2

    # The node is deleted and the node group's replacement joins: the Pending pod goes there.
    assert "deleted" in await kubectl.ok("delete", "node", BAD)
    kubectl.estate.join_node(NEW)
    _later(kubectl, clock, 1)
    pods = await _pods(kubectl)
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert [p["metadata"]["labels"]["app"] for p in pods if p["spec"]["nodeName"] == NEW] == ["greenlang-api"]
    assert "Successfully assigned" in await kubectl.ok("get", "events", "-n", "greenlang", "--field-selector",
                                                       f"involvedObject.name={pending[0]['metadata']['name']}")


async def test_a_cordoned_node_takes_no_new_pods_and_drain_empties_it(cluster) -> None:
    kubectl, clock = cluster
    node = "ip-10-0-3-13.eu-west-1.compute.internal"
    assert "cordoned" in await kubectl.ok("cordon", node)
    assert f"{node}   Ready,SchedulingDisabled" in await kubectl.ok("get", "nodes")
    before = {p["metadata"]["name"] for p in await _pods(kubectl)}
    await kubectl.ok("scale", "deployment", "storage-service", "-n", "greenlang", "--replicas=6")
    _later(kubectl, clock, 1)
    new = [p for p in await _pods(kubectl) if p["metadata"]["name"] not in before]
    assert len(new) == 3 and all(p["spec"]["nodeName"] != node for p in new), [p["spec"]["nodeName"] for p in new]

    out = await kubectl.ok("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=20s")
    assert "drained" in out, out
    _later(kubectl, clock, 1)
    pods = await _pods(kubectl)
    assert not [p for p in pods if p["spec"].get("nodeName") == node]
    assert len(pods) == 11  # 6 + 2 + 3: the deployments put the drained pods back elsewhere (or Pending)
    await kubectl.ok("uncordon", node)
    assert f"{node}   Ready    " in await kubectl.ok("get", "nodes")


async def test_grafana_raises_kube_pod_not_ready_for_the_pod_that_cannot_be_scheduled(cluster) -> None:
    kubectl, clock = cluster
    kubectl.estate.set_node_ready(BAD, False)
    _later(kubectl, clock, 301)
    alerts = {a["labels"]["alertname"]: a for a in kubectl.estate.alerts()}
    assert alerts["KubeNodeNotReady"]["labels"]["node"] == BAD
    pending = alerts["KubePodNotReady"]
    assert pending["labels"]["pod"].startswith("greenlang-api-")
    assert "Insufficient cpu" in pending["annotations"]["description"]
    kubectl.estate.join_node(NEW)
    assert "KubePodNotReady" not in {a["labels"]["alertname"] for a in kubectl.estate.alerts()}


def _latency_and_errors(lines: list[str]) -> tuple[float, float]:
    """Mean latency of the served requests (ms) and the share of ERROR lines, of request lines."""
    requests = [line for line in lines if " 200 " in line or "ERROR" in line]
    served = [int(line.rsplit(" ", 1)[1].removesuffix("ms")) for line in requests if " 200 " in line]
    return sum(served) / len(served), sum("ERROR" in line for line in requests) / len(requests)


async def test_greenlang_api_logs_slower_requests_and_more_timeouts_while_it_is_short_of_a_pod(cluster) -> None:
    """Two pods of three serve the whole API: each carries half as much again, and its log says so
    (what the morning checklist's `kubectl logs -l app=greenlang-api | grep ERROR` counts)."""
    kubectl, clock = cluster
    kubectl.estate.set_node_ready(BAD, False)
    _later(kubectl, clock, 301)
    _later(kubectl, clock, 8 * 3600)  # eight scenario hours on two pods
    survivor = next(p["metadata"]["name"] for p in await _pods(kubectl)
                    if p["metadata"]["labels"]["app"] == "greenlang-api" and p["status"]["phase"] == "Running")
    lines = (await kubectl.ok("logs", "-n", "greenlang", survivor, "--tail=-1")).splitlines()
    # A request line every 30 s; the log keeps a day. Which lines are errors is a hash of the pod
    # and the time, so each run samples anew: ~960 short-handed lines (about 6 % errors) against
    # ~1,900 usual ones (about 1 %) tell the two rates apart in all but ~1 run in 10,000; two
    # hours (230 lines) against 3x failed about one run in twelve (binomial simulation).
    short = lines[-950:]  # the last eight hours
    usual = lines[: -(8 * 120 + 30)]  # the rest of the day, before the node went silent
    (short_ms, short_errors), (usual_ms, usual_errors) = _latency_and_errors(short), _latency_and_errors(usual)
    assert 1.35 < short_ms / usual_ms < 1.65, (short_ms, usual_ms)
    assert short_errors > 2 * usual_errors and usual_errors < 0.03, (short_errors, usual_errors)

    pending = next(p["metadata"]["name"] for p in await _pods(kubectl) if p["status"]["phase"] == "Pending")
    result = await kubectl.run("logs", "-n", "greenlang", pending)
    assert result.code != 0 and f"pod {pending} does not have a host assigned" in result.err

"""k8s-node-not-ready end to end on the emulated cluster playing platform-node-not-ready.

A live run once the node has gone NotReady cordons it, drains it (its three pods are deleted
and started elsewhere, greenlang-api's Pending for want of CPU), deletes it, and waits until
the node group's replacement has taken the Pending pod: kubectl then reads the cluster back
healthy, and the estate's request log holds exactly the writes the run made. Read-only,
tabletop and dry runs on the same broken cluster walk to the end and write nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import load_catalog
from cockpit.engine import Engine, Runtime
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline
from tests.playbooks_e2e.conftest import run_playbook
from tests.playbooks_e2e.test_guarded_all import MODES, EveryAnswer

BAD = "ip-10-0-2-12.eu-west-1.compute.internal"
NEW = "ip-10-0-2-27.eu-west-1.compute.internal"


def _kubectl(env: dict[str, str], *args: str) -> Any:
    out = subprocess.run(["kubectl", *args, "-o", "json"], env={**os.environ, **env}, capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return json.loads(out)


def _until(handle: Any, seconds: float) -> None:
    """Wait until the scenario has played ``seconds`` of scenario time."""
    deadline = time.monotonic() + 60
    while handle.control("status")["elapsed"] < seconds:
        assert time.monotonic() < deadline, "the scenario clock did not get there"
        time.sleep(0.05)


def _scenario_estate(start_estate: Any, monkeypatch: Any) -> Any:
    handle = start_estate(scenario="platform-node-not-ready", speed=60)
    for key, value in handle.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return handle


def test_cordon_drain_replace_and_the_cluster_reads_back_healthy(start_estate, monkeypatch, tmp_path: Path):
    handle = _scenario_estate(start_estate, monkeypatch)
    try:
        _until(handle, 70)  # NotReady since T+1m; its pods are not evicted before T+6m
        assert sum(p["spec"].get("nodeName") == BAD for p in _kubectl(handle.env, "get", "pods", "-n",
                                                                          "greenlang")["items"]) == 3
        since = time.time()
        run = asyncio.run(run_playbook("k8s-node-not-ready", tmp_path / "t.db", yes=True, approver="Dana Lead"))
        assert run.status == "succeeded", [(s, run.state(s), run.error(s)) for s in run.engine.records]
        assert run.state("cordon") == run.state("drain") == run.state("replace_node") == "succeeded"
        drained = run.outputs("drain")["deleted"]
        assert sorted(name.split("/")[1].rsplit("-", 2)[0] for name in drained) == [
            "api-gateway", "greenlang-api", "storage-service"]

        # The cluster, read back as a responder would.
        nodes = {n["metadata"]["name"]: n for n in _kubectl(handle.env, "get", "nodes")["items"]}
        assert BAD not in nodes and NEW in nodes
        pods = _kubectl(handle.env, "get", "pods", "-n", "greenlang")["items"]
        assert {p["status"]["phase"] for p in pods} == {"Running"}
        assert not {p["metadata"]["name"] for p in pods} & {name.split("/")[1] for name in drained}
        assert [p["metadata"]["labels"]["app"] for p in pods if p["spec"]["nodeName"] == NEW] == ["greenlang-api"]
        deployments = _kubectl(handle.env, "get", "deployments", "-n", "greenlang")["items"]
        assert all(d["status"].get("readyReplicas") == d["spec"]["replicas"] for d in deployments)

        # Exactly the run's writes reached the cluster: the cordon, three pod deletions, the node's.
        writes = [(r["service"], r["operation"]) for r in handle.control("requests", since=f"{since:.6f}")[
            "mutating_requests"] if r["component"] == "k8s" and not r["internal"]]
        assert sorted(writes) == sorted([("v1 nodes", "PATCH"), ("v1 pods", "DELETE"), ("v1 pods", "DELETE"),
                                         ("v1 pods", "DELETE"), ("v1 nodes", "DELETE")]), writes
    finally:
        handle.process.stop()


async def _guarded(db: Path, mode: str) -> tuple[str, dict[str, Any]]:
    playbook = load_catalog().get("k8s-node-not-ready")
    policy, incident_mode = MODES[mode]
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare(f"guarded {mode}", "P2", mode=incident_mode)
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, {}, None),
                                        operator=EveryAnswer(), policy=policy, runtime=runtime)
            status = await engine.run_to_end()
    finally:
        await runtime.close()
    with Timeline(db) as tl:
        run = tl.runs(incident.id)[-1]
        return status, {s.step_id: s for s in tl.step_states(run.id)}


def test_read_only_tabletop_and_dry_runs_on_the_broken_cluster_write_nothing(start_estate, monkeypatch,
                                                                            tmp_path: Path):
    handle = _scenario_estate(start_estate, monkeypatch)
    try:
        _until(handle, 7 * 60)  # the page: the node NotReady, greenlang-api's pod Pending
        for mode in MODES:
            since = time.time()
            status, states = asyncio.run(_guarded(tmp_path / f"{mode}.db", mode))
            counts = handle.control("requests", since=f"{since:.6f}")
            assert counts["mutating_requests"] == [], (mode, counts["mutating_requests"])
            if mode == "dry run":
                assert counts["total"] == 0, counts["by_operation"]
            else:  # the reads ran and found the broken cluster, so the walk took the replace branch
                assert states["decide"].outputs == {"choice": "replace"}, (mode, states["decide"])
            for step in ("cordon", "drain", "replace_node"):
                assert states[step].state == "skipped", (mode, step, states[step])
        node = _kubectl(handle.env, "get", "node", BAD)
        assert not node["spec"].get("unschedulable")
        assert any(p["status"]["phase"] == "Pending" for p in _kubectl(handle.env, "get", "pods", "-n",
                                                                            "greenlang")["items"])
    finally:
        handle.process.stop()

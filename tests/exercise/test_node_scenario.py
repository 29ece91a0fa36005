"""The node NotReady scenario (seed 002): a node of the GreenLang cluster goes NotReady, its
pods are evicted and greenlang-api's replacement stays Pending for want of CPU; the drill's
playbook cordons, drains and replaces the node, and the estate's ``when.k8s`` reactions see
it happen.

- the headless drill (the same ``run_drill`` as ``cockpit exercise --headless``) passes: the
  page finds the pod Pending with the scheduler's reason, the run succeeds, both reactions
  fire, and the cluster read back with kubectl has every pod Running on Ready nodes;
- a ``when.k8s`` condition counts only once it was seen not holding, as ``when.aws`` does;
- a bad ``when.k8s`` is refused at its file and line, as is a node the estate lacks;
- at 80x24, the greenlang-platform screen of a tabletop shows the NotReady node and the
  Pending pod after the page, and offers the playbook.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.scenario import Scenario, load_scenario_file
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.driver import ScenarioDriver
from cockpit.estate.k8s import KubeEstate
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.state import EstateState
from tests.exercise.test_incident_scenarios import Case, _drill, _status

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

BAD = "ip-10-0-2-12.eu-west-1.compute.internal"
NEW = "ip-10-0-2-27.eu-west-1.compute.internal"


def _kubectl(env: dict[str, str], *args: str) -> Any:
    out = subprocess.run(["kubectl", *args, "-o", "json"], env={**os.environ, **env}, capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return json.loads(out)


def test_drill_replaces_the_not_ready_node_and_every_pod_runs_again(start_estate, monkeypatch, tmp_path):
    handle = start_estate(scenario="platform-node-not-ready", speed=60)
    try:
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)

        # The page finds the world it announces: the node NotReady, greenlang-api's pod Pending.
        deadline = time.monotonic() + 60
        while _status(handle.env)["injects_fired"] < 1:
            assert time.monotonic() < deadline, "the scenario never paged"
            time.sleep(0.05)
        pods = _kubectl(handle.env, "get", "pods", "-n", "greenlang")["items"]
        pending = [p for p in pods if p["status"]["phase"] == "Pending"]
        assert [p["metadata"]["labels"]["app"] for p in pending] == ["greenlang-api"]
        scheduled = next(c for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled")
        assert scheduled["reason"] == "Unschedulable" and "2 Insufficient cpu" in scheduled["message"]

        case = Case("platform-node-not-ready", 60, (), "node-replaced")
        result, report = asyncio.run(_drill(case, handle.env, tmp_path / "t.db"))
        assert result.run_status == "succeeded", result.line
        assert result.line.startswith(("PASS:", "TARGETS MET:")), result.line
        met = {v["id"] for v in report["expectations"] if v["met"]}
        assert {"declared", "found-pending", "approval", "replaced"} <= met, report["expectations"]

        status = _status(handle.env)
        assert {"cordoned", "node-replaced"} <= set(status["reactions_fired"])
        nodes = {n["metadata"]["name"]: n for n in _kubectl(handle.env, "get", "nodes")["items"]}
        assert BAD not in nodes and NEW in nodes
        assert all(any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])
                   for n in nodes.values())
        pods = _kubectl(handle.env, "get", "pods", "-n", "greenlang")["items"]
        assert {p["status"]["phase"] for p in pods} == {"Running"}
        assert {p["spec"]["nodeName"] for p in pods} <= set(nodes)
        deployments = _kubectl(handle.env, "get", "deployments", "-n", "greenlang")["items"]
        assert {d["metadata"]["name"]: d["status"].get("readyReplicas") for d in deployments} == {
            d["metadata"]["name"]: d["spec"]["replicas"] for d in deployments}
    finally:
        handle.process.stop()


SCENARIO = """\
id: cordon-watch
title: Cordon watch
events:
  - {at: 0s, say: calm}
reactions:
  - id: cordoned
    when:
      k8s: {resource: node, name: ip-10-0-3-13.eu-west-1.compute.internal, holds: spec.unschedulable}
    then:
      - say: cordoned
  - id: was-always-there
    when:
      k8s: {resource: node, name: ip-10-0-1-11.eu-west-1.compute.internal, holds: "@ != `null`"}
    then:
      - say: never
"""


CORDONED = "ip-10-0-3-13.eu-west-1.compute.internal"


@contextlib.asynccontextmanager
async def cordon_watch(tmp_path: Path) -> AsyncIterator[tuple[ScenarioDriver, Path]]:
    """The cordon-watch scenario's driver on a cluster of its own, ticked once, and a kubeconfig."""
    path = tmp_path / "cordon-watch.yaml"
    path.write_text(SCENARIO)
    scenario: Scenario = load_scenario_file(path)
    clock = ScenarioClock()
    async with KubeEstate(RequestLog(), clock=clock, restart_seconds=0.5) as kube:
        driver = ScenarioDriver(scenario, EstateState(), aws=None, kube=kube, clock=clock)  # type: ignore[arg-type]
        await driver.tick()
        yield driver, kube.write_kubeconfig(tmp_path / "kubeconfig")


async def _kubectl_async(config: Path, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec("kubectl", "--kubeconfig", str(config), *args,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err


async def test_a_k8s_condition_counts_once_it_was_seen_not_holding(tmp_path: Path) -> None:
    """The state the cluster starts in never fires a reaction; a cordon someone makes does."""
    async with cordon_watch(tmp_path) as (driver, config):
        assert driver.status()["reactions_fired"] == []
        await _kubectl_async(config, "cordon", CORDONED)
        await driver.tick()
        await driver.tick()
        assert driver.status()["reactions_fired"] == ["cordoned"]


async def test_a_cordon_undone_before_the_next_tick_still_counts(tmp_path: Path) -> None:
    """A responder's drill cordons the node and deletes it a moment later: the cordon was seen by
    the cluster, so the reaction fires even when no tick ran while the node was cordoned (under
    load, the drill's steps can come faster than the driver's ticks; CI saw the reaction missed)."""
    async with cordon_watch(tmp_path) as (driver, config):
        await _kubectl_async(config, "cordon", CORDONED)
        await _kubectl_async(config, "delete", "node", CORDONED)
        await driver.tick()
        assert driver.status()["reactions_fired"] == ["cordoned"]


@pytest.mark.parametrize(("when", "line", "fragment"), [
    ('k8s: {resource: node, name: n, holds: "spec.[unschedulable"}', 7, "holds: not a JMESPath expression"),
    ("k8s: {resource: nodes, holds: items}", 7, "reactions.0.when.k8s.resource"),
    ("k8s: {resource: node, name: n}", 7, "reactions.0.when.k8s.holds"),
])
def test_a_bad_k8s_condition_is_refused_at_its_line(tmp_path: Path, when: str, line: int, fragment: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\ntitle: Bad\nevents:\n  - {at: 0s, say: hi}\nreactions:\n  - id: r\n"
                    f"    when: {{{when}}}\n    then: [{{say: x}}]\n")
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert str(info.value).startswith(f"{path}:{line}:"), str(info.value)
    assert fragment in str(info.value)


def test_a_node_that_joins_is_ready(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\ntitle: Bad\nevents:\n  - at: 0s\n    node: {name: n, ready: false, joins: true}\n")
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert str(info.value).startswith(f"{path}:5:") and "a node that joins is Ready" in str(info.value)


@pytest.mark.parametrize(("node", "fragment"), [
    ("{name: ip-10-0-2-21.eu-west-1.compute.internal, ready: false}",
     "events.1.node.name: unknown node 'ip-10-0-2-21.eu-west-1.compute.internal'"),
    ("{name: ip-10-0-2-12.eu-west-1.compute.internal, ready: true, joins: true}",
     "is already in the cluster: a node that joins is a new one"),
])
def test_a_node_the_estate_lacks_is_refused_at_its_line(tmp_path: Path, node: str, fragment: str) -> None:
    """A typo in a node's name would make the scenario's fault silently not happen."""
    from cockpit.estate.validation import check_scenario

    path = tmp_path / "typo.yaml"
    path.write_text(f"id: typo\ntitle: Typo\nevents:\n  - {{at: 0s, say: hi}}\n  - at: 1m\n    node: {node}\n")
    with pytest.raises(ContentError) as info:
        check_scenario(load_scenario_file(path), path)
    assert str(info.value).startswith(f"{path}:6:"), str(info.value)
    assert fragment in str(info.value)


async def test_the_platform_screen_shows_the_node_and_the_pending_pod_and_offers_the_playbook(tmp_path: Path,
                                                                                              monkeypatch):
    """A tabletop at 80x24: after the page, the greenlang-platform screen the exercise opens on
    shows the NotReady node and the Pending pod, and b offers k8s-node-not-ready."""
    from cockpit.config import Config
    from cockpit.content.scenario import find_scenario
    from cockpit.content.screen import find_screen
    from cockpit.estate.process import EstateProcess
    from cockpit.exercise.session import starter
    from cockpit.ui.app import CockpitApp
    from tests.ui.helpers import wait_for_text

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    scenario, path = find_scenario("platform-node-not-ready")
    estate = EstateProcess(scenario=str(path), speed=60, timeout=60)
    app = CockpitApp(config=config, screen=find_screen(scenario.screen or "", [], []), read_only=True,
                     estate=estate, exercise_setup=starter(scenario, "tabletop", config.db, config.actor))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_text(pilot, "KubeNodeNotReady", timeout=60)  # the page, in the banner
            screen = await wait_for_text(pilot, "NotReady", "Pending", "2/3")
            assert "ip-10-0-2-12" in screen and "greenlang/greenlang-api-" in screen
            await pilot.press("b")
            await wait_for_text(pilot, "Playbooks for greenlang-platform", "k8s-node-not-ready")
            await pilot.press("down", "enter")
            await wait_for_text(pilot, "Start playbook", "Kubernetes node NotReady")
            await pilot.press("escape")
    finally:
        estate.stop()

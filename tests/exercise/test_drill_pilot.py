"""A DR drill in the cockpit: the team runs the playbook through the guided screen, and the
drill's metrics (failover time, data loss at cut-over) are measured and recorded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.content.scenario import load_scenario_file
from cockpit.estate.process import EstateProcess
from cockpit.exercise.drill import DATA_LOSS, FAILOVER, TEAM_RESPONSE
from cockpit.exercise.session import starter
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.messages import PlaybookRequested
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

SCENARIO = """
id: tiny-outage
title: Tiny outage
screen: greenlang-storage
events:
  - at: 30s
    http: {endpoint: storage-health, status: 503, body: {status: degraded}}
  - at: 30s
    replication: {pair: data-lake, latency_seconds: 600}
injects:
  - {id: page, at: 30s, title: Page, message: storage health is failing}
drill:
  playbook: tiny-failover
  cutover_step: cutover
  validation_step: validate
  targets: {failover_time: 60m, data_loss: 15m, availability: null, team_response: 15m}
"""

PLAYBOOK = """
id: tiny-failover
title: Tiny failover
parameters:
  health_url: {default_from: "screen.endpoints[0].url", default: "http://127.0.0.1:9/v1/storage/health"}
steps:
  - id: cutover
    kind: http
    title: Cut over (look at the health endpoint, failing as the scenario says)
    method: GET
    url: "{{ params.health_url }}"
    status: 503
  - id: validate
    kind: http
    title: Validate
    method: GET
    url: "{{ params.health_url }}"
    status: 503
"""


async def wait_for(pilot, predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


def _drill(tmp_path: Path) -> tuple[CockpitApp, EstateProcess, Config]:
    """The cockpit on the tiny outage at x60, a drill of it, the tiny failover playbook at hand."""
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "tiny-failover.yaml").write_text(PLAYBOOK)
    scenario_file = tmp_path / "tiny-outage.yaml"
    scenario_file.write_text(SCENARIO)
    scenario = load_scenario_file(scenario_file)
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge", playbooks_dirs=[tmp_path / "playbooks"])
    estate = EstateProcess(scenario=str(scenario_file), speed=60, timeout=60)
    app = CockpitApp(config=config, estate=estate, exercise_setup=starter(scenario, "drill", config.db, config.actor))
    return app, estate, config


async def _run_the_failover(pilot, app: CockpitApp) -> None:
    """Open tiny-failover from the cockpit and run its two steps to success."""
    app.post_message(PlaybookRequested("tiny-failover"))
    await wait_for(pilot, lambda: isinstance(app.screen, StartDialog))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GuidedPlaybookScreen) and app.screen.engine is not None)
    screen = app.screen
    for _ in range(2):
        await pilot.press("enter")
        await pilot.pause()
        await wait_for(pilot, lambda: not screen._busy())
    await wait_for(pilot, lambda: screen.engine.status == "succeeded")


async def test_a_drill_run_in_the_cockpit_is_measured(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app, estate, config = _drill(tmp_path)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects)  # paged
            incident_id = app.exercise.incident_id
            await _run_the_failover(pilot, app)
            await pilot.press("c")  # back to the cockpit, then quit: the drill is measured and scored
            await pilot.press("q")
    finally:
        estate.stop()
    with Timeline(config.db) as tl:
        metrics = {e.data["name"]: e.data for e in tl.events(incident_id, kinds=["metric"])}
    assert {FAILOVER, DATA_LOSS, TEAM_RESPONSE} <= set(metrics), metrics
    assert metrics[DATA_LOSS]["value"] == 10.0  # lag at cut-over: the scenario's 600 s, in minutes
    assert 0 < metrics[FAILOVER]["value"] < 60  # the fault at T+30s to validation, in scenario minutes


async def test_a_drill_is_ended_with_f9_once_its_run_is_done_and_its_report_shown(tmp_path: Path, monkeypatch):
    """A drill had no key to end it: only quitting, which scored it out of sight. When the run
    finishes the cockpit says so and how to end the drill; F9 ends it after a confirmation and
    shows the after-action report, as a tabletop's."""
    from cockpit.ui.exercise import AfterActionScreen, ConfirmEndScreen

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app, estate, config = _drill(tmp_path)
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects)
            assert app.check_action("exercise_end", ()) and not app.check_action("exercise_pause", ())
            await _run_the_failover(pilot, app)
            await wait_for(pilot, lambda: any("F9 ends the drill" in str(t.render()) for t in app.screen.query("Toast")))
            assert not app.exercise.ended  # the drill goes on until someone ends it
            await pilot.press("c", "f9")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEndScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, AfterActionScreen))
            report = app.screen.report
            assert app.exercise.ended and "## Drill report" in report
            # Measured before it was scored: the lag at cut-over, the failover time, against target.
            assert "| Data loss (replication lag at cut-over) (RPO) | 10 min | ≤ 15 min | PASS |" in report, report
            assert "not measured" not in report.split("### DR test metrics")[1].split("###")[0], report
            await pilot.press("escape", "q")
    finally:
        estate.stop()

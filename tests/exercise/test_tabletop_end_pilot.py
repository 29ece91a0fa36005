"""A tabletop in the cockpit ends (issue 17): on F9 after a confirmation, or by itself once
the last inject is a linger behind. Either way the team is scored, the incident is resolved
saying the exercise ended, and the after-action report is shown and can be exported.

A tiny scenario (last inject at T+1m) plays at ×60 on a real estate, at 80x24.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.content.scenario import load_scenario_file
from cockpit.estate.process import EstateProcess
from cockpit.exercise.session import starter
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.exercise import AfterActionScreen, ConfirmEndScreen, ExerciseBanner
from cockpit.ui.incident.dialogs import SeverityDialog

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

SCENARIO = """
id: tiny-tabletop
title: Tiny tabletop
screen: greenlang-storage
events:
  - at: 30s
    http: {endpoint: storage-health, status: 503, body: {status: degraded}}
injects:
  - {id: page, at: 30s, title: Storage health failing, message: the health endpoint answers 503}
  - {id: boss, at: 1m, title: The CTO asks for an update, message: "What do we tell customers?"}
expectations:
  - id: sev
    description: Declared P2 or worse within 10 minutes of the page.
    declared: {severity: P2, within: 10m, after: page}
  - id: updates
    description: Status updates every 5 minutes.
    status_updates: {every: 5m}
"""


async def wait_for(pilot, predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


def _severity(config: Config, incident_id: str) -> str:
    with Timeline(config.db) as tl:
        return tl.incident(incident_id).severity


def _app(tmp_path: Path, linger: float) -> tuple[CockpitApp, EstateProcess, Config]:
    scenario_file = tmp_path / "tiny-tabletop.yaml"
    scenario_file.write_text(SCENARIO)
    scenario = load_scenario_file(scenario_file)
    config = Config(db=tmp_path / "timeline.db", actor="facilitator@bridge")
    estate = EstateProcess(scenario=str(scenario_file), speed=60, timeout=60)
    app = CockpitApp(config=config, read_only=True, estate=estate,
                     exercise_setup=starter(scenario, "tabletop", config.db, config.actor, linger=linger))
    app.report_dir = tmp_path
    return app, estate, config


async def test_f9_ends_the_tabletop_after_a_confirmation_and_shows_the_report(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app, estate, config = _app(tmp_path, linger=3600)  # it would never end by itself during the test
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects)
            incident_id = app.exercise.incident_id

            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEndScreen))
            await pilot.press("n")  # carry on: nothing ends
            await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmEndScreen))
            assert not app.exercise.ended

            await pilot.press("f9")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmEndScreen))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, AfterActionScreen))
            report = app.screen
            assert "## After-action report" in report.report and "### Expectations: 0 met, 2 missed" in report.report
            assert "exercise ended by the facilitator" in report.report
            assert "EXERCISE ENDED BY THE FACILITATOR" in str(app.screen_stack[0].query_one(ExerciseBanner).render())

            await pilot.press("x")  # export
            await wait_for(pilot, lambda: report.exported is not None)
            exported = report.exported
            assert exported == tmp_path / f"{incident_id}-after-action.md"
            assert "## After-action report" in exported.read_text()
            assert stat.S_IMODE(exported.stat().st_mode) == 0o600
            await pilot.press("escape")
            assert not app.check_action("exercise_end", ())  # F9 is gone with the exercise
            await pilot.press("q")
    finally:
        estate.stop()
    with Timeline(config.db) as tl:
        incident = tl.incident(incident_id)
        resolved = tl.events(incident_id, kinds=["resolved"])
    assert incident.status == "resolved" and incident.commander == "facilitator@bridge"
    assert [e.message for e in resolved] == ["Exercise ended by the facilitator: 0 of 2 expectations met"]


async def test_a_tabletop_ends_by_itself_once_the_last_inject_is_a_linger_behind(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app, estate, config = _app(tmp_path, linger=300)  # last inject T+1m, ends at T+6m: six seconds at ×60
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects)
            incident_id = app.exercise.incident_id
            # The facilitator holds the clock (F6) while the team declares: the whole exercise is
            # six seconds at x60, and on a busy box the typing alone can take longer.
            await pilot.press("f6")
            await wait_for(pilot, lambda: app.exercise.last_status.get("paused"))
            await pilot.press("S")
            # The dialog first: on a busy box the arrows could reach the cockpit before it opens.
            await wait_for(pilot, lambda: isinstance(app.screen, SeverityDialog))
            await pilot.press("up", "up")  # P4 -> P2, soon after the page
            await pilot.press("tab", *"storage health failing", "enter")
            await wait_for(pilot, lambda: _severity(config, incident_id) == "P2")
            assert not app.exercise.ended  # the clock was held: the linger has not run out
            await pilot.press("f6")  # the clock runs again; the exercise ends by itself
            await wait_for(pilot, lambda: isinstance(app.screen, AfterActionScreen), timeout=30)
            assert app.exercise.ended and app.exercise.now() >= 360
            assert "### Expectations: 1 met, 1 missed" in app.screen.report
            assert "no status update from T+30s" in app.screen.report
            await pilot.press("escape", "q")
    finally:
        estate.stop()
    with Timeline(config.db) as tl:
        incident = tl.incident(incident_id)
        resolved = tl.events(incident_id, kinds=["resolved"])
    assert incident.status == "resolved" and incident.severity == "P2"
    assert resolved[0].message == "Exercise ended: the scenario played out: 1 of 2 expectations met"


async def test_an_inject_fired_with_f7_is_announced_once(tmp_path: Path, monkeypatch):
    """F7 announced the inject it fired, then the follower announced it again: two toasts and
    two banner lines for one inject."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    app, estate, config = _app(tmp_path, linger=3600)
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects)
            await pilot.press("f6")  # hold the clock: the second inject comes only from F7
            await wait_for(pilot, lambda: app.exercise.last_status.get("paused"))
            await pilot.press("f7")
            await wait_for(pilot, lambda: len(app.exercise.injects) == 2)
            await pilot.pause(2.0)  # the follower polls four times a second meanwhile
            toasts = [str(t.render()) for t in app.screen.query("Toast")]
            assert sum("The CTO asks for an update" in t for t in toasts) == 1, toasts
    finally:
        estate.stop()

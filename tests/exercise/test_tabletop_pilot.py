"""A tabletop exercise in the cockpit, driven from the keyboard at 80x24 (issue 6).

The scenario runs fast on a real estate; the test plays a team that raises the incident
to P1 soon after the page and answers the customer's RPO question, but never runs the
failover. Quitting scores the exercise: the report must say exactly which expectations
were met and which were missed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.content.scenario import find_scenario
from cockpit.estate.process import EstateProcess
from cockpit.exports.after_action import summary
from cockpit.exercise.session import starter
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.exercise import ExerciseBanner

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise


async def wait_for(pilot, predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


async def test_a_team_meets_some_expectations_and_misses_others(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    scenario, path = find_scenario("eu-west-1-storage-outage")
    estate = EstateProcess(scenario=str(path), speed=20, timeout=60)
    app = CockpitApp(config=config, read_only=True, estate=estate,
                     exercise_setup=starter(scenario, "tabletop", config.db, config.actor))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            # The page reaches the banner (a message after the exercise records it: wait for
            # what the team sees, not for the record).
            await wait_for(pilot, lambda: app.exercise is not None and app.exercise.injects
                           and "PagerDuty" in str(app.screen.query_one(ExerciseBanner).render()))
            assert "TABLETOP EXERCISE" in str(app.screen.query_one(ExerciseBanner).render())
            incident_id = app.exercise.incident_id

            await pilot.press("S", "up", "up", "up")  # P4 -> P1, soon after the page
            await pilot.press("tab", *"S3 5xx on the data lake", "enter")
            await pilot.press("u", *"Customers: data at risk is bounded by the 15-minute RPO", "enter")
            await wait_for(pilot, lambda: _kinds(config.db, incident_id) >= {"severity_changed", "status_update"})
            await pilot.press("q")
    finally:
        estate.stop()

    with Timeline(config.db) as tl:
        report = summary(tl, incident_id)
        incident = tl.incident(incident_id)
    verdicts = {e["id"]: e["met"] for e in report["expectations"]}
    assert incident.severity == "P1" and incident.mode == "tabletop"
    assert {k for k, met in verdicts.items() if met} == {"declared-p1", "status-every-15m", "customer-answered"}
    assert {k for k, met in verdicts.items() if not met} == {"ran-dr-failover", "approval-before-dns"}


def _kinds(db: Path, incident_id: str) -> set[str]:
    with Timeline(db) as tl:
        return {e.kind for e in tl.events(incident_id)}

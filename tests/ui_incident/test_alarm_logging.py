"""During an incident, the cockpit logs alarms that fire to its timeline by itself."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.content.scenario import find_scenario
from cockpit.estate.process import EstateProcess
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.live import LiveSettings

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

FAST = LiveSettings(interval=0.5, timeout=2.0, max_backoff=1.0, connect_timeout=0.5, read_timeout=1.5,
                    max_attempts=1)


def alarm_events(db: Path, incident_id: str) -> list[tuple[str, str]]:
    with Timeline(db) as tl:
        return [(e.kind, e.data["alarm"]) for e in tl.events(incident_id) if e.kind.startswith("alarm_")]


async def test_alarms_firing_during_an_incident_reach_its_timeline(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    _, path = find_scenario("eu-west-1-storage-outage")
    estate = EstateProcess(scenario=str(path), speed=30, timeout=60)
    app = CockpitApp(config=config, estate=estate, live=FAST)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            # Declared once the cockpit runs (a cockpit on an emulated estate follows only
            # incidents declared since it started: an old one is not this rehearsal's).
            with Timeline(config.db, actor="ic@bridge") as tl:
                incident = tl.declare("Uploads failing", "P1",
                                      detected_at=datetime.now(timezone.utc) - timedelta(minutes=1))
            deadline = time.monotonic() + 60
            while ("alarm_fired", "greenlang-s3-5xx-errors-critical") not in alarm_events(config.db, incident.id):
                assert time.monotonic() < deadline, alarm_events(config.db, incident.id)
                await pilot.pause(0.25)
            await pilot.pause(1.0)  # a few more refreshes: nothing is written twice
    finally:
        estate.stop()
    events = alarm_events(config.db, incident.id)
    assert events.count(("alarm_fired", "greenlang-s3-5xx-errors-critical")) == 1
    assert ("alarm_cleared", "greenlang-s3-5xx-errors-critical") not in events  # it has not cleared


async def test_at_speed_an_alarm_firing_just_after_the_declaration_reaches_the_timeline(tmp_path: Path, monkeypatch):
    """A drill at x60, the panes refreshed every 3 s: the estate stamps a firing with its
    scenario age, so the 5xx alarm the cockpit sees fire seconds after the incident was
    declared, a refresh later, reads minutes old, from before the incident. It was left out
    of the timeline (and so of the postmortem's alarms)."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    _, path = find_scenario("eu-west-1-storage-outage")
    estate = EstateProcess(scenario=str(path), speed=60, timeout=60)
    app = CockpitApp(config=config, estate=estate, live=replace(FAST, interval=3.0))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            with Timeline(config.db, actor="ic@bridge") as tl:  # declared now, nothing firing yet
                incident = tl.declare("Uploads failing", "P1")
            deadline = time.monotonic() + 60
            while app.estate_env is None or app.session.alarms_on_screen == {}:
                assert time.monotonic() < deadline, "the panes never went live"
                await pilot.pause(0.25)
            # The 5xx alarm fires near T+7m, 7 s on at x60: seen a second or two late, it reads
            # one or two minutes old, from before the declaration. Then a refresh more.
            while not any(a.name == "greenlang-s3-5xx-errors-critical" and a.state == "ALARM"
                          for snap in app.session.alarms_on_screen.values() for a in snap):
                assert time.monotonic() < deadline, "the 5xx alarm never fired"
                await pilot.pause(0.25)
            await pilot.pause(4.0)
    finally:
        estate.stop()
    assert ("alarm_fired", "greenlang-s3-5xx-errors-critical") in alarm_events(config.db, incident.id)


async def test_at_80x24_the_one_line_timeline_shows_the_newest_event(tmp_path: Path):
    from cockpit.ui.incident import TimelinePane

    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    with Timeline(config.db, actor="ic@bridge") as tl:
        incident = tl.declare("Uploads failing", "P1")
        tl.note(incident.id, "failing over to eu-central-1")
    app = CockpitApp(config=config, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.screen.query_one(TimelinePane)
        deadline = time.monotonic() + 10
        while "failing over to eu-central-1" not in _visible(app, pane):
            assert time.monotonic() < deadline, _visible(app, pane)
            await pilot.pause(0.1)
        assert pane.size.height <= 2 and not pane.table.show_header


def _visible(app, widget) -> str:
    """What the terminal shows in ``widget``'s rows."""
    from tests.ui_incident.conftest import screen_text

    region = widget.region
    return "\n".join(screen_text(app).splitlines()[region.y: region.y + region.height])

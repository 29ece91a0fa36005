"""Resolving while alarms still fire warns: in the R dialog, which then asks to resolve anyway,
and on stderr from the headless CLI. "Still firing" is what the incident's timeline last
logged: fired and not cleared since."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.timeline import Timeline
from cockpit.timeline.model import utc_now
from cockpit.ui.incident import ResolveDialog
from tests.ui_incident.conftest import IncidentTestApp, screen_text, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def seed(db: Path) -> str:
    now = utc_now()
    with Timeline(db, actor="bob@other") as tl:
        incident = tl.declare("Storage 5xx", "P1", detected_at=now - timedelta(minutes=5)).id
        tl.record_alarm_transition(incident, "storage-5xx", "fired", now - timedelta(minutes=4), region="eu-west-1")
        tl.record_alarm_transition(incident, "replication-lag", "fired", now - timedelta(minutes=3),
                                   region="eu-west-1")
        tl.record_alarm_transition(incident, "replication-lag", "cleared", now - timedelta(minutes=1),
                                   region="eu-west-1")
    return incident


async def test_resolve_dialog_names_the_alarms_still_firing(config: Config, db_path: Path):
    incident = seed(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_incident is not None and len(app.incident_feed.latest.events) == 4)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveDialog))
        text = screen_text(app)
        assert "1 alarm still firing: storage-5xx (eu-west-1)" in text
        warning = next(line for line in text.splitlines() if "still firing" in line)
        assert "replication-lag" not in warning  # it cleared
        assert "enter: resolve anyway" in text
        await pilot.press("enter")
        await settle(pilot)
    with Timeline(db_path) as tl:
        assert tl.incident(incident).status == "resolved"


async def test_no_warning_when_every_alarm_cleared(config: Config, db_path: Path):
    with Timeline(db_path) as tl:
        incident = tl.declare("Quiet", "P3").id
        tl.record_alarm_transition(incident, "storage-5xx", "fired", utc_now(), region="eu-west-1")
        tl.record_alarm_transition(incident, "storage-5xx", "cleared", utc_now(), region="eu-west-1")
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.incident_feed.latest.events) == 3)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveDialog))
        text = screen_text(app)
        assert "still firing" not in text and "enter: resolve ·" in text


def test_headless_resolve_warns_on_stderr(db_path: Path):
    incident = seed(db_path)
    out = subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db_path), "incident", "resolve", incident],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == (f"cockpit: warning: {incident}: 1 alarm still firing: storage-5xx (eu-west-1) "
                                  "(as last logged to its timeline)")

"""Declaring on a screen whose alarms fire: detection is the first alarm, and the export key writes it down.

The storage outage is played fast to T+8m (its 5xx alarm fires by evaluation about six
minutes in), then runs at 10x, so the alarm is still firing when the responder declares
(the region recovers at T+45m); the cockpit polls it as in production. The responder
declares (i) after the 5xx alarm has been firing for a while:
the incident's detection is the alarm's real fired-at time, the firing alarms are on the
timeline with those times, and E writes a Markdown postmortem (0600) that says so.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cockpit.timeline import Timeline
from cockpit.timeline.model import parse_ts
from cockpit.ui.app import CockpitApp

from .conftest import FAST, apply_env, play_to
from .helpers import row, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

ALARM = "greenlang-s3-5xx-errors-critical"


@pytest.fixture(scope="module")
def outage(start_estate):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_to(handle, 8, speed=10)
    return handle


async def test_declaring_takes_detection_from_the_first_firing_alarm_and_E_exports(outage, monkeypatch, tmp_path,
                                                                                   config):
    apply_env(monkeypatch, outage.env, tmp_path)
    app = CockpitApp(config=config, live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: row(app, "alarms", ALARM, "ALARM"), what="5xx alarm in ALARM")
        await pilot.pause(1.0)  # the declaration comes after the alarm, as at 3 a.m.
        await pilot.press("i", *"eu-west-1 S3 outage", "enter")
        await settle(pilot)
        await wait_for(pilot, lambda: app.current_incident is not None, what="the incident")
        incident_id = app.current_incident.id

        await pilot.press("E")
        await settle(pilot)
        shown = await wait_for(pilot, lambda: next((str(n.message) for n in app._notifications
                                                    if "Postmortem of" in str(n.message)), None), what="export toast")

    with Timeline(config.db) as tl:
        incident = tl.incident(incident_id)
        fired = [e for e in tl.events(incident_id) if e.kind == "alarm_fired"]
    five_xx = next(e for e in fired if e.data["alarm"] == ALARM)
    assert parse_ts(incident.detected_at) < parse_ts(incident.declared_at)
    assert incident.detected_at == min(e.ts for e in fired)  # the first alarm that fired is the detection
    assert five_xx.ts < incident.declared_at and five_xx.data["region"] == "eu-west-1"

    path = Path(shown.split(" written to ")[1])
    assert path == config.db.parent / "postmortems" / f"{incident_id}.md"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert f"| Detected | {incident.detected_at} — alarm " in text and " fired |" in text
    assert f"{ALARM} (eu-west-1) fired" in text.split("## Timeline")[1]

"""Two cockpits on one timeline file log an alarm's firing once, at --speed 10 too.

The emulated estate stamps alarm times so that ages are scenario ages: at 10x the same
firing reads 9 s earlier every wall second, so two cockpits refreshing a second apart read
two different times for it. Both read the timeline before either writes (the race two
refreshes can run), and each logs what it saw: one event must result
(timeline/alarm_log.py: a transition's identity is its ordinal, not the time it was read).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.content.screen import find_screen
from cockpit.sources.alarms import AlarmsSource
from cockpit.sources.connections import Connections
from cockpit.timeline import Timeline
from cockpit.timeline.alarm_log import last_logged, record_all, transitions
from cockpit.timeline.model import utc_now

ALARM = "greenlang-s3-5xx-errors-critical"


@pytest.fixture(scope="module")
def outage(start_estate) -> Any:
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    deadline = time.monotonic() + 60
    while handle.control("status")["elapsed"] < 15 * 60:  # the 5xx alarm has fired by evaluation
        assert time.monotonic() < deadline, "the scenario clock does not run"
        time.sleep(0.1)
    handle.control("speed", x="10")
    return handle


async def test_two_writers_at_speed_10_log_one_firing(outage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for key, value in outage.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    storage = find_screen("greenlang-storage")
    db = tmp_path / "shared.db"
    with Timeline(db, actor="a@one") as one, Timeline(db, actor="b@two") as two:
        incident = one.declare("S3 5xx in eu-west-1", "P1", detected_at=utc_now() - timedelta(hours=3))
        async with Connections() as conn_one, Connections() as conn_two:
            seen_one = (await AlarmsSource(storage, conn_one).refresh()).items
            await asyncio.sleep(1.0)  # 10 scenario seconds: the firing now reads 9 s earlier
            seen_two = (await AlarmsSource(storage, conn_two).refresh()).items
        at = {a.updated_at for items in (seen_one, seen_two) for a in items if a.name == ALARM}
        assert len(at) == 2, at  # the two cockpits read two different times for one firing
        logged_one = last_logged(one.events(incident.id))  # both read before either writes
        logged_two = last_logged(two.events(incident.id))
        record_all(one, incident.id, transitions(one.incident(incident.id), seen_one, logged_one))
        record_all(two, incident.id, transitions(two.incident(incident.id), seen_two, logged_two))
        fired = [e for e in one.events(incident.id, kinds=["alarm_fired"]) if e.data["alarm"] == ALARM]
    assert len(fired) == 1, [(e.actor, e.ts) for e in fired]

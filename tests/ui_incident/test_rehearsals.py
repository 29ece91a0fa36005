"""Rehearsals never mix with real incidents in what a cockpit shows as *the* incident.

On the real estate the feed follows real incidents only: a drill or tabletop declared in the
same file (``cockpit run --mode drill``, an old exercise) is never adopted. On an emulated
estate (a demo, an exercise) it follows only what was declared since it started: the estate
is new each time, and an incident left open by an earlier demo is about a world that is gone.
"Another process" is the real CLI writing the same SQLite file.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.timeline import Timeline
from tests.ui_incident.conftest import IncidentTestApp, screen_text, wait_for
from tests.ui_incident.test_live import cockpit

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


async def test_the_real_cockpit_never_adopts_a_drill(config: Config, db_path: Path):
    with Timeline(db_path, actor="bob@other") as tl:
        old_drill = tl.declare("Failback test", "P3", mode="drill").id
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident" in screen_text(app))
        tabletop = await cockpit(db_path, "declare", "--title", "Tabletop: region loss", "--severity", "P1",
                                 "--mode", "tabletop")
        await asyncio.sleep(1.0)  # four polls: had it been adopted, it would show by now
        text = screen_text(app)
        assert "no incident" in text and tabletop not in text and old_drill not in text
        assert app.current_incident is None

        real = await cockpit(db_path, "declare", "--title", "API 5xx", "--severity", "P1")
        committed = time.monotonic()
        await wait_for(pilot, lambda: real in screen_text(app))
        assert time.monotonic() - committed < 1.0
        assert app.current_incident.id == real


async def test_a_demo_follows_only_what_it_declared_since_it_started(config: Config, db_path: Path):
    with Timeline(db_path, actor="bob@other") as tl:
        stale = tl.declare("Failback test from last week's demo", "P2", mode="drill").id
    app = IncidentTestApp(config)
    app.session.estate = object()  # what `cockpit demo` and `cockpit exercise` give the app: an emulated estate
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident" in screen_text(app))
        await asyncio.sleep(1.0)
        assert stale not in screen_text(app) and app.current_incident is None
        fresh = await cockpit(db_path, "declare", "--title", "Demo: storage outage", "--severity", "P1",
                              "--mode", "drill")
        await wait_for(pilot, lambda: fresh in screen_text(app))
        assert "DRILL" in screen_text(app)

"""The timeline pane shows this cockpit's own commits (a guided run's steps) with no other write,
and a colleague's commit from another process still within a second.

SQLite's ``PRAGMA data_version`` does not change for commits made on the connection that
reads it, and the engine writes through the app's one connection: before the feed learned of
its own commits, the pane stayed at the events it had when the run began.
"""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from cockpit.config import Config
from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident import DeclareDialog, TimelinePane
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from cockpit.ui.screens.cockpit import CockpitScreen
from tests.ui_playbook.conftest import ready, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def _count(db, incident_id: str) -> int:
    with Timeline(db) as tl:
        return len(tl.events(incident_id))


async def test_a_guided_runs_steps_show_in_the_pane_without_another_write(estate_env_ui, tmp_path):
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("flight-school"), poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await wait_text(pilot, "flight-school-health-check")
        await pilot.press("enter")
        await wait_screen(pilot, DeclareDialog)
        await type_text(pilot, "Schools page erroring")
        await pilot.press("enter")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        for _ in range(3):
            await pilot.press("enter")
            await pilot.pause()
            await wait_for(pilot, lambda: not screen._busy(), what="a step to finish")
        await wait_text(pilot, "Run succeeded")
        await pilot.press("c")  # back to the live panes: nothing else writes from here on
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen), what="the cockpit")
        pane = app.screen.query_one(TimelinePane)
        with Timeline(config.db) as tl:
            incident_id = tl.open_incidents()[0].id
            stored = tl.events(incident_id)
        assert any(e.kind == "step_succeeded" for e in stored)
        # Every event the run committed is in the pane, the last step's among them.
        await wait_for(pilot, lambda: pane.border_subtitle == f"{len(stored)} events", timeout=3,
                       what=f"{len(stored)} events in the pane, not {pane.border_subtitle}")
        table = pane.table
        shown = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert shown == [e.message for e in stored]

        # A colleague's note from another process: within a second, as before.
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cockpit", "--db", str(config.db), "incident", "note", incident_id,
            "Schools back for the EU", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        committed = time.monotonic()
        await wait_for(pilot, lambda: pane.border_subtitle == f"{len(stored) + 1} events", timeout=3,
                       what="the colleague's note")
        assert time.monotonic() - committed < 1.0

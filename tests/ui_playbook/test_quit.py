"""q at 3 a.m. asks first when quitting would lose something: a step whose call is executing
(quitting anyway cancels it through the engine, so the timeline says cancelled, never a step
left "running"), or text typed into a dialog. With nothing at stake, q quits at once."""

from __future__ import annotations

import asyncio

import pytest

from cockpit.config import Config
from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident import DeclareDialog
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from cockpit.ui.quitting import QuitDialog
from tests.ui_playbook.conftest import ready, screen_text, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = """
id: ui-quit-test
title: Quit test
steps:
  - id: slow
    kind: shell
    title: A slow check
    risk: read
    argv: [sleep, "60"]
  - id: after
    kind: shell
    title: After it
    risk: read
    argv: ["true"]
"""


def _app(tmp_path) -> CockpitApp:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-quit-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion", playbooks_dirs=[folder])
    return CockpitApp(config=config, screen=find_screen("flight-school"), poll=False)


async def _exited(app: CockpitApp, timeout: float = 20) -> bool:
    for _ in range(int(timeout / 0.05)):
        if app.return_code is not None:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_q_during_a_running_step_asks_and_quitting_records_it_cancelled(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "ui-quit-test")
        await wait_text(pilot, "Run playbook ui-quit-test")
        await pilot.press("enter")
        await wait_screen(pilot, DeclareDialog)
        await type_text(pilot, "Slow checks")
        await pilot.press("enter")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.engine.executing is not None, what="the step to run")

        await pilot.press("q")
        await wait_screen(pilot, QuitDialog)
        text = screen_text(app)
        assert "A step is running: 1. A slow check" in text and "Quitting cancels it" in text
        assert "Keep working" in text and "Quit anyway" in text
        await pilot.press("q")  # a second q is not a yes
        await pilot.pause()
        assert isinstance(app.screen, QuitDialog)
        await pilot.press("escape")  # keep working: the step runs on
        await wait_for(pilot, lambda: app.screen is screen, what="back to the run")
        assert screen.engine.executing is not None and app.return_code is None

        await pilot.press("q")
        await wait_screen(pilot, QuitDialog)
        await pilot.press("y")
        assert await _exited(app), "the app did not quit"
        run_id = screen.engine.run_id
    with Timeline(tmp_path / "timeline.db") as tl:
        states = {s.step_id: s.state for s in tl.step_states(run_id)}
        incident = tl.run(run_id).incident_id
        cancelled = tl.events(incident, kinds=["step_cancelled"])
    assert states == {"slow": "cancelled", "after": "pending"}
    assert [e.data["step_id"] for e in cancelled] == ["slow"]


async def test_typed_text_in_a_dialog_is_not_thrown_away_without_asking(tmp_path):
    app = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        dialog = await wait_screen(pilot, DeclareDialog)
        await type_text(pilot, "S3 5xx in eu-west-1")
        await pilot.press("ctrl+c")
        await wait_screen(pilot, QuitDialog)
        assert 'Unsaved text in "Declare an incident": quitting throws it away' in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dialog, what="the declare dialog again")
        assert "S3 5xx in eu-west-1" in screen_text(app)
        await pilot.press("escape")  # give up the declaration: nothing typed is open any more
        await pilot.pause()
        await pilot.press("q")
        assert await _exited(app), "q with nothing at stake should quit at once"

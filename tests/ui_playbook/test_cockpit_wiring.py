"""The guided playbook from the cockpit itself: pick it from the screen's list, declare, run,
flip to the live panes and back without losing the run."""

from __future__ import annotations

import pytest

from cockpit.config import Config
from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident import DeclareDialog
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from cockpit.ui.screens.cockpit import CockpitScreen
from tests.ui_playbook.conftest import ready, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


async def test_a_playbook_offered_by_the_screen_runs_in_the_cockpit(estate_env_ui, tmp_path):
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("flight-school"), poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")  # the playbooks this screen offers
        await wait_text(pilot, "flight-school-health-check")
        await pilot.press("enter")
        await wait_screen(pilot, DeclareDialog)
        await type_text(pilot, "Schools page erroring")
        await pilot.press("enter")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        await pilot.press("enter")  # first step: GET /schools
        await wait_for(pilot, lambda: screen.engine.state_of("schools") == "succeeded", what="step 1")

        await pilot.press("c")  # to the live panes; the run lives on
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen), what="the cockpit")
        await pilot.press("o")  # and back
        await wait_for(pilot, lambda: app.screen is screen, what="the run again")
        for _ in range(2):
            await pilot.press("enter")
            await pilot.pause()
            await wait_for(pilot, lambda: not screen._busy(), what="a step to finish")
        await wait_text(pilot, "Run succeeded")
        run_id = screen.engine.run_id
    with Timeline(config.db) as tl:
        incident = tl.open_incidents()[0]
        assert incident.title == "Schools page erroring"
        assert tl.run(run_id).status == "succeeded"
        assert [e.data["step_id"] for e in tl.events(incident.id, kinds=["step_succeeded"])] == [
            "schools", "school_detail", "explain_match"]


async def test_any_playbook_can_be_run_from_the_command_palette(tmp_path):
    from cockpit.ui.messages import PlaybookRequested

    seen: dict[int, str] = {}
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("greenlang-storage"), poll=False)
    hook = lambda m: isinstance(m, PlaybookRequested) and seen.setdefault(id(m), m.playbook_id)  # noqa: E731
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "morning-health")  # not offered by this screen, still findable
        await wait_text(pilot, "Run playbook morning-health-check")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "morning-health-check" in seen.values(), what="the request")


async def test_a_key_typed_while_the_palette_reads_the_playbooks_does_not_lose_them(tmp_path, monkeypatch):
    """ctrl+p and at once a letter, while a team's large playbook folder is still being read:
    the first search is cancelled mid-read. Every later search must still find the playbooks
    (it found none, for the rest of that palette's life, when the cancelled search took the
    read down with it).

    The read is held on a gate until the keys are in, as a large folder on a slow disk holds
    it: how long 150 files take depends on the box, and on a box slow at everything the read
    finished before the key and nothing was tested."""
    import threading

    from cockpit.content import playbooks

    gate, read = threading.Event(), playbooks.load_catalog

    def slow_read(*args, **kwargs):
        gate.wait(60)
        return read(*args, **kwargs)

    monkeypatch.setattr(playbooks, "load_catalog", slow_read)
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("greenlang-storage"), poll=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+p", "m")  # the read is in flight
            await pilot.pause(0.3)
            await type_text(pilot, "orn")  # each key supersedes the search before it, mid-read
            assert app.session.catalog is None
            gate.set()
            await wait_for(pilot, lambda: app.session.catalog is not None, timeout=30, what="the catalog read")
            await type_text(pilot, "ing-health")
            await wait_text(pilot, "Run playbook morning-health-check", timeout=30)
    finally:
        gate.set()

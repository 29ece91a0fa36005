"""Reopening an incident whose run was cut short: the step found running is "unknown", the verify
dialog opens at once, and finished steps are never run again."""

from __future__ import annotations

import pytest

from cockpit.timeline import Timeline
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog, VerifyUnknownDialog
from tests.ui_playbook.conftest import HostApp, ready, detail_pane, screen_text, wait_for, wait_screen, wait_text
from tests.ui_playbook.test_destructive_and_modes import write_playbook

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def crashed_run(db, base_url: str) -> tuple[str, str]:
    """What a cockpit killed during step 2 leaves behind: step 1 done, step 2 running."""
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("Flight school 5xx", "P2").id
        run = tl.create_run(incident, "flight-school-health-check", {"base_url": base_url, "school_id": "school-001"})
        for step in ("schools", "school_detail", "explain_match"):
            tl.set_step_state(run, step, "pending", log=False)
        tl.set_step_state(run, "schools", "running")
        tl.set_step_state(run, "schools", "succeeded", outputs={"count": 3})
        tl.set_step_state(run, "school_detail", "running")
    return incident, run


async def test_resumed_run_asks_to_verify_the_unknown_step(estate_env_ui, tmp_path):
    db = tmp_path / "timeline.db"
    incident, run = crashed_run(db, estate_env_ui["COCKPIT_FLIGHT_SCHOOL_API_URL"])
    app = HostApp(db, "flight-school-health-check")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, VerifyUnknownDialog)  # no start dialog: the unfinished run is reopened
        text = screen_text(app)
        assert "Outcome unknown" in text and "2. GET /schools/school-001" in text
        assert "It happened: mark the step done" in text and "Run it again" in text and "Skip it" in text
        assert "call: GET " + estate_env_ui["COCKPIT_FLIGHT_SCHOOL_API_URL"] + "/schools/school-001" in text
        await pilot.press("enter")  # "It happened: mark the step done"
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await wait_for(pilot, lambda: not screen._busy(), what="the verdict to be recorded")
        text = await wait_text(pilot, "Next: step explain_match")
        for title in ("1 GET /schools ", "2 GET /schools/scho"):
            assert "✓ ok" in next(line for line in text.splitlines() if title in line)
        await pilot.press("up")
        assert "verified done by the responder" in detail_pane(await wait_text(pilot, "2. GET /schools"))
        await pilot.press("f", "enter")
        await wait_text(pilot, "Run succeeded")
    with Timeline(db) as tl:
        started = [e.data["step_id"] for e in tl.events(incident, kinds=["step_started"])]
        assert started == ["schools", "school_detail", "explain_match"]  # nothing finished ran twice
        assert tl.run(run).status == "succeeded"
        unknown = tl.events(incident, kinds=["step_unknown"])
        assert [e.data["step_id"] for e in unknown] == ["school_detail"]


async def test_a_read_only_run_reopens_read_only(tmp_path):
    """The session of a read-only cockpit drops mid-run; a normal cockpit reopening it must not execute writes."""
    marker = tmp_path / "dropped"
    folder = write_playbook(tmp_path, marker)
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("Cache poisoned", "P2").id
    first = HostApp(db, "ui-destructive-test", playbooks_dirs=[folder], read_only=True)
    async with first.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        await pilot.press("enter")
        await wait_text(pilot, "Next: step drop_cache")
        await wait_for(pilot, lambda: not screen._busy())
    second = HostApp(db, "ui-destructive-test", playbooks_dirs=[folder], read_only=False)
    async with second.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)  # reopened: no start dialog
        await ready(pilot, screen)
        text = screen_text(second)
        assert "reopened" in text
        assert "READ-ONLY" in text
        assert "✓ ok" in next(line for line in text.splitlines() if "1 Look before" in line)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "⊘ not run" in next(
            line for line in screen_text(second).splitlines() if "2 Drop the cache" in line))
    assert not marker.exists()
    with Timeline(db) as tl:
        assert [e.data["step_id"] for e in tl.events(incident, kinds=["step_started"])] == ["look"]

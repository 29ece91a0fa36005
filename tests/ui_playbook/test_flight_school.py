"""flight-school-health-check from the keyboard: declare first, parameters from the screen, three steps."""

from __future__ import annotations

import pytest

from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.incident.dialogs import DeclareDialog
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from tests.ui_playbook.conftest import HostApp, ready, screen_text, type_text, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


async def test_flight_school_end_to_end(estate_env_ui, tmp_path):
    db = tmp_path / "timeline.db"
    app = HostApp(db, "flight-school-health-check", screen_model=find_screen("flight-school"), named_mode=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, DeclareDialog)  # no incident yet: declare first
        await type_text(pilot, "Flight school API slow")
        await pilot.press("enter")
        start = await wait_screen(pilot, StartDialog)
        # The base URL comes from the flight-school screen, i.e. the estate's API.
        assert start.query_one("#param-base_url").value == estate_env_ui["COCKPIT_FLIGHT_SCHOOL_API_URL"]
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        text = screen_text(app)
        assert "GET /schools" in text and "· pending" in text
        footer = text.splitlines()[-1]
        assert all(k in footer for k in ("Run", "s Skip", "m Done", "a Abort", "c Cockpit")), footer
        assert "r Retry" not in footer and "x Cancel" not in footer, footer  # nothing failed, nothing executes
        assert "call: GET" in text and "/schools" in text  # the exact call, before it is made
        for _ in range(3):
            await pilot.press("enter")
            await wait_for_idle(pilot, screen)
        text = await wait_text(pilot, "Run succeeded")
        for title in ("1 GET /schools ", "2 GET /schools/scho", "3 POST /explain-m"):
            row = next(line for line in text.splitlines() if title in line)
            assert "✓ ok" in row, row
        assert "3/3 steps" in text
        assert "HTTP 200" in text  # the response summary of the shown step
        run_id = screen.engine.run_id
    with Timeline(db) as tl:
        incident = tl.open_incidents()[0]
        assert incident.title == "Flight school API slow"
        run = tl.run(run_id)
        assert run.status == "succeeded" and run.incident_id == incident.id
        states = {s.step_id: s.state for s in tl.step_states(run_id)}
        assert states == {"schools": "succeeded", "school_detail": "succeeded", "explain_match": "succeeded"}
        succeeded = [e.data["step_id"] for e in tl.events(incident.id, kinds=["step_succeeded"])]
        assert succeeded == ["schools", "school_detail", "explain_match"]


async def wait_for_idle(pilot, screen) -> None:
    from tests.ui_playbook.conftest import wait_for

    await pilot.pause()
    await wait_for(pilot, lambda: not screen._busy(), what="the step to finish")

"""dr-failover from the keyboard in a read-only cockpit: decision, checklist and approval through
the dialogs; the write and destructive steps show "not executed" with their call; zero mutating
requests reach the estate."""

from __future__ import annotations

import time

import pytest

from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.playbook import ApprovalDialog, ChecklistDialog, DecisionDialog, GuidedPlaybookScreen, \
    StartDialog
from tests.ui_playbook.conftest import HostApp, detail_pane, screen_text, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def declare(db, title="S3 5xx in eu-west-1", level="P1", mode="incident") -> str:
    with Timeline(db, "alice@test") as tl:
        return tl.declare(title, level, mode=mode).id


async def run_until_question(pilot, screen) -> object:
    """Press enter on each step until a dialog opens or the run ends; return what is on top."""
    for _ in range(60):
        await wait_for(pilot, lambda: not screen._busy() or pilot.app.screen is not screen,
                       what="the step to finish or ask")
        await pilot.pause()
        top = pilot.app.screen
        if top is not screen or screen.engine.finished or screen.engine.state_of(screen.engine.current.id) in (
                "failed", "cancelled"):
            return top
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError("the run never asked or ended")


async def test_dr_failover_read_only_through_the_dialogs(estate, estate_env_ui, tmp_path):
    db = tmp_path / "timeline.db"
    incident = declare(db)
    app = HostApp(db, "dr-failover", screen_model=find_screen("greenlang-storage"), read_only=True)
    since = time.time()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        start = await wait_screen(pilot, StartDialog)
        text = screen_text(app)
        assert incident in text and "read-only" in text
        assert start.query_one("#mode-execute").disabled  # a read-only cockpit does not offer executing writes
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        text = await wait_text(pilot, "READ-ONLY", "Phase 1: Preparation", "RTO 1h")

        # Decision: on the calm estate "do not fail over" is the engine's suggestion; the responder overrides it.
        dialog = await run_until_question(pilot, screen)
        assert isinstance(dialog, DecisionDialog)
        text = screen_text(app)
        assert "★ Do not fail over" in text and "suggested" in text
        assert "5xx alarm is OK" in text
        # Each criterion reads as met / not met with its evidence from the estate, never as a template.
        assert "✗ not met: 5xx alarm OK for" in text and "✓ met: needs the 5xx alarm OK (it is OK)" in text
        assert "steps.check_5xx_alarm" not in text
        await pilot.press("home", "down", "enter")  # "Fail over: AWS region declared down"

        # Checklist: [ ] until ticked; enter confirms every item (it says so).
        dialog = await run_until_question(pilot, screen)
        assert isinstance(dialog, ChecklistDialog)
        await pilot.press("space")
        text = await wait_text(pilot, "[x] ", "[ ] ", "enter: confirm all")
        await pilot.press("enter")

        # Approval: a name must be typed.
        dialog = await run_until_question(pilot, screen)
        assert isinstance(dialog, ApprovalDialog)
        assert "engineering-leadership" in screen_text(app)
        await pilot.press("enter")
        await wait_text(pilot, "type the name of who approves")
        await type_text(pilot, "Dana Lead")
        await pilot.press("enter")

        # Phases 1-3: read steps execute; writes are "not executed"; a manual checklist at the end.
        dialog = await run_until_question(pilot, screen)
        assert isinstance(dialog, ChecklistDialog)
        assert "Integration tests pass in DR mode" in screen_text(app)
        await pilot.press("space", "down", "space", "enter")
        await run_until_question(pilot, screen)
        # The run walks to the end (read-only: the download of the never-uploaded object fails and is shown).
        text = await wait_text(pilot, "27/27 steps", "back to the cockpit")
        assert "✗ FAILED   22 Test download" in text

        # The destructive step: not executed, and the call it would have made is on screen.
        table = screen.query_one("#pb-steps")
        await pilot.press("ctrl+home")
        for _ in range(table.get_row_index("disable_primary_health_check")):
            await pilot.press("down")
        text = await wait_text(pilot, "14. Disable the primary")
        flat = detail_pane(text)
        assert "not executed: read-only (destructive step)" in flat
        assert "UpdateHealthCheck" in flat
        row = next(line for line in text.splitlines() if "14 Disable the prima" in line)
        assert "⊘ not run" in row

    counts = estate.control("requests", since=f"{since:.6f}")
    assert counts["mutating"] == 0, counts["mutating_requests"]
    assert counts["total"] > 5  # the read steps did run
    with Timeline(db) as tl:
        decision = tl.events(incident, kinds=["decision"])[0]
        assert decision.data["choice"] == "region_down" and decision.data["how"] == "chosen by the responder"
        approval = tl.events(incident, kinds=["approval"])[0]
        assert "Dana Lead" in approval.message
        run = tl.runs(incident)[-1]
        states = {s.step_id: s.state for s in tl.step_states(run.id)}
        skipped = {e.data["step_id"]: e for e in tl.events(incident, kinds=["step_skipped"])}
    assert states["pre_failover_checklist"] == states["leadership_approval"] == "succeeded"
    assert states["verify_dr_bucket"] == "succeeded"
    for step in ("disable_primary_health_check", "apply_dr_configmap", "restart_storage_service",
                 "upload_validation_object"):
        assert states[step] == "skipped" and skipped[step].data["not_executed"].startswith("not executed: read-only")

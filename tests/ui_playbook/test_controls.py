"""The keys besides "run": retry a failed step, skip it with a reason, mark a manual step done by
hand, abort with a reason — each lands in the timeline; and a dry run picked in the start dialog
calls nothing."""

from __future__ import annotations

import time

import pytest

from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.playbook import GuidedPlaybookScreen, ReasonDialog, StartDialog
from tests.ui_playbook.conftest import HostApp, ready, screen_text, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = """
id: ui-controls-test
title: Controls
steps:
  - id: flaky
    kind: shell
    title: A check that fails
    risk: read
    argv: [sh, -c, "echo checking; echo broken >&2; exit 3"]
  - id: by_hand
    kind: manual
    title: Rotate the key by hand
    checklist: [Key rotated in the console]
  - id: never
    kind: shell
    title: Never reached
    risk: read
    argv: ["true"]
"""


async def idle(pilot, screen) -> None:
    await pilot.pause()
    await wait_for(pilot, lambda: not screen._busy(), what="the control to finish")


async def test_retry_skip_mark_done_abort(tmp_path):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-controls-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("Key leaked", "P2").id
    app = HostApp(db, "ui-controls-test", playbooks_dirs=[folder])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)

        await pilot.press("enter")
        await idle(pilot, screen)
        text = await wait_text(pilot, "r retries it")
        assert "✗ FAILED" in next(line for line in text.splitlines() if "1 A check that" in line)
        assert "broken" in text  # stderr streamed into the detail pane
        await pilot.press("enter")  # enter on a failed step does not run it again
        await idle(pilot, screen)
        await wait_text(pilot, "retry, skip or abort")

        await pilot.press("r")
        await idle(pilot, screen)
        await wait_text(pilot, "(attempt 2)")

        await pilot.press("s")
        await wait_screen(pilot, ReasonDialog)
        await pilot.press("enter")
        await wait_text(pilot, "a reason is needed")
        await type_text(pilot, "known flaky check")
        await pilot.press("enter")
        await idle(pilot, screen)
        await wait_text(pilot, "Next: step by_hand")

        await pilot.press("m")
        await wait_screen(pilot, ReasonDialog)
        await pilot.press("enter")  # the default note: done by hand outside Cockpit
        await idle(pilot, screen)
        await wait_text(pilot, "Next: step never")

        await pilot.press("a")
        await wait_screen(pilot, ReasonDialog)
        await pilot.press("ctrl+u")
        await type_text(pilot, "wrong playbook")
        await pilot.press("enter")
        text = await wait_text(pilot, "Run aborted (wrong playbook)")
        assert "· pending" in next(line for line in text.splitlines() if "3 Never reached" in line)
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        assert run.status == "aborted"
        states = {s.step_id: s for s in tl.step_states(run.id)}
        assert states["flaky"].state == "skipped"
        assert states["by_hand"].state == "succeeded" and states["never"].state == "pending"
        skipped = tl.events(incident, kinds=["step_skipped"])[0]
        assert skipped.data["step_id"] == "flaky" and "known flaky check" in skipped.message
        done = [e for e in tl.events(incident, kinds=["step_succeeded"]) if e.data["step_id"] == "by_hand"][0]
        assert "done by hand outside Cockpit" in done.message
        assert [e.data["step_id"] for e in tl.events(incident, kinds=["step_failed"])] == ["flaky", "flaky"]


async def test_dry_run_chosen_in_the_start_dialog_calls_nothing(estate, estate_env_ui, tmp_path):
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("Storage outage", "P1").id
    app = HostApp(db, "dr-failover", screen_model=find_screen("greenlang-storage"))
    since = time.time()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await pilot.press("shift+tab")  # from the first parameter back round to the mode
        await pilot.press("right", "right", "space", "enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await wait_text(pilot, "DRY RUN", "dry run: nothing is called")
        for _ in range(27):
            await pilot.press("enter")
            await idle(pilot, screen)
        text = await wait_text(pilot, "27/27 steps", "Run succeeded")
        assert screen_text(app).count("⊘ not run") >= 15  # every visible row
        assert app.screen is screen  # no dialog: a dry run asks nobody
    counts = estate.control("requests", since=f"{since:.6f}")
    assert counts["total"] == 0, counts["by_operation"]
    with Timeline(db) as tl:
        run = tl.runs(incident)[-1]
        assert run.dry_run and run.status == "succeeded"
        assert {s.state for s in tl.step_states(run.id)} == {"skipped"}

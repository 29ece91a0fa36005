"""A destructive step needs its target typed exactly (a typo runs nothing); live shell output is
streamed into the detail pane; the responder flips to the cockpit and back without losing the run."""

from __future__ import annotations

import pytest

from cockpit.timeline import Timeline
from cockpit.ui.playbook import ConfirmDestructiveDialog, GuidedPlaybookScreen, StartDialog
from cockpit.ui.incident.session import feed_of
from tests.ui_playbook.conftest import HostApp, ready, detail_pane, screen_text, type_text, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = """
id: ui-destructive-test
title: Drop the cache of a test target
parameters:
  target: {default: prod-db}
  marker: {default: "MARKER"}
steps:
  - id: look
    kind: shell
    title: Look before leaping
    risk: read
    argv: [sh, -c, "echo streamed line one; echo streamed line two"]
  - id: drop_cache
    kind: shell
    title: Drop the cache of {{ params.target }}
    instructions: Deletes the cache. **Irreversible.**
    risk: destructive
    confirm: "{{ params.target }}"
    argv: [touch, "{{ params.marker }}"]
  - id: after
    kind: shell
    title: Check the cache refilled
    risk: read
    argv: [echo, refilled]
"""


def write_playbook(tmp_path, marker):
    folder = tmp_path / "playbooks"
    folder.mkdir(exist_ok=True)
    (folder / "ui-destructive-test.yaml").write_text(PLAYBOOK.replace("MARKER", str(marker)), encoding="utf-8")
    return folder


@pytest.mark.parametrize("named_mode", [True, False], ids=["modes", "installed"])
async def test_destructive_confirmation_and_flipping(tmp_path, named_mode):
    marker = tmp_path / "dropped"
    folder = write_playbook(tmp_path, marker)
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("Cache poisoned", "P2", mode="drill").id
    app = HostApp(db, "ui-destructive-test", playbooks_dirs=[folder], named_mode=named_mode)
    async with app.run_test(size=(80, 24)) as pilot:
        await feed_of(app).pin(incident)  # a drill on the real estate is shown when picked
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)

        await pilot.press("enter")
        await wait_text(pilot, "✓ ok 1", "Next: step drop_cache")
        await pilot.press("up")  # the step just run: its live output
        text = await wait_text(pilot, "streamed line two")
        assert "streamed line one" in detail_pane(text)
        await pilot.press("f")  # back to the current step

        # Flip to the live panes and back: the run is where it was.
        await pilot.press("c")
        await wait_text(pilot, "LIVE PANES")
        await pilot.press("g")
        text = await wait_text(pilot, "Drop the cache of a test target")
        assert "✓ ok" in next(line for line in text.splitlines() if "1 Look before" in line)

        await pilot.press("enter")
        await wait_screen(pilot, ConfirmDestructiveDialog)
        text = screen_text(app)
        assert "run: $ touch" in text and "Type prod-db to run it" in text  # the call, and what to type
        # The field looks empty: the text to type is not shown in it as a (grey) placeholder,
        # which read as already typed.
        field = app.screen.query_one("#typed")
        assert field.value == "" and "prod-db" not in field.placeholder
        await type_text(pilot, "prod-bd")
        await pilot.press("enter")
        await wait_text(pilot, "does not match: type prod-db exactly")
        assert not marker.exists()
        await pilot.press("escape")
        text = await wait_text(pilot, "confirmation not given")
        assert not marker.exists()
        assert "· pending" in next(line for line in text.splitlines() if "2 Drop the cache" in line)

        await pilot.press("enter")
        await wait_screen(pilot, ConfirmDestructiveDialog)
        await type_text(pilot, "prod-db")
        await pilot.press("enter")
        await wait_text(pilot, "Next: step after")
        assert marker.exists()
    with Timeline(db) as tl:
        started = [e.data["step_id"] for e in tl.events(incident, kinds=["step_started"])]
        assert started == ["look", "drop_cache"]  # the refused attempt started nothing
        run = tl.runs(incident)[-1]
        states = {s.step_id: s.state for s in tl.step_states(run.id)}
        assert states == {"look": "succeeded", "drop_cache": "succeeded", "after": "pending"}

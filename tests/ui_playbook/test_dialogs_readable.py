"""The questions a run asks, as a person reads them at 80x24 without colour: checklist marks
that differ when ticked, enter that confirms the whole list, decision options that say
met / not met with the evidence (never the raw condition), and an approval that can be
rejected with a reason, which stops the run and is on the timeline."""

from __future__ import annotations

import pytest

from cockpit.timeline import Timeline
from cockpit.ui.playbook import ApprovalDialog, ChecklistDialog, DecisionDialog, GuidedPlaybookScreen, StartDialog
from tests.ui_playbook.conftest import HostApp, ready, screen_text, type_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = """
id: ui-dialogs-test
title: Dialogs
steps:
  - id: probe
    kind: shell
    title: Read the 5xx alarm
    risk: read
    argv: [sh, -c, "echo ALARM"]
  - id: prepare
    kind: manual
    title: Prepare the failover
    checklist: [Stakeholders notified, DR bucket verified, Comms drafted]
  - id: decide
    kind: choose
    title: Decide whether to fail over
    prompt: Fail over?
    options:
      - id: fail_over
        label: "Fail over: S3 unavailable"
        condition: steps.probe.outputs.stdout.strip() == 'ALARM'
        evidence: "5xx alarm in {{ steps.probe.outputs.stdout | trim }}"
      - id: stay
        label: Do not fail over
        goto: end
        condition: steps.probe.outputs.stdout.strip() == 'OK'
        evidence: "needs the 5xx alarm OK; it is {{ steps.probe.outputs.stdout | trim }}"
  - id: go_ahead
    kind: approve
    title: Leadership approves
    approver: engineering-leadership
    prompt: Fail over to eu-central-1?
  - id: after
    kind: shell
    title: Fail over
    risk: read
    argv: ["true"]
"""


def dialog_text(text: str) -> str:
    """What is inside the dialog's border (the step list and detail behind it left out)."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "╭" in line)
    bottom = next(i for i, line in enumerate(lines) if "╰" in line and i > top)
    return "\n".join(line.split("│")[1] for line in lines[top + 1:bottom] if line.count("│") >= 2)


async def _open(pilot, tmp_path):
    await pilot.press("p")
    await wait_screen(pilot, StartDialog)
    await pilot.press("enter")
    screen = await wait_screen(pilot, GuidedPlaybookScreen)
    await ready(pilot, screen)
    return screen


def _app(tmp_path):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-dialogs-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        incident = tl.declare("S3 5xx in eu-west-1", "P1").id
    return HostApp(db, "ui-dialogs-test", playbooks_dirs=[folder]), db, incident


async def test_checklist_decision_and_rejected_approval_read_without_colour(tmp_path):
    app, db, incident = _app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, tmp_path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.engine.state_of("probe") == "succeeded", what="the probe")

        # Checklist: [ ] / [x] differ in plain text; space ticks one; enter confirms them all.
        await pilot.press("enter")
        await wait_screen(pilot, ChecklistDialog)
        text = screen_text(app)
        assert "[ ] Stakeholders notified" in text and "[ ] Comms drafted" in text
        await pilot.press("space")
        text = await wait_text(pilot, "[x] Stakeholders notified")
        assert "[ ] DR bucket verified" in text
        assert "enter: confirm all" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.engine.state_of("prepare") == "succeeded", what="the checklist")

        # Decision: each option's label with met / not met and the evidence; no template in sight.
        await pilot.press("enter")
        await wait_screen(pilot, DecisionDialog)
        text = dialog_text(screen_text(app))
        assert "Fail over: S3 unavailable" in text
        assert "✓ met: 5xx alarm in ALARM" in text
        assert "✗ not met: needs the 5xx alarm OK; it is ALARM" in text
        assert "steps." not in text and "==" not in text and "{{" not in text
        await pilot.press("enter")  # the suggested option is highlighted
        await wait_for(pilot, lambda: screen.engine.state_of("decide") == "succeeded", what="the decision")

        # Approval: a reason turns enter into a rejection, and the hint says so first.
        await pilot.press("enter")
        await wait_screen(pilot, ApprovalDialog)
        await type_text(pilot, "Dana Lead")
        await pilot.press("tab")
        await type_text(pilot, "AWS expects recovery in 10 min")
        await wait_text(pilot, "enter: REJECT")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.engine.state_of("go_ahead") == "failed", what="the rejection")
        text = await wait_text(pilot, "rejected by Dana Lead")
        assert "r retries it" in text  # halted at the rejected step: the next step is not run
        assert screen.engine.state_of("after") == "pending"
    with Timeline(db) as tl:
        approval = tl.events(incident, kinds=["approval"])
        decision = tl.events(incident, kinds=["decision"])[0]
        checked = [e for e in tl.events(incident, kinds=["step_succeeded"]) if e.data["step_id"] == "prepare"][0]
    assert [(e.data["decision"], e.data["approver"], e.data["reason"]) for e in approval] == [
        ("rejected", "Dana Lead", "AWS expects recovery in 10 min")]
    assert "5xx alarm in ALARM" in decision.message
    assert checked.data["outputs"]["checked"] == ["Stakeholders notified", "DR bucket verified", "Comms drafted"]


async def test_an_incident_title_with_brackets_is_shown_as_typed_not_as_markup(tmp_path):
    """A pager hook declared 'api [/] down': opening a playbook for it stopped the cockpit
    with a MarkupError, and '[b]x[/b]' showed as a bold x."""
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-dialogs-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    db = tmp_path / "timeline.db"
    with Timeline(db, "alice@test") as tl:
        tl.declare("api [/] down [b]x[/b]", "P2")
    app = HostApp(db, "ui-dialogs-test", playbooks_dirs=[folder])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await wait_text(pilot, "api [/] down [b]x[/b]")

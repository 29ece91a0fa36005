"""The guided run at 80x24 in the real cockpit app: the footer offers only the keys that do
something now (q Quit whole, nothing to run once the run is over), and the clock line fits."""

from __future__ import annotations

import pytest

from cockpit.config import Config
from cockpit.content.screen import find_screen
from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.messages import PlaybookRequested
from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from tests.ui_playbook.conftest import ready, screen_text, wait_for, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = """
id: ui-footer-test
title: Fail the storage over to the other region
targets:
  rto: 1h
  phases:
    - {id: assess, title: Assess the blast radius and the replication, budget: 15m}
    - {id: act, title: Act, budget: 10m}
steps:
""" + "".join(f"""
  - id: s{i}
    kind: shell
    title: Check number {i}
    risk: read
    phase: {'assess' if i < 9 else 'act'}
    argv: ["true"]
""" for i in range(1, 12))


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


async def run(pilot, screen) -> None:
    await pilot.press("enter")
    await pilot.pause()
    await wait_for(pilot, lambda: not screen._busy(), what="the step to finish")


async def test_footer_and_clock_line_follow_the_run_at_80x24(tmp_path):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-footer-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion", playbooks_dirs=[folder])
    with Timeline(config.db, "oncall@bastion") as tl:
        tl.declare("Uploads failing", "P1")
    app = CockpitApp(config=config, screen=find_screen("greenlang-storage"), poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_message(PlaybookRequested("ui-footer-test"))
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        keys = footer(app)
        for key in ("⏎ Run", "s Skip", "a Abort", "c Cockpit", "q Quit"):
            assert key in keys, (key, keys)
        assert "r Retry" not in keys and "x Cancel" not in keys, keys  # nothing failed, nothing runs
        await run(pilot, screen)
        clock = "\n".join(screen_text(app).splitlines()[1:3])  # one line, or two when it does not fit
        for words in ("Assess the blast radius and the replication 00:0", "RTO 1h · 1/11 steps · running"):
            assert words in clock, (words, clock)  # whole, not cut at 80 columns
        for _ in range(10):
            await run(pilot, screen)
        await wait_text(pilot, "Run succeeded")
        await wait_for(pilot, lambda: "⏎ Run" not in footer(app), what="the run keys gone")
        keys = footer(app)
        for gone in ("⏎ Run", "s Skip", "r Retry", "m Done", "x Cancel", "a Abort"):
            assert gone not in keys, (gone, keys)
        assert "c Cockpit" in keys and "q Quit" in keys, keys
        assert "11/11 steps · succeeded" in screen_text(app)
        await pilot.press("enter")  # nothing left to run: nothing happens
        await pilot.pause()
        assert app.screen is screen

"""A program's output, a step title and a parameter never put an escape sequence on the
responder's terminal through the guided screen (an OSC 52 would write their clipboard).

Textual paints text as it is given; the screenshot is what the driver would write.
"""

from __future__ import annotations

import html

import pytest

from cockpit.ui.playbook import GuidedPlaybookScreen, StartDialog
from tests.ui_playbook.conftest import HostApp, ready, wait_screen, wait_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

PLAYBOOK = r"""
id: ui-escapes-test
title: Escapes
parameters:
  label:
    default: "pwn\e]52;c;ZXZpbA==\a\e[2Jed"
steps:
  - id: noisy
    kind: shell
    title: "Check {{ params.label }} bucket"
    risk: read
    argv: [printf, 'copied\033]52;c;dG91Y2g=\007 and \033[31mred\033[0m done\n']
"""


async def test_step_output_and_titles_reach_the_screen_without_escapes(tmp_path):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "ui-escapes-test.yaml").write_text(PLAYBOOK, encoding="utf-8")
    db = tmp_path / "timeline.db"
    from cockpit.timeline import Timeline

    with Timeline(db, "alice@test") as tl:
        tl.declare("Escapes", "P3")
    app = HostApp(db, "ui-escapes-test", playbooks_dirs=[folder])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await wait_screen(pilot, StartDialog)
        await pilot.press("enter")
        screen = await wait_screen(pilot, GuidedPlaybookScreen)
        await ready(pilot, screen)
        await pilot.press("enter")
        await wait_text(pilot, "and red done")
        shot = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for bad in ("\x1b", "\x07", "\x9b", "\x9d"):
            assert bad not in shot, repr(bad)
        assert "copied and red done" in shot  # the whole sequence went, not only its ESC byte
        assert "pwned bucket" in shot

"""The playbook picker at 80x24: every playbook a screen offers can be reached and seen.

The platform screen offers eleven playbooks whose titles take two lines each; the list was
taller than the dialog could grow, so the dialog clipped it and End (or ↓ past the fold) moved
the highlight onto rows nobody could see — Enter then started a playbook the responder had
not read. Driven through the real picker with the shipped catalog and the app's stylesheet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

import cockpit.ui
from cockpit.content.playbooks import load_catalog
from cockpit.content.screen import load_screens
from cockpit.ui.screens.choose import ChooseScreen, playbook_options
from tests.ui.helpers import screen_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

CSS = (Path(cockpit.ui.__file__).parent / "cockpit.tcss").read_text(encoding="utf-8")


class Picker(App[None]):
    CSS = CSS


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_end_shows_the_last_playbook_the_screen_offers(size: tuple[int, int]) -> None:
    offered = load_screens()["greenlang-platform"].playbooks
    catalog = load_catalog().playbooks
    app = Picker()
    async with app.run_test(size=size) as pilot:
        app.push_screen(ChooseScreen("Playbooks for greenlang-platform", playbook_options([], offered, catalog),
                                     note="Nothing firing calls for a playbook here; Enter starts one."))
        await pilot.pause()
        await pilot.pause()
        first = screen_text(app)
        assert offered[0] in first and "Enter to choose" in first, first
        await pilot.press("end")
        await pilot.pause()
        await pilot.pause()
        shown = screen_text(app)
        assert offered[-1] in shown, f"the highlighted last playbook is off screen:\n{shown}"
        assert "Enter to choose" in shown  # the dialog's bottom border is still there
        await pilot.press("home")
        await pilot.pause()
        await pilot.pause()
        assert offered[0] in screen_text(app)

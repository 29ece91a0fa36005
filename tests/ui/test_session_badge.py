"""--read-only is said on every full screen, all the time, and survives switching screens (g);
`cockpit demo --read-only` is accepted like `cockpit --read-only demo`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cockpit.config import Config
from cockpit.content.screen import find_screen
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident.screen import TimelineScreen
from cockpit.ui.screens.choose import ChooseScreen
from cockpit.ui.screens.cockpit import CockpitScreen
from tests.ui.helpers import screen_text, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def _first_line(app) -> str:
    return screen_text(app).splitlines()[0]


async def test_read_only_on_every_screen_and_after_switching(tmp_path):
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("greenlang-storage"), read_only=True, poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "READ-ONLY" in _first_line(app), what="READ-ONLY in the header")
        await pilot.press("t")  # the full timeline screen
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen), what="the timeline screen")
        await wait_for(pilot, lambda: "READ-ONLY" in _first_line(app), what="READ-ONLY on the timeline screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen), what="the cockpit")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the screen list")
        options = app.screen.query_one("#choices")
        options.highlighted = next(i for i in range(options.option_count)
                                   if options.get_option_at_index(i).id == "flight-school")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen) and app.screen.model.name == "flight-school",
                       what="flight-school")
        await wait_for(pilot, lambda: "READ-ONLY" in _first_line(app), what="READ-ONLY after g")
        assert app.sub_title.endswith("read-only")


async def test_no_badge_when_nothing_to_say(tmp_path):
    config = Config(db=tmp_path / "timeline.db", actor="oncall@bastion")
    app = CockpitApp(config=config, screen=find_screen("greenlang-storage"), poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "greenlang-storage" in _first_line(app))
        assert "READ-ONLY" not in screen_text(app) and "timeline" not in _first_line(app)


def test_read_only_is_an_option_of_demo_and_exercise_too(tmp_path):
    for args in (["demo", "--no-ui", "--read-only", "--scenario", "no-such-scenario"],
                 ["exercise", "no-such-scenario", "--mode", "drill", "--read-only"]):
        done = subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, timeout=60)
        # The option is taken: the command goes on to the scenario and says what is wrong with it.
        assert "No such option" not in done.stderr, done.stderr
        assert done.stderr.startswith("cockpit: error:") and "no-such-scenario" in done.stderr, done.stderr
        assert done.returncode == 2

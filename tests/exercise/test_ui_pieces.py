"""The exercise banner and facilitator keys in a small Textual app, on a real estate."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from cockpit.config import Config
from cockpit.content.scenario import find_scenario
from cockpit.exercise.control import EstateControl
from cockpit.exercise.session import Exercise
from cockpit.timeline.aio import AsyncTimeline
from cockpit.ui.exercise import EXERCISE_BINDINGS, ExerciseActions, ExerciseBanner
from cockpit.ui.session import Session

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise


class ExerciseApp(ExerciseActions, App):
    """A host app, as the exercise keys need one: it owns a session (the exercise is kept there)."""

    BINDINGS = [*EXERCISE_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.session = Session(config=Config())

    def compose(self) -> ComposeResult:
        yield ExerciseBanner()


async def test_banner_names_the_mode_and_the_keys_drive_the_clock(start_estate, tmp_path: Path):
    handle = start_estate(scenario="flight-school-api-5xx", speed=1)
    scenario, _ = find_scenario("flight-school-api-5xx")
    async with AsyncTimeline(tmp_path / "t.db", "facilitator@test") as tl, \
            EstateControl(handle.env["COCKPIT_ESTATE_URL"]) as ctl:
        exercise = Exercise(scenario, "tabletop", tl, ctl)
        await exercise.start()
        app = ExerciseApp()
        async with app.run_test(size=(80, 24)) as pilot:
            app.attach_exercise(exercise)
            await pilot.press("f6")  # pause
            for _ in range(40):  # the key's worker answers over HTTP
                if exercise.last_status.get("paused"):
                    break
                await pilot.pause(0.05)
            banner = app.query_one(ExerciseBanner)
            assert "TABLETOP EXERCISE — nothing that writes is executed" in str(banner.render())
            assert handle.control("status")["paused"] is True
            await pilot.press("f7")  # the first inject, now
            for _ in range(40):
                if "INJECT" in str(banner.render()):
                    break
                await pilot.pause(0.05)
            assert "INJECT [on-call]: Support: students cannot search for schools" in str(banner.render())
            assert "PAUSED" in str(banner.render())
            exercise.ended = True
        events = await tl.call(tl.sync.events, exercise.incident_id)
        assert [e.data.get("id") for e in events if e.data.get("exercise") == "inject"] == ["student-reports"]

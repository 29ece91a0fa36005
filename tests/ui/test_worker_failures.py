"""A worker that fails is said on screen in one line (what failed and why) and logged to
``$XDG_STATE_HOME/cockpit/cockpit.log``; the app keeps running.

Each failure is real: an exercise whose estate is not there (a closed port), F6 against
that estate, and a timeline path that is a folder.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from cockpit.config import Config
from cockpit.content.scenario import find_scenario
from cockpit.exercise.session import starter
from cockpit.ui.app import CockpitApp

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


def _toasts(app: CockpitApp) -> str:
    return "\n".join(str(toast.render()) for toast in app.screen.query("Toast"))


async def _wait_for_toast(pilot, app: CockpitApp, text: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while text not in _toasts(app):
        assert time.monotonic() < deadline, _toasts(app)
        await pilot.pause(0.1)
    return _toasts(app)


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "cockpit" / "cockpit.log"


async def test_an_exercise_that_cannot_start_is_said_and_logged(tmp_path, monkeypatch, state_home):
    monkeypatch.setenv("COCKPIT_ESTATE_URL", _closed_port_url())
    scenario, _ = find_scenario("eu-west-1-storage-outage")
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    app = CockpitApp(config=config, poll=False, exercise_setup=starter(scenario, "tabletop", config.db, config.actor))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.start_exercise()
        shown = await _wait_for_toast(pilot, app, "start the exercise failed: ")
        assert "ClientConnectorError" in shown or "Connect" in shown, shown
        await pilot.press("t")  # the app still answers keys
        await pilot.pause(0.2)
        assert app.is_running
    logged = state_home.read_text(encoding="utf-8")
    assert "ERROR cockpit: start the exercise failed: " in logged and "Traceback" in logged


async def test_f6_against_an_estate_that_went_away_is_said(tmp_path, monkeypatch, state_home):
    from cockpit.exercise.control import EstateControl
    from cockpit.exercise.session import Exercise
    from cockpit.timeline.aio import AsyncTimeline

    scenario, _ = find_scenario("eu-west-1-storage-outage")
    config = Config(db=tmp_path / "timeline.db", actor="ic@bridge")
    app = CockpitApp(config=config, poll=False)
    async with AsyncTimeline(config.db, config.actor) as tl:
        exercise = Exercise(scenario, "tabletop", tl, EstateControl(_closed_port_url(), timeout=2))
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            app.exercise = exercise  # as attach_exercise leaves it, without the follower
            await pilot.press("f6")
            await _wait_for_toast(pilot, app, "pausing or resuming the scenario clock failed: ")
            assert app.is_running
            await exercise.control.close()
    assert "pausing or resuming the scenario clock failed" in state_home.read_text(encoding="utf-8")


async def test_alarm_logging_on_an_unusable_timeline_is_said(tmp_path, state_home):
    folder = tmp_path / "not-a-file.db"
    folder.mkdir()
    app = CockpitApp(config=Config(db=folder, actor="ic@bridge"), poll=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.log_alarm_transitions(SimpleNamespace(id="INC-20260101-0001"), ())
        shown = await _wait_for_toast(pilot, app, "log alarm transitions failed: ")
        assert "[" not in shown.split("failed: ", 1)[1][:1]  # plain text, not markup
        assert app.is_running
    assert "log alarm transitions failed" in state_home.read_text(encoding="utf-8")


async def test_a_notification_carrying_brackets_is_shown_as_text(config):
    """Notifications carry data (an incident title, an exception, a path, an inject): a "[/]"
    in one stopped the cockpit with a MarkupError, and "[b]" restyled it. The app's notify
    is plain text for every caller, a widget's or a screen's included."""
    app = CockpitApp(config=config, poll=False)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        app.screen.notify("Export failed: /tmp/[/] [b]x[/b]", severity="error")
        app.notify("Inject: api [/] down", title="Inject")
        await _wait_for_toast(pilot, app, "Export failed: /tmp/[/] [b]x[/b]")
        await _wait_for_toast(pilot, app, "Inject: api [/] down")

"""A hostile screen or playbook file in the user's folders: one line in the UI, and `q` still quits.

The files are the billion-laughs bomb of tests/content/hostile; before the loader bounded
its work, pressing `g` froze the event loop while memory grew, and `q` never answered.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cockpit.config import Config
from cockpit.ui.app import CockpitApp

from . import synthetic as s
from .helpers import wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def told(app: CockpitApp, words: str) -> bool:
    """A notification (one line, no traceback) carries ``words``."""
    return any(words in str(n.message) and "\n" not in str(n.message) and "Traceback" not in str(n.message)
               for n in app._notifications)

BOMB = Path(__file__).parents[1] / "content" / "hostile" / "billion-laughs.yaml"


def hostile_config(tmp_path: Path) -> Config:
    for kind in ("screens", "playbooks"):
        (tmp_path / kind).mkdir()
        (tmp_path / kind / "laughs.yaml").write_bytes(BOMB.read_bytes())
    return Config(db=tmp_path / "timeline.db", screens_dirs=[tmp_path / "screens"],
                  playbooks_dirs=[tmp_path / "playbooks"])


async def test_screen_picker_over_an_alias_bomb_says_where_and_q_quits(tmp_path: Path) -> None:
    app = CockpitApp(config=hostile_config(tmp_path), poll=False, clock=s.clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("g")
        bomb = f"{tmp_path / 'screens' / 'laughs.yaml'}:10: this value stands for more than 50,000 values"
        await wait_for(pilot, lambda: told(app, bomb), timeout=10, what="the broken screen file named")
        await wait_for(pilot, lambda: app.screen.id == "screen-picker", timeout=10, what="the screen picker")
        await pilot.press("escape")
        started = time.monotonic()
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, timeout=5, what="the app to exit")
    assert time.monotonic() - started < 5


async def test_playbook_picker_names_the_broken_playbook_file(tmp_path: Path) -> None:
    app = CockpitApp(config=hostile_config(tmp_path), poll=False, clock=s.clock)
    async with app.run_test(size=(160, 50)) as pilot:
        app.screen.action_playbooks()
        bomb = f"{tmp_path / 'playbooks' / 'laughs.yaml'}:10: this value stands for more than 50,000 values"
        await wait_for(pilot, lambda: told(app, bomb), timeout=10, what="the broken playbook file named")
        await wait_for(pilot, lambda: app.screen.id == "playbook-picker", timeout=10, what="the playbook picker")

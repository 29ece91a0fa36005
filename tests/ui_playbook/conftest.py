"""A small app hosting the guided playbook screen the way the cockpit will: a stand-in cockpit
screen in the default mode posts ``PlaybookRequested`` (key ``p``), the app answers with
``request_playbook``, and key ``g`` flips back to the run. Real estate, real SQLite file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from cockpit.config import Config
from cockpit.timeline.aio import AsyncTimeline
from cockpit.ui.session import Session
from cockpit.ui.incident.session import close_timeline
from cockpit.ui.messages import PlaybookRequested
from cockpit.ui.playbook import flip_to_run, request_playbook
from tests.ui.helpers import screen_text  # noqa: F401  (the tests import it from here)

ACTOR = "alice@test"


class StandInCockpit(Screen[None]):
    """Stands for the lead's cockpit screen: live panes would be here."""

    BINDINGS = [Binding("p", "pick", "Playbook"), Binding("g", "back", "Back to run")]

    def compose(self) -> ComposeResult:
        yield Static("LIVE PANES (stand-in cockpit)")
        yield Footer()

    def action_pick(self) -> None:
        self.post_message(PlaybookRequested(self.app.playbook_id))  # type: ignore[attr-defined]

    def action_back(self) -> None:
        flip_to_run(self.app)


class HostApp(App[None]):
    """``named_mode``: the cockpit lives in a mode named "cockpit" (the recommended wiring); else
    it is pushed on Textual's default mode, as the cockpit app does today."""

    def __init__(self, db: Path, playbook_id: str, *, screen_model: Any = None, read_only: bool = False,
                 playbooks_dirs: list[Path] | None = None, named_mode: bool = True) -> None:
        super().__init__()
        self.named_mode = named_mode
        self.session = Session(config=Config(db=db, actor=ACTOR, playbooks_dirs=playbooks_dirs or []),
                               read_only=read_only, given_timeline=AsyncTimeline(db, ACTOR))
        self.playbook_id, self.model, self.read_only = playbook_id, screen_model, read_only

    def on_mount(self) -> None:
        if self.named_mode:
            self.add_mode("cockpit", StandInCockpit)
            self.switch_mode("cockpit")
        else:
            self.push_screen(StandInCockpit())

    @on(PlaybookRequested)
    def _requested(self, message: PlaybookRequested) -> None:
        request_playbook(self, message.playbook_id, screen_model=self.model, read_only=self.read_only)

    async def on_unmount(self) -> None:
        await close_timeline(self)


async def wait_for(pilot: Any, check: Callable[[], object], timeout: float = 30.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await pilot.pause(0.05)
    raise AssertionError(f"not seen within {timeout} s: {what}\n{screen_text(pilot.app)}")


async def wait_text(pilot: Any, *needles: str, timeout: float = 30.0) -> str:
    await wait_for(pilot, lambda: all(n in screen_text(pilot.app) for n in needles), timeout, repr(needles))
    return screen_text(pilot.app)


async def wait_screen(pilot: Any, kind: type, timeout: float = 30.0) -> Any:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, kind), timeout, kind.__name__)
    await pilot.pause()
    return pilot.app.screen


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[("space" if c == " " else c) for c in text])


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await asyncio.sleep(0)


@pytest.fixture
def estate_env_ui(estate, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The calm estate's environment for this process, isolated from the host's ~/.aws."""
    for key, value in estate.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "COCKPIT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    return estate.env


def detail_pane(text: str) -> str:
    """The detail pane's text as one line: the screen right of the list's border, rows joined."""
    parts = [line.split("▕", 1)[1] for line in text.splitlines() if "▕" in line]
    return " ".join(" ".join(parts).split())


async def ready(pilot: Any, screen: Any) -> None:
    """Wait until the run is open (its engine answers the keys)."""
    await wait_for(pilot, lambda: screen.engine is not None and "Opening" not in screen_text(pilot.app),
                   what="the run to open")
    await pilot.pause()

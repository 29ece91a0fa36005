"""A small app that wires the incident pieces exactly as the cockpit will, on a real file.

The app is the documented wiring (mixin, bindings, palette provider, header, pane) and
nothing more, so these tests exercise what the lead drops into the cockpit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import time
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Footer

from cockpit.config import Config
from cockpit.timeline.model import utc_now
from cockpit.ui.session import Session
from tests.ui.helpers import screen_text  # noqa: F401  (the tests import it from here)
from cockpit.ui.incident import INCIDENT_BINDINGS, IncidentActions, IncidentCommands, IncidentHeader, TimelinePane

ACTOR = "alice@bastion"


class IncidentTestApp(IncidentActions, App[None]):
    BINDINGS = [*INCIDENT_BINDINGS]
    COMMANDS = App.COMMANDS | {IncidentCommands}

    def __init__(self, config: Config, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__()
        self.session = Session(config=config)
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield IncidentHeader(id="incident-header", clock=self.clock)
        yield TimelinePane(id="timeline")
        yield Footer()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "timeline.db"


@pytest.fixture
def config(db_path: Path) -> Config:
    return Config(db=db_path, actor=ACTOR)


async def settle(pilot: Pilot) -> None:
    """Wait for the incident writes (not the endless poll loop), then for the redraw."""
    app = pilot.app
    await pilot.pause()  # a dialog's result callback starts its write on the next tick
    writes = [w for w in app.workers if w.group != "incident-feed"]
    if writes:  # an empty list would mean "every worker", the endless poll loop included
        await app.workers.wait_for_complete(writes)
    await pilot.pause()


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 3.0) -> float:
    """Pause until ``predicate()`` holds; returns the seconds it took (fails after timeout)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.02)
    return time.monotonic() - start



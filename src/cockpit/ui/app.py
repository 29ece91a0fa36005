"""The Cockpit Textual application.

The app paints its first frame before anything heavy happens. In demo mode it starts the
emulated estate in a worker thread (``EstateProcess``) and, once the estate is up, points
this process's environment at it so every provider talks to the estate exactly as it
would talk to AWS and a cluster.
"""

from __future__ import annotations

import os

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Footer, Header

from cockpit.config import Config
from cockpit.ui.estate_panel import EstatePanel


class CockpitApp(App[None]):
    """The cockpit. ``estate`` is given in demo mode: an EstateProcess to start."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "Cockpit"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    class EstateStarted(Message):
        """The emulated estate is up; ``env`` points clients at it."""

        def __init__(self, env: dict[str, str]) -> None:
            super().__init__()
            self.env = env

    class EstateFailed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, *, config: Config, read_only: bool = False, estate=None) -> None:
        super().__init__()
        self.config = config
        self.read_only = read_only
        self.estate = estate
        self.startup_error: str | None = None
        self.sub_title = "demo · emulated estate" if estate else config.screen

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield EstatePanel(id="estate")
        yield Footer()

    def on_mount(self) -> None:
        if self.estate is not None:
            self.query_one(EstatePanel).starting()
            self.start_estate()

    @work(thread=True, exclusive=True, group="estate", exit_on_error=False, description="start the emulated estate")
    def start_estate(self) -> None:
        from cockpit.estate.process import EstateStartError

        try:
            env = self.estate.start()
        except EstateStartError as exc:
            self.post_message(self.EstateFailed(str(exc)))
        else:
            self.post_message(self.EstateStarted(env))

    @on(EstateStarted)
    def _estate_started(self, message: EstateStarted) -> None:
        os.environ.update(message.env)
        self.query_one(EstatePanel).show_estate(message.env)

    @on(EstateFailed)
    def _estate_failed(self, message: EstateFailed) -> None:
        self.startup_error = message.error
        self.query_one(EstatePanel).failed(message.error)

"""The emulated estate in full (key ``e`` in demo mode): endpoints, scenario clock, happenings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from cockpit.ui.widgets.estate_panel import EstatePanel


class EstateScreen(ModalScreen[None]):
    """A modal around :class:`EstatePanel`; Esc closes it."""

    BINDINGS = [Binding("escape,e,q", "close", "Close")]

    def __init__(self, env: dict[str, str] | None, error: str | None = None) -> None:
        super().__init__()
        self._env, self._error = env, error

    def compose(self) -> ComposeResult:
        yield EstatePanel(id="estate", classes="dialog")

    def on_mount(self) -> None:
        panel = self.query_one(EstatePanel)
        if self._error:
            panel.failed(self._error)
        elif self._env:
            panel.show_estate(self._env)
        else:
            panel.starting()

    def action_close(self) -> None:
        self.dismiss(None)

"""The start dialog (parameters and mode) and where a run's screen lives in the app.

:func:`show_run` makes the run's screen the base of the app mode ``playbook`` when the app
names its cockpit mode, so the responder flips between the live panes and the run without
losing either; :func:`flip_to_run` is the cockpit's way back. The flow that leads here is
in launch.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioSet, Static

from cockpit.content.params import ParameterError, resolve_params
from cockpit.content.playbook import Playbook
from cockpit.timeline.model import Incident
from cockpit.ui.playbook.dialogs import CSS
from cockpit.ui.modes import is_cockpit_mode
from cockpit.ui.playbook.screen import GuidedPlaybookScreen
from cockpit.ui.session import session_of
from cockpit.ui.widgets.radio import MarkedRadioButton

#: The app mode that holds the run's screen (when the app names its cockpit mode).
MODE = "playbook"
#: The run's screen's name when it is installed instead (an app without named modes).
INSTALLED = "playbook-run"


@dataclass(frozen=True)
class RunRequest:
    """What the responder chose in the start dialog."""

    params: dict[str, Any]
    dry_run: bool
    read_only: bool


class StartDialog(ModalScreen[RunRequest]):
    """Parameters (defaults from the screen) and the run mode; Enter anywhere starts the run."""

    CSS_PATH = CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "submit", "Start", priority=True),
                Binding("ctrl+s", "submit", "Start", show=False)]

    def __init__(self, playbook: Playbook, incident: Incident, defaults: dict[str, Any], *, screen_model: Any = None,
                 read_only: bool = False) -> None:
        super().__init__()
        self.playbook, self.incident, self.defaults = playbook, incident, defaults
        self.screen_model = screen_model
        #: The cockpit runs read-only: executing writes is not offered.
        self.forced_read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(classes="pb-dialog"):
            yield Static(Text(self.playbook.title, style="bold"))
            yield Static(f"Incident {self.incident.id} ({self.incident.severity} {self.incident.mode}): "
                         f"{self.incident.title}", markup=False)  # a title is as typed: "[/]" is text
            with VerticalScroll(id="pb-form", can_focus=False):
                for name, param in self.playbook.parameters.items():
                    value = self.defaults.get(name)
                    yield Horizontal(Label(name), Input("" if value is None else str(value), id=f"param-{name}",
                                                        password=param.secret, compact=True,
                                                        tooltip=param.description or None),
                                     classes="pb-field")
                if not self.playbook.parameters:
                    yield Static("This playbook has no parameters.")
            with RadioSet(id="pb-mode"):
                yield MarkedRadioButton("execute", id="mode-execute", value=not self.forced_read_only,
                                  disabled=self.forced_read_only)
                yield MarkedRadioButton("read-only", id="mode-read-only", value=self.forced_read_only)
                yield MarkedRadioButton("dry run", id="mode-dry-run")
            yield Static("", classes="pb-dialog-error", markup=False)
            yield Static("enter: start · tab: next field · ←→ space: mode · esc: cancel", classes="pb-dialog-hint")

    def on_mount(self) -> None:
        self.query_one(".pb-dialog").border_title = "Start playbook"
        self.query_one(".pb-dialog-error").display = False
        inputs = self.query(Input)
        (inputs.first() if inputs else self.query_one(RadioSet)).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        given = {name: self.query_one(f"#param-{name}", Input).value for name in self.playbook.parameters}
        given = {k: v for k, v in given.items() if v.strip() != ""}
        try:
            params = resolve_params(self.playbook, given, self.screen_model)
        except ParameterError as exc:
            error = self.query_one(".pb-dialog-error", Static)
            error.update("⚠ " + "\n⚠ ".join(exc.messages[:3]))
            error.display = True
            return
        pressed = self.query_one("#pb-mode", RadioSet).pressed_button
        mode = pressed.id if pressed is not None else "mode-execute"
        self.dismiss(RunRequest(params, dry_run=mode == "mode-dry-run",
                                read_only=self.forced_read_only or mode == "mode-read-only"))


def running_screen(app: App[Any]) -> GuidedPlaybookScreen | None:
    """The app's guided run (shown or not), if any."""
    return session_of(app).run_screen


def _named_mode(app: App[Any]) -> str | None:
    """The mode to flip back to: the current one if the app named it (Textual's ``_default`` cannot be
    switched back to), or the previous run's when a new run replaces it from the playbook mode.

    Not a cockpit screen's mode (ui/modes.py): opening another screen file replaces that
    mode by another, so the run is pushed on the cockpit's stack instead, as on ``_default``."""
    mode = app.current_mode
    if mode == MODE:
        old = running_screen(app)
        return old.return_mode if old else None
    return None if mode == "_default" or is_cockpit_mode(mode) else mode


def _retire(app: App[Any], old: GuidedPlaybookScreen) -> None:
    """Take a finished run off the app so a new one can take its place."""
    if old.return_mode is not None:
        if app.current_mode == MODE:
            app.switch_mode(old.return_mode)
        app.remove_mode(MODE)
        return
    if app.screen is old:
        app.pop_screen()
    app.uninstall_screen(INSTALLED)
    old.remove()


def show_run(app: App[Any], screen: GuidedPlaybookScreen) -> None:
    """Show ``screen``; keep it alive while the responder looks at the cockpit.

    With a named cockpit mode (``screen.return_mode``) the run is the base of the ``playbook``
    mode, so each keeps its own stack. Otherwise (an app still on Textual's ``_default``
    mode) the screen is installed and pushed: popping an installed screen keeps it, its
    workers and its run alive, and pushing it again shows it as it was.
    """
    old = running_screen(app)
    if old is not None:
        _retire(app, old)
    session_of(app).run_screen = screen
    if screen.return_mode is not None:
        app.add_mode(MODE, lambda: screen)
        app.switch_mode(MODE)
    else:
        app.install_screen(screen, INSTALLED)
        app.push_screen(INSTALLED)


def flip_to_run(app: App[Any]) -> bool:
    """Show the run again (the cockpit's "back to the playbook" key); False when there is none."""
    screen = running_screen(app)
    if screen is None:
        app.notify("No playbook run yet: pick one from the screen's playbooks.", severity="warning")
        return False
    if screen.return_mode is not None:
        app.switch_mode(MODE)
    elif screen not in app.screen_stack:
        app.push_screen(INSTALLED)
    return True

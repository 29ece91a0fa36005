"""The Cockpit Textual application: one cockpit screen, the demo estate, and message routing.

The first frame paints before anything heavy happens: the heavy client libraries
(aiobotocore, kubernetes-asyncio) are imported in a thread worker afterwards, and only
then does polling start. In demo mode the app starts the emulated estate in a thread
worker (``EstateProcess``) while those imports run, points this process's environment at
it, and the panes go live once both are done (:class:`CockpitApp.EstateStarted`,
:class:`CockpitApp.ClientsLoaded`); providers then talk to the estate exactly as they
would talk to AWS and a cluster.

The first frame needs Textual, the config, the screen file and the cockpit screen's
widgets, nothing else: the incident dialogs and timeline store, the playbook engine
(Jinja, Markdown) and the exercise code are imported when used, and ahead of that by
:meth:`CockpitApp.preload` on a thread once the frame is painted, so the first key that
opens one does not wait for the import either (tests/ui/test_startup.py holds the line).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App
from textual.command import CommandPalette
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from cockpit.config import Config
from cockpit.content.errors import ContentError
from cockpit.content.screen import Screen as ScreenModel
from cockpit.sources.snapshot import utcnow
from cockpit.ui.exercise import EXERCISE_BINDINGS, ExerciseActions
from cockpit.ui.failures import WorkerFailed, log, log_failure, open_log
from cockpit.ui.incident import INCIDENT_BINDINGS, IncidentActions, IncidentCommands
from cockpit.ui.live import LiveSettings, warm_imports
from cockpit.ui.playbook.commands import PlaybookCommands
from cockpit.ui.messages import AlarmsFetched, PlaybookRequested
from cockpit.ui.modes import COCKPIT_MODE, cockpit_mode
from cockpit.ui.palette import CockpitPalette, bound_providers
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.session import Session
from cockpit.ui.widgets.quiet_gc import COLLECTOR

#: Imported on a thread after the first frame (see :meth:`CockpitApp.preload`), in the
#: order a responder is likely to need them: the timeline store (the incident feed opens
#: it at once), the incident dialogs and screen, then the guided playbook screen (the
#: heaviest: the engine, Jinja, Markdown).
PRELOAD = ("cockpit.timeline.aio", "cockpit.ui.incident.dialogs", "cockpit.ui.incident.screen",
           "cockpit.ui.playbook.launch")


class CockpitApp(ExerciseActions, IncidentActions, App[None]):
    """The cockpit.

    ``screen`` is the screen file to open (default: ``config.screen``); ``estate`` is given
    in demo mode (an EstateProcess to start); ``live`` tunes polling; ``poll=False`` shows
    the panes without polling (tests feed snapshots through the same messages).
    """

    CSS_PATH = str(Path(__file__).with_name("cockpit.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "Cockpit"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        *INCIDENT_BINDINGS,  # i declare, n note, S severity, u update, R resolve, t timeline
        *EXERCISE_BINDINGS,  # F6 pause/resume, F7 next inject, F8 ad-hoc inject (tabletop only)
        Binding("o", "back_to_run", "Run", tooltip="Back to the running playbook"),
        Binding("question_mark", "help", "Keys", key_display="?", tooltip="Every key of this screen"),
    ]
    COMMANDS = App.COMMANDS | {IncidentCommands, PlaybookCommands}
    #: The cockpit screen is the base of a named mode (ui/modes.py), so another screen file
    #: can replace it through the public mode API.
    DEFAULT_MODE = COCKPIT_MODE

    class EstateStarted(Message):
        """The emulated estate is up; ``env`` points clients at it."""

        def __init__(self, env: dict[str, str]) -> None:
            super().__init__()
            self.env = env

    class EstateFailed(Message):
        """The emulated estate did not start; ``error`` says why (with the end of its log)."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class ClientsLoaded(Message):
        """The heavy client libraries are imported: polling can start without freezing keys."""

    def __init__(self, *, config: Config, screen: ScreenModel | None = None, read_only: bool = False,
                 estate: Any = None, live: LiveSettings | None = None, poll: bool = True,
                 clock: Callable[[], datetime] = utcnow,
                 exercise_setup: Callable[[], Awaitable[Any]] | None = None) -> None:
        super().__init__()
        #: What this cockpit holds for its responder (ui/session.py): the settings below, the
        #: timeline and its feed, the run on show, the palette's catalog.
        self.session = Session(config=config, read_only=read_only, estate=estate, exercise_setup=exercise_setup)
        #: The screen file opened first (loading it may raise ContentError).
        self.session.screen_model = screen or _find_screen(config.screen, config)
        #: The estate's environment once it is up; its start-up error if it failed.
        self.estate_env: dict[str, str] | None = None
        self.estate_error: str | None = None
        self.startup_error: str | None = None
        self.live = live or LiveSettings()
        self.poll = poll
        self.clock = clock
        #: True once polling may start (clients imported, estate up in demo mode).
        self.live_ready = False
        self._clients_imported = False
        self._connections: Any = None
        self.sub_title = ("demo · emulated estate" if estate else self.model.name) + (" · read-only" if read_only else "")
        #: Screen files opened after the first (names the mode of the next, see ui/modes.py).
        self._screens_opened = 0
        #: The mode whose base is the cockpit screen on show.
        self.cockpit_mode = COCKPIT_MODE
        # The cockpit is the first mode's base screen itself: pushing it over Textual's blank
        # default screen laid out, styled and resized two screens before the first frame.
        self.add_mode(COCKPIT_MODE, lambda: CockpitScreen(self.model, clock=self.clock))

    # The session's settings, read often by the app's own code and its mixins.
    @property
    def config(self) -> Config:
        """Cockpit's settings (screen, dirs, db, actor)."""
        return self.session.config

    @property
    def model(self) -> ScreenModel:
        """The screen file shown."""
        assert self.session.screen_model is not None
        return self.session.screen_model

    @model.setter
    def model(self, model: ScreenModel) -> None:
        self.session.screen_model = model

    @property
    def read_only(self) -> bool:
        return self.session.read_only

    @property
    def estate(self) -> Any:
        """The EstateProcess to start in demo mode, else None."""
        return self.session.estate

    @property
    def exercise_setup(self) -> Callable[[], Awaitable[Any]] | None:
        return self.session.exercise_setup

    @property
    def connections(self) -> Any:
        """The clients every source shares (created on first use, after the environment is final)."""
        if self._connections is None:
            kube = self.model.kubernetes.context if self.model.kubernetes else None
            self._connections = self.live.connections(kube or self.config.kube_context)
        return self._connections

    async def action_quit(self) -> None:
        """Quit; but first ask, when a step is executing or a dialog holds typed text (ui/quitting.py)."""
        from cockpit.ui.quitting import quit_or_ask  # at quit time: it brings in the playbook screen

        await quit_or_ask(self)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is plain text, whoever asks (a screen's or widget's ``notify``
        lands here too): what they carry is data (an incident title, an exception, a
        scenario's inject, a path), and a ``[/]`` in it would stop the cockpit with a
        MarkupError, a ``[b]`` restyle it."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        #: Where worker failures are logged (None: the file could not be opened).
        self.log_file = open_log()
        # Full garbage collections at quiet moments (widgets/quiet_gc.py): process-wide, so the
        # app that turns them off gives them back when it ends (on_unmount).
        self.call_after_refresh(COLLECTOR.install)
        self.call_after_refresh(self.preload)
        if self.estate is not None:
            self.start_estate()
        if self.poll:  # in demo mode too: the imports overlap the estate's start-up
            self.call_after_refresh(self.load_clients)

    async def on_unmount(self) -> None:
        COLLECTOR.uninstall()
        meter = self.session.drill_meter
        if meter is not None and not self.exercise.ended:
            await meter.finish()
            await meter.record(await meter.metrics())
        if self.exercise is not None and not self.exercise.ended:
            from cockpit.exercise.control import ControlError

            try:
                await self.exercise.end("exercise ended: the cockpit was closed")  # score what the team did
            except ControlError as exc:  # the estate went away: nothing to stop; the app is closing
                log.error("ending the exercise on quit failed: %s", exc)
        if self.exercise is not None:
            await self.exercise.close()
        if self._connections is not None:
            await self._connections.close()

    @work(thread=True, exclusive=True, group="preload", exit_on_error=False,
          description="import the incident dialogs, the timeline store and the playbook screen")
    def preload(self) -> None:
        """Import what the keys open, off the event loop: a first ``i`` or playbook would
        otherwise freeze the keyboard while Python imports them (they are imported where
        used too, so nothing depends on this having finished)."""
        for name in PRELOAD:
            import_module(name)
        if not self.poll:  # nothing to wait for (panes fed by their snapshots' messages)
            self.call_from_thread(self.read_catalog_soon)

    def read_catalog_soon(self) -> None:
        """Read the palette's playbooks now, so that its first opening answers from memory.

        Called once every pane has had its first answer (``CockpitScreen``), not at start:
        reading and checking the catalog takes the CPU for a large part of a second, which
        the first refresh of the panes would otherwise share. The palette awaits this same
        read if it opens sooner."""
        from cockpit.ui.playbook.commands import read_catalog

        read_catalog(self)  # the read in flight or done, if there is one: never a second

    @work(thread=True, exclusive=True, group="clients", exit_on_error=False,
          description="import the AWS and Kubernetes client libraries")
    def load_clients(self) -> None:
        warm_imports(kubernetes=self.model.kubernetes is not None)
        self.post_message(self.ClientsLoaded())

    @on(ClientsLoaded)
    def _clients_loaded(self) -> None:
        self._clients_imported = True
        self._go_live()

    def _go_live(self) -> None:
        """Start polling once the clients are imported and, in demo mode, the estate is up."""
        if self.live_ready or not self._clients_imported or (self.estate is not None and self.estate_env is None):
            return
        self.live_ready = True
        if isinstance(self.screen, CockpitScreen):
            self.screen.start_polling()
        else:  # a modal is open: start the cockpit screen underneath
            for screen in self.screen_stack:
                if isinstance(screen, CockpitScreen):
                    screen.start_polling()

    @work(thread=True, exclusive=True, group="estate", exit_on_error=False, description="start the emulated estate")
    def start_estate(self) -> None:
        from cockpit.estate.process import EstateStartError

        try:
            env = self.estate.start()
        except EstateStartError as exc:
            self.post_message(self.EstateFailed(str(exc)))
        else:
            self.post_message(self.EstateStarted(env))

    def _cockpits(self) -> list[CockpitScreen]:
        return [s for s in self.screen_stack if isinstance(s, CockpitScreen)]

    @on(EstateStarted)
    def _estate_started(self, message: EstateStarted) -> None:
        os.environ.update(message.env)
        self.estate_env = message.env
        for screen in self._cockpits():
            screen.estate_started(message.env)
        self._go_live()
        if self.exercise_setup is not None:
            self.start_exercise()

    @work(exclusive=True, group="exercise-start", exit_on_error=False, description="start the exercise")
    async def start_exercise(self) -> None:
        """Declare the exercise incident on the running estate and follow its clock and injects."""
        assert self.exercise_setup is not None
        exercise = await self.exercise_setup()
        if exercise.mode == "drill":
            from cockpit.exercise.drill import DrillMeter

            # The meter times the cut-over and validation steps of the run the team starts,
            # and probes availability meanwhile: seed 003's DR test metrics.
            self.session.drill_meter = DrillMeter(exercise)
            self.session.run_listeners.append(self.session.drill_meter.on_event)
            self.session.run_listeners.append(self._drill_run_finished)
        self.attach_exercise(exercise)
        self.notify(f"{exercise.mode.upper()} {exercise.incident_id}: "
                    + ("nothing that writes is executed." if exercise.mode == "tabletop"
                       else "playbooks execute against the emulated estate."), timeout=10)

    def _drill_run_finished(self, event: Any) -> None:
        """An engine listener: when a drill's run ends, say how to end the drill and see its
        verdict (the drill goes on until then: the team may run another playbook)."""
        from cockpit.engine import RunFinished

        if isinstance(event, RunFinished) and self.exercise is not None and not self.exercise.ended:
            self.notify(f"The drill's run {event.status}. F9 ends the drill: it is scored and its report shown.",
                        title="Drill", timeout=30)

    @on(EstateFailed)
    def _estate_failed(self, message: EstateFailed) -> None:
        self.startup_error = self.estate_error = message.error
        for screen in self._cockpits():
            screen.estate_failed(message.error)
        self.notify("The emulated estate did not start: press e for its log, q to quit.", severity="error",
                    timeout=30)

    @work(exclusive=True, group="open-screen", exit_on_error=False, description="open a screen")
    async def open_screen(self, name: str) -> None:
        """Switch the cockpit to another screen file (read off the event loop); a broken file is reported."""
        try:
            model = await asyncio.to_thread(_find_screen, name, self.config)
        except ContentError as exc:
            self.notify(str(exc), title=f"Cannot open {name}", severity="error", timeout=10)
            return
        self.model = model
        self.session.alarms_on_screen.clear()  # another screen, other alarms
        self.sub_title = ("demo · emulated estate" if self.estate else model.name) + (" · read-only" if self.read_only else "")
        await self.show_cockpit(CockpitScreen(model, clock=self.clock))

    async def show_cockpit(self, screen: CockpitScreen) -> None:
        """Make ``screen`` the cockpit on show, in a mode of its own; the old one's mode, and
        every screen on it, goes (ui/modes.py says why not ``switch_screen``)."""
        old = self.cockpit_mode
        self._screens_opened += 1
        self.cockpit_mode = cockpit_mode(self._screens_opened)
        self.add_mode(self.cockpit_mode, lambda: screen)
        if self.current_mode == old:
            await self.switch_mode(self.cockpit_mode)
        await self.remove_mode(old)

    @on(AlarmsFetched)
    def _alarms_fetched(self, message: AlarmsFetched) -> None:
        """During an incident, alarms that fire or clear go to its timeline by themselves."""
        self.session.alarms_on_screen[message.source] = message.snapshot.items
        incident = self.current_incident
        if incident is not None and incident.status == "open" and message.snapshot.items:
            quiet = self.session.seen_quiet.setdefault(incident.id, set())
            if len(self.session.seen_quiet) > 1:  # only the incident followed now
                self.session.seen_quiet = {incident.id: quiet}
            self.log_alarm_transitions(incident, message.snapshot.items, frozenset(quiet))
            quiet.update((a.name, a.region) for a in message.snapshot.items if a.state != "ALARM")

    @work(exclusive=True, group="alarm-log", exit_on_error=False, description="log alarm transitions")
    async def log_alarm_transitions(self, incident: Any, alarms: tuple[Any, ...],
                                    seen_quiet: frozenset[tuple[str, str]] = frozenset()) -> None:
        from cockpit.timeline.alarm_log import last_logged, record_all, transitions

        timeline = await self.incident_timeline()
        # New transitions only, judged on what the timeline holds (an alarm storm is not
        # rewritten every refresh, and a firing whose time the estate re-stamps is one event).
        logged = last_logged(await timeline.call(timeline.sync.events, incident.id,
                                                 kinds=["alarm_fired", "alarm_cleared"]))
        new = transitions(incident, alarms, logged, seen_quiet)
        if new:
            await timeline.call(record_all, timeline.sync, incident.id, new)

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The App's own workers (and its mixins'): a failure is said and logged, never silent."""
        if event.state == WorkerState.ERROR:
            self.report_worker_failure(event.worker)

    @on(WorkerFailed)
    def _worker_failed(self, message: WorkerFailed) -> None:
        """A screen's or widget's worker failed (see ``ui/failures.py``)."""
        self.report_worker_failure(message.worker)

    def report_worker_failure(self, worker: Worker[Any]) -> None:
        """One line on screen (what failed and why) and the traceback in the log file; the app goes on."""
        line = log_failure(worker)
        where = f" (details in {self.log_file})" if getattr(self, "log_file", None) else ""
        self.notify(line + where, severity="error", timeout=15, markup=False)

    @on(PlaybookRequested)
    def _playbook_requested(self, message: PlaybookRequested) -> None:
        """Open the guided screen on the playbook (or reopen its unfinished run in this incident)."""
        from cockpit.ui.playbook import request_playbook

        request_playbook(self, message.playbook_id, screen_model=self.model, read_only=self.read_only,
                         extra_dirs=self.config.playbooks_dirs)

    def action_command_palette(self) -> None:
        """Textual's palette, but Enter acts only on an entry found for what was typed (ui/palette.py)."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            sources = {*self.COMMANDS, *self.screen.COMMANDS}
            self.push_screen(CockpitPalette(bound_providers(sources), id="--command-palette"))

    def action_help(self) -> None:
        """Every key of the current screen, grouped (``?``; also the palette's "Keys")."""
        from cockpit.ui.screens.keys import KeysScreen

        if not isinstance(self.screen, KeysScreen):
            self.push_screen(KeysScreen(self.screen))

    def action_show_help_panel(self) -> None:
        """The palette's "Keys" opens the help screen (which Esc closes), not Textual's side panel."""
        self.action_help()

    def has_run(self) -> bool:
        """Whether a guided playbook run exists (the footer then offers ``o``). A run can only
        exist once its module is imported, so this never imports the playbook screen."""
        start = sys.modules.get("cockpit.ui.playbook.start")
        return start is not None and start.running_screen(self) is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``o`` only while a guided run exists: the keys help (``?``) does not offer it otherwise."""
        if action == "back_to_run":
            return self.has_run()
        return super().check_action(action, parameters)  # the exercise keys' own checks

    def action_back_to_run(self) -> None:
        """Flip from the live panes back to the running playbook."""
        from cockpit.ui.playbook import flip_to_run

        flip_to_run(self)

def _find_screen(name: str, config: Config) -> ScreenModel:
    from cockpit.content.screen import find_screen

    return find_screen(name, config.screens_dirs, config.playbooks_dirs)

"""Open the Textual cockpit: on the configured estate, or on the emulated one.

The screen file is loaded (and validated) before Textual starts, so a bad ``--screen`` or a
broken screen file is one line on stderr, not a traceback in a half-drawn terminal.
Textual is imported here, inside the functions, so that only commands that open the UI
ever load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cockpit.cli.common import Settings, fail
from cockpit.content.errors import ContentError

if TYPE_CHECKING:
    from cockpit.estate.process import EstateProcess


def _screen(settings: Settings, scenario=None):
    """The screen to open: ``--screen``, else the scenario's own (its story is told on it),
    else the configured one."""
    from cockpit.content.screen import find_screen

    config = settings.config
    name = settings.screen or (scenario.screen if scenario is not None else None) or config.screen
    try:
        return find_screen(name, config.screens_dirs, config.playbooks_dirs)
    except ContentError as exc:
        fail(str(exc))


def open_cockpit(settings: Settings) -> None:
    """``cockpit`` with no command: the cockpit on the real estate (AWS/KUBECONFIG from the environment)."""
    screen = _screen(settings)
    from cockpit.ui.app import CockpitApp

    app = CockpitApp(config=settings.config, screen=screen, read_only=settings.read_only)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


def open_demo(settings: Settings, estate: EstateProcess, scenario=None) -> None:
    """``cockpit demo``: the cockpit on the estate ``cockpit demo`` has just launched.

    The first frame paints at once; a worker thread waits for the estate and the panes go
    live when it is ready. ``cockpit demo`` stops the estate when this returns or raises;
    losing the cockpit process stops it too (the estate watches its parent).
    """
    screen = _screen(settings, scenario)
    from cockpit.ui.app import CockpitApp

    app = CockpitApp(config=settings.config, screen=screen, read_only=settings.read_only, estate=estate)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
    if app.startup_error:
        fail(app.startup_error)


def open_exercise(settings: Settings, *, scenario, scenario_path, mode: str, speed: float, linger: float = 300.0,
                  commander: str | None = None) -> None:
    """``cockpit exercise SCENARIO --mode tabletop|drill``: the cockpit on the scenario's estate.

    The estate starts with the scenario (as in ``cockpit demo``); once it is up, the
    exercise incident is declared, the mode banner shows, injects arrive as banners and
    timeline events, and the facilitator's keys (F6 pause/resume, F7 next inject, F8 ad-hoc
    inject, F9 end the exercise) drive the clock. The exercise ends on F9, or by itself once the
    last inject is ``linger`` behind; it is scored, its incident resolved, and the after-action
    report shown. Quitting before that ends and scores it too.
    """
    from cockpit.content.screen import find_screen
    from cockpit.estate.process import EstateProcess
    from cockpit.exercise.session import starter

    config = settings.config
    try:
        screen = find_screen(settings.screen or scenario.screen or config.screen, config.screens_dirs,
                             config.playbooks_dirs)
    except ContentError as exc:
        fail(str(exc))

    estate = EstateProcess(scenario=str(scenario_path), speed=speed)
    estate.launch()  # before Textual loads: the two start-ups overlap

    from cockpit.ui.app import CockpitApp

    app = CockpitApp(config=config, screen=screen, read_only=settings.read_only or mode == "tabletop",
                     estate=estate, exercise_setup=starter(scenario, mode, config.db, config.actor,
                                                          commander=commander, linger=linger))
    try:
        app.run()
    finally:
        estate.stop()
    if app.startup_error:
        fail(app.startup_error)
    _say_how_it_ended(app.session.exercise, config.db)


def _say_how_it_ended(exercise, db) -> None:
    """Quitting scores an exercise still running (``CockpitApp.on_unmount``), out of sight:
    its verdict and where its report is, once the terminal is back."""
    if exercise is None or exercise.verdicts is None:
        return
    met = sum(v.met for v in exercise.verdicts)
    click.echo(f"{exercise.mode.capitalize()} {exercise.incident_id} ended: {met} of {len(exercise.verdicts)} "
               f"expectations met. Its report: cockpit --db {db} incident export {exercise.incident_id}")

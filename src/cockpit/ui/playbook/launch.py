"""From "the responder picked a playbook" to the run's screen: :func:`request_playbook`.

This is what the app calls on ``PlaybookRequested``. In a worker it finds the playbook,
takes the current incident (or asks to declare one first, with the incident package's own
dialog), and then either reopens this playbook's unfinished run in that incident (a crash
or a dropped SSH session must never start a second run) or asks for the parameters and
the mode in :class:`~cockpit.ui.playbook.start.StartDialog`, defaults from the cockpit's
screen. An unfinished run that another host's cockpit drives (a shared incident's) is not
reopened but followed, read-only, in :class:`~cockpit.ui.playbook.follow.FollowedRunScreen`;
following needs no run of this cockpit's to be finished first. Every failure ends here with
one notification; nothing is swallowed.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from textual.app import App

from cockpit.content.errors import ContentError
from cockpit.content.params import ParameterError, default_of
from cockpit.content.playbook import Playbook
from cockpit.engine.policy import Policy
from cockpit.timeline.model import Incident, Run, TimelineError
from cockpit.textsafe import sanitize
from cockpit.timeline.redact import MARK
from cockpit.ui.playbook.follow import FollowedRunScreen
from cockpit.ui.playbook.plan import RunPlan
from cockpit.ui.playbook.screen import GuidedPlaybookScreen
from cockpit.ui.playbook.start import StartDialog, _named_mode, flip_to_run, running_screen, show_run
from cockpit.ui.incident.session import feed_of, timeline_of
from cockpit.ui.session import session_of

_EXPECTED = (ContentError, TimelineError, ParameterError, sqlite3.Error, OSError)


def request_playbook(app: App[Any], playbook_id: str, *, screen_model: Any = None, read_only: bool = False,
                     extra_dirs: list[Path] | tuple[Path, ...] = ()) -> None:
    """Start (or reopen) a guided run of ``playbook_id``: wire this to ``PlaybookRequested``."""
    app.run_worker(_launch(app, playbook_id, screen_model, read_only, tuple(extra_dirs)), group="playbook-launch",
                   exclusive=True, exit_on_error=False, description=f"open playbook {playbook_id}")


async def _launch(app: App[Any], playbook_id: str, screen_model: Any, read_only: bool,
                  extra_dirs: tuple[Path, ...]) -> None:
    try:
        plan = await _plan(app, playbook_id, screen_model, read_only, extra_dirs)
    except _EXPECTED as exc:
        app.notify(str(exc), title=f"Cannot open {playbook_id}", severity="error", timeout=15)
        return
    except Exception as exc:  # the one place this worker ends: say it, then let the worker record it
        app.notify(f"{type(exc).__name__}: {exc}", title=f"Cannot open {playbook_id}", severity="error", timeout=15)
        raise
    if plan is not None:
        show_run(app, GuidedPlaybookScreen(plan, return_mode=_named_mode(app)))


async def _plan(app: App[Any], playbook_id: str, screen_model: Any, read_only: bool,
                extra_dirs: tuple[Path, ...]) -> RunPlan | None:
    from cockpit.content.playbooks import find_playbook

    current = running_screen(app)
    busy = current is not None and current.engine is not None and not current.engine.finished
    session = session_of(app)
    config = session.config
    playbook = await asyncio.to_thread(find_playbook, playbook_id, [*config.playbooks_dirs,
                                                                    *extra_dirs])
    tl = await timeline_of(app)
    # While a run of ours is in progress nothing new starts, so no incident is declared for one.
    incident = (await feed_of(app).refresh()).incident if busy else await _incident(app, tl, config)
    runs: list[Run] = await tl.call(tl.sync.runs, incident.id) if incident is not None else []
    unfinished = [r for r in runs if r.playbook_id == playbook.id and r.status == "running"]
    node = await tl.call(tl.sync.node)
    ours = [r for r in unfinished if r.node in (None, node)]
    theirs = [r for r in unfinished if r.node not in (None, node)]
    if incident is not None and theirs and not ours:  # driven on another host: follow it, never drive it
        _follow(app, tl, playbook, incident, theirs[-1])
        return None
    if busy and current is not None:
        app.notify(f"A run of {current.plan.playbook.id} is in progress: finish or abort it first.",
                   title="Playbook", severity="warning")
        flip_to_run(app)
        return None
    if incident is None:
        return None
    common: dict[str, Any] = dict(screen_model=screen_model, webhook_url=config.webhook_url,
                                  kube_context=config.kube_context)
    if ours:
        return await _reopen(app, tl, playbook, incident, ours[-1], read_only, common)
    defaults = {name: default_of(p, screen_model) for name, p in playbook.parameters.items()}
    request = await app.push_screen_wait(StartDialog(playbook, incident, defaults, screen_model=screen_model,
                                                     read_only=read_only))
    if request is None:
        return None
    return RunPlan(playbook, tl, incident.id, request.params,
                   Policy(dry_run=request.dry_run, read_only=request.read_only), listeners=_listeners(app), **common)


async def _incident(app: App[Any], tl: Any, config: Any) -> Incident | None:
    """The current incident (the one the incident panes show), or one declared now."""
    from cockpit.ui.incident.dialogs import DeclareDialog

    incident = (await feed_of(app).refresh()).incident
    if incident is not None:
        return incident
    app.notify("A run is logged to an incident: declare one first.", title="Playbook")
    suggest = session_of(app).severity_suggestion
    request = await app.push_screen_wait(DeclareDialog(config.actor or "",
                                                       suggestion=suggest() if suggest is not None else None))
    if request is None:
        app.notify("No incident declared: the playbook was not started.", title="Playbook")
        return None
    from cockpit.ui.incident.sharing import declare

    incident = await declare(app, tl, request.title, request.severity, mode=request.mode,
                             commander=request.commander)
    await feed_of(app).declared(incident)
    return incident


async def _reopen(app: App[Any], tl: Any, playbook: Playbook, incident: Incident, run: Run, read_only: bool,
                  common: dict[str, Any]) -> RunPlan | None:
    """Reopen ``run`` with its own parameters; secrets (stored redacted) are asked for again.

    The run keeps the guard it was started with (the engine reads it from the run), so a
    read-only run reopened in a cockpit that may write still writes nothing.
    """
    params = dict(run.params)
    secrets = [n for n, p in playbook.parameters.items() if p.secret and params.get(n) == MARK]
    if secrets:
        app.notify(f"Run {run.id} needs its secret parameters again: {', '.join(secrets)}.", title="Playbook")
        request = await app.push_screen_wait(StartDialog(playbook, incident, {**params, **dict.fromkeys(secrets)},
                                                         read_only=read_only))
        if request is None:
            return None
        params.update({n: request.params[n] for n in secrets})
    app.notify(f"Reopening run {run.id} of {playbook.id} in {incident.id}.", title="Playbook")
    return RunPlan(playbook, tl, incident.id, params, Policy(dry_run=run.dry_run, read_only=read_only or run.read_only), listeners=_listeners(app),
                   run_id=run.id, **common)


def _follow(app: App[Any], tl: Any, playbook: Playbook, incident: Incident, run: Run) -> None:
    """Show ``run``, which another host's cockpit drives, read-only (unless it is shown already)."""
    shown = app.screen
    if isinstance(shown, FollowedRunScreen) and shown.run_id == run.id:
        return
    app.notify(f"Run {run.id} of {playbook.id} is driven from another host, by {sanitize(run.actor)}: "
               "following it, read-only.", title="Playbook", markup=False)
    app.push_screen(FollowedRunScreen(playbook, tl, run, incident))


async def drive_taken_over(app: App[Any], tl: Any, playbook: Playbook, incident: Incident, run_id: str) -> None:
    """Open the guided screen on a run this cockpit has just taken over (``follow.py``)."""
    config = session_of(app).config
    common: dict[str, Any] = dict(screen_model=None, webhook_url=config.webhook_url, kube_context=config.kube_context)
    try:
        run = await tl.call(tl.sync.run, run_id)
        plan = await _reopen(app, tl, playbook, incident, run, False, common)
    except _EXPECTED as exc:
        app.notify(str(exc), title=f"Cannot open {playbook.id}", severity="error", timeout=15, markup=False)
        return
    if plan is not None:
        show_run(app, GuidedPlaybookScreen(plan, return_mode=_named_mode(app)))


def _listeners(app: App[Any]) -> tuple[Any, ...]:
    """Engine listeners the app asks every run to carry (the session's: a drill's meter)."""
    return tuple(session_of(app).run_listeners)

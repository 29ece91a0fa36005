"""One responder's session: what a cockpit holds besides its screens, in one typed object.

The incident widgets, the guided playbook screen, the palette and the exercise controls are
dropped into an app someone else owns (the cockpit, or a test's host app), so they cannot be
handed their collaborators one by one. They used to find them on the app itself, under
private attribute names set with ``setattr`` and read back with ``getattr(app, …, default)``;
a typo there was a silent default, and nobody could see at one place what a cockpit holds.

Now the app owns one :class:`Session` (``app.session``) and every widget asks for it with
:func:`session_of`: the settings it was started with (config, read-only, the demo estate,
the exercise), the timeline and its one incident feed, the escalation reminders, the guided
run on show, the playbook catalog the palette reads, and what the cockpit screen shares with
the incident actions (the alarms on screen, the severity they suggest, the listeners every
run carries). Objects that are opened or created on first use start as ``None`` and are set
by the one module that owns them (``incident/session.py``, ``incident/reminders.py``,
``playbook/start.py``, ``playbook/commands.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from cockpit.config import Config
    from cockpit.content.screen import Screen as ScreenModel
    from cockpit.content.playbooks import Catalog
    from cockpit.exercise.drill import DrillMeter
    from cockpit.exercise.session import Exercise
    from cockpit.sources.response import Suggestion
    from cockpit.timeline.aio import AsyncTimeline
    from cockpit.ui.incident.feed import IncidentFeed
    from cockpit.ui.incident.reminders import EscalationReminders
    from cockpit.ui.playbook.screen import GuidedPlaybookScreen


@dataclass(eq=False)
class Session:
    """What one cockpit holds for its responder (see the module docstring)."""

    #: Cockpit's settings: db path, actor, content folders, webhook, kube context.
    config: Config
    #: Nothing that writes may execute (``--read-only``): every run is read-only.
    read_only: bool = False
    #: The EstateProcess of ``cockpit demo`` (None on a real estate).
    estate: Any = None
    #: In ``cockpit exercise``: builds and starts the Exercise once the estate is up.
    exercise_setup: Callable[[], Awaitable[Any]] | None = None
    #: The screen file shown (its playbooks are the palette's and the picker's first).
    screen_model: ScreenModel | None = None
    #: A timeline a host gives (an open AsyncTimeline, or a factory of one); else one is
    #: made from ``config`` on first use.
    given_timeline: AsyncTimeline | Callable[[], AsyncTimeline] | None = None

    # -- opened or created on first use, each by its own module ---------------------------
    #: The timeline, once opened (``incident.session.timeline_of``).
    timeline: AsyncTimeline | None = None
    timeline_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The one incident feed every incident widget reads (``incident.session.feed_of``).
    feed: IncidentFeed | None = None
    #: The escalation reminders (``incident.reminders.reminders_of``).
    reminders: EscalationReminders | None = None
    #: The exercise followed, once started (``ExerciseActions.attach_exercise``), and a drill's
    #: meter of RTO/RPO (``CockpitApp.start_exercise``).
    exercise: Exercise | None = None
    drill_meter: DrillMeter | None = None
    #: The guided run shown or kept alive behind the cockpit (``playbook.start``).
    run_screen: GuidedPlaybookScreen | None = None
    #: The palette's read of the playbook catalog (in flight or done), and the last good one.
    catalog_read: asyncio.Future[Catalog] | None = None
    catalog: Catalog | None = None

    # -- shared between the cockpit screen, the incident actions and the runs -------------
    #: Engine listeners every guided run carries (a drill's meter).
    run_listeners: list[Callable[[Any], Any]] = field(default_factory=list)
    #: Each alarm source of the screen shown → its last snapshot's alarms: what a
    #: declaration logs as already firing.
    alarms_on_screen: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: The open incident followed → the alarms (name, region) this cockpit saw out of ALARM
    #: since: a firing it then sees is news whatever its stamp (``alarm_log.transitions``).
    seen_quiet: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    #: The severity the response matrices give for what fires now (the cockpit screen's).
    severity_suggestion: Callable[[], Suggestion | None] | None = None

    @property
    def rehearsal(self) -> bool:
        """On an emulated estate or running an exercise: its incidents are not real ones."""
        return self.estate is not None or self.exercise_setup is not None


class HasSession(Protocol):
    session: Session


def session_of(app: App[Any]) -> Session:
    """The app's :class:`Session`; an app that hosts cockpit widgets must own one."""
    try:
        return cast(HasSession, app).session
    except AttributeError:
        raise TypeError(f"{type(app).__name__} hosts cockpit widgets but has no `session` "
                        "(cockpit.ui.session.Session)") from None

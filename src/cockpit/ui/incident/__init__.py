"""The incident timeline in the cockpit: pane, header, full screen, dialogs, keys.

Wiring (see docs/ui-incident.md)::

    from cockpit.ui.incident import INCIDENT_BINDINGS, IncidentActions, IncidentCommands, \\
        IncidentHeader, TimelinePane

    class CockpitApp(IncidentActions, App[None]):
        BINDINGS = [..., *INCIDENT_BINDINGS]
        COMMANDS = App.COMMANDS | {IncidentCommands}
        def compose(self):
            yield IncidentHeader(id="incident-header")
            ...
            yield TimelinePane(id="timeline")

Module map: ``feed.py`` (the one poll loop and the current incident), ``session.py`` (the
app's timeline, opened once), ``pane.py``, ``header.py``, ``reminders.py`` (escalation reminders that fire), ``screen.py`` (full timeline,
filters, picker), ``form.py`` + ``dialogs.py`` (modal dialogs), ``actions.py`` (mixin,
bindings, palette), ``text.py`` (the words shown, pure functions), ``incident.tcss``.

The names below are imported on first use (PEP 562 ``__getattr__``, as ``textual.widgets``
does): the first frame needs the header and the pane, not the dialogs, the timeline screen
or the SQLite store behind them (docs/ui.md, "Start-up").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.lazy import lazy_exports

#: Public name → the module of this package that defines it.
_EXPORTS: dict[str, str] = {
    "COMMANDS": "actions", "INCIDENT_BINDINGS": "actions", "IncidentActions": "actions",
    "IncidentCommands": "actions",
    "DeclareDialog": "dialogs", "DeclareRequest": "dialogs", "EscalatedDialog": "dialogs", "NoteDialog": "dialogs", "ResolveDialog": "dialogs",
    "SeverityChange": "dialogs", "SeverityDialog": "dialogs", "StatusUpdateDialog": "dialogs",
    "FeedUpdate": "feed", "IncidentFeed": "feed",
    "IncidentHeader": "header",
    "EscalationReminders": "reminders", "reminders_of": "reminders",
    "TimelinePane": "pane",
    "EventFilter": "screen", "IncidentPicker": "screen", "TimelineScreen": "screen",
    "feed_of": "session", "timeline_of": "session",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from cockpit.ui.incident.actions import COMMANDS, INCIDENT_BINDINGS, IncidentActions, IncidentCommands
    from cockpit.ui.incident.dialogs import (
        DeclareDialog,
        DeclareRequest,
        EscalatedDialog,
        NoteDialog,
        ResolveDialog,
        SeverityChange,
        SeverityDialog,
        StatusUpdateDialog,
    )
    from cockpit.ui.incident.feed import FeedUpdate, IncidentFeed
    from cockpit.ui.incident.header import IncidentHeader
    from cockpit.ui.incident.pane import TimelinePane
    from cockpit.ui.incident.reminders import EscalationReminders, reminders_of
    from cockpit.ui.incident.screen import EventFilter, IncidentPicker, TimelineScreen
    from cockpit.ui.incident.session import feed_of, timeline_of

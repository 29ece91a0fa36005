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
app's timeline, opened once), ``pane.py``, ``header.py``, ``screen.py`` (full timeline,
filters, picker), ``form.py`` + ``dialogs.py`` (modal dialogs), ``actions.py`` (mixin,
bindings, palette), ``text.py`` (the words shown, pure functions), ``incident.tcss``.
"""

from cockpit.ui.incident.actions import COMMANDS, INCIDENT_BINDINGS, IncidentActions, IncidentCommands
from cockpit.ui.incident.dialogs import (
    DeclareDialog,
    DeclareRequest,
    NoteDialog,
    ResolveDialog,
    SeverityChange,
    SeverityDialog,
    StatusUpdateDialog,
)
from cockpit.ui.incident.feed import FeedUpdate, IncidentFeed
from cockpit.ui.incident.header import IncidentHeader
from cockpit.ui.incident.pane import TimelinePane
from cockpit.ui.incident.screen import EventFilter, IncidentPicker, TimelineScreen
from cockpit.ui.incident.session import feed_of, timeline_of

__all__ = [
    "COMMANDS", "INCIDENT_BINDINGS", "DeclareDialog", "DeclareRequest", "EventFilter", "FeedUpdate",
    "IncidentActions", "IncidentCommands", "IncidentFeed", "IncidentHeader", "IncidentPicker", "NoteDialog",
    "ResolveDialog", "SeverityChange", "SeverityDialog", "StatusUpdateDialog", "TimelinePane", "TimelineScreen",
    "feed_of", "timeline_of",
]

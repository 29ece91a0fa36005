"""The incident keys of the cockpit: a mixin for the App, its bindings and palette commands.

Usage (the whole wiring)::

    class CockpitApp(IncidentActions, App[None]):
        BINDINGS = [..., *INCIDENT_BINDINGS]
        COMMANDS = App.COMMANDS | {IncidentCommands}

The app owns a :class:`~cockpit.ui.session.Session` (``self.session``: the config with the
db path and actor, optionally a given timeline); incident/session.py opens the timeline and
the one feed from it. Dialogs only collect input; the write runs in a worker (group
``incident-write``), so a slow disk or another cockpit holding the write lock never freezes
the keyboard. After a write the feed is refreshed at once rather than at its next poll.

Keys (``INCIDENT_BINDINGS``, the one list; the palette's ``COMMANDS`` take their keys from it):
``i`` declare, ``n`` note, ``a`` acknowledge, ``M`` (shift+m) mitigated, ``S`` severity,
``u`` status update, ``P`` (shift+p) record an escalation (who was paged; ``reminders.py``),
``R`` (shift+r) resolve — capital because resolving changes everyone's header and ``r`` is
refresh — ``t`` the timeline screen, and ``E`` (shift+e) exports the postmortem. None of
q, p, r, f, /, enter, escape, ? (the cockpit's own keys).

The dialogs, the timeline screen and the timeline store are imported when a key needs
them, not with the mixin: the mixin is part of the app's first frame, they are not (the
app imports them in a thread after that frame, so a key does not wait for them either).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import ModalScreen
from textual.worker import Worker

from cockpit.config import default_actor
from cockpit.timeline.model import Incident, TimelineError
from cockpit.ui.incident.feed import IncidentFeed, load_store
from cockpit.ui.incident.session import close_timeline, feed_of, timeline_of
from cockpit.ui.session import session_of

if TYPE_CHECKING:
    from cockpit.timeline.aio import AsyncTimeline

T = TypeVar("T")

INCIDENT_BINDINGS: list[Binding] = [
    Binding("i", "incident_declare", "Declare", tooltip="Declare an incident"),
    Binding("n", "incident_note", "Note", tooltip="Add a note to the current incident"),
    Binding("a", "incident_acknowledge", "Ack", tooltip="Acknowledge the page: stops the response-time clock"),
    Binding("M", "incident_mitigate", "Mitigated", tooltip="Mark the impact mitigated (service restored; the cause may remain)"),
    Binding("S", "incident_severity", "Severity", tooltip="Change the current incident's severity"),
    Binding("u", "incident_status_update", "Update", tooltip="Post a status update"),
    Binding("P", "incident_escalated", "Paged", tooltip="Record an escalation: who was paged (ends its reminder)"),
    Binding("R", "incident_resolve", "Resolve", tooltip="Resolve the current incident"),
    Binding("t", "incident_timeline", "Timeline", tooltip="The full timeline, with filters"),
    Binding("E", "incident_export", "Export", show=False, tooltip="Write the postmortem (Markdown) to a file"),
]

#: Actions that act on the open incident: off while there is none.
NEEDS_OPEN_INCIDENT = frozenset({"incident_note", "incident_acknowledge", "incident_mitigate", "incident_severity",
                                 "incident_status_update", "incident_resolve", "incident_escalated"})

#: (palette text, action, help): the same actions as the keys; the key is added from the bindings.
_COMMANDS: list[tuple[str, str, str]] = [
    ("Incident: declare", "incident_declare", "Open an incident (title, severity, mode, commander)"),
    ("Incident: add note", "incident_note", "Add a note to the current incident's timeline"),
    ("Incident: change severity", "incident_severity", "P0–P4 with the runbooks' definitions"),
    ("Incident: post status update", "incident_status_update", "Restarts the status-update clock"),
    ("Incident: acknowledge", "incident_acknowledge", "Stops the response-time clock"),
    ("Incident: record escalation (who was paged)", "incident_escalated",
     "Ends the escalation reminder for that contact; shows in the postmortem"),
    ("Incident: mark mitigated", "incident_mitigate", "Impact stopped (the postmortem's time to mitigate)"),
    ("Incident: resolve", "incident_resolve", "Resolve the current incident"),
    ("Incident: open timeline", "incident_timeline", "The full timeline, filters, incident picker"),
    ("Incident: export postmortem", "incident_export", "Write the Markdown postmortem to a file (0600)"),
]


def _with_key(name: str, action: str, help_text: str) -> tuple[str, str, str]:
    """The palette entry, its help ending with the key the bindings give it (one source)."""
    keys = [b.key for b in INCIDENT_BINDINGS if b.action == action]
    return name, action, f"{help_text}  [{keys[0]}]" if keys else help_text


#: The incident commands of the palette: (name, action, help with the key).
COMMANDS: list[tuple[str, str, str]] = [_with_key(*command) for command in _COMMANDS]


class IncidentActions:
    """Mixin for the App: the incident actions. Expects ``self.session`` (ui/session.py);
    every method is namespaced ``incident_`` to stay out of the way."""

    # The App provides these (declared for type checkers only).
    screen: Any
    push_screen: Any
    run_worker: Any
    notify: Any

    @property
    def incident_feed(self) -> IncidentFeed:
        """The app's one feed (the current incident and its events)."""
        return feed_of(self)  # type: ignore[arg-type]

    @property
    def current_incident(self) -> Incident | None:
        return self.incident_feed.incident

    async def incident_timeline(self) -> AsyncTimeline:
        """The app's AsyncTimeline, opened on first use."""
        return await timeline_of(self)  # type: ignore[arg-type]

    async def on_unmount(self) -> None:
        await close_timeline(self)  # type: ignore[arg-type]

    # -- guards ----------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The incident keys that need an incident are off (not in the footer, not in ``?``)
        while there is none: the keys help lists what a responder can do now. Acknowledging
        is off once done; exporting also works for the incident just resolved."""
        if action in NEEDS_OPEN_INCIDENT:
            incident = self.current_incident
            if incident is None or incident.status != "open":
                return False
            done = {"incident_acknowledge": incident.acknowledged_at, "incident_mitigate": incident.mitigated_at}
            return not done.get(action)
        if action == "incident_export":
            return (self.current_incident or self.incident_feed.last_shown) is not None
        return super().check_action(action, parameters)  # type: ignore[misc]

    def _incident_busy(self) -> bool:
        """A dialog is open: its keys are its own (typing 'n' in a title is not a note)."""
        return isinstance(self.screen, ModalScreen)

    def _incident_required(self) -> Incident | None:
        incident = self.current_incident
        if incident is None:
            self.notify("No incident — press i to declare one.", severity="warning", markup=False)
        return incident

    def _alarms_firing(self) -> list[Any]:
        """The alarms in ALARM on this screen now (the session's ``alarms_on_screen``: source →
        last snapshot's items): a declaration logs them and takes detection from the first."""
        from cockpit.timeline.alarm_log import firing

        shown = session_of(self).alarms_on_screen
        return [t for items in shown.values() for t in firing(items)]

    def _incident_actor(self) -> str:
        return session_of(self).config.actor or default_actor()

    def incident_suggestion(self) -> Any:
        """The level the screen's response matrix suggests for what fires now (None: none).

        The session has a ``severity_suggestion`` when the app has live alarms; an app without
        (a test host, the timeline alone) declares without a suggestion."""
        suggest = session_of(self).severity_suggestion
        return suggest() if suggest is not None else None

    # -- the write path --------------------------------------------------------------------
    def incident_write(self, description: str, op: Callable[[AsyncTimeline], Awaitable[T]],
                       done: Callable[[T], str], *, declares: bool = False) -> Worker[None]:
        """Run ``op`` on the timeline in a worker; say ``done(result)`` or the error.
        ``declares``: ``op`` returns the incident it declared, which this cockpit then shows."""

        async def write() -> None:
            await load_store()  # on a thread, if a key came before the feed loaded it

            try:
                tl = await self.incident_timeline()
                result = await op(tl)
            except (TimelineError, sqlite3.Error) as exc:
                self.notify(str(exc), title=description, severity="error", markup=False)
                return
            feed = self.incident_feed
            await (feed.declared(result) if declares else feed.refresh())  # type: ignore[arg-type]
            self.notify(done(result), title=description, markup=False)

        return self.run_worker(write(), group="incident-write", exit_on_error=False, description=description)

    # -- actions ---------------------------------------------------------------------------
    def action_incident_declare(self) -> None:
        if self._incident_busy():
            return
        from cockpit.ui.incident.dialogs import DeclareDialog, DeclareRequest
        from cockpit.ui.incident.sharing import declare

        def declared(request: DeclareRequest | None) -> None:
            if request is not None:
                firing = self._alarms_firing()  # as the responder declares, not when the write runs
                self.incident_write(
                    "declare", lambda tl: declare(self, tl, request.title, request.severity, mode=request.mode,
                                                  commander=request.commander, firing=firing,
                                                  response_within=request.response_within,
                                                  response_because=request.response_because),
                    lambda incident: f"Declared {incident.id} ({incident.severity} {incident.mode})", declares=True)

        self.push_screen(DeclareDialog(self._incident_actor(), suggestion=self.incident_suggestion()), declared)

    def action_incident_note(self) -> None:
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        from cockpit.ui.incident.dialogs import NoteDialog, NoteRequest

        def noted(note: NoteRequest | None) -> None:
            if note:
                self.incident_write("note", lambda tl: tl.call(tl.sync.note, incident.id, note.text, kind=note.kind),
                                    lambda e: f"Note added to {incident.id}" + (f" ({note.kind})" if note.kind else ""))

        self.push_screen(NoteDialog(incident), noted)

    def action_incident_severity(self) -> None:
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        from cockpit.ui.incident.dialogs import SeverityChange, SeverityDialog

        def changed(change: SeverityChange | None) -> None:
            if change is not None:
                self.incident_write("severity", lambda tl: tl.set_severity(incident.id, change.level, change.reason),
                                    lambda e: e.message)

        self.push_screen(SeverityDialog(incident), changed)

    def action_incident_status_update(self) -> None:
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        from cockpit.ui.incident.dialogs import StatusUpdateDialog

        def posted(text: str | None) -> None:
            if text:
                self.incident_write("status update", lambda tl: tl.call(tl.sync.status_update, incident.id, text),
                                    lambda e: "Status update posted")

        self.push_screen(StatusUpdateDialog(incident, self.incident_feed.latest.events), posted)

    def action_incident_resolve(self) -> None:
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        from cockpit.ui.incident.dialogs import ResolveDialog

        from cockpit.timeline.alarm_log import still_firing

        def resolved(text: str | None) -> None:
            if text:
                self.incident_write("resolve", lambda tl: tl.resolve(incident.id, text),
                                    lambda e: f"Resolved {incident.id}")

        # The feed holds every event of the current incident, this cockpit's alarm log included.
        latest = self.incident_feed.latest
        events = latest.events if latest.incident is not None and latest.incident.id == incident.id else ()
        self.push_screen(ResolveDialog(incident, still_firing(events)), resolved)

    def incident_owed(self) -> list[str]:
        """The escalation reminders the current incident owes now (the header's evaluation)."""
        from cockpit.timeline.escalation_log import owed

        header = self._incident_header()
        incident = self.current_incident
        if header is None or incident is None or header.incident is None or header.incident.id != incident.id:
            return []
        return [p.message for p in owed(incident, header.events, header.elapsed)]

    def _incident_header(self) -> Any:
        from cockpit.ui.incident.header import IncidentHeader

        for screen in (*getattr(self, "screen_stack", ()),):
            found = screen.query(IncidentHeader)
            if found:
                return found.first()
        return None

    def action_incident_escalated(self) -> None:
        """Record who was paged: an ``escalated`` event per name, which ends that contact's
        reminder (and takes its toast down), and shows in the postmortem's timeline."""
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        from cockpit.ui.incident.dialogs import EscalatedDialog

        def recorded(text: str | None) -> None:
            names = [n.strip() for n in (text or "").split(",") if n.strip()]
            if not names:
                return

            async def write(tl: AsyncTimeline) -> list[Any]:
                return [await tl.call(tl.sync.escalate, incident.id, name) for name in names]

            # The reminder's toast goes at the next tick: the contact is no longer owed.
            self.incident_write("escalation", write, lambda events: f"Escalation recorded: {', '.join(names)}")

        self.push_screen(EscalatedDialog(incident, self.incident_owed()), recorded)

    def action_incident_acknowledge(self) -> None:
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        self.incident_write("acknowledge", lambda tl: tl.call(tl.sync.acknowledge, incident.id),
                            lambda e: f"Acknowledged {incident.id}")

    def action_incident_mitigate(self) -> None:
        """Impact has stopped (failover done, rollback served): when it did is the postmortem's
        "Mitigated", which resolving no longer invents."""
        if self._incident_busy() or (incident := self._incident_required()) is None:
            return
        self.incident_write("mitigate", lambda tl: tl.call(tl.sync.mitigate, incident.id),
                            lambda e: f"Marked {incident.id} mitigated")

    def action_incident_export(self) -> None:
        """Write the current incident's Markdown postmortem (0600) and say where.

        Right after resolving, no incident is current any more, but the one just resolved is
        the one to export: the last incident this cockpit showed is exported then."""
        if self._incident_busy():
            return
        incident = self.current_incident or self.incident_feed.last_shown
        if incident is None:
            self._incident_required()
            return
        from cockpit.exports.files import postmortem_path, write_postmortem

        path = postmortem_path(session_of(self).config.db, incident.id)

        async def write(tl: AsyncTimeline) -> Any:
            try:
                return await tl.call(write_postmortem, tl.sync, incident.id, path)
            except OSError as exc:
                raise TimelineError(f"cannot write {path}: {exc.strerror or exc}") from None

        self.incident_write("export", write, lambda written: f"Postmortem of {incident.id} written to {written}")

    def action_incident_timeline(self) -> None:
        from cockpit.ui.incident.screen import TimelineScreen

        if self._incident_busy() or isinstance(self.screen, TimelineScreen):
            return
        self.push_screen(TimelineScreen())


class IncidentCommands(Provider):
    """The incident actions in the command palette (ctrl+p)."""

    def _run(self, action: str) -> Callable[[], Awaitable[None]]:
        return partial(self.app.run_action, action)

    def _available(self) -> list[tuple[str, str, str]]:
        """The commands that would do something now (the keys' own checks): no "add note"
        without an incident, no "acknowledge" twice."""
        return [c for c in COMMANDS if self.app.check_action(c[1], ()) is not False]

    async def discover(self) -> Hits:
        for name, action, help_text in self._available():
            yield DiscoveryHit(name, self._run(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._available():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._run(action), help=help_text)

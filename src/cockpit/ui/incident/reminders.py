"""Escalation reminders that fire: one timeline event per point, a toast that stays, the bell.

Seed 002's matrix (P1: the Engineering Lead at 15 min, the CTO at 1 h…) is shown in the
header, but a responder heads-down in a failover does not read a header. So when the current
incident crosses a point by its own clock (the header's: the scenario clock in a drill), the
cockpit

1. **writes** the point's ``escalation_due`` event (``timeline/escalation_log.py``: the uid
   is derived from the incident, the point and the contact, so two cockpits on one file, or
   one restarted, write it once), and
2. **rings** when that event *arrives* through the feed — a toast that stays for
   :data:`TOAST_SECONDS` (or until clicked away) and the terminal bell; the header's
   "⚠ ESCALATE to …" prompt is what stays until the escalation is no longer owed (recorded
   with ``P``, here or in a colleague's cockpit; the incident mitigated or resolved). Textual
   has no public call to take one toast down early, and clearing them all could hide a
   worker's failure, so the toast is not the lasting reminder. Ringing
   on arrival rather than on writing means every cockpit following the incident rings once
   (the colleague's cockpit that lost the write race too), and a cockpit restarted after the
   point does not ring again for it: its feed starts from the whole timeline (a reset, not
   an arrival), and the header still says "⚠ ESCALATE to …" until it is done.

Recording the escalation (``P``: who was paged) writes an ``escalated`` event, which ends
the prompt for that contact; marking the incident mitigated or resolving it ends them all
(``escalation_log.owed`` says why). The header drives :meth:`EscalationReminders.check` once
a second and hands it every feed update (:meth:`arrived`), so there is one evaluation per
app whatever screen is on top.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from textual.app import App

from cockpit.timeline.escalation_log import DuePoint, record_due, unlogged
from cockpit.timeline.model import Event, EventKind, Incident, TimelineError
from cockpit.ui.incident.feed import FeedUpdate, load_store
from cockpit.ui.incident.session import feed_of, timeline_of
from cockpit.ui.session import session_of

log = logging.getLogger(__name__)

#: How long an escalation toast stays (seconds): long enough to be seen by someone heads-down
#: in a terminal, short enough not to stand stale long after ``P``; the header prompt stays.
TOAST_SECONDS = 120.0
TITLE = "Escalation due"



class EscalationReminders:
    """One per app (:func:`reminders_of`): writes the points that fall due, rings on arrival."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        #: uids written or being written by this cockpit (not written again each second).
        self._writing: set[str] = set()
        #: uids whose write failed and was reported (reported once, retried every second).
        self._reported: set[str] = set()
        #: Times the bell rang (what a test, or a screen reader's log, can count).
        self.rings = 0

    # -- writing ---------------------------------------------------------------------------
    def check(self, incident: Incident | None, events: Sequence[Event], elapsed: timedelta) -> None:
        """Write the ``escalation_due`` events of the points ``incident`` has reached and the
        timeline does not hold yet (cheap when there are none: called every second)."""
        if incident is None:
            return
        points = [p for p in unlogged(incident, events, elapsed) if p.uid(incident.id) not in self._writing]
        if not points:
            return
        self._writing.update(p.uid(incident.id) for p in points)
        self.app.run_worker(self._write(incident, points, elapsed), group="incident-write", exit_on_error=False,
                            description="record an escalation point")

    async def _write(self, incident: Incident, points: list[DuePoint], elapsed: timedelta) -> None:
        await load_store()
        try:
            tl = await timeline_of(self.app)
            await tl.call(record_due, tl.sync, incident, points, elapsed)
        except (TimelineError, sqlite3.Error, OSError) as exc:
            uids = {p.uid(incident.id) for p in points}
            self._writing -= uids  # retried on the next tick: the reminder must reach the timeline
            if not uids <= self._reported:
                self._reported |= uids
                log.error("escalation reminder not recorded: %s", exc)
                self.app.notify(f"{points[0].message} (not recorded: {exc})", title=TITLE, severity="error",
                                timeout=TOAST_SECONDS, markup=False)
                self.app.bell()
            return
        await feed_of(self.app).refresh()  # our own commit shows now, not at the next poll

    # -- ringing ---------------------------------------------------------------------------
    def arrived(self, update: FeedUpdate) -> None:
        """Ring for each ``escalation_due`` event of the current incident that arrived with
        this update (not one already on the timeline when the feed started or switched)."""
        if update.reset or update.incident is None:
            return
        for event in update.new_events:
            if event.kind == EventKind.ESCALATION_DUE and event.incident_id == update.incident.id:
                self.ring(event)

    def ring(self, event: Event) -> None:
        self.app.notify(event.message, title=TITLE, severity="error", timeout=TOAST_SECONDS, markup=False)
        self.rings += 1
        self.app.bell()


def reminders_of(app: App[Any]) -> EscalationReminders:
    """The app's one :class:`EscalationReminders` (created on first use)."""
    session = session_of(app)
    if session.reminders is None:
        session.reminders = EscalationReminders(app)
    return session.reminders

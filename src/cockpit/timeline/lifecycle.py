"""The incident lifecycle: declare, severity, roles, notes, status updates, alarms, resolve.

Each operation appends its event *and* updates the incident row in one transaction, so
the incident row (what ``list`` and the header show) can never disagree with the timeline.

Incident ids look like ``INC-20261123-0001``: the UTC declaration date and a per-day
counter. They sort by time as plain text, fit in a pager message, are read aloud on a
bridge call without ambiguity, and are allocated from ``MAX(id)`` under the write lock, so
two cockpits declaring at the same instant get different numbers and an imported incident
simply occupies its number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from cockpit.timeline import outbox
from cockpit.timeline.alarm_log import AlarmTransition
from cockpit.timeline.escalation_log import DuePoint
from cockpit.timeline.figures import human
from cockpit.timeline.model import NOTE_KINDS, Event, EventKind, Incident, Mode, Role, TimelineError, iso, \
    normalise_ts, note_kind, parse_ts, utc_now
from cockpit.timeline.runs import RunsMixin
from cockpit.timeline.severity import EscalationStatus, escalation_status, severity
from cockpit.timeline.store import TimelineStore


#: An alarm that had been firing for longer than this when the incident was declared is
#: logged but is not its detection: it is the standing background, not what was noticed.
DETECTION_WINDOW = timedelta(hours=24)


def _mode(value: str) -> Mode:
    try:
        return Mode(value.strip().lower())
    except ValueError:
        raise TimelineError(f"unknown mode {value!r} (expected one of {', '.join(m.value for m in Mode)})") from None


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise TimelineError(f"unknown role {value!r} (expected one of {', '.join(r.value for r in Role)})") from None


class Timeline(RunsMixin, TimelineStore):
    """The facade the CLI, the UI and the playbook engine use. Synchronous and quick (one
    small transaction per call); from an event loop use :class:`AsyncTimeline`."""

    # -- declaring ---------------------------------------------------------------------------
    def next_number(self, day: datetime | None = None) -> int:
        """One past this file's last incident number of ``day`` (today, UTC)."""
        return int(self._next_id(day or utc_now()).rsplit("-", 1)[1])

    def _next_id(self, declared: datetime) -> str:
        prefix = f"INC-{declared:%Y%m%d}-"
        row = self.conn.execute("SELECT MAX(id) FROM incidents WHERE id LIKE ?", (prefix + "%",)).fetchone()
        number = int(row[0].rsplit("-", 1)[1]) + 1 if row and row[0] else 1
        return f"{prefix}{number:04d}"

    def declare(self, title: str, level: str, *, mode: str = "incident", commander: str | None = None,
                detected_at: datetime | str | None = None, uid: str | None = None,
                firing: Sequence[AlarmTransition] = (), response_within: float | None = None,
                response_because: str | None = None, number: int | None = None) -> Incident:
        """Open an incident. With ``uid`` (e.g. a pager's alert id) a retried declare returns
        the incident the first call created instead of declaring a second one.

        ``number``: today's number to give it (the share reserved it across hosts,
        ``share/declare.py``), instead of one past this file's last; refused if this file
        already holds it.

        ``firing``: the alarms in ALARM on the responder's screen as they declare. Each is
        logged with its real fired-at time in the same transaction, and the first one that
        fired within :data:`DETECTION_WINDOW` before the declaration is the detection: the
        alarm, not the person typing, is when the organisation knew.

        ``response_within`` (seconds): the response time of the screen's alert matrix row that
        held as the responder declared (``response_because`` names it), which the response
        clock then holds the incident to instead of the level's target."""
        sev = severity(level)
        mode_ = _mode(mode)
        title = self.redactor.text(title.strip())
        if not title:
            raise TimelineError("an incident needs a title")
        now = utc_now()
        declared = iso(now)
        detected = normalise_ts(detected_at) if detected_at is not None else declared
        if detected > declared:
            raise TimelineError(f"detected-at {detected} is later than now ({declared})")
        firing = [a for a in firing if a.transition == "fired" and a.at <= now]
        recent = [iso(a.at) for a in firing if now - a.at <= DETECTION_WINDOW]
        if detected_at is None and recent:
            detected = min(recent)
        commander = self.redactor.text(commander.strip()) if commander else None
        target = None
        if response_within is not None:
            if not 0 < response_within <= 30 * 86400:
                raise TimelineError(f"a response target of {response_within} s is not between 1 s and 30 days")
            target = int(response_within)
        because = self.redactor.text(response_because) if response_because else None
        with self.transaction() as conn:
            if uid is not None and (earlier := self.event(uid)) is not None:
                return self.incident(earlier.incident_id)
            incident_id = self._next_id(now) if number is None else f"INC-{now:%Y%m%d}-{number:04d}"
            if number is not None and (not 0 < number <= 9999 or self._row(
                    "SELECT 1 FROM incidents WHERE id = ?", (incident_id,)) is not None):
                raise TimelineError(f"{incident_id} cannot be declared here: the number is taken or out of range")
            row = {"title": title, "severity": sev.level, "mode": mode_.value, "status": "open",
                   "commander": commander, "detected_at": detected, "declared_at": declared,
                   "next_update_due": iso(now + sev.update_every) if sev.update_every else None,
                   "updated_at": declared, "created_by": self.actor, "response_target_seconds": target}
            conn.execute(f"INSERT INTO incidents (id, {', '.join(row)}) VALUES (?{', ?' * len(row)})",
                         (incident_id, *row.values()))
            data = {"title": title, "severity": sev.level, "mode": mode_.value, "commander": commander,
                    "detected_at": detected, "set": row}
            if target is not None:
                data.update(response_target_seconds=target, response_because=because)
            self._append(incident_id, EventKind.DECLARED, f"Declared {sev.level} {mode_.value}: {title}",
                         data, uid=uid, ts=declared)
            for alarm in firing:
                self.record_alarm_transition(incident_id, alarm.alarm, "fired", alarm.at, **alarm.as_kwargs())
        return self.incident(incident_id)

    # -- changing the incident ---------------------------------------------------------------
    def _update(self, incident_id: str, kind: EventKind, message: str, data: dict[str, Any],
                fields: dict[str, Any], *, uid: str | None = None, ts: str | None = None) -> Event:
        """Append and update the incident row together; a duplicate uid changes nothing. The
        event carries what it set (``data["set"]``): a host that receives it sets the same
        (``project.py``)."""
        fields = {**fields, "updated_at": iso(utc_now())}
        with self.transaction() as conn:
            event, inserted = self._append(incident_id, kind, message, {**data, "set": fields}, uid=uid, ts=ts)
            if inserted:
                conn.execute(f"UPDATE incidents SET {', '.join(f'{k} = ?' for k in fields)} WHERE id = ?",
                             (*fields.values(), event.incident_id))
        return event

    def set_severity(self, incident_id: str, level: str, reason: str | None = None, *, uid: str | None = None) -> Event:
        incident, sev = self.incident(incident_id), severity(level)
        if sev.level == incident.severity:
            raise TimelineError(f"{incident.id} is already {sev.level}")
        due = iso(utc_now() + sev.update_every) if sev.update_every else None
        if due and incident.next_update_due and incident.next_update_due < due:
            due = incident.next_update_due  # a sooner reminder already set stays
        message = f"Severity {incident.severity} → {sev.level}" + (f": {reason}" if reason else "")
        return self._update(incident.id, EventKind.SEVERITY_CHANGED, message,
                            {"from": incident.severity, "to": sev.level, "reason": reason},
                            {"severity": sev.level, "next_update_due": due}, uid=uid)

    def assign_role(self, incident_id: str, role: str, name: str, *, uid: str | None = None) -> Event:
        role_, name = _role(role), self.redactor.text(name.strip())
        if not name:
            raise TimelineError(f"{role_.value} needs a name")
        return self._update(incident_id, EventKind.ROLE_ASSIGNED, f"{role_.value.capitalize()}: {name}",
                            {"role": role_.value, "name": name}, {role_.value: name}, uid=uid)

    def note(self, incident_id: str, text: str, data: dict[str, Any] | None = None, *, kind: str | None = None,
             uid: str | None = None) -> Event:
        """A note; ``kind`` (see :data:`NOTE_KINDS`) files it under a postmortem section."""
        if not text.strip():
            raise TimelineError("a note needs text")
        if kind:
            data = {**(data or {}), "kind": note_kind(kind)}
        return self.append(incident_id, EventKind.NOTE, text.strip(), data, uid=uid)

    def status_update(self, incident_id: str, text: str, *, next_update_in: timedelta | None = None,
                      uid: str | None = None) -> Event:
        """A status update restarts the "next update due" clock (seed 000: every 15 min for P1)."""
        incident = self.incident(incident_id)
        if not text.strip():
            raise TimelineError("a status update needs text")
        every = next_update_in or severity(incident.severity).update_every
        due = iso(utc_now() + every) if every else None
        return self._update(incident.id, EventKind.STATUS_UPDATE, text.strip(), {"next_update_due": due},
                            {"next_update_due": due}, uid=uid)

    def acknowledge(self, incident_id: str, text: str = "Acknowledged", *, uid: str | None = None) -> Event:
        incident = self.incident(incident_id)
        now = iso(utc_now())
        return self._update(incident.id, EventKind.ACKNOWLEDGED, text, {},
                            {"acknowledged_at": incident.acknowledged_at or now}, uid=uid, ts=now)

    def mitigate(self, incident_id: str, text: str = "Mitigated", *, uid: str | None = None) -> Event:
        incident = self.incident(incident_id)
        now = iso(utc_now())
        return self._update(incident.id, EventKind.MITIGATED, text, {},
                            {"mitigated_at": incident.mitigated_at or now}, uid=uid, ts=now)

    def escalate(self, incident_id: str, to: str, text: str | None = None, *, uid: str | None = None) -> Event:
        """The escalation done: ``to`` was paged. It ends the reminders for that contact
        (``escalation_log.owed``)."""
        to = self.redactor.text(to.strip())
        if not to:
            raise TimelineError("say who was paged")
        return self.append(incident_id, EventKind.ESCALATED, text or f"Escalated to {to}", {"to": to}, uid=uid)

    def record_escalation_due(self, incident_id: str, point: DuePoint, elapsed: timedelta) -> Event:
        """An escalation point reached (seed 002's matrix). Idempotent per (incident, point,
        contact): every cockpit following the incident may call it; one event results."""
        return self.append(incident_id, EventKind.ESCALATION_DUE, point.message, point.data(elapsed),
                           uid=point.uid(incident_id))

    def resolve(self, incident_id: str, text: str = "Resolved", *, uid: str | None = None) -> Event:
        incident = self.incident(incident_id)
        if incident.status == "resolved" and uid is None:
            raise TimelineError(f"{incident.id} is already resolved")
        now = iso(utc_now())
        return self._update(incident.id, EventKind.RESOLVED, text, {},
                            {"status": "resolved", "resolved_at": now, "next_update_due": None},
                            uid=uid, ts=now)

    def reopen(self, incident_id: str, reason: str = "Reopened", *, uid: str | None = None) -> Event:
        incident = self.incident(incident_id)
        if incident.status != "resolved" and uid is None:
            raise TimelineError(f"{incident.id} is not resolved")
        every = severity(incident.severity).update_every
        return self._update(incident.id, EventKind.REOPENED, reason, {"was_resolved_at": incident.resolved_at},
                            {"status": "open", "resolved_at": None,
                             "next_update_due": iso(utc_now() + every) if every else None}, uid=uid)

    # -- sharing -------------------------------------------------------------------------
    def is_shared(self, incident_id: str) -> bool:
        """Whether the incident is in the share (shared from here, or followed from another host)."""
        return outbox.is_shared(self.conn, self.incident(incident_id).id)

    def share(self, incident_id: str) -> Event:
        """Share an incident with the hosts of the share: its whole history is queued for the
        shared log in timeline order, then a ``shared`` event carrying the incident as it
        stands, from which every host builds its row. From now on each of its events is queued
        in the transaction that commits it (``outbox.py``)."""
        with self.transaction() as conn:
            incident = self.incident(incident_id)
            if outbox.is_shared(conn, incident.id):
                raise TimelineError(f"{incident.id} is already shared")
            conn.execute("INSERT INTO share_incidents (incident_id, state, since) VALUES (?, 'shared', ?)",
                         (incident.id, iso(utc_now())))
            conn.execute("INSERT INTO share_outbox (seq, pk) SELECT seq, ? FROM event_order WHERE incident_id = ? "
                         "ORDER BY hlc, seq", (outbox.incident_pk(incident.id), incident.id))
            row = {k: v for k, v in incident.to_json().items() if k != "id"}
            event, _ = self._append(incident.id, EventKind.SHARED, f"Shared {incident.id}", {"set": row})
        return event

    # -- facts recorded by panes, the engine and drills --------------------------------------
    def record_alarm_transition(self, incident_id: str, alarm: str, transition: str, at: datetime | str, *,
                                region: str | None = None, state: str | None = None, reason: str | None = None,
                                alarm_severity: str | None = None, ordinal: int | None = None) -> Event:
        """Log an alarm that fired or cleared. Idempotent per (incident, region, alarm,
        transition, ordinal) when ``ordinal`` (the n-th transition of this alarm on the
        timeline, ``alarm_log.transitions``) is given, else per time: every cockpit watching the
        same alarm may call it; one event results, even when they read its time at different
        moments from an estate whose times move (``--speed``)."""
        if transition not in ("fired", "cleared"):
            raise TimelineError(f"alarm transition must be 'fired' or 'cleared', not {transition!r}")
        when = normalise_ts(at)
        which = f"#{ordinal}" if ordinal is not None else when
        key = "|".join((incident_id.strip().upper(), region or "", alarm, transition, which))
        uid = "alarm-" + hashlib.sha256(key.encode()).hexdigest()[:32]
        kind = EventKind.ALARM_FIRED if transition == "fired" else EventKind.ALARM_CLEARED
        where = f" ({region})" if region else ""
        message = f"Alarm {alarm}{where} {transition}" + (f": {reason}" if reason else "")
        return self.append(incident_id, kind, message, {"alarm": alarm, "region": region, "state": state,
                                                        "reason": reason, "severity": alarm_severity},
                           uid=uid, ts=when)

    def record_metric(self, incident_id: str, name: str, value: float, *, target: float | None = None,
                      unit: str | None = None, better: str = "lower", uid: str | None = None,
                      title: str | None = None, source: dict[str, Any] | None = None) -> Event:
        """A measured figure (RTO, RPO, failover time…) against its target, for the reports.
        ``title`` says what it is; ``source`` where it came from (a playbook measure: run, step)."""
        if better not in ("lower", "higher"):
            raise TimelineError("better must be 'lower' or 'higher'")
        def shown(v: float) -> str:  # seconds read as a duration: "25m 00s", not "1500 s"
            return human(timedelta(seconds=v)) if unit == "s" else f"{v:g}{' ' + unit if unit else ''}"

        message = f"{title or name}: {shown(value)}" + (f" (target {shown(target)})" if target is not None else "")
        data = {"name": name, "value": value, "target": target, "unit": unit, "better": better}
        if title:
            data["title"] = title
        if source:
            data["source"] = source
        return self.append(incident_id, EventKind.METRIC, message, data, uid=uid)

    def action_item(self, incident_id: str, text: str, owner: str, *, due: str | None = None,
                    uid: str | None = None) -> Event:
        return self.append(incident_id, EventKind.ACTION_ITEM, text, {"owner": owner, "due": due}, uid=uid)

    def approval(self, incident_id: str, approver: str, subject: str, *, decision: str = "approved",
                 reason: str | None = None, run_id: str | None = None, step_id: str | None = None,
                 uid: str | None = None) -> Event:
        """An approval asked for: approved, or ``decision="rejected"`` with who said no and ``reason``."""
        why = f": {reason}" if reason else ""
        data = {"approver": approver, "subject": subject, "decision": decision, "run_id": run_id, "step_id": step_id}
        if reason:
            data["reason"] = reason
        return self.append(incident_id, EventKind.APPROVAL, f"{subject}: {decision} by {approver}{why}", data,
                           uid=uid)

    # -- what is due -------------------------------------------------------------------------
    def update_overdue(self, incident: Incident, now: datetime | None = None) -> timedelta | None:
        """How late the next status update is (None: not due yet, or no cadence)."""
        if incident.status != "open" or not incident.next_update_due:
            return None
        late = (now or utc_now()) - parse_ts(incident.next_update_due)
        return late if late > timedelta(0) else None

    def escalation(self, incident: Incident, now: datetime | None = None) -> EscalationStatus:
        elapsed = (now or utc_now()) - parse_ts(incident.detected_at)
        return escalation_status(incident.severity, elapsed, incident.acknowledged_at is not None,
                                 _target(incident))


def _target(incident: Incident) -> timedelta | None:
    """The alert matrix's response time the incident was declared with, if any."""
    seconds = incident.response_target_seconds
    return timedelta(seconds=seconds) if seconds else None

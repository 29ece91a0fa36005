"""Alarms that fire or clear during an incident are logged once, whoever is watching."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cockpit.timeline import Timeline
from cockpit.timeline.alarm_log import last_logged, transitions


@dataclass(frozen=True)
class Alarm:
    name: str
    state: str
    updated_at: datetime
    region: str = "eu-west-1"
    reason: str = "Threshold Crossed"
    severity: str = "critical"


def record(tl: Timeline, incident_id: str, alarms, seen_quiet=()) -> None:
    incident = tl.incident(incident_id)
    for t in transitions(incident, alarms, last_logged(tl.events(incident_id)), seen_quiet):
        tl.record_alarm_transition(incident_id, t.alarm, t.transition, t.at, **t.as_kwargs())


def test_only_what_happens_during_the_incident_is_logged_and_only_once(tmp_path: Path):
    now = datetime.now(timezone.utc)
    with Timeline(tmp_path / "t.db", actor="a@host") as tl:
        incident = tl.declare("S3 5xx", "P1", detected_at=now - timedelta(minutes=10))
        before = Alarm("greenlang-s3-4xx-errors-warning", "ALARM", now - timedelta(minutes=30))  # old news
        fired = Alarm("greenlang-s3-5xx-errors-critical", "ALARM", now - timedelta(minutes=5))
        quiet = Alarm("S3-Replication-Lag-Critical", "OK", now - timedelta(minutes=2))  # never fired
        for _ in range(3):  # three refreshes, and a second cockpit doing the same
            record(tl, incident.id, [before, fired, quiet])
        with Timeline(tmp_path / "t.db", actor="b@host") as other:
            record(other, incident.id, [before, fired, quiet])
        cleared = Alarm("greenlang-s3-5xx-errors-critical", "OK", now - timedelta(minutes=1))
        record(tl, incident.id, [before, cleared, quiet])
        record(tl, incident.id, [before, cleared, quiet])
        events = [e for e in tl.events(incident.id) if e.kind.startswith("alarm_")]
    assert [(e.kind, e.data["alarm"]) for e in events] == [
        ("alarm_fired", "greenlang-s3-5xx-errors-critical"),
        ("alarm_cleared", "greenlang-s3-5xx-errors-critical"),
    ]


def test_nothing_is_logged_for_a_resolved_incident(tmp_path: Path):
    now = datetime.now(timezone.utc)
    with Timeline(tmp_path / "t.db") as tl:
        incident = tl.declare("done", "P2", detected_at=now - timedelta(minutes=10))
        tl.resolve(incident.id)
        record(tl, incident.id, [Alarm("x", "ALARM", now)])
        assert not [e for e in tl.events(incident.id) if e.kind.startswith("alarm_")]


def test_a_firing_whose_time_is_restamped_is_logged_once_and_its_clearing_too(tmp_path: Path):
    """The emulated estate at --speed 30 stamps times so that ages are scenario ages: the same
    firing reads 29 s earlier every second, and its clearing may read earlier than the firing
    did when it was logged. One firing, one clearing, however often the cockpit refreshes."""
    now = datetime.now(timezone.utc)
    with Timeline(tmp_path / "t.db", actor="a@host") as tl:
        incident = tl.declare("S3 5xx", "P1", detected_at=now - timedelta(minutes=10))
        for refresh in range(3):
            restamped = now - timedelta(minutes=2) - refresh * timedelta(seconds=29)
            record(tl, incident.id, [Alarm("greenlang-s3-5xx-errors-critical", "ALARM", restamped)])
        for refresh in range(2):
            record(tl, incident.id, [Alarm("greenlang-s3-5xx-errors-critical", "OK",
                                           now - timedelta(minutes=4) - refresh * timedelta(seconds=29))])
        events = [e for e in tl.events(incident.id) if e.kind.startswith("alarm_")]
    assert [(e.kind, e.data["alarm"]) for e in events] == [
        ("alarm_fired", "greenlang-s3-5xx-errors-critical"),
        ("alarm_cleared", "greenlang-s3-5xx-errors-critical"),
    ]


def test_a_firing_the_cockpit_saw_happen_is_logged_though_its_stamp_reads_before_detection(tmp_path: Path):
    """At --speed 30 the estate stamps a firing seen a second late 30 s in the past: one that
    came soon after the declaration read as older than the incident and was never logged.
    An alarm this cockpit saw out of ALARM while the incident was open is news when it
    fires; one firing since before the incident, never seen quiet, is still old news."""
    now = datetime.now(timezone.utc)
    with Timeline(tmp_path / "t.db", actor="a@host") as tl:
        incident = tl.declare("S3 5xx", "P1", detected_at=now)
        aged = now - timedelta(seconds=30)  # fired after the declaration, stamped before it
        record(tl, incident.id, [Alarm("greenlang-s3-5xx-errors-critical", "ALARM", aged),
                                 Alarm("greenlang-s3-4xx-errors-warning", "ALARM", aged)],
               seen_quiet={("greenlang-s3-5xx-errors-critical", "eu-west-1")})
        events = [(e.kind, e.data["alarm"], e.ts) for e in tl.events(incident.id) if e.kind.startswith("alarm_")]
    assert [(kind, alarm) for kind, alarm, _ in events] == [("alarm_fired", "greenlang-s3-5xx-errors-critical")]

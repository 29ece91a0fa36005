"""Escalation points on the timeline: seed 002's matrix, one event per point, owed until done.

Real SQLite files; two connections stand for two cockpits sharing one file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cockpit.exercise.clock import Checkpoint, incident_elapsed
from cockpit.timeline import Timeline
from cockpit.timeline.escalation_log import owed, record_due, unlogged
from cockpit.timeline.model import EventKind, parse_ts, utc_now
from cockpit.timeline.severity import SEVERITIES

M = timedelta(minutes=1)


def test_the_matrix_is_seed_002s():
    """Seed 002 "Escalation Matrix": P0 Incident Commander / CTO, P1 Engineering Lead / CTO,
    P2 Engineering Lead / -, P3 - / -."""
    matrix = {level: [(int(e.after / M), e.to) for e in sev.escalations] for level, sev in SEVERITIES.items()}
    assert matrix == {"P0": [(15, "Incident Commander"), (60, "CTO")], "P1": [(15, "Engineering Lead"), (60, "CTO")],
                      "P2": [(15, "Engineering Lead")], "P3": [], "P4": []}


def test_two_cockpits_reading_before_either_writes_log_one_event(db_path: Path):
    with Timeline(db_path, actor="a@one") as one, Timeline(db_path, actor="b@two") as two:
        incident = one.declare("Payments down", "P1", detected_at=utc_now() - 16 * M)
        # Both evaluate on what they read (nothing logged yet), a different elapsed each.
        seen_one = unlogged(one.incident(incident.id), one.events(incident.id), 15 * M + timedelta(seconds=1))
        seen_two = unlogged(two.incident(incident.id), two.events(incident.id), 15 * M + timedelta(seconds=40))
        assert [p.to for p in seen_one] == [p.to for p in seen_two] == ["Engineering Lead"]
        record_due(one, one.incident(incident.id), seen_one, 15 * M + timedelta(seconds=1))
        record_due(two, two.incident(incident.id), seen_two, 15 * M + timedelta(seconds=40))
        due = one.events(incident.id, kinds=[EventKind.ESCALATION_DUE])
        assert [e.message for e in due] == ["P1 open 15 min: escalate to the Engineering Lead"]
        # Read again, nothing is left to log at 15 min; at 1 h the CTO is.
        assert unlogged(two.incident(incident.id), two.events(incident.id), 20 * M) == []
        assert [p.message for p in unlogged(two.incident(incident.id), two.events(incident.id), 61 * M)] == [
            "P1 open 1 h: escalate to the CTO"]


def test_severity_changes_re_evaluate(tl: Timeline):
    incident = tl.declare("Replication failing", "P2", detected_at=utc_now() - 70 * M)
    assert [p.to for p in owed(incident, tl.events(incident.id), 70 * M)] == ["Engineering Lead"]  # no 1 h for P2
    record_due(tl, incident, owed(incident, tl.events(incident.id), 70 * M), 70 * M)
    tl.set_severity(incident.id, "P1", "customers see errors")
    raised = tl.incident(incident.id)
    # The Engineering Lead's 15 min point is the same point (already logged); the CTO's is new.
    assert [p.to for p in unlogged(raised, tl.events(incident.id), 70 * M)] == ["CTO"]
    tl.set_severity(incident.id, "P3", "contained")
    assert owed(tl.incident(incident.id), tl.events(incident.id), 70 * M) == []  # P3: create a ticket


def test_recorded_escalation_mitigation_and_resolution_end_what_is_owed(tl: Timeline):
    incident = tl.declare("Payments down", "P0", detected_at=utc_now() - 61 * M)
    assert [p.to for p in owed(incident, tl.events(incident.id), 61 * M)] == ["Incident Commander", "CTO"]
    tl.escalate(incident.id, "incident commander")  # who was paged, however typed
    assert [p.to for p in owed(incident, tl.events(incident.id), 61 * M)] == ["CTO"]
    tl.mitigate(incident.id)
    assert owed(tl.incident(incident.id), tl.events(incident.id), 61 * M) == []
    other = tl.declare("Auth down", "P1", detected_at=utc_now() - 20 * M)
    tl.resolve(other.id, "fixed")
    assert owed(tl.incident(other.id), tl.events(other.id), 20 * M) == []


def test_a_drill_runs_on_the_scenario_clock(tl: Timeline):
    """A drill at ×30: 31 wall seconds after detection are 15m30s of the incident's time,
    so its 15 min point is due (the wall clock would say 31 s)."""
    incident = tl.declare("Drill: eu-west-1 storage outage", "P1", mode="drill")
    detected = parse_ts(incident.detected_at)
    start = Checkpoint(wall=detected.timestamp(), at=0.0, speed=30.0, paused=False)
    tl.append(incident.id, EventKind.INJECT, "Drill exercise started", {"exercise": "start", "clock": start.as_dict()})
    now = detected + timedelta(seconds=31)
    elapsed = incident_elapsed(incident, tl.events(incident.id), now)
    assert elapsed == timedelta(minutes=15, seconds=30)
    assert [p.message for p in unlogged(incident, tl.events(incident.id), elapsed)] == [
        "P1 open 15 min: escalate to the Engineering Lead"]
    real = tl.declare("Payments down", "P1")
    assert incident_elapsed(real, tl.events(real.id), parse_ts(real.detected_at) + timedelta(seconds=31)) == \
        timedelta(seconds=31)

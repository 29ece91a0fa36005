"""The incident lifecycle as a responder and the engine use it, on a real file."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.timeline import EventKind, StepState, Timeline, TimelineError, UnknownIncident
from cockpit.timeline.model import parse_ts, utc_now


def test_declare_gives_sortable_daily_ids_and_records_who_and_when(tl: Timeline) -> None:
    first = tl.declare("S3 5xx in eu-west-1", "p1", mode="drill", commander="alice",
                       detected_at="2026-01-05T09:58:00Z")
    second = tl.declare("Replication lag", "P2")
    assert re.fullmatch(r"INC-\d{8}-0001", first.id) and second.id == first.id[:-4] + "0002"
    assert (first.severity, first.mode, first.commander, first.status) == ("P1", "drill", "alice", "open")
    assert first.detected_at == "2026-01-05T09:58:00.000Z" < first.declared_at
    [declared] = tl.events(first.id)
    assert declared.kind == "declared" and declared.actor == "alice@bastion"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", declared.ts)
    assert [i.id for i in tl.incidents()] == [second.id, first.id]


def test_declare_rejects_bad_input_with_clear_messages(tl: Timeline) -> None:
    with pytest.raises(TimelineError, match="unknown severity 'P9'"):
        tl.declare("x", "P9")
    with pytest.raises(TimelineError, match="unknown mode"):
        tl.declare("x", "P1", mode="rehearsal")
    with pytest.raises(TimelineError, match="later than now"):
        tl.declare("x", "P1", detected_at=utc_now() + timedelta(hours=1))
    with pytest.raises(TimelineError, match="no time zone"):
        tl.declare("x", "P1", detected_at="2026-01-05T09:58:00")
    with pytest.raises(UnknownIncident):
        tl.note("INC-20000101-0001", "hello")
    assert tl.incidents() == []


def test_declare_with_uid_is_idempotent_for_retrying_pager_hooks(tl: Timeline) -> None:
    a = tl.declare("Pager alert 42", "P1", uid="pd-42")
    b = tl.declare("Pager alert 42", "P1", uid="pd-42")
    assert a.id == b.id and len(tl.incidents()) == 1


def test_severity_roles_status_and_update_reminder(tl: Timeline) -> None:
    inc = tl.declare("API down", "P2")
    assert parse_ts(inc.next_update_due) - parse_ts(inc.declared_at) == timedelta(hours=1)
    tl.set_severity(inc.id, "P1", "customers affected")
    tl.assign_role(inc.id, "scribe", "carol")
    tl.assign_role(inc.id, "communications", "dave")
    with pytest.raises(TimelineError, match="unknown role"):
        tl.assign_role(inc.id, "pilot", "x")
    with pytest.raises(TimelineError, match="already P1"):
        tl.set_severity(inc.id, "P1")
    tl.status_update(inc.id, "Mitigation in progress")
    inc = tl.incident(inc.id)
    assert (inc.severity, inc.scribe, inc.communications) == ("P1", "carol", "dave")
    # seed 000: P1 posts updates every 15 minutes.
    due = parse_ts(inc.next_update_due)
    assert timedelta(minutes=14) < due - utc_now() <= timedelta(minutes=15)
    assert tl.update_overdue(inc) is None
    assert tl.update_overdue(inc, now=due + timedelta(minutes=3)) == timedelta(minutes=3)
    kinds = [e.kind for e in tl.events(inc.id)]
    assert kinds == ["declared", "severity_changed", "role_assigned", "role_assigned", "status_update"]


def test_escalation_follows_the_matrices(tl: Timeline) -> None:
    inc = tl.declare("Outage", "P0", detected_at=utc_now() - timedelta(minutes=20))
    status = tl.escalation(inc)
    assert status.response_overdue  # P0: immediate
    assert [e.to for e in status.due] == ["Incident Commander"] and status.next.to == "CTO"
    assert status.ladder.level == "L2"  # seed 003: 15-30 min → Platform Lead
    tl.acknowledge(inc.id)
    assert not tl.escalation(tl.incident(inc.id)).response_overdue


def test_resolve_and_reopen(tl: Timeline) -> None:
    inc = tl.declare("Disk full", "P3")
    tl.resolve(inc.id, "Cleaned up")
    resolved = tl.incident(inc.id)
    assert resolved.status == "resolved" and resolved.resolved_at and resolved.next_update_due is None
    with pytest.raises(TimelineError, match="already resolved"):
        tl.resolve(inc.id)
    tl.reopen(inc.id, "Filled again")
    assert tl.incident(inc.id).status == "open" and tl.incident(inc.id).resolved_at is None
    assert [i.id for i in tl.open_incidents()] == [inc.id]


def test_retried_append_with_the_same_uid_is_written_once(tl: Timeline) -> None:
    inc = tl.declare("x", "P2")
    first = tl.append(inc.id, EventKind.NOTE, "once", uid="client-1")
    again = tl.append(inc.id, EventKind.NOTE, "once", uid="client-1")
    assert first == again and len(tl.events(inc.id, kinds=["note"])) == 1
    with pytest.raises(TimelineError, match="unknown event kind"):
        tl.append(inc.id, "gossip", "x")


def test_alarm_transitions_from_two_cockpits_are_logged_once(tl: Timeline, db_path: Path) -> None:
    inc = tl.declare("5xx", "P1")
    at = "2026-01-05T10:00:00Z"
    with Timeline(db_path, actor="bob@other") as other:
        for cockpit in (tl, other):
            cockpit.record_alarm_transition(inc.id, "greenlang-s3-5xx-errors", "fired", at, region="eu-west-1",
                                            reason="Threshold Crossed")
        other.record_alarm_transition(inc.id, "greenlang-s3-5xx-errors", "cleared", "2026-01-05T10:20:00Z",
                                      region="eu-west-1")
    alarms = tl.events(inc.id, kinds=["alarm_fired", "alarm_cleared"])
    assert [(e.kind, e.ts) for e in alarms] == [("alarm_fired", "2026-01-05T10:00:00.000Z"),
                                                ("alarm_cleared", "2026-01-05T10:20:00.000Z")]
    assert alarms[0].data["region"] == "eu-west-1"


def test_events_are_append_only_in_the_file_itself(tl: Timeline, db_path: Path) -> None:
    inc = tl.declare("x", "P2")
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET message = 'rewritten'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM events")
    conn.close()
    assert tl.events(inc.id)[0].kind == "declared"


def test_file_and_its_wal_are_private_and_in_wal_mode(tl: Timeline, db_path: Path) -> None:
    tl.declare("x", "P2")
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(str(db_path) + suffix).st_mode)
        assert mode == 0o600, (suffix, oct(mode))
    assert tl.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert tl.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert tl.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_runs_and_step_states_for_the_engine(tl: Timeline) -> None:
    inc = tl.declare("Failover drill", "P1", mode="drill")
    run_id = tl.create_run(inc.id, "s3-dr-failover", {"primary_region": "eu-west-1"}, "drill", False)
    tl.set_step_state(run_id, "pre-checks", "pending", log=False)
    tl.set_step_state(run_id, "dr-configmap", "pending", log=False)
    tl.set_step_state(run_id, "pre-checks", StepState.RUNNING)
    tl.set_step_state(run_id, "pre-checks", StepState.SUCCEEDED, outputs={"replica_ok": True})
    tl.set_step_state(run_id, "dr-configmap", StepState.RUNNING)
    tl.set_step_state(run_id, "dr-configmap", StepState.FAILED, attempt=1, error="timeout")
    tl.finish_run(run_id, "failed")
    steps = tl.step_states(run_id)
    assert [(s.step_id, s.state) for s in steps] == [("pre-checks", "succeeded"), ("dr-configmap", "failed")]
    assert steps[0].outputs == {"replica_ok": True} and steps[0].started_at <= steps[0].finished_at
    assert steps[1].error == "timeout"
    [run] = tl.runs(inc.id)
    assert (run.status, run.mode, run.params) == ("failed", "drill", {"primary_region": "eu-west-1"})
    kinds = [e.kind for e in tl.events(inc.id)][1:]
    assert kinds == ["run_started", "step_started", "step_succeeded", "step_started", "step_failed", "run_finished"]
    with pytest.raises(TimelineError, match="unknown step state"):
        tl.set_step_state(run_id, "pre-checks", "exploded")


def test_a_burst_in_one_transaction_is_all_or_nothing(tl: Timeline) -> None:
    inc = tl.declare("Alarm storm", "P1")
    with tl.transaction():  # one commit (one fsync) for the whole burst
        for n in range(200):
            tl.record_alarm_transition(inc.id, f"alarm-{n}", "fired", "2026-01-05T10:00:00Z")
    assert len(tl.events(inc.id, kinds=["alarm_fired"])) == 200
    with pytest.raises(UnknownIncident):
        with tl.transaction():
            tl.note(inc.id, "first")
            tl.note("INC-20000101-0001", "second fails")
    assert tl.events(inc.id, kinds=["note"]) == []


def test_a_snapshot_reads_the_file_as_it_was_at_its_first_read(tl: Timeline, db_path: Path) -> None:
    incident = tl.declare("S3 5xx", "P2")
    with tl.snapshot():
        before = tl.events(incident.id)
        with Timeline(db_path, actor="bob@bastion") as other:
            other.note(incident.id, "committed meanwhile")
        assert tl.events(incident.id) == before  # every pass of an export sees the same events
    assert tl.events(incident.id)[-1].message == "committed meanwhile"
    with tl.transaction(), tl.snapshot():  # inside a write, the write's own view
        tl.note(incident.id, "mine")
        assert tl.events(incident.id)[-1].message == "mine"


def test_events_by_time_by_data_and_as_rows(tl: Timeline) -> None:
    incident = tl.declare("S3 5xx", "P2")
    tl.note(incident.id, "impact", kind="impact")
    tl.append(incident.id, "note", "logged late", {"kind": "key"}, ts="2020-01-01T00:00:00Z")
    tl.note(incident.id, "plain")
    declared = tl.events(incident.id)[0].message
    by_time = [e.message for e in tl.iter_events(incident.id, by_time=True)]
    assert by_time == ["logged late", declared, "impact", "plain"]  # ties in commit order
    assert [e.message for e in tl.iter_events(incident.id, kinds=["note"], data={"kind": ["impact", "key"]})] == \
        ["impact", "logged late"]
    assert [e.message for e in tl.iter_events(incident.id, by_time=True, limit=1)] == ["logged late"]
    rows = list(tl.iter_event_rows(incident.id, by_time=True))
    assert [r[4] for r in rows] == by_time and rows[0][5] == '{"kind":"key"}'  # data as stored
    assert tl.event_span(incident.id) == (rows[0][1], rows[-1][1])
    run = tl.create_run(incident.id, "dr-failover", {}, "incident", False)
    tl.set_step_state(run, "restart", "running")
    tl.set_step_state(run, "restart", "succeeded")
    assert [k[1:] for k in tl.step_event_keys(incident.id)] == [
        ("step_started", run, "restart", 1), ("step_succeeded", run, "restart", 1)]

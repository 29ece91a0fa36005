"""Sharing an incident between timeline files, through a log kept in memory.

Each "host" is its own SQLite file; the log is a dict that refuses a slot number already
written, as DynamoDB's conditional write does. Whatever the schedule of writes and rounds,
every host ends with the same events in the same order, nothing is lost, and nothing is in
the log twice. (The log carried by DynamoDB, and hosts as processes, are ``tests/share``.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.timeline import Timeline, TimelineError, outbox
from cockpit.timeline.exchange import exchange, pull, push
from cockpit.timeline.mirror import Slot, apply_slots, cursor
from cockpit.timeline.runs import RunElsewhere


class MemoryLog:
    """Numbered slots per partition; a slot is written once (the conditional write)."""

    def __init__(self) -> None:
        self.slots: dict[str, dict[int, Slot]] = defaultdict(dict)
        self.lose_answers = 0  # the next writes succeed but their caller hears an error

    def read(self, pk: str, after: int) -> Sequence[Slot]:
        return [self.slots[pk][n] for n in sorted(self.slots[pk]) if n > after][:5]  # pages of five

    def write(self, pk: str, slot: Slot) -> bool:
        if slot.n in self.slots[pk]:
            return False
        self.slots[pk][slot.n] = slot
        if self.lose_answers:
            self.lose_answers -= 1
            raise ConnectionResetError("the answer was lost")
        return True

    def uids(self, pk: str) -> list[str]:
        return [e["uid"] for n in sorted(self.slots[pk]) for e in self.slots[pk][n].events]


def hosts(tmp_path: Path, count: int) -> list[Timeline]:
    return [Timeline(tmp_path / f"host{i}.db", actor=f"responder{i}@host{i}") for i in range(count)]


def listing(tl: Timeline, incident_id: str) -> list[tuple[str, str]]:
    return [(e.uid, e.hlc) for e in tl.events(incident_id)]


def test_an_incident_shared_on_one_host_appears_whole_on_the_others(tmp_path: Path) -> None:
    log = MemoryLog()
    a, b, c = hosts(tmp_path, 3)
    with a, b, c:
        inc = a.declare("Replication lag on greenlang-data-lake", "P1", commander="alice")
        a.note(inc.id, "lag 22 min against a 15 min RPO")
        a.set_severity(inc.id, "P0", "RPO breached")
        a.share(inc.id)
        assert outbox.queued(a.conn) == 5  # declared, note, severity, shared; shared also to the directory
        exchange(a, log)
        assert outbox.queued(a.conn) == 0
        for other in (b, c):
            exchange(other, log)
            assert [i.id for i in other.open_incidents()] == [inc.id]
            assert other.incident(inc.id) == a.incident(inc.id)  # the row, field by field
            assert listing(other, inc.id) == listing(a, inc.id)
        b.note(inc.id, "bob: paused the batch writer")
        c.assign_role(inc.id, "communications", "carol")
        for tl in (b, c, a, b):
            exchange(tl, log)
        assert listing(a, inc.id) == listing(b, inc.id) == listing(c, inc.id)
        assert a.incident(inc.id).communications == b.incident(inc.id).communications == "carol"
        uids = log.uids(outbox.incident_pk(inc.id))
        assert len(uids) == len(set(uids)) == 6  # four from A, one each from B and C


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["note", "round", "severity"]), st.integers(0, 2)), max_size=40))
def test_any_schedule_of_writes_and_rounds_converges_to_one_order(tmp_path_factory, schedule) -> None:
    log = MemoryLog()
    tls = hosts(tmp_path_factory.mktemp("hosts"), 3)
    own: dict[int, list[str]] = {0: [], 1: [], 2: []}
    try:
        inc = tls[0].declare("API 5xx", "P2")
        tls[0].share(inc.id)
        exchange(tls[0], log)
        for tl in tls[1:]:
            exchange(tl, log)
        for n, (what, who) in enumerate(schedule):
            tl = tls[who]
            if what == "note":
                own[who].append(tl.note(inc.id, f"note {n} from host {who}").uid)
            elif what == "severity":
                level = "P1" if tl.incident(inc.id).severity != "P1" else "P2"
                tl.set_severity(inc.id, level)
            else:
                exchange(tl, log)
        for _ in range(2):
            for tl in tls:
                exchange(tl, log)
        first = listing(tls[0], inc.id)
        for i, tl in enumerate(tls):
            assert listing(tl, inc.id) == first
            assert tl.incident(inc.id) == tls[0].incident(inc.id)
            mine = [uid for uid, _ in listing(tl, inc.id) if uid in own[i]]
            assert mine == own[i]  # a host's own events keep their order
            assert outbox.queued(tl.conn) == 0
        uids = log.uids(outbox.incident_pk(inc.id))
        assert len(uids) == len(set(uids)) == len(first)
    finally:
        for tl in tls:
            tl.close()


def test_a_lost_answer_sends_nothing_twice(tmp_path: Path) -> None:
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("x", "P3")
        a.share(inc.id)
        exchange(a, log)
        a.note(inc.id, "sent, but the answer never came back")
        log.lose_answers = 1
        with pytest.raises(ConnectionResetError):
            exchange(a, log)
        assert outbox.queued(a.conn) == 1  # not known to be sent: still queued
        exchange(a, log)  # the pull finds it in the log: it leaves the queue unsent
        assert outbox.queued(a.conn) == 0
        uids = log.uids(outbox.incident_pk(inc.id))
        assert len(uids) == len(set(uids))
        exchange(b, log)
        assert listing(b, inc.id) == listing(a, inc.id)


def test_slots_apply_once_in_order_and_stop_at_a_gap_or_an_unknown_kind(tmp_path: Path) -> None:
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("x", "P3")
        a.share(inc.id)
        for n in range(3):
            a.note(inc.id, f"n{n}")
            exchange(a, log)
        pk = outbox.incident_pk(inc.id)
        slots = list(log.slots[pk].values())
        assert apply_slots(b, pk, [slots[0], slots[2]]).cursor == 1  # slot 2 missing: stop before 3
        assert apply_slots(b, pk, slots).added == len(listing(a, inc.id)) - len(slots[0].events)
        again = apply_slots(b, pk, slots)
        assert (again.added, again.cursor) == (0, len(slots))
        future = Slot(len(slots) + 1, ({**slots[1].events[0], "uid": "u-new", "kind": "hologram_call"},))
        later = Slot(len(slots) + 2, ({**slots[1].events[0], "uid": "u-later"},))
        done = apply_slots(b, pk, [future, later])
        assert done.cursor == len(slots) and "unknown event kind 'hologram_call'" in done.stopped
        assert b.event("u-later") is None


def test_a_run_driven_on_another_host_is_shown_here_and_cannot_be_driven_here(tmp_path: Path) -> None:
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("x", "P2")
        a.share(inc.id)
        run_id = a.create_run(inc.id, "s3-replication-lag", {"bucket": "greenlang-data-lake"})
        a.set_step_state(run_id, "check_lag", "running")
        a.set_step_state(run_id, "check_lag", "succeeded", outputs={"lag_minutes": 22})
        a.set_step_state(run_id, "pause_writer", "running")
        exchange(a, log)
        exchange(b, log)
        run = b.run(run_id)
        assert (run.playbook_id, run.status, run.params) == ("s3-replication-lag", "running",
                                                             {"bucket": "greenlang-data-lake"})
        states = {s.step_id: (s.state, s.outputs) for s in b.step_states(run_id)}
        assert states == {"check_lag": ("succeeded", {"lag_minutes": 22}), "pause_writer": ("running", {})}
        with pytest.raises(RunElsewhere, match="driven from another host, by responder0@host0"):
            b.hold_run(run_id)
        a.hold_run(run_id).release()  # its own cockpit may
        a.finish_run(run_id, "succeeded")
        exchange(a, log)
        exchange(b, log)
        assert b.run(run_id).status == "succeeded"


def test_an_unshared_incident_with_the_same_id_is_not_merged(tmp_path: Path) -> None:
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        theirs, mine = a.declare("theirs", "P2"), b.declare("mine, never shared", "P3")
        assert theirs.id == mine.id  # two files number their incidents alike
        a.share(theirs.id)
        exchange(a, log)
        done = pull(b, log, outbox.incident_pk(theirs.id))
        assert "another incident, never shared" in done.stopped
        assert [e.message for e in b.events(mine.id)] == ["Declared P3 incident: mine, never shared"]
        assert cursor(b.conn, outbox.incident_pk(theirs.id)) == 0


def test_two_shared_incidents_of_one_number_are_not_merged(tmp_path: Path) -> None:
    """Numbers are reserved in the share (share/log.py); should two files share their own
    -0001 anyway, neither takes in the other's log: its declaration is another incident's."""
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        theirs, mine = a.declare("theirs", "P2"), b.declare("mine", "P3")
        a.share(theirs.id)
        exchange(a, log)
        b.share(mine.id)
        done = pull(b, log, outbox.incident_pk(mine.id))
        assert "declared elsewhere as another incident" in done.stopped
        assert [e.message for e in b.events(mine.id)][0] == "Declared P3 incident: mine"
        assert b.incident(mine.id).title == "mine"


def test_secrets_never_reach_the_log(tmp_path: Path) -> None:
    log = MemoryLog()
    (a,) = hosts(tmp_path, 1)
    with a:
        inc = a.declare("x", "P2")
        a.share(inc.id)
        a.note(inc.id, "used key AKIAIOSFODNN7EXAMPLE with secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        exchange(a, log)
        text = repr(dict(log.slots))
        assert "AKIAIOSFODNN7EXAMPLE" not in text and "wJalrXUtnFEMI" not in text


def test_sharing_twice_is_refused(tmp_path: Path) -> None:
    (a,) = hosts(tmp_path, 1)
    with a:
        inc = a.declare("x", "P2")
        a.share(inc.id)
        with pytest.raises(TimelineError, match="already shared"):
            a.share(inc.id)


def test_a_push_from_behind_applies_the_slots_it_missed_first(tmp_path: Path) -> None:
    """No host writes slot n without having applied 1..n-1: the log has no gaps, and an
    event in it was applied by its writer before it wrote."""
    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("x", "P3")
        a.share(inc.id)
        exchange(a, log)
        exchange(b, log)
        for n in range(3):
            a.note(inc.id, f"a{n}")
            exchange(a, log)
        b.note(inc.id, "b, written behind")
        pk = outbox.incident_pk(inc.id)
        assert push(b, log, pk) == 1
        # b's note and a's are concurrent (b had seen none of a's): their stamps may fall in
        # one millisecond, so which sorts first is the clock's to say, but both hosts agree.
        assert sorted(e.message for e in b.events(inc.id))[-4:] == ["a0", "a1", "a2", "b, written behind"]
        assert sorted(log.slots[pk]) == list(range(1, len(log.slots[pk]) + 1))
        exchange(a, log)
        assert [e.message for e in a.events(inc.id)] == [e.message for e in b.events(inc.id)]


def test_a_resolved_incident_stops_being_polled_a_day_on_and_a_reopen_brings_it_back(tmp_path: Path,
                                                                                    monkeypatch) -> None:
    """A file that shared a hundred incidents must not read a hundred logs every second."""
    from datetime import timedelta

    from cockpit.timeline import exchange as exchange_module
    from cockpit.timeline.exchange import followed
    from cockpit.timeline.model import utc_now

    log = MemoryLog()
    a, b = hosts(tmp_path, 2)
    with a, b:
        inc = a.declare("x", "P3")
        a.share(inc.id)
        a.resolve(inc.id, "fixed")
        exchange(a, log)
        exchange(b, log)
        pk = outbox.incident_pk(inc.id)
        assert pk in followed(b)  # resolved just now: late notes still arrive
        later = utc_now() + timedelta(hours=25)
        monkeypatch.setattr(exchange_module, "utc_now", lambda: later)
        assert followed(b) == [outbox.SHARE_PK] and followed(a) == [outbox.SHARE_PK]
        a.reopen(inc.id, "it came back")
        a.note(inc.id, "the 5xx are back")
        exchange(a, log)  # a's queue leaves whether or not a follows the log
        exchange(b, log)  # the directory brings the reopen; the incident's log is read again
        assert pk in followed(b)
        exchange(b, log)
        assert [e.message for e in b.events(inc.id)][-1] == "the 5xx are back"

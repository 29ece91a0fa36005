"""One order for an incident's events that every file holding them agrees on (``hlc.py``).

The clock's rules are checked as properties; the store's use of them on real files: a
file's own events keep their commit order whatever its wall clock does, and two files that
exchange an incident (export, import) list its events in the same order.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.exports.transfer import _Document, export_document, import_document
from cockpit.timeline import Timeline, TimelineError
from cockpit.timeline import hlc
from cockpit.timeline.hlc import MAX_AHEAD_MS, Stamp

NODES = st.text("0123456789abcdef", min_size=10, max_size=10)
WALLS = st.integers(0, 16**12 - 2)
STAMPS = st.builds(Stamp, WALLS, st.integers(0, hlc.MAX_LOGICAL), NODES)


@given(STAMPS, STAMPS)
def test_text_order_is_the_clock_order_and_text_reads_back(a: Stamp, b: Stamp) -> None:
    assert (str(a) < str(b)) == (a < b)
    assert Stamp.parse(str(a)) == a


@given(STAMPS, st.lists(st.integers(0, 16**12 - 2), max_size=50))
def test_local_stamps_only_go_forward_whatever_the_wall_clock_does(start: Stamp, walls: list[int]) -> None:
    last = start
    for wall in walls:
        stamp = hlc.tick(last, wall)
        assert stamp > last and stamp.wall_ms >= min(wall, last.wall_ms)
        last = stamp


@given(STAMPS, STAMPS, st.integers(0, 16**12 - 2 - MAX_AHEAD_MS))
def test_after_receiving_a_stamp_the_next_local_one_sorts_after_it(last: Stamp, remote: Stamp, wall: int) -> None:
    clock = hlc.receive(last, remote, wall)
    assert clock > last and clock.wall_ms >= wall
    nxt = hlc.tick(clock, wall)
    if remote.wall_ms <= wall + MAX_AHEAD_MS:
        assert (nxt.wall_ms, nxt.logical) > (remote.wall_ms, remote.logical)
    else:  # a clock far ahead drags ours only so far (+1: a full counter borrows a millisecond)
        assert clock.wall_ms <= max(last.wall_ms, wall + MAX_AHEAD_MS) + 1


def test_a_malformed_stamp_is_one_line() -> None:
    for text in ["", "0193a6c2f1e8.0003", "0193A6C2F1E8.0003.a1b2c3d4e5", "0193a6c2f1e8.0003.a1b2c3d4e5\x1b[2J"]:
        with pytest.raises(ValueError, match="not a clock stamp"):
            Stamp.parse(text)


def test_a_files_events_keep_their_order_when_its_clock_steps_back(db_path: Path, monkeypatch) -> None:
    now = [1_800_000_000_000]
    monkeypatch.setattr(hlc, "now_ms", lambda: now[0])
    with Timeline(db_path, actor="alice@bastion") as tl:
        inc = tl.declare("API 5xx", "P1")
        tl.note(inc.id, "first")
    now[0] -= 3_600_000  # NTP steps the clock an hour back; the cockpit restarts
    with Timeline(db_path, actor="alice@bastion") as tl:
        tl.note(inc.id, "second")
        tl.note(inc.id, "third")
        events = tl.events(inc.id)
    assert [e.message for e in events][1:] == ["first", "second", "third"]
    assert [e.hlc for e in events] == sorted(e.hlc for e in events) and len({e.hlc for e in events}) == 4


def _exchange(src: Timeline, dst: Timeline, incident_id: str) -> None:
    """What responders do today to share an incident: export it here, import it there."""
    doc = json.loads(json.dumps(export_document(src, incident_id)))
    import_document(dst, _Document.model_validate(doc))


def test_two_files_list_an_exchanged_incident_in_the_same_order(tmp_path: Path, monkeypatch) -> None:
    """Host B's clock is 20 s behind A's. B notes something after A's note *in real time*,
    and after it saw A's events: everywhere it sorts after them, although its wall time is
    earlier, and both files list the incident alike after exchanging it both ways."""
    wall = [1_800_000_000_000]
    monkeypatch.setattr(hlc, "now_ms", lambda: wall[0])
    a, b = Timeline(tmp_path / "a.db", actor="alice@a"), Timeline(tmp_path / "b.db", actor="bob@b")
    with a, b:
        inc = a.declare("Replication lag", "P2")
        _exchange(a, b, inc.id)
        wall[0] += 1_000
        a.note(inc.id, "a: paused the batch job")
        wall[0] -= 20_000  # B's clock
        b.note(inc.id, "b: checked the replica")  # concurrent with A's note: the clock decides
        _exchange(a, b, inc.id)
        b.note(inc.id, "b: replica caught up")  # after B saw A's note
        wall[0] += 20_000
        _exchange(b, a, inc.id)
        on_a, on_b = [e.message for e in a.events(inc.id)], [e.message for e in b.events(inc.id)]
        assert on_a == on_b
        assert on_a.index("a: paused the batch job") < on_a.index("b: replica caught up")
        assert on_a.index("b: checked the replica") < on_a.index("b: replica caught up")
        a.note(inc.id, "a: resolved")  # after A imported B's: sorts last, though B's clock ran ahead of A's
        assert [e.message for e in a.events(inc.id)][-1] == "a: resolved"


def test_an_event_held_twice_keeps_the_smaller_stamp(tl: Timeline) -> None:
    inc = tl.declare("x", "P3")
    note = tl.note(inc.id, "seen here first")
    earlier = str(Stamp(Stamp.parse(note.hlc).wall_ms - 5_000, 0, "0123456789"))
    later = str(Stamp(Stamp.parse(note.hlc).wall_ms + 5_000, 0, "0123456789"))
    with tl.transaction():
        assert tl._append(inc.id, "note", "seen here first", uid=note.uid, stamp=later)[0].hlc == note.hlc
        assert tl._append(inc.id, "note", "seen here first", uid=note.uid, stamp=earlier)[0].hlc == earlier
    assert [e.message for e in tl.events(inc.id)] == ["seen here first", f"Declared P3 incident: x"]
    with pytest.raises(TimelineError, match="not a clock stamp"):
        tl._append(inc.id, "note", "y", stamp="tomorrow")


def test_the_file_itself_allows_a_place_only_to_move_earlier(tl: Timeline, db_path: Path) -> None:
    inc = tl.declare("x", "P3")
    note = tl.note(inc.id, "n")
    raw = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="can only move earlier"):
        raw.execute("UPDATE event_order SET hlc = ? WHERE seq = ?", ("f" * 12 + ".0000.0123456789", note.seq))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM event_order")
    raw.close()


def test_an_export_carries_the_stamps_and_a_bad_one_is_refused_by_field(tl: Timeline) -> None:
    inc = tl.declare("x", "P3")
    doc = export_document(tl, inc.id)
    assert [e["hlc"] for e in doc["events"]] == [e.hlc for e in tl.events(inc.id)]
    doc["events"][0]["hlc"] = "yesterday"
    with pytest.raises(ValueError, match=r"events\.0\.hlc"):
        _Document.model_validate(json.loads(json.dumps(doc)))

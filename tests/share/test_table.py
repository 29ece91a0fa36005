"""The share table's sort keys order as the design's one poll needs (docs/sharing-design.md, 3.2):
``Query sk >= E#<cursor+1>`` returns the new slots in number order and the live items after
them (presence, runs), never the meta item, numbers, nodes, claims, decisions or roles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.share import table

SLOTS = st.integers(min_value=1, max_value=table.MAX_SLOT)
IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=30)


def test_slot_keys_are_twelve_digits() -> None:
    assert table.slot_sk(42) == "E#000000000042"
    assert table.slot_sk(table.MAX_SLOT) == "E#999999999999"
    for bad in (0, -1, table.MAX_SLOT + 1, 1.0, True, "1"):
        with pytest.raises(ValueError):
            table.slot_sk(bad)  # type: ignore[arg-type]


@given(SLOTS, SLOTS)
def test_slots_sort_as_their_numbers(a: int, b: int) -> None:
    assert (table.slot_sk(a) < table.slot_sk(b)) == (a < b)


@given(SLOTS, IDS, IDS, IDS)
def test_one_poll_from_a_cursor_reads_new_slots_and_live_items_only(cursor: int, incident: str, run: str,
                                                                    step: str) -> None:
    start = table.slot_sk(cursor)  # the query is sk >= E#<cursor+1>: from the slot after the last one read
    never_polled = [table.META_SK, table.number_sk(f"INC-{incident}"), table.node_sk(run),
                    table.claim_sk(f"run-{run}", step), table.decision_sk(f"run-{run}", step), table.role_sk(step)]
    polled = [table.presence_sk(run), table.run_sk(f"run-{run}")]
    assert all(key < start for key in never_polled), never_polled
    assert all(key > start for key in polled), polled
    if cursor < table.MAX_SLOT:
        assert start < table.slot_sk(cursor + 1) < min(polled)


def test_partitions_and_item_keys_are_the_designs() -> None:
    assert (table.SHARE_PK, table.META_SK) == ("SHARE", "#META")
    assert table.incident_pk("INC-20261123-0004") == "INC#INC-20261123-0004"
    assert table.number_sk("INC-20261123-0004") == "A#INC-20261123-0004"
    assert table.claim_sk("run-1a2b", "promote") == "C#run-1a2b#promote"
    assert table.decision_sk("run-1a2b", "approve") == "D#run-1a2b#approve"
    assert table.role_sk("commander") == "D#ROLE#commander"
    assert (table.node_sk("a1b2c3d4e5"), table.presence_sk("a1b2c3d4e5")) == ("B#a1b2c3d4e5", "P#a1b2c3d4e5")
    assert table.run_sk("run-1a2b") == "R#run-1a2b"


def test_responders_call_no_scan_batch_transaction_or_table_deletion() -> None:
    assert table.OPERATIONS == {"Query", "GetItem", "PutItem", "UpdateItem", "DeleteItem"}
    forbidden = {"Scan", "BatchWriteItem", "TransactWriteItems", "ConditionCheckItem", "DeleteTable",
                 "RestoreTableToPointInTime", "RestoreTableFromBackup"}
    assert not forbidden & (table.OPERATIONS | table.ADMIN_OPERATIONS)

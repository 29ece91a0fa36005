"""The commander of a shared incident is decided by one conditional write in the share.

Two responders taking command at once: exactly one is commander, every time, and the other
is told who is. A responder acting on a stale view (their host had not heard of the change)
changes nothing and is told who holds the role. With the share away, nothing changes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from cockpit.share.roles import RoleTaken, take_role
from cockpit.share.uri import parse
from tests.engine.conftest import cockpit
from tests.share.conftest import REGION, looking_client, share_env

pytestmark = pytest.mark.slow
TRIALS = 50


def test_two_responders_taking_command_at_once_make_one_commander(table: Any) -> None:
    uri, client = parse(table.uri), looking_client(table, "dynamodb", REGION)
    winners = []
    for trial in range(TRIALS):
        incident = f"INC-20261205-{trial:04d}"
        results: dict[str, str] = {}
        start = threading.Barrier(2)

        def take(name: str) -> None:
            start.wait()
            try:
                take_role(uri, incident, "commander", name, "alice@bastion-1", node=name, client=client)
                results[name] = "won"
            except RoleTaken as exc:
                results[name] = str(exc)

        threads = [threading.Thread(target=take, args=(name,)) for name in ("bob@laptop-2", "carol@eu-1")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [name for name, said in results.items() if said == "won"]
        assert len(won) == 1, results
        lost = next(said for said in results.values() if said != "won")
        assert lost.startswith(f"commander is now {won[0]} (since ") and "not alice@bastion-1 as this host showed" in lost
        winners.append(won[0])
    assert set(winners) == {"bob@laptop-2", "carol@eu-1"}  # a race, not an order


def test_a_stale_view_changes_nothing_and_says_who_commands(table: Any, tmp_path: Path) -> None:
    alice, bob = share_env(table.env, tmp_path / "alice", "alice@bastion-1"), share_env(
        table.env, tmp_path / "bob", "bob@laptop-2")
    a, b, share = tmp_path / "alice.db", tmp_path / "bob.db", ["--share", table.uri]
    incident_id = cockpit(["incident", "declare", "--title", "Lag", "--severity", "P1", "--commander",
                           "alice@bastion-1"], alice, a).stdout.strip()
    assert cockpit([*share, "incident", "share", incident_id], alice, a).returncode == 0
    assert cockpit([*share, "share", "sync"], bob, b).returncode == 0
    took = cockpit([*share, "incident", "role", incident_id, "commander", "bob@laptop-2"], bob, b)
    assert took.returncode == 0, took.stderr
    # alice has not heard: her host still shows herself as commander, and she hands over to carol
    stale = cockpit(["incident", "role", incident_id, "commander", "carol@eu-1"], alice, a)  # no --share
    assert stale.returncode == 3 and "is shared: its roles are decided by the share" in stale.stderr
    stale = cockpit([*share, "incident", "role", incident_id, "commander", "carol@eu-1"], alice, a)
    assert stale.returncode == 2
    assert stale.stderr.startswith("cockpit: error: commander is now bob@laptop-2 (since ")
    assert "not alice@bastion-1 as this host showed: nothing changed" in stale.stderr
    away = cockpit([*share, "incident", "role", incident_id, "commander", "carol@eu-1"],
                   {**alice, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, a)
    assert away.returncode == 3 and "share offline: unreachable: " in away.stderr
    assert cockpit([*share, "share", "sync"], alice, a).returncode == 0
    shown = cockpit(["incident", "show", incident_id], alice, a).stdout
    assert "commander bob@laptop-2" in shown or "Commander: bob@laptop-2" in shown
    assert "carol" not in shown
    # now that alice's host shows bob, she can hand over
    assert cockpit([*share, "incident", "role", incident_id, "commander", "carol@eu-1"], alice, a).returncode == 0

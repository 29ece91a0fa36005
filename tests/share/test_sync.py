"""Sharing an incident through the share table on the emulated estate (moto's DynamoDB over
HTTP, writes serialised as DynamoDB's are atomic), with real ``cockpit`` processes.

Two responders on two hosts: what one declares, notes and shares, the other lists and
reads, and answers; both timelines end alike. Three hosts writing 1,000 events each end with
the same 3,000 events in the same order, each host's own in the order it wrote them, and
the log holds each event once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cockpit.share.log import TableLog
from cockpit.share.uri import parse
from cockpit.timeline import Timeline, outbox
from cockpit.timeline.exchange import exchange
from tests.engine.conftest import cockpit
from tests.share.conftest import looking_client, share_env

pytestmark = pytest.mark.slow  # an estate, and cockpit processes

REGION = "eu-central-1"
HOST = Path(__file__).with_name("table_host.py")


def _order(db: Path, incident_id: str) -> list[tuple[str, str]]:
    with Timeline(db, actor="check@host") as tl:
        return [(e.uid, e.hlc) for e in tl.events(incident_id)]


def test_two_responders_on_two_hosts_work_one_incident(table: Any, tmp_path: Path) -> None:
    alice, bob = share_env(table.env, tmp_path / "alice", "alice@bastion-1"), share_env(
        table.env, tmp_path / "bob", "bob@laptop-2")
    a, b = tmp_path / "alice.db", tmp_path / "bob.db"
    declared = cockpit(["incident", "declare", "--title", "Replication lag on greenlang-data-lake",
                        "--severity", "P1"], alice, a)
    incident_id = declared.stdout.strip()
    assert cockpit(["incident", "note", incident_id, "lag 22 min against a 15 min RPO"], alice, a).returncode == 0
    shared = cockpit(["--share", table.uri, "incident", "share", incident_id], alice, a)
    assert shared.returncode == 0 and "0 queued" in shared.stderr + shared.stdout, shared.stderr

    pulled = cockpit(["--share", table.uri, "share", "sync"], bob, b)
    assert pulled.returncode == 0, pulled.stderr
    listed = cockpit(["incident", "list"], bob, b)
    assert incident_id in listed.stdout and "Replication lag on greenlang-data-lake" in listed.stdout
    assert cockpit(["incident", "severity", incident_id, "P0", "--reason", "RPO breached"], bob, b).returncode == 0
    assert cockpit(["--share", table.uri, "share", "sync"], bob, b).returncode == 0
    assert cockpit(["--share", table.uri, "share", "sync"], alice, a).returncode == 0

    shown = cockpit(["incident", "show", incident_id], alice, a).stdout
    assert "bob@laptop-2  severity_changed  Severity P1 → P0: RPO breached" in shown
    assert "  P0  " in cockpit(["incident", "list"], alice, a).stdout  # the row follows bob's change
    assert _order(a, incident_id) == _order(b, incident_id)


def test_two_hosts_own_incidents_of_one_number_are_never_merged(table: Any, tmp_path: Path) -> None:
    """Two files number their incidents alike: each host's first incident today is -0001.
    The first to share it holds the number in the share; the second is refused in one line,
    and nothing of it reaches the first one's log."""
    carol, dave = share_env(table.env, tmp_path / "carol", "carol@eu-1"), share_env(table.env, tmp_path / "dave",
                                                                                   "dave@us-1")
    c, d = tmp_path / "carol.db", tmp_path / "dave.db"
    mine = cockpit(["incident", "declare", "--title", "Carol's", "--severity", "P2"], carol, c).stdout.strip()
    theirs = cockpit(["incident", "declare", "--title", "Dave's", "--severity", "P3"], dave, d).stdout.strip()
    assert mine == theirs  # the same number, two incidents
    shared = cockpit(["--share", table.uri, "incident", "share", mine], carol, c)
    assert shared.returncode == 0, shared.stderr
    refused = cockpit(["--share", table.uri, "incident", "share", theirs], dave, d)
    assert refused.returncode == 2 and refused.stderr.splitlines() == [
        f"cockpit: error: {theirs} is already another incident in the share, shared by carol@eu-1: this one "
        "cannot be shared under its number (renumbering is not built yet)"]
    again = cockpit(["--share", table.uri, "incident", "share", mine], carol, c)
    assert again.returncode == 2 and "already shared" in again.stderr
    log = TableLog(parse(table.uri), "", looking_client(table, "dynamodb", REGION))
    titles = [e["message"] for s in log.read(outbox.incident_pk(mine), 0) for e in s.events]
    assert any("Carol's" in t for t in titles) and not any("Dave's" in t for t in titles)


def test_three_hosts_writing_a_thousand_events_each_end_alike(table: Any, tmp_path: Path) -> None:
    uri = parse(table.uri)
    dbs = [tmp_path / f"host{i}.db" for i in range(3)]
    with Timeline(dbs[0], actor="h0@host") as first:
        incident_id = first.declare("Three hosts, one incident", "P2").id
        first.share(incident_id)
        exchange(first, TableLog(uri, first.node(), looking_client(table, "dynamodb", REGION)))
    env = {**table.env, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    procs = [subprocess.Popen([sys.executable, str(HOST), str(db), table.uri, incident_id, f"h{i}", "1000"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i, db in enumerate(dbs)]
    said: list[list[str]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        said.append(out.split())
    log = TableLog(uri, "", looking_client(table, "dynamodb", REGION))
    for db in dbs:
        with Timeline(db, actor="check@host") as tl:
            exchange(tl, log)
            assert outbox.queued(tl.conn) == 0
    orders = [_order(db, incident_id) for db in dbs]
    assert orders[0] == orders[1] == orders[2]
    uids = [uid for uid, _ in orders[0]]
    for i, mine in enumerate(said):
        assert len(mine) == 1000 and [u for u in uids if u.startswith(f"h{i}-")] == mine  # own order kept
    pk, in_log, after = outbox.incident_pk(incident_id), [], 0
    while slots := log.read(pk, after):
        in_log += [e["uid"] for s in slots for e in s.events]
        after = slots[-1].n
    assert len(in_log) == len(set(in_log)) == len(uids) >= 3000


def test_a_note_from_the_command_line_leaves_at_once_or_says_it_waits(table: Any, tmp_path: Path) -> None:
    env = share_env(table.env, tmp_path / "erin", "erin@bastion-3")
    db, share = tmp_path / "erin.db", ["--share", table.uri]
    incident_id = cockpit(["incident", "declare", "--title", "Lag", "--severity", "P2"], env, db).stdout.strip()
    assert cockpit([*share, "incident", "share", incident_id], env, db).returncode == 0
    noted = cockpit([*share, "incident", "note", incident_id, "sent before the command exits"], env, db)
    assert noted.returncode == 0 and noted.stderr == ""
    log = TableLog(parse(table.uri), "", looking_client(table, "dynamodb", REGION))

    def in_log() -> list[str]:
        return [e["message"] for s in log.read(outbox.incident_pk(incident_id), 0) for e in s.events]

    assert "sent before the command exits" in in_log()
    offline = cockpit([*share, "incident", "note", incident_id, "written with the share away"],
                      {**env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, db)
    assert offline.returncode == 0  # noted here: the note is the timeline's, the share's is a copy
    assert offline.stderr.startswith("share offline: unreachable: ") and "1 queued" in offline.stderr
    assert len(offline.stderr.splitlines()) == 1
    assert "written with the share away" not in in_log()
    assert cockpit([*share, "share", "sync"], env, db).returncode == 0
    assert "written with the share away" in in_log()


def test_share_status_names_who_is_on_the_share_and_drops_who_quit(table: Any, tmp_path: Path) -> None:
    """``share status`` lists the live responders (bob's ``share sync --watch`` beats), says
    what this host has queued, and stops listing bob once he quits; with the share away it
    says so in one line and exits 3."""
    import signal
    import time

    alice, bob = share_env(table.env, tmp_path / "alice", "alice@bastion-1"), share_env(
        table.env, tmp_path / "bob", "bob@laptop-2")
    a, b, share = tmp_path / "alice.db", tmp_path / "bob.db", ["--share", table.uri]
    incident_id = cockpit(["incident", "declare", "--title", "Lag", "--severity", "P2"], alice, a).stdout.strip()
    assert cockpit([*share, "incident", "share", incident_id], alice, a).returncode == 0
    watching = subprocess.Popen([sys.executable, "-m", "cockpit", "--db", str(b), *share, "share", "sync", "--watch"],
                                env=bob, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, listed = time.monotonic() + 15, []
        while not listed:
            assert time.monotonic() < deadline, "bob's beat never showed in alice's share status"
            seen = cockpit([*share, "share", "status", "--json"], alice, a)
            assert seen.returncode == 0, seen.stderr
            listed = [r for r in json.loads(seen.stdout)["responders"] if r["actor"] == "bob@laptop-2"]
        assert listed[0]["following"] == [] and listed[0]["beat_age_s"] < 5
        text = cockpit([*share, "share", "status"], alice, a).stdout
        assert "responders (1 live):" in text and "  bob@laptop-2 on " in text
        assert f"  {incident_id} (shared from here) · log at slot " in text
    finally:
        watching.send_signal(signal.SIGINT)  # Ctrl-C: bob's cockpit leaves the share
        watching.communicate(timeout=20)
    after = json.loads(cockpit([*share, "share", "status", "--json"], alice, a).stdout)
    assert after["responders"] == [] and after["reachable"]
    away = cockpit([*share, "share", "status"], {**alice, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, a)
    assert away.returncode == 3 and away.stdout.splitlines()[0].startswith(
        f"share: {table.uri} · offline: unreachable: ")


def test_incidents_declared_at_once_on_two_hosts_get_two_numbers_and_reach_both(table: Any, tmp_path: Path) -> None:
    """With a share configured, declaring shares: two hosts declaring at the same moment get
    different numbers (the share reserves them), and each sees both incidents. The share
    away, the incident is declared here, and one line says it is not shared yet."""
    import concurrent.futures

    envs = [share_env(table.env, tmp_path / name, f"{name}@host") for name in ("alice", "bob")]
    dbs, share = [tmp_path / "alice.db", tmp_path / "bob.db"], ["--share", table.uri]
    for env, db in zip(envs, dbs):  # each file's own last incident of today is -0001
        assert cockpit(["incident", "declare", "--title", "local only", "--severity", "P4"], env, db).returncode == 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        declared = list(pool.map(lambda i: cockpit([*share, "incident", "declare", "--title", f"outage seen by {i}",
                                                    "--severity", "P1"], envs[i], dbs[i]), (0, 1)))
    assert all(d.returncode == 0 and d.stderr == "" for d in declared), [d.stderr for d in declared]
    ids = [d.stdout.strip() for d in declared]
    assert len(set(ids)) == 2 and all(i.endswith(("-0002", "-0003")) for i in ids), ids
    for env, db in zip(envs, dbs):
        assert cockpit([*share, "share", "sync"], env, db).returncode == 0
        listed = cockpit(["incident", "list"], env, db).stdout
        assert "outage seen by 0" in listed and "outage seen by 1" in listed, listed
    away = cockpit([*share, "incident", "declare", "--title", "declared offline", "--severity", "P2"],
                   {**envs[0], "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}, dbs[0])
    assert away.returncode == 0 and away.stdout.strip().startswith("INC-")
    line = away.stderr.strip()
    assert "\n" not in line and line.startswith(f"{away.stdout.strip()} is not shared yet (share offline: unreachable: ")
    assert line.endswith(f"`cockpit incident share {away.stdout.strip()}` shares it once the share answers")


def test_a_hostile_number_in_the_share_does_not_stop_a_declaration(table: Any, tmp_path: Path) -> None:
    """Whoever can write the table could reserve INC-<today>-99999999: declaring still works,
    here, and one line says why it is not shared."""
    from datetime import datetime, timezone

    day = datetime.now(timezone.utc).strftime("%Y%m%d")
    client = looking_client(table, "dynamodb", REGION)
    client.put_item(TableName=parse(table.uri).table,
                    Item={"pk": {"S": "SHARE"}, "sk": {"S": f"A#INC-{day}-99999999"}, "declared": {"S": "x"}})
    env, db = share_env(table.env, tmp_path / "erin", "erin@bastion-3"), tmp_path / "erin.db"
    done = cockpit(["--share", table.uri, "incident", "declare", "--title", "Lag", "--severity", "P2"], env, db)
    assert done.returncode == 0 and done.stdout.strip() == f"INC-{day}-0001", done.stderr
    assert done.stderr.strip().startswith(f"INC-{day}-0001 is not shared yet (the share's last number today is past")

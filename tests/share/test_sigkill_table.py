"""kill -9 mid-sync on the emulated estate's share table: nothing lost, nothing twice (issue 15).

Three host processes (``sync_host.py``, ``each`` mode: a note, then a round, again and
again), each with its own timeline file and its own fault proxy to the estate, share one
incident. Twenty times a host is killed with SIGKILL and started again on its file: ten
times at a random moment of a life spent mostly in rounds (a query, a pull's transaction,
a note's commit, anywhere), and ten times in the window a kill rarely hits by chance: the
proxy has forwarded a request the table applied (a slot written, or a query answered) and
holds its answer, so the host dies not knowing. At the end every uid any life printed as
committed is on every host, no file holds a uid twice, and no uid is in two log slots.
"""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.share.log import TableLog
from cockpit.share.uri import parse
from cockpit.timeline import Timeline, outbox
from cockpit.timeline.exchange import exchange
from tests.faultproxy import ProxyThread
from tests.share.conftest import REGION, looking_client
from tests.share.hosts import Host, log_uids, order

pytestmark = pytest.mark.slow  # an estate, and host processes

KILLS = 20


def test_twenty_sigkills_mid_sync_on_the_table_lose_and_duplicate_nothing(table: Any, tmp_path: Path) -> None:
    rng = random.Random(20261207)
    uri = table.uri
    dbs = [tmp_path / f"host{i}.db" for i in range(3)]
    looking = TableLog(parse(uri), "", looking_client(table, "dynamodb", REGION))
    with Timeline(dbs[0], actor="h0@host") as first:
        incident_id = first.declare("Shared under fire, on the table", "P1").id
        first.share(incident_id)
        exchange(first, looking)
    for db in dbs[1:]:
        with Timeline(db, actor="joining@host") as tl:
            exchange(tl, looking)

    lives: list[Host] = []
    held_ops: list[str] = []
    with contextlib.ExitStack() as stack:
        proxies = [stack.enter_context(ProxyThread(table.env["AWS_ENDPOINT_URL"])) for _ in dbs]

        def start(i: int) -> Host:
            life = sum(1 for h in lives if h.db == dbs[i]) + 1
            host = Host(dbs[i], uri, incident_id, f"h{i}.{life}", "each", table.env, proxies[i].url)
            lives.append(host)
            stack.callback(lambda: host.proc.poll() is None and host.kill())
            return host

        current = [start(i) for i in range(3)]
        for k in range(KILLS):
            i = k % 3
            host = current[i]
            notes = rng.randint(2, 8)  # a life of some notes, some of them perhaps still queued
            host.wait_for(lambda line, n=f"note {host.tag}-{notes - 1}": line == n, 30, f"{notes} notes")
            if k % 2 == 0:  # a random moment of its life, most of which is rounds
                time.sleep(rng.uniform(0.0, 0.8))
            else:  # after the table applied a request, before the host hears the answer
                operation = "Query" if k in (7, 13, 19) else "PutItem"
                proxies[i].hold(operation)
                assert proxies[i].held.wait(30), f"no {operation} of {host.tag} to hold"
                held_ops.append(operation)
            host.kill()
            proxies[i].release()
            current[i] = start(i)

        for host in current:
            host.wait_for(lambda line: line == "round", 30, "round")
            host.say("stop")
        for host in current:
            host.wait_for(lambda line: line in ("drained", "not drained"), 60, "the end of its queue")
            assert host.finish() == 0, host.stderr()

    killed = [h for h in lives if h.proc.returncode == -9]
    print(f"\n{len(killed)} kills ({held_ops.count('PutItem')} holding a written slot's answer, "
          f"{held_ops.count('Query')} a query's); {sum(len(h.notes()) for h in lives)} notes by {len(lives)} lives")
    assert len(killed) == KILLS and held_ops.count("PutItem") == 7

    for _ in range(2):  # a last round on each host, twice: what a live cockpit's loop would do
        for db in dbs:
            with Timeline(db, actor="check@host") as tl:
                exchange(tl, looking)
    listings = [order(db, incident_id) for db in dbs]
    for db in dbs:
        with Timeline(db, actor="check@host") as tl:
            assert outbox.queued(tl.conn) == 0
            twice = tl.conn.execute("SELECT uid FROM events GROUP BY uid HAVING COUNT(*) > 1").fetchall()
            assert twice == []  # no uid twice in any file
    assert listings[0] == listings[1] == listings[2]
    held = [uid for uid, _ in listings[0]]
    said = {uid for h in lives for uid in h.notes()}
    assert said <= set(held), sorted(said - set(held))[:10]  # nothing lost
    for h in lives:  # each life's notes, in the order it wrote them
        assert [u for u in held if u.startswith(f"{h.tag}-")][:len(h.notes())] == h.notes()
    in_log = log_uids(table, uri, incident_id)
    assert len(in_log) == len(set(in_log)), [u for u in set(in_log) if in_log.count(u) > 1][:10]  # nothing twice
    assert set(in_log) == set(held)

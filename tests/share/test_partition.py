"""One host cut off from AWS for 30 s while three write (issue 15's figure), on the emulated estate.

Three host processes (``sync_host.py``, ``watch`` mode: a note every 0.1–0.2 s, rounds of
``share.sync.watch`` as a cockpit runs them), each with its own timeline file, share one
incident through the share table, each reaching the estate through a fault proxy of its own.
One proxy goes down for 30 s (connections refused, kept-alive ones dropped) while all three
go on writing, then comes back. During the cut that host's rounds say ``share offline`` and
its queue grows; within 5 s of the heal every host holds the same events in the same order,
each host's own notes in the order it wrote them, and the log holds each event once.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path
from typing import Any

import pytest

from cockpit.share.log import TableLog
from cockpit.share.uri import parse
from cockpit.timeline import Timeline
from cockpit.timeline.exchange import exchange
from tests.faultproxy import ProxyThread
from tests.share.conftest import REGION, looking_client
from tests.share.hosts import Host, log_uids, order, queued

pytestmark = pytest.mark.slow  # an estate, and host processes

CUT = 30.0  # seconds without AWS for one host (the figure)
CONVERGE = 5.0  # seconds after the heal by which every host must agree (the figure)


def _queued(outcome: str) -> int:
    match = re.search(r"· (\d+) queued", outcome)
    return int(match.group(1)) if match else 0


def test_a_host_cut_off_for_30_s_converges_within_5_s_of_the_heal(table: Any, tmp_path: Path) -> None:
    uri = table.uri
    dbs = [tmp_path / f"host{i}.db" for i in range(3)]
    looking = TableLog(parse(uri), "", looking_client(table, "dynamodb", REGION))
    with Timeline(dbs[0], actor="h0@host") as first:
        incident_id = first.declare("Three hosts, one cut off", "P1").id
        first.share(incident_id)
        exchange(first, looking)
    for db in dbs[1:]:  # joined before they start: they write from their first second
        with Timeline(db, actor="joining@host") as tl:
            exchange(tl, looking)

    with contextlib.ExitStack() as stack:
        proxies = [stack.enter_context(ProxyThread(table.env["AWS_ENDPOINT_URL"])) for _ in dbs]
        hosts = [Host(db, uri, incident_id, f"h{i}", "watch", table.env, proxies[i].url) for i, db in enumerate(dbs)]
        for host in hosts:
            stack.callback(lambda h=host: h.proc.poll() is None and h.kill())
        for host in hosts:  # every host has had a good round
            host.wait_for(lambda line: line.startswith("outcome shared"), 30, "good round")

        cut_host = hosts[2]
        proxies[2].set("down")
        cut = time.monotonic()
        time.sleep(CUT)
        proxies[2].set("pass")
        healed = time.monotonic()
        for host in hosts:
            host.say("stop")

        converged = None
        while time.monotonic() < healed + 30:
            if all(any(line.startswith("stopped ") for _, line in list(h.lines)) for h in hosts):
                said = {uid for h in hosts for uid in h.notes()}
                orders = [[uid for uid, _ in order(db, incident_id)] for db in dbs]
                if orders[0] == orders[1] == orders[2] and said <= set(orders[0]):
                    converged = time.monotonic() - healed
                    break
            time.sleep(0.05)
        print(f"\nconverged {converged if converged is None else round(converged, 2)} s after the heal; "
              f"notes written {[len(h.notes()) for h in hosts]}")
        assert converged is not None, "the hosts never agreed"
        assert converged <= CONVERGE, f"converged {converged:.2f} s after the heal, more than {CONVERGE} s"

        # During the cut: the cut host said offline every round (after the first one already
        # under way when the proxy went down), and its queue grew with its notes.
        during = cut_host.outcomes(cut + 3.5, healed)
        assert len(during) >= 10 and all(o.startswith("share offline") for o in during), during
        counts = [_queued(o) for o in during]
        assert counts == sorted(counts) and counts[-1] - counts[0] >= 50, counts
        print(f"cut host: {len(during)} rounds offline, queue {counts[0]} → {counts[-1]}")
        last = max(at for at, line in cut_host.lines if line.startswith("outcome ") and at < healed)
        written = sum(1 for at, line in cut_host.lines if line.startswith("note ") and cut <= at < last)
        assert counts[-1] >= written - 2, (counts, written)  # every note written during the cut is queued
        for other in hosts[:2]:  # the others went on sharing
            seen = other.outcomes(cut, healed)
            assert seen and all(o.startswith("shared") for o in seen), seen
        # After the heal, the cut host's header says shared again.
        cut_host.wait_for(lambda line: line.startswith("outcome shared"), 10, "shared after the heal")

        for host in hosts:
            assert host.finish() == 0, host.stderr()

    orders = [order(db, incident_id) for db in dbs]
    assert orders[0] == orders[1] == orders[2]  # the same events, clocks and order everywhere
    uids = [uid for uid, _ in orders[0]]
    assert len(uids) == len(set(uids))
    for host in hosts:  # each host's own notes, in the order it wrote them
        assert [u for u in uids if u.startswith(f"{host.tag}-")] == host.notes()
    assert all(queued(db) == 0 for db in dbs)
    in_log = log_uids(table, uri, incident_id)
    assert len(in_log) == len(set(in_log))  # no event in two slots
    assert set(in_log) == set(uids)

"""kill -9 while sharing: nothing lost, nothing twice, on any host or in the log.

Three hosts are three processes, each with its own timeline file, sharing one incident
through a log in a folder (``dirlog.py``: a slot is created whole or not at all, as
DynamoDB's conditional write does). Each writes notes and runs a round after each, and is
started again whenever it dies. Two are killed with SIGKILL at random moments, ten times
in all (in a note's commit, a pull's transaction, anywhere); the third kills itself at
least ten times right after a slot it wrote is in the log and before its queue knows it. At the end every host holds every note any host said it had written, all in
one order, and the log holds each event once.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.timeline import Timeline, outbox
from cockpit.timeline.exchange import exchange
from tests.timeline.dirlog import FolderLog

pytestmark = pytest.mark.slow
HOST = Path(__file__).with_name("share_host.py")
NOTES = 30


def _start(db: Path, log: Path, incident_id: str, tag: str, die: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(HOST), str(db), str(log), incident_id, tag, str(NOTES), str(die)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _life(lives: dict[int, int], i: int) -> str:
    lives[i] += 1
    return f"h{i}.{lives[i]}"


def test_twenty_sigkills_while_three_hosts_share_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261205)
    log_dir, dbs = tmp_path / "log", [tmp_path / f"host{i}.db" for i in range(3)]
    log = FolderLog(log_dir)
    with Timeline(dbs[0], actor="h0@host") as first:
        incident_id = first.declare("Shared under fire", "P1").id
        first.share(incident_id)
        exchange(first, log)
    for db in dbs[1:]:
        with Timeline(db, actor="joining@host") as tl:
            exchange(tl, log)
    lives = {0: 0, 1: 0, 2: 0}
    finished: list[str] = []  # the lives that wrote all their notes
    said: set[str] = set()  # every uid a host printed: committed there
    # Host 2 kills itself, now and then, right after a slot it wrote is in the log.
    die = {0: 0.0, 1: 0.0, 2: 0.25}
    tags = {i: _life(lives, i) for i in range(3)}
    procs = {i: _start(dbs[i], log_dir, incident_id, tags[i], die[i]) for i in range(3)}
    done: set[int] = set()
    killed = after_write = 0
    deadline = time.monotonic() + 240
    while len(done) < 3 or killed < 10 or after_write < 10:
        assert time.monotonic() < deadline, (killed, after_write, done)
        time.sleep(rng.uniform(0.05, 0.4))
        for i, proc in list(procs.items()):
            if proc.poll() is None and i < 2 and killed < 10 and rng.random() < 0.5:
                proc.send_signal(signal.SIGKILL)  # hosts 0 and 1: killed from outside, anywhere
                killed += 1
            if proc.poll() is None:
                continue
            out, err = proc.communicate(timeout=30)
            said |= set(out.split())
            if proc.returncode == 0:
                done.add(i)
                finished.append(tags[i])
            else:
                assert proc.returncode == -signal.SIGKILL, err
                after_write += "killed after a write" in err
            if i not in done or killed < 10 or after_write < 10:
                if after_write >= 10:
                    die[i] = 0.0  # enough: let it finish
                tags[i] = _life(lives, i)
                procs[i] = _start(dbs[i], log_dir, incident_id, tags[i], die[i])
                done.discard(i)
            else:
                del procs[i]

    listings = []
    for db in dbs:  # a last round on each host, twice: what a live cockpit's loop would do
        with Timeline(db, actor="check@host") as tl:
            exchange(tl, log)
    for db in dbs:
        with Timeline(db, actor="check@host") as tl:
            exchange(tl, log)
            assert outbox.queued(tl.conn) == 0
            listings.append([(e.uid, e.hlc) for e in tl.events(incident_id)])
    assert listings[0] == listings[1] == listings[2]
    held = {uid for uid, _ in listings[0]}
    assert said <= held and {f"{t}-{n}" for t in finished for n in range(NOTES)} <= held  # nothing lost
    in_log = log.uids(outbox.incident_pk(incident_id))
    assert len(in_log) == len(set(in_log)) == len(held)  # nothing twice

"""A responder's host as a process, for the fault tests of sharing (partition, kill -9).

Usage: sync_host.py DB URI INCIDENT TAG MODE. The AWS endpoint is the environment's (the
tests put a fault proxy of the host's own there). It writes notes to INCIDENT (uid
``TAG-n``) and prints ``note TAG-n`` once each is committed in DB. MODE says how it syncs:

- ``watch``: a note every 0.1–0.2 s, while ``share.sync.watch`` runs rounds in a thread as
  a cockpit does (its own connection to the file); each round prints
  ``outcome <Outcome.short()>`` (``shared``, ``share offline · 12 queued``), a tab, and its line;
- ``each``: a round, then a note and a round, again and again (``round`` printed before
  each round, ``outcome …`` after): the host is in a round most of its life, so a kill
  lands in one.

A line ``stop`` on stdin ends the writing (``stopped N``: notes written). In ``each`` the
host then runs rounds until its queue is empty (``drained``) and exits; in ``watch`` its
rounds go on until stdin closes.
"""

import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cockpit.share.log import TableLog  # noqa: E402
from cockpit.share.sync import Outcome, sync_once, watch  # noqa: E402
from cockpit.share.uri import parse  # noqa: E402
from cockpit.timeline import Timeline, outbox  # noqa: E402

db, uri, incident_id, tag, mode = Path(sys.argv[1]), parse(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
stop_writing, closed, printing = threading.Event(), threading.Event(), threading.Lock()


def say(line: str) -> None:
    with printing:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def report(outcome: Outcome) -> None:
    say(f"outcome {outcome.short()}\t{outcome.line()}")


def commands() -> None:
    for line in sys.stdin:
        if line.strip() == "stop":
            stop_writing.set()
    stop_writing.set()
    closed.set()


threading.Thread(target=commands, daemon=True).start()
with Timeline(db, actor=f"{tag}@host") as tl:
    written = 0
    if mode == "watch":
        rounds = threading.Thread(target=watch, args=(db, f"{tag}@host", uri, report, closed.is_set), daemon=True)
        rounds.start()
        while not stop_writing.is_set():
            tl.note(incident_id, f"{tag} {written}", uid=f"{tag}-{written}")
            say(f"note {tag}-{written}")
            written += 1
            stop_writing.wait(random.uniform(0.1, 0.2))
        say(f"stopped {written}")
        rounds.join()
    elif mode == "each":
        log = TableLog(uri, tl.node())
        while True:
            say("round")
            report(sync_once(tl, log))
            if stop_writing.is_set():
                break
            tl.note(incident_id, f"{tag} {written}", uid=f"{tag}-{written}")
            say(f"note {tag}-{written}")
            written += 1
            time.sleep(random.uniform(0.02, 0.1))
        say(f"stopped {written}")
        deadline = time.monotonic() + 60
        while outbox.queued(tl.conn) and time.monotonic() < deadline:
            say("round")
            report(sync_once(tl, log))
            time.sleep(0.2)
        say("drained" if not outbox.queued(tl.conn) else "not drained")
    else:
        raise SystemExit(f"unknown mode {mode!r}")

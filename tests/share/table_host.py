"""A host sharing an incident through the share table, as a process (the three-host test).

Usage: table_host.py DB URI INCIDENT TAG COUNT. Writes COUNT notes (uid ``TAG-n``) in
bursts, with a round of exchange with the table after each burst, and rounds until its
queue is empty; prints each uid once committed here. The AWS endpoint is the environment's.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cockpit.share.log import TableLog  # noqa: E402
from cockpit.share.sync import sync_once  # noqa: E402
from cockpit.share.uri import parse  # noqa: E402
from cockpit.timeline import Timeline, outbox  # noqa: E402

db, uri, incident_id, tag, count = sys.argv[1], parse(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
with Timeline(db, actor=f"{tag}@host") as tl:
    log = TableLog(uri, tl.node())
    joined = sync_once(tl, log)  # the incident, from the share
    assert joined.error is None, joined.error
    for n in range(count):
        tl.note(incident_id, f"{tag} {n}", uid=f"{tag}-{n}")
        print(f"{tag}-{n}", flush=True)
        if n % 25 == 24:
            outcome = sync_once(tl, log)
            assert outcome.error is None, outcome.error
    while outbox.queued(tl.conn):
        outcome = sync_once(tl, log)
        assert outcome.error is None, outcome.error
    print(f"requests {log.requests}", file=sys.stderr)

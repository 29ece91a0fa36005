"""A timeline writer process for the concurrency and kill -9 tests.

Appends COUNT notes to INCIDENT in DB, one transaction each, and prints each event's seq
on stdout (flushed) only after ``append`` returned, i.e. after the commit: whatever this
process printed, the file must contain.
"""

import sys

from cockpit.timeline import Timeline

db, incident_id, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with Timeline(db, actor=f"{tag}@test") as tl:
    for n in range(count):
        event = tl.append(incident_id, "note", f"{tag} {n}", {"writer": tag, "n": n})
        sys.stdout.write(f"{event.seq}\n")
        sys.stdout.flush()

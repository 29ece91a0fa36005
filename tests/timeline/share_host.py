"""A host sharing an incident, as a process: for the kill -9 test of sharing.

Usage: share_host.py DB LOG INCIDENT TAG COUNT [DIE]. Writes notes ``TAG n`` (uid ``TAG-n``;
TAG names the host and its life) and runs an exchange round after each; prints each uid once ``note`` returned (committed here; on its way to the log). With
DIE (a probability), it SIGKILLs itself right after a slot it wrote is in the log and before
it has dropped those events from its queue: the window a kill rarely hits by chance. It
says so on stderr first.
"""

import os
import random
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cockpit.timeline import Timeline  # noqa: E402
from cockpit.timeline.exchange import exchange  # noqa: E402
from tests.timeline.dirlog import FolderLog  # noqa: E402


class DyingLog(FolderLog):
    def __init__(self, root: Path, die: float) -> None:
        super().__init__(root)
        self.die = die

    def write(self, pk, slot):  # type: ignore[no-untyped-def]
        written = super().write(pk, slot)
        if written and random.random() < self.die:
            sys.stderr.write("killed after a write\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        return written


db, incident_id, tag, count = sys.argv[1], sys.argv[3], sys.argv[4], int(sys.argv[5])
log = DyingLog(Path(sys.argv[2]), float(sys.argv[6]) if len(sys.argv) > 6 else 0.0)
with Timeline(db, actor=f"{tag}@host") as tl:
    exchange(tl, log)
    for n in range(count):
        tl.note(incident_id, f"{tag} {n}", uid=f"{tag}-{n}")
        sys.stdout.write(f"{tag}-{n}\n")
        sys.stdout.flush()
        exchange(tl, log)

"""Times to recovery of the real incidents resolved lately: what a screen's MTTR is measured on.

Seed 002 holds the platform to "Time to Recovery < 4 hours, MTTR for incidents". The
timeline knows when each incident was detected and resolved; this reads them, read-only
(a status check must never write to, or create, the timeline), for incidents in mode
``incident`` only: a drill's or a tabletop's recovery is a rehearsal, not the service's.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

Recovery = tuple[datetime, datetime]


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def resolved_since(path: Path | str, since: datetime) -> list[Recovery]:
    """``(detected, resolved)`` of every real incident resolved at or after ``since``.

    No timeline file yet: none (nothing was ever declared). A file that cannot be read
    raises, and the source that asked shows it as unknown.
    """
    if not Path(path).exists():  # before any import: a status check on a host that never declared pays nothing
        return []
    from cockpit.timeline.model import Mode
    from cockpit.timeline.store import TimelineStore

    store = TimelineStore(path, read_only=True)
    try:
        out = []
        for incident in store.incidents(status="resolved"):
            if incident.mode != Mode.INCIDENT or not incident.resolved_at:
                continue
            resolved = _when(incident.resolved_at)
            if resolved >= since:
                out.append((_when(incident.detected_at), resolved))
        return out
    finally:
        store.close()

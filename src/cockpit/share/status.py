"""``cockpit share status``: what this host's share is, whether it answers, and who is on it.

A look, not a round: one ``Query`` of the directory (which brings the presence items), no
write. Each responder is judged alive by the age of its last beat (its wall time and this
host's, both corrected to AWS's clock): a one-shot command has no history of beats to
watch move, as a running cockpit has.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cockpit.share.log import TableLog
from cockpit.share.presence import Liveness, Presence
from cockpit.share.sync import CLOCK_OFF
from cockpit.timeline import Timeline, outbox


@dataclass
class Status:
    """The share as this host sees it now."""

    share: str
    node: str
    actor: str
    reachable: bool
    error: str | None
    offset_s: float | None
    responders: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    queued: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """What ``share status`` prints: a line per fact, then a line per responder and incident."""
        state = "reachable" if self.reachable else f"offline: {self.error}"
        clock = "" if self.offset_s is None else f" · clock {self.offset_s:+.1f} s against AWS" + (
            " (the times other hosts show of this host's events are off by as much)"
            if abs(self.offset_s) >= CLOCK_OFF else "")
        out = [f"share: {self.share} · {state}{clock}", f"this host: {self.actor} (node {self.node}) · "
               f"{self.queued} event{'s' if self.queued != 1 else ''} queued to leave"]
        if self.reachable:
            out.append(f"responders ({len(self.responders)} live):" if self.responders else "responders: none live")
            for r in self.responders:
                shows = ", ".join(r["following"]) or "no incident open"
                here = " (this file)" if r["node"] == self.node else ""
                out.append(f"  {r['actor']} on {r['host']}{here} · shows {shows} · beat {r['beat_age_s']:.0f} s ago"
                           + (f" · {r['queued']} queued" if r["queued"] else "")
                           + (f" · clock {r['offset_s']:+.0f} s" if abs(r["offset_s"]) >= CLOCK_OFF else ""))
        out.append("incidents shared here:" if self.incidents else "incidents shared here: none")
        for i in self.incidents:
            out.append(f"  {i['incident']} ({i['state']}) · log at slot {i['slot']}"
                       + (f" · {i['queued']} queued" if i["queued"] else ""))
        return out


def status(tl: Timeline, log: TableLog, share: str) -> Status:
    """Look once at the share from ``tl``'s host (never raises for the table: it says why)."""
    from cockpit.share.table import SHARE_PK
    from cockpit.sources.errors import classify
    from cockpit.timeline import mirror

    error = None
    try:
        log.read(SHARE_PK, mirror.cursor(tl.conn, SHARE_PK))
    except Exception as exc:  # botocore's and the network's: one line
        error = str(classify(exc))
    now = time.time()
    own = log.offset_s or 0.0
    liveness = Liveness(clock=lambda: now, wall=lambda: now)
    beats: list[Presence] = log.presence or []
    liveness.observe(beats, own)
    responders = [{"actor": p.actor, "host": p.host, "node": p.node, "following": list(p.following),
                   "beat_age_s": round(liveness.silent_for(p.node) or 0.0, 1), "queued": p.queued,
                   "offset_s": p.offset_s} for p in liveness.live()]
    rows = tl.conn.execute("SELECT incident_id, state FROM share_incidents ORDER BY incident_id").fetchall()
    incidents = []
    for incident_id, state in rows:
        pk = outbox.incident_pk(incident_id)
        waiting = tl.conn.execute("SELECT COUNT(*) FROM share_outbox WHERE pk = ?", (pk,)).fetchone()[0]
        incidents.append({"incident": incident_id, "state": "shared from here" if state == "shared" else "followed",
                          "slot": mirror.cursor(tl.conn, pk), "queued": int(waiting)})
    return Status(share, tl.node(), tl.actor, error is None, error, log.offset_s, responders, incidents,
                  outbox.queued(tl.conn))

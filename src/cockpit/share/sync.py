"""Keeping a timeline file in step with the share: rounds of ``timeline.exchange`` over the table.

One round pulls every followed log and pushes what this file has queued
(``timeline/exchange.py``; the safety is there and in SQLite). This module adds what a loop
around it needs: the table log, a line saying what a round did or why it failed (one line:
the table unreachable, throttled, credentials expired; ``sources/errors.classify``), and a
loop that backs off on failure and comes back within two seconds of a heal.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cockpit.share.log import TableLog
from cockpit.share.uri import ShareUri
from cockpit.timeline import Timeline
from cockpit.timeline.exchange import Round, exchange

#: Between rounds when all is well (the issue's two seconds, host to host), and at most
#: after failures (a heal is then seen within this).
INTERVAL, MAX_BACKOFF = 1.0, 2.0


@dataclass(frozen=True)
class Outcome:
    """A round's result as the status line says it."""

    round: Round | None
    error: str | None = None

    def short(self) -> str:
        """For the cockpit's header: ``shared``, ``shared · 3 queued``, ``share offline · 12 queued``."""
        queued = self.round.queued if self.round else 0
        state = "share offline" if self.error is not None else "shared"
        return f"{state} · {queued} queued" if queued or self.error is not None else state

    def line(self) -> str:
        if self.error is not None:
            queued = f" · {self.round.queued} queued" if self.round else ""
            return f"share offline: {self.error}{queued}"
        assert self.round is not None
        pulled = sum(a.added for a in self.round.pulled.values())
        stopped = [a.stopped for a in self.round.pulled.values() if a.stopped]
        parts = [f"{pulled} in", f"{self.round.sent} out", f"{self.round.queued} queued"]
        return "shared · " + ", ".join(parts) + ("".join(f" · stopped at {s}" for s in stopped))


def sync_once(tl: Timeline, log: TableLog) -> Outcome:
    """One round; a failure of the table is an :class:`Outcome` with its one line, never raised."""
    from cockpit.sources.errors import classify
    from cockpit.timeline import outbox

    from cockpit.timeline.model import TimelineError

    try:
        return Outcome(exchange(tl, log))
    except TimelineError as exc:  # this file refused a write (disk full, locked too long)
        return Outcome(Round(queued=outbox.queued(tl.conn)), f"timeline: {exc}")
    except Exception as exc:  # botocore's errors and the network's: said in one line
        return Outcome(Round(queued=outbox.queued(tl.conn)), str(classify(exc)))


def drain(tl: Timeline, uri: ShareUri, seconds: float = 3.0) -> Outcome:
    """Rounds until this file's queue is empty, for at most ``seconds``: what a one-shot
    command (``incident note``) does before it exits, so that its event reaches the other
    hosts without waiting for a cockpit's next round. The last outcome says what is left."""
    log = TableLog(uri, tl.node())
    deadline = time.monotonic() + seconds
    while True:
        outcome = sync_once(tl, log)
        if (outcome.error is None and outcome.round is not None and not outcome.round.queued) \
                or time.monotonic() >= deadline:
            return outcome
        time.sleep(0.3)


class ShareRefused(Exception):
    """The incident cannot be shared (its number is another's, the table cannot be reached); one line."""

    def __init__(self, message: str, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


def share_incident(tl: Timeline, log: TableLog, incident_id: str) -> Outcome:
    """Share an incident: reserve its number in the share (``TableLog.claim_number``), then
    queue it (``Timeline.share``) and send what can be sent now. Raises :class:`ShareRefused`
    when the number is another incident's, or cannot be reserved: nothing is shared then."""
    from cockpit.share.log import NumberTaken
    from cockpit.sources.errors import classify
    from cockpit.timeline import outbox
    from cockpit.timeline.model import EventKind

    incident = tl.incident(incident_id)
    if outbox.is_shared(tl.conn, incident.id):
        raise ShareRefused(f"{incident.id} is already shared")
    declared = [*tl.iter_events(incident.id, kinds=[EventKind.DECLARED], limit=1)]
    try:
        log.claim_number(incident.id, declared[0].uid if declared else incident.id, tl.actor)
    except NumberTaken as exc:
        raise ShareRefused(str(exc)) from None
    except Exception as exc:  # the table: unreachable, denied, throttled
        raise ShareRefused(f"share offline: {classify(exc)}; nothing shared (the number could not be "
                           "reserved)", offline=True) from None
    tl.share(incident.id)
    return sync_once(tl, log)


def watch(db: Path, actor: str, uri: ShareUri, report: Callable[[Outcome], None],
          stop: Callable[[], bool] = lambda: False) -> None:
    """Rounds until ``stop()``: every :data:`INTERVAL`, backing off (with jitter) up to
    :data:`MAX_BACKOFF` while the table fails. Its own connection to the file: another
    writer, like a second cockpit."""
    delay = INTERVAL
    with Timeline(db, actor) as tl:
        log = TableLog(uri, tl.node())
        while not stop():
            outcome = sync_once(tl, log)
            report(outcome)
            delay = INTERVAL if outcome.error is None else min(MAX_BACKOFF, delay * 2)
            time.sleep(delay * random.uniform(0.8, 1.0))

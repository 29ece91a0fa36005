"""Keeping a timeline file in step with the share: rounds of ``timeline.exchange`` over the table.

One round pulls every followed log and pushes what this file has queued
(``timeline/exchange.py``; the safety is there and in SQLite). This module adds what a loop
around it needs: the table log, a line saying what a round did or why it failed (one line:
the table unreachable, throttled, credentials expired; ``sources/errors.classify``), and a
loop that backs off on failure and comes back within two seconds of a heal.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from cockpit.share.log import TableLog
from cockpit.share.presence import BEAT, Liveness, Presence
from cockpit.share.uri import ShareUri
from cockpit.timeline import Timeline
from cockpit.timeline.exchange import Round, exchange

#: Between rounds when all is well (the issue's two seconds, host to host), and at most
#: after failures (a heal is then seen within this).
INTERVAL, MAX_BACKOFF = 1.0, 2.0
#: Longest wait between rounds by what failed: throttling asks for less (DynamoDB's advice is
#: to back off), a refused credential will not heal by itself (a login will); anything
#: else is a network that may heal at any moment.
_BACKOFF = {"share throttled": 30.0, "share: credentials expired": 10.0, "share: access denied": 10.0}
#: A clock this far from AWS's (seconds) is said in the header: the order is the hybrid
#: clock's and stays right, but the times shown on other hosts' events would look off.
CLOCK_OFF = 5.0


@dataclass(frozen=True)
class Outcome:
    """A round's result as the status line says it."""

    round: Round | None
    error: str | None = None
    #: The hosts alive on the share (this one included once its beat is in), when known.
    responders: tuple[Presence, ...] = ()
    #: This host's clock against AWS's, in seconds, when measured.
    offset_s: float | None = None
    #: This host's node, which counts as a responder to the incident it shows.
    node: str = ""

    #: Seconds since the share last answered (None: it has not failed, or never answered).
    silent_s: float | None = None

    def state(self) -> str:
        """What is wrong, in the words a responder acts on: waiting it out is not logging in again."""
        kind = (self.error or "").split(":", 1)[0]
        if kind == "throttled":
            return "share throttled"
        if kind == "timeline":  # this file refused (disk full, locked): the share is not the one away
            return "share paused"
        if kind == "credentials":
            return "share: access denied" if "denied" in (self.error or "").lower() else "share: credentials expired"
        return "share offline"

    def why(self) -> str:
        """The failure's own words (its kind left out where :meth:`state` already says it)."""
        error = self.error or ""
        return error if self.state() == "share offline" else error.partition(": ")[2] or error

    def responding(self, incident_id: str | None) -> int:
        """How many live hosts show ``incident_id`` (None: how many are live), this one included."""
        nodes = {p.node for p in self.responders if incident_id is None or incident_id in p.following}
        return len(nodes | ({self.node} if self.node else set()))

    def short(self, incident_id: str | None = None) -> str:
        """For the cockpit's header: ``shared · 3 responders``, ``shared · 1 responder · 3 queued``,
        ``share offline · 12 queued``; ``· clock +7 s`` when this host's clock is off."""
        queued = self.round.queued if self.round else 0
        if self.error is not None:
            parts = [self.state(), f"{queued} queued"]
            if self.silent_s is not None and self.silent_s >= 10:
                minutes, seconds = divmod(int(self.silent_s), 60)
                parts.append(f"last contact {minutes}:{seconds:02d} ago")
        else:
            count = self.responding(incident_id)
            parts = ["shared", f"{count} responder{'s' if count != 1 else ''}"]
            if queued:
                parts.append(f"{queued} queued")
            stopped = [a.stopped for a in self.round.pulled.values() if a.stopped] if self.round else []
            if stopped:  # events from a newer cockpit, or an incident of this number held here
                parts.append(f"{len(stopped)} log{'s' if len(stopped) != 1 else ''} stopped: {stopped[0]}")
        if self.offset_s is not None and abs(self.offset_s) >= CLOCK_OFF:
            parts.append(f"clock {self.offset_s:+.0f} s")
        return " · ".join(parts)

    def line(self) -> str:
        if self.error is not None:
            queued = f" · {self.round.queued} queued" if self.round else ""
            return f"{self.state()}: {self.why()}{queued}"
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
        return Outcome(exchange(tl, log), node=log.node)
    except TimelineError as exc:  # this file refused a write (disk full, locked too long)
        return Outcome(Round(queued=outbox.queued(tl.conn)), f"timeline: {exc}", node=log.node)
    except Exception as exc:  # botocore's errors and the network's: said in one line
        return Outcome(Round(queued=outbox.queued(tl.conn)), str(classify(exc)), node=log.node)


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


class Beats:
    """This host's presence: written when it starts, when what it shows changes, and every
    :data:`~cockpit.share.presence.BEAT` seconds; deleted when it stops."""

    def __init__(self, log: TableLog, actor: str) -> None:
        self.log, self.actor, self.host = log, actor, socket.gethostname()
        self.beat = 0
        self.liveness = Liveness()
        self._sent: tuple[float, tuple[str, ...]] | None = None

    def after(self, outcome: Outcome, following: tuple[str, ...]) -> Outcome:
        """After a round: beat if due, and the outcome with who is alive and the clock's offset."""
        if outcome.error is not None:
            self._sent = None  # back online, beat at once: the others have counted this host gone
            return outcome
        now = time.monotonic()
        if self._sent is None or self._sent[1] != following or now - self._sent[0] >= BEAT:
            self.beat += 1
            offset = self.log.offset_s or 0.0
            try:
                self.log.beat(Presence(self.log.node, self.actor, self.host, following, self.beat, time.time(),
                                       outcome.round.queued if outcome.round else 0, offset))
                self._sent = (now, following)
            except Exception:  # the table went away since the round: the next round says so
                pass
        if self.log.presence is not None:
            self.liveness.observe(self.log.presence, self.log.offset_s or 0.0)
        return replace(outcome, responders=tuple(self.liveness.live()), offset_s=self.log.offset_s,
                       node=self.log.node)

    def leave(self) -> None:
        if self._sent is not None:
            try:
                self.log.leave()
            except Exception:  # gone anyway: the others count it out after its silence
                pass


def watch(db: Path, actor: str, uri: ShareUri, report: Callable[[Outcome], None],
          stop: Callable[[], bool] = lambda: False,
          following: Callable[[], tuple[str, ...]] = lambda: ()) -> None:
    """Rounds until ``stop()``: every :data:`INTERVAL`, backing off (with jitter) up to
    :data:`MAX_BACKOFF` while the table fails, with this host's presence beating (it shows
    ``following()``). Its own connection to the file: another writer, like a second cockpit."""
    delay = INTERVAL
    with Timeline(db, actor) as tl:
        log = TableLog(uri, tl.node())
        beats = Beats(log, actor)
        answered = time.monotonic()
        try:
            while not stop():
                outcome = beats.after(sync_once(tl, log), following())
                if outcome.error is None:
                    answered, delay = time.monotonic(), INTERVAL
                else:
                    outcome = replace(outcome, silent_s=time.monotonic() - answered)
                    delay = min(_BACKOFF.get(outcome.state(), MAX_BACKOFF), delay * 2)
                report(outcome)
                deadline = time.monotonic() + delay * random.uniform(0.8, 1.0)
                while not stop() and time.monotonic() < deadline:  # a cockpit quitting is not kept waiting
                    time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        finally:
            beats.leave()


@contextmanager
def beside(db: Path, actor: str, uri: ShareUri, following: tuple[str, ...]) -> Iterator[None]:
    """Keep the file in step with the share while the block runs (a headless ``cockpit run``
    on a shared incident): its steps reach the others as they happen, a take-over of its run
    reaches it, and its presence beats, so nobody takes its run over while it drives it.
    On the way out, what is still queued is sent (up to 3 s)."""
    done = threading.Event()
    thread = threading.Thread(target=watch, args=(db, actor, uri, lambda outcome: None),
                              kwargs={"stop": done.is_set, "following": lambda: following},
                              name="share-sync", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
        with Timeline(db, actor) as tl:
            drain(tl, uri)

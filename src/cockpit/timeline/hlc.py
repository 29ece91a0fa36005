"""Hybrid logical clocks: one order for an incident's events that every host agrees on.

``seq`` is one file's commit order, and wall clocks disagree between hosts by seconds: a
timeline written on several hosts needs an order that follows causality (an event written
after another was seen sorts after it, whatever the writer's clock says), stays close to
wall time, and is the same on every host once they hold the same events. A hybrid logical
clock (Kulkarni et al., 2014) is that: ``(wall_ms, logical, node)``, where ``wall_ms`` is
the largest physical time seen, ``logical`` counts events within it, and ``node`` (random
per timeline file) breaks ties between hosts.

A stamp is fixed-width text whose text order is its tuple order, so SQLite sorts it with
an ordinary index: ``0193a6c2f1e8.0003.a1b2c3d4e5`` (12 hex digits of milliseconds since
1970, 4 of counter, 10 of node). The clock's state lives in the timeline file, advanced in
the transaction that commits the event (``store.py``): cockpits sharing one file share one
clock, so the file's clock order is its commit order, and a restart or a clock stepped back
never makes an event sort before one already written.

Pure functions only: the store owns the state, this module the rules.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

WALL_DIGITS, LOGICAL_DIGITS, NODE_DIGITS = 12, 4, 10
MAX_LOGICAL = 16**LOGICAL_DIGITS - 1
#: A remote clock further ahead of ours than this is not followed past it: one host with a
#: clock set days ahead must not drag every host's clock (and every later stamp) with it.
MAX_AHEAD_MS = 5 * 60 * 1000
PATTERN = re.compile(rf"[0-9a-f]{{{WALL_DIGITS}}}\.[0-9a-f]{{{LOGICAL_DIGITS}}}\.[0-9a-f]{{{NODE_DIGITS}}}")


def new_node() -> str:
    """A random node id: one per timeline file (two files on one host are two participants)."""
    return secrets.token_hex(NODE_DIGITS // 2)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, order=True)
class Stamp:
    """One clock reading; ``order=True`` compares as the text does."""

    wall_ms: int
    logical: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:0{WALL_DIGITS}x}.{self.logical:0{LOGICAL_DIGITS}x}.{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        if not isinstance(text, str) or not PATTERN.fullmatch(text):
            raise ValueError(f"not a clock stamp: {text!r} (expected 12.4.10 hex digits, like "
                             "0193a6c2f1e8.0003.a1b2c3d4e5)")
        wall, logical, node = text.split(".")
        return cls(int(wall, 16), int(logical, 16), node)


def _normal(wall_ms: int, logical: int, node: str) -> Stamp:
    """A counter past its width borrows a millisecond (65,536 events in one ms is no real
    rate; it keeps stamps fixed-width, so text order stays tuple order)."""
    if logical > MAX_LOGICAL:
        wall_ms, logical = wall_ms + 1, 0
    return Stamp(wall_ms, logical, node)


def tick(last: Stamp, physical_ms: int) -> Stamp:
    """The stamp of a local event, ``last`` being the clock's state: strictly after ``last``,
    at ``physical_ms`` when the wall clock is ahead of everything seen."""
    if physical_ms > last.wall_ms:
        return Stamp(physical_ms, 0, last.node)
    return _normal(last.wall_ms, last.logical + 1, last.node)


def receive(last: Stamp, remote: Stamp, physical_ms: int) -> Stamp:
    """The clock's state after seeing ``remote`` (the largest stamp of a batch of events
    from elsewhere): every later local event sorts after it, even when this host's wall
    clock is behind the writer's. A remote wall time more than :data:`MAX_AHEAD_MS` ahead of
    ours is followed only that far."""
    if remote.wall_ms > physical_ms + MAX_AHEAD_MS:  # followed only so far: its counter means nothing here
        remote = Stamp(physical_ms + MAX_AHEAD_MS, -1, remote.node)
    wall = max(last.wall_ms, remote.wall_ms, physical_ms)
    if wall == last.wall_ms == remote.wall_ms:
        logical = max(last.logical, remote.logical) + 1
    elif wall == last.wall_ms:
        logical = last.logical + 1
    elif wall == remote.wall_ms:
        logical = remote.logical + 1
    else:
        logical = 0
    return _normal(wall, logical, last.node)

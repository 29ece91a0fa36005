"""Who else is on the share: each host's presence beat, and which of them are alive.

Every cockpit keeping a file in step with the share writes its own ``SHARE``/``P#<node>``
item (no condition: a host writes only its own) when it starts, when the incident it shows
changes, and every :data:`BEAT` seconds; it deletes it when it stops. The item rides along
with the directory poll (``TableLog.read`` of ``SHARE`` asks for every key from its next
slot on, and ``P#`` sorts after the slots), so knowing who is there costs no request.

A host killed without deleting its item is judged by its silence, on the *observer's*
clock: a beat that has not changed for :data:`SILENT_AFTER` seconds is a host gone. A beat
seen for the first time is dated by the wall time it carries, corrected by the offset
both hosts measured against AWS's clock, so a cockpit started after a colleague's crash
does not count them for the next minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cockpit.share.table import SHARE_PK, presence_sk

#: Seconds between a host's beats; the header's count follows arrivals within one poll.
BEAT = 15.0
#: A host whose beat has not moved for this long is not counted (three beats missed).
SILENT_AFTER = 3 * BEAT

#: Incidents one presence item names at most (a cockpit shows one; a hostile item more).
_MAX_FOLLOWING = 20


@dataclass(frozen=True)
class Presence:
    """One host on the share, as its ``P#`` item says."""

    node: str
    actor: str
    host: str
    following: tuple[str, ...]  # the incident(s) its cockpit shows; () for a bare `share sync`
    beat: int
    at: float  # its wall time at the beat (epoch seconds)
    queued: int = 0
    offset_s: float = 0.0  # its clock against AWS's: +7 means seven seconds ahead

    def item(self) -> dict[str, Any]:
        """The ``PutItem`` item (the caller redacts text it did not make itself)."""
        return {"pk": {"S": SHARE_PK}, "sk": {"S": presence_sk(self.node)}, "actor": {"S": self.actor or "-"},
                "host": {"S": self.host or "-"}, "following": {"S": " ".join(self.following)},
                "beat": {"N": str(self.beat)}, "at": {"N": f"{self.at:.3f}"}, "queued": {"N": str(self.queued)},
                "offset_s": {"N": f"{self.offset_s:.1f}"}}


def parse(item: dict[str, Any]) -> Presence | None:
    """A ``P#`` item as a :class:`Presence`; None when it is not one a cockpit wrote (one bad
    item never stops a poll)."""
    try:
        node = item["sk"]["S"].removeprefix("P#")

        def text(name: str) -> str:
            return str(item.get(name, {}).get("S", ""))[:200]

        def number(name: str) -> float:
            value = float(item.get(name, {}).get("N", "0"))
            return value if value == value and abs(value) < 1e12 else 0.0  # no NaN, no absurd

        following = tuple(text("following").split())[:_MAX_FOLLOWING]
        return Presence(node, text("actor"), text("host"), following, int(number("beat")), number("at"),
                        int(number("queued")), number("offset_s"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


class Liveness:
    """Which hosts are alive, from the beats seen so far (one per observer: it keeps history)."""

    def __init__(self, clock: Any = time.monotonic, wall: Any = time.time) -> None:
        self._clock, self._wall = clock, wall
        #: node -> (the last beat seen, the observer's monotonic time it was first seen).
        self._seen: dict[str, tuple[int, float]] = {}
        self._last: dict[str, Presence] = {}

    def observe(self, beats: list[Presence], own_offset_s: float = 0.0) -> None:
        """Take in a poll's presence items (all of them: an item missing is a host that left)."""
        now = self._clock()
        present = {p.node for p in beats}
        for node in [n for n in self._last if n not in present]:
            del self._last[node], self._seen[node]
        for p in beats:
            seen = self._seen.get(p.node)
            if seen is None:
                # Its age by the wall clocks, both corrected to AWS's: a beat written long ago
                # is not taken for a new one.
                age = max(0.0, (self._wall() - own_offset_s) - (p.at - p.offset_s))
                self._seen[p.node] = (p.beat, now - age)
            elif seen[0] != p.beat:
                self._seen[p.node] = (p.beat, now)
            self._last[p.node] = p

    def live(self) -> list[Presence]:
        """The hosts whose beat moved within :data:`SILENT_AFTER` seconds, by actor."""
        now = self._clock()
        return sorted((p for node, p in self._last.items() if now - self._seen[node][1] < SILENT_AFTER),
                      key=lambda p: (p.actor, p.node))

    def silent_for(self, node: str) -> float | None:
        """Seconds since ``node``'s beat last moved (None: never seen)."""
        seen = self._seen.get(node)
        return None if seen is None else self._clock() - seen[1]


def fetch(client: Any, table: str, node: str) -> Presence | None:
    """``node``'s presence item, read consistently (None: it has none: never beat, or left)."""
    answer = client.get_item(TableName=table, ConsistentRead=True,
                             Key={"pk": {"S": SHARE_PK}, "sk": {"S": presence_sk(node)}})
    return parse(answer["Item"]) if "Item" in answer else None


def is_live(beat: Presence | None, wall: float | None = None) -> bool:
    """Whether a host that beat ``beat`` counts as there, by its age alone (for a look once:
    a running cockpit judges by beats moving, :class:`Liveness`)."""
    now = time.time() if wall is None else wall
    return beat is not None and now - (beat.at - beat.offset_s) < SILENT_AFTER

"""How successive alarm snapshots become transitions: the one detector the pane and the timeline share.

A source polls snapshots, not events, so a transition is read off a snapshot by comparing
each alarm's state with the state last known for it. *Who* knows that state differs:

- the alarms pane compares with the previous snapshot it drew (its history of every change
  this cockpit saw, and the ``NEW`` highlight of an alarm that started firing);
- the incident's alarm log compares with the timeline's last logged transition of the alarm
  (``timeline/alarm_log.py``), so that two cockpits, or one restarted, log a firing once.

Both ask :func:`changes` which alarms changed, and both call a change from ALARM a firing and
a return from ALARM to OK a clearing (:attr:`AlarmChange.fired`, :attr:`AlarmChange.cleared`),
so the pane's recent transitions and the timeline's log cannot disagree on what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)


class AlarmLike(Protocol):
    """What a transition needs of an alarm (``sources.alarms.AlarmItem``, or a test's stand-in)."""

    name: str
    region: str
    state: str  # ALARM | INSUFFICIENT_DATA | OK
    reason: str
    severity: str
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlarmChange(Generic[K]):
    """An alarm whose state differs from the one last known for it."""

    #: The alarm's key where its state is known (the pane's row key, the timeline's (name, region)).
    key: K
    #: The alarm as the latest snapshot has it.
    alarm: AlarmLike
    #: Its state last known (None: never seen before).
    before: str | None

    @property
    def fired(self) -> bool:
        """It is in ALARM now and was not."""
        return self.alarm.state == "ALARM"

    @property
    def cleared(self) -> bool:
        """It was in ALARM and is back to OK (no data is not a recovery)."""
        return self.alarm.state == "OK" and self.before == "ALARM"


def changes(alarms: Iterable[tuple[K, AlarmLike]], known: Callable[[K], str | None]) -> list[AlarmChange[K]]:
    """The alarms of one snapshot, as (key, alarm), whose state is not ``known(key)``, the state
    last known for the alarm (None when unknown), in the snapshot's order."""
    out = []
    for key, alarm in alarms:
        before = known(key)
        if before != alarm.state:
            out.append(AlarmChange(key, alarm, before))
    return out

"""The cluster's clock: world time inside, the client's wall clock at the HTTP edge.

The emulated cluster lives on the scenario's :class:`ScenarioClock`, the one clock the AWS
side and the scenario driver share: everything it stamps (``creationTimestamp``, pod start
times, conditions, Events, log lines, metrics windows) is *world time*
(``clock.world_now()``), and its controller's progress (a pod ready ``restart_seconds``
after it started, crash-loop restarts, event expiry) is measured in world seconds. So pause
freezes the cluster and ``--speed`` scales it.

Clients do not know world time: kubectl computes ``AGE`` and ``LAST SEEN`` of what it is
sent against its own wall clock, and ``--since-time`` is a wall time. So, as CloudWatch's
edge does (``wsgi_cloudwatch.py``), times are translated where they cross HTTP, with the
offset at answer time (``world_now() - time.time()``): world→wall on the way out, wall→world
on the way in. Ages are differences, which the shift preserves: what happened 31 scenario
minutes ago is stamped 31 minutes ago, whoever asks and however fast the scenario plays.
While paused the offset shrinks as fast as wall time runs, so ages stand still.

Which fields are times is known by name, as in Kubernetes' Go types (every ``metav1.Time``
and ``MicroTime`` field is one of :data:`TIME_FIELDS`). User data is never rewritten: the
walk does not enter ``data``, ``binaryData``, ``stringData``, ``labels`` or ``annotations``
(so ``kubectl.kubernetes.io/restartedAt``, which kubectl writes from its own clock, stays as
written).
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from cockpit.estate.clock import ScenarioClock

#: Field names that hold an RFC 3339 time in the API's objects (and in Alertmanager's alerts).
TIME_FIELDS = frozenset({
    "creationTimestamp", "deletionTimestamp", "startTime", "startedAt", "finishedAt", "lastTransitionTime",
    "lastUpdateTime", "lastProbeTime", "lastHeartbeatTime", "firstTimestamp", "lastTimestamp", "eventTime",
    "timestamp", "time", "lastScheduleTime", "startsAt", "endsAt", "updatedAt", "timeAdded",
})
#: Maps of user data: their keys are not field names, and their values are never shifted.
_OPAQUE = frozenset({"data", "binaryData", "stringData", "labels", "annotations"})


class WorldTime:
    """World time for the cluster (``now``) and the translation at its HTTP edge."""

    def __init__(self, clock: ScenarioClock | None = None) -> None:
        #: The scenario clock; a cluster started on its own gets one at speed 1 (world = wall).
        self.clock = clock or ScenarioClock()

    def now(self) -> float:
        """World time in epoch seconds: what the cluster stamps and measures progress in."""
        return self.clock.world_now()

    def offset(self) -> float:
        """World minus wall, now: subtract from a world time to show it on a client's clock."""
        return self.clock.world_now() - time.time()

    def to_client(self, value: Any, offset: float | None = None) -> Any:
        """A copy of ``value`` (an object, list, Table, watch event) with its times world→wall."""
        return shift(value, -(self.offset() if offset is None else offset))

    def from_client(self, value: Any, offset: float | None = None) -> Any:
        """A copy of a client's body (object, merge patch or JSON patch) with its times wall→world."""
        delta = self.offset() if offset is None else offset
        if isinstance(value, list):  # a JSON patch: ops name their field in the path
            return [_shift_op(op, delta) for op in value]
        return shift(value, delta)


def _shift_op(op: Any, delta: float) -> Any:
    if not isinstance(op, dict) or "value" not in op:
        return op
    *parents, field = str(op.get("path", "")).split("/")
    if field in _OPAQUE or (parents and parents[-1] in _OPAQUE):  # user data, never rewritten
        return op
    if field in TIME_FIELDS and isinstance(op["value"], str):
        return {**op, "value": _shift_time(op["value"], delta)}
    return {**op, "value": shift(op["value"], delta)}


def shift(value: Any, delta: float) -> Any:
    """``value`` with every time field moved by ``delta`` seconds (a deep copy where changed)."""
    if isinstance(value, dict):
        return {k: (v if k in _OPAQUE else
                    _shift_time(v, delta) if k in TIME_FIELDS and isinstance(v, str) else shift(v, delta))
                for k, v in value.items()}
    if isinstance(value, list):
        return [shift(v, delta) for v in value]
    return value


def _shift_time(value: str, delta: float) -> str:
    """An RFC 3339 time moved by ``delta``, in the same precision; anything else unchanged."""
    try:
        at = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    moved = datetime.datetime.fromtimestamp(at.timestamp() + delta, tz=datetime.UTC)
    return moved.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if "." in value else "%Y-%m-%dT%H:%M:%SZ")

"""How scheduled faults and the responders' fixes compose: the last word on a target wins.

A scenario's events are the world as it would go if nobody acted ("at 15m api-gateway is
down to 1 ready"); its reactions are the world answering what the responders did ("after
the DR restart, api-gateway is healthy on eu-central-1"). Replayed naively, a fault
scheduled for 15m landed on top of a failover finished at 12m, and pinned the restarted
api-gateway at 1 ready: a dr-failover run waited for its rollout forever. In the world, a
failed-over service is not hit by the primary region's later symptoms.

So a reaction's change to a target (an alarm, an endpoint, a deployment, a node, one
replication metric of a pair, a metric, a regional outage) *settles* it, and a scheduled
event that comes due afterwards no longer touches what was settled: the part of it that
names settled targets is dropped, the rest still happens. Settling is per target, not per
event, so a replication event that ramps the lag and the pending count still ramps the
pending count after a reaction that only reset the lag. What no reaction touched goes on
as scheduled: after the failover the primary region's S3 stays down (its outage and its
silent replication metrics are the world's, not the responders'), and the failback finds
it as the world left it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from cockpit.content.scenario import Action

_REPLICATION_FIELDS = ("latency_seconds", "pending_operations", "failed_operations", "bytes_pending", "published")


def targets(action: Action) -> dict[Hashable, str | None]:
    """What ``action`` changes, each target mapped to the field of the action that changes it
    (None: the whole action). Narration, log lines and object or item writes change nothing
    a later fault could undo, so they have no target and are never superseded."""
    if action.alarm:
        return {("alarm", action.alarm.name): None}
    if action.http:
        return {("http", action.http.endpoint): None}
    if action.k8s:
        return {("k8s", action.k8s.namespace, action.k8s.deployment): None}
    if action.node:
        return {("node", action.node.name): None}
    if action.metric:
        m = action.metric
        return {("metric", m.region, m.namespace, m.name, tuple(sorted(m.dimensions.items()))): None}
    if action.outage:
        return {("outage", action.outage.service, action.outage.region): None}
    if action.replication:
        r = action.replication
        return {("replication", r.pair, name): name for name in _REPLICATION_FIELDS if getattr(r, name) is not None}
    return {}


def unsettled(action: Action, settled: Iterable[Hashable]) -> Action | None:
    """``action`` without what ``settled`` targets it would change; None if nothing is left.
    An action without targets is returned as it is."""
    mine = targets(action)
    if not mine:
        return action
    gone = [target for target in mine if target in set(settled)]
    if not gone:
        return action
    if len(gone) == len(mine):
        return None
    # Only a replication change has several targets: drop the settled fields.
    assert action.replication is not None
    kept = action.replication.model_copy(update={mine[t]: None for t in gone})
    return action.model_copy(update={"replication": kept})

"""The scenario driver: replays a scenario on the estate, and makes the estate react.

It ticks a few times a second on the estate's event loop. Each tick it fires the events
and injects whose time has come (in time order, file order among equal times: a file may
group its lines by topic; an inject changes nothing in the estate, it is a happening the
exercise turns into a timeline event and a banner), checks each reaction's trigger against the live
estate (the ConfigMap, restarts, the Route53 health check), and keeps the storage
service's behaviour honest: storage-service reads ``storage-config`` when it restarts,
so the health endpoint's region changes only after a restart, as in production.

Scheduled events and reactions compose as the world would (``estate/composition.py``): a
target a reaction has set (the failover's healthy api-gateway) is settled, and later
events no longer undo it; what no reaction touched (the primary region's outage) goes on.

AWS calls go through boto3 (synchronous), so they run in threads; the Kubernetes
emulator and the estate state are touched in-loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from cockpit.content.scenario import Action, Event, Inject, Ramp, Reaction, Scenario
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.composition import targets, unsettled
from cockpit.estate.state import EstateState

log = logging.getLogger(__name__)

STORAGE_NAMESPACE = "greenlang"
STORAGE_DEPLOYMENT = "storage-service"
STORAGE_CONFIGMAP = "storage-config"


class Aws(Protocol):
    def set_alarm_state(self, alarm_name: str, state: str, reason: str) -> None: ...
    def set_replication_level(self, pair_id: str, metric: str, to: float | None, over: float = 0.0) -> None: ...
    def set_metric_level(self, region: str, namespace: str, name: str, dimensions: dict[str, str],
                         to: float | None, over: float = 0.0) -> None: ...
    def health_check_disabled(self, name: str = "HC-PRIMARY-S3") -> bool: ...
    def put_log_lines(self, group: str, lines: list[str]) -> None: ...
    def client(self, service: str, region: str) -> Any: ...
    def set_outage(self, service: str, region: str, down: bool) -> None: ...
    def set_key_max_age(self, seconds: float | None) -> None: ...


class Kube(Protocol):
    def set_degraded(self, namespace: str, deployment: str, ready_replicas: int | None) -> None: ...
    def configmap_data(self, namespace: str, name: str) -> dict[str, str]: ...
    def restarted_at(self, namespace: str, deployment: str) -> str | None: ...
    def set_node_ready(self, name: str, ready: bool) -> None: ...
    def join_node(self, name: str) -> None: ...
    def read(self, resource: str, namespace: str, name: str | None) -> Any: ...
    def observe(self, callback: Callable[[], None]) -> None: ...


@dataclass
class Happening:
    """Something the driver did, for the scenario clock screen and drill reports."""

    at: float  # scenario seconds
    wall: float  # epoch seconds
    kind: str
    summary: str
    source: str  # "event", "inject" or the reaction id
    detail: dict[str, Any] | None = None  # an inject's id, title, message, audience

    def as_dict(self) -> dict[str, Any]:
        out = {"at": self.at, "wall": self.wall, "kind": self.kind, "summary": self.summary, "source": self.source}
        if self.detail is not None:
            out["detail"] = self.detail
        return out


def describe(action: Action) -> str:
    """A one-line account of an action, for logs and the clock screen."""
    kind = action.kind
    if action.say is not None:
        return action.say
    if action.alarm:
        return f"alarm {action.alarm.name} → {action.alarm.state}"
    if action.replication:
        moved = [name for name in ("latency_seconds", "pending_operations", "failed_operations", "bytes_pending")
                 if getattr(action.replication, name) is not None]
        change = f"replication {action.replication.pair}: {', '.join(moved)} moving" if moved else \
            f"replication {action.replication.pair}:"
        if action.replication.published is not None:
            change += " metrics published again" if action.replication.published else " no metrics published"
        return change
    if action.http:
        return f"endpoint {action.http.endpoint} answers {action.http.status}"
    if action.k8s:
        ready = "healthy" if action.k8s.ready is None else f"{action.k8s.ready} ready"
        return f"deployment {action.k8s.namespace}/{action.k8s.deployment}: {ready}"
    if action.node:
        if action.node.joins:
            return f"node {action.node.name} joins the cluster, Ready"
        return f"node {action.node.name} {'Ready' if action.node.ready else 'NotReady'}"
    if action.metric:
        m = action.metric
        level = f"{m.value.to} over {m.value.over:g}s" if isinstance(m.value, Ramp) else f"{m.value}"
        return f"metric {m.namespace}/{m.name} → {level}"
    if action.s3_object:
        return f"s3://{action.s3_object.bucket}/{action.s3_object.key}: new version written"
    if action.dynamodb_item:
        d = action.dynamodb_item
        return f"dynamodb {d.table}: item {'deleted' if d.delete else 'overwritten'}"
    if action.log:
        return f"log {action.log.group}: {len(action.log.lines)} line(s)"
    if action.outage:
        o = action.outage
        return f"{o.service} {o.region}: {'recovered' if o.over else 'outage: data plane answers 503'}"
    if action.aws:
        return f"aws {action.aws.service} {action.aws.operation} ({action.aws.region})"
    if action.access_key_policy:
        age = action.access_key_policy.max_age
        return ("access keys never expire" if age is None
                else f"access keys older than {age / 86400:g} days are deactivated (rotation policy)")
    if action.backups:
        return f"database backups stopped {action.backups.stopped_for / 3600:g} h ago: no dump since"
    return kind


def _attribute(value: Any) -> dict[str, Any]:
    """A plain YAML value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": repr(value)}
    return {"S": str(value)}


#: ReplicationChange field -> the S3 metric it moves.
_REPLICATION_METRICS = {"latency_seconds": "ReplicationLatency", "pending_operations": "OperationsPendingReplication",
                        "failed_operations": "OperationsFailedReplication", "bytes_pending": "BytesPendingReplication"}


@dataclass
class _ReactionWatch:
    reaction: Reaction
    #: restartedAt of each watched deployment as last seen *before* the ConfigMap condition
    #: held. Taken from the previous tick, because a responder's patch and restarts can all
    #: land between two ticks.
    before: dict[str, str | None] = field(default_factory=dict)
    holding: bool = False
    fired: bool = False
    #: The ``aws`` condition was seen not holding: from then on its holding is a change someone made.
    aws_unheld: bool = False
    aws_polled: float = 0.0  # monotonic time of the last poll (an AWS round trip: at most twice a second)
    aws_holds: bool = False
    #: The ``k8s`` condition was seen not holding (as ``aws_unheld``).
    k8s_unheld: bool = False
    #: ...and then seen holding, at some change of the cluster: latched, because the state a
    #: responder's step leaves (a node cordoned) may be gone by the next tick (the node deleted).
    k8s_came_to_hold: bool = False


@dataclass
class ScenarioDriver:
    scenario: Scenario | None
    state: EstateState
    aws: Aws
    kube: Kube
    clock: ScenarioClock
    tick_seconds: float = 0.1
    happenings: list[Happening] = field(default_factory=list)
    _next_event: int = 0
    _next_inject: int = 0
    #: The scenario's events and injects in the order they happen (a stable sort by ``at``).
    _events: list[Event] = field(default_factory=list)
    _injects: list[Inject] = field(default_factory=list)
    _watches: list[_ReactionWatch] = field(default_factory=list)
    _storage_restart: str | None = None
    _last_hc_poll: float = 0.0
    _hc_cache: dict[str, bool] = field(default_factory=dict)
    #: Targets a reaction has set, and which reaction: later events leave them be.
    _settled: dict[Hashable, str] = field(default_factory=dict)
    #: (service, region) pairs whose outage holds now.
    outages: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.scenario:
            self._watches = [_ReactionWatch(r) for r in self.scenario.reactions]
            self._events = sorted(self.scenario.events, key=lambda e: e.at)
            self._injects = sorted(self.scenario.injects, key=lambda i: i.at)
        self._storage_restart = self.kube.restarted_at(STORAGE_NAMESPACE, STORAGE_DEPLOYMENT)
        if any(w.reaction.when.k8s for w in self._watches):
            self._see_cluster()
            self.kube.observe(self._see_cluster)

    # -- the loop ---------------------------------------------------------------------
    async def run(self) -> None:
        """Tick until cancelled. A failing tick is logged and the next one tries again."""
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # the estate must outlive one bad tick; the log says what broke
                log.exception("scenario tick failed")
            await asyncio.sleep(self.tick_seconds)

    async def tick(self) -> None:
        await self.fire_due_events()
        self.follow_storage_restarts()
        await self.check_reactions()

    # -- events -----------------------------------------------------------------------
    @property
    def next_event_at(self) -> float | None:
        if self._next_event >= len(self._events):
            return None
        return self._events[self._next_event].at

    @property
    def next_inject_at(self) -> float | None:
        if self._next_inject >= len(self._injects):
            return None
        return self._injects[self._next_inject].at

    async def fire_due_events(self) -> None:
        if not self.scenario:
            return
        now = self.clock.now()
        events, injects = self._events, self._injects
        while self._next_event < len(events) and events[self._next_event].at <= now:
            event = events[self._next_event]
            self._next_event += 1
            rest = unsettled(event, self._settled)
            if rest is not event:
                self._superseded(event, rest)
            if rest is not None:
                await self.apply(rest, source="event", at=event.at)
        while self._next_inject < len(injects) and injects[self._next_inject].at <= now:
            self.inject(injects[self._next_inject])
            self._next_inject += 1

    def _superseded(self, event: Action, rest: Action | None) -> None:
        """Say which scheduled change did not happen, and which reaction had answered it first."""
        at = getattr(event, "at", self.clock.now())
        by = sorted({self._settled[t] for t in targets(event) if t in self._settled})
        what = describe(event) if rest is None else f"{describe(event)} (in part)"
        summary = f"not applied: {what}; already answered by {', '.join(by)}"
        self.happenings.append(Happening(at, time.time(), "superseded", summary, ", ".join(by)))
        log.info("scenario event at %.0fs %s", at, summary)

    def inject(self, inject: Inject) -> None:
        detail = {"id": inject.id, "title": inject.title, "message": inject.message, "audience": inject.audience}
        self.happenings.append(Happening(inject.at, time.time(), "inject", inject.title, "inject", detail))
        log.info("scenario inject at %.0fs: %s", inject.at, inject.title)

    async def fire_next_now(self) -> Happening | None:
        """Facilitator's 'next': jump the clock to the next event or inject, whichever comes first, and fire it."""
        times = [t for t in (self.next_event_at, self.next_inject_at) if t is not None]
        if not times:
            return None
        self.clock.jump_to(min(times))
        before = len(self.happenings)
        await self.fire_due_events()
        return self.happenings[before] if len(self.happenings) > before else None

    async def fire_next_inject_now(self) -> Happening | None:
        """Jump to the next inject, firing every event due before it (the world moves on too)."""
        at = self.next_inject_at
        if at is None:
            return None
        self.clock.jump_to(at)
        before = len(self.happenings)
        await self.fire_due_events()
        return next((h for h in self.happenings[before:] if h.kind == "inject"), None)

    async def apply(self, action: Action, *, source: str, at: float | None = None) -> None:
        """Carry out one action on the estate and remember it."""
        when = self.clock.now() if at is None else at
        if action.alarm:
            a = action.alarm
            await asyncio.to_thread(self.aws.set_alarm_state, a.name, a.state, a.reason)
        elif action.replication:
            await asyncio.to_thread(self._replication, action.replication)
        elif action.http:
            self.state.apply_http(action.http)
        elif action.k8s:
            self.kube.set_degraded(action.k8s.namespace, action.k8s.deployment, action.k8s.ready)
        elif action.node and action.node.joins:
            self.kube.join_node(action.node.name)
        elif action.node:
            self.kube.set_node_ready(action.node.name, action.node.ready)
        elif action.metric:
            m = action.metric
            to, over = (m.value.to, m.value.over) if isinstance(m.value, Ramp) else (float(m.value), 0.0)
            await asyncio.to_thread(self.aws.set_metric_level, m.region, m.namespace, m.name, m.dimensions, to, over)
        elif action.s3_object:
            await asyncio.to_thread(self._put_object, action.s3_object)
        elif action.dynamodb_item:
            await asyncio.to_thread(self._change_item, action.dynamodb_item)
        elif action.log:
            await asyncio.to_thread(self.aws.put_log_lines, action.log.group, list(action.log.lines))
        elif action.outage:
            o = action.outage
            await asyncio.to_thread(self.aws.set_outage, o.service, o.region, not o.over)
            (self.outages.discard if o.over else self.outages.add)((o.service, o.region))
        elif action.aws:
            await asyncio.to_thread(self._aws_call, action.aws)
        elif action.access_key_policy:
            await asyncio.to_thread(self.aws.set_key_max_age, action.access_key_policy.max_age)
        elif action.backups:
            from cockpit.estate import backup_dumps

            since = self.clock.world_now() - action.backups.stopped_for
            await asyncio.to_thread(backup_dumps.stop, self.aws.client, since)
        self.happenings.append(Happening(when, time.time(), action.kind, describe(action), source))
        log.info("scenario %s at %.0fs: %s", source, when, describe(action))

    def _replication(self, change: Any) -> None:
        """Move a pair's metrics (scenario-time ramps) and tell the metric store what S3 publishes."""
        pair = self.state.pair(change.pair)
        now = self.clock.now()
        if change.published is not None and change.published != pair.published:
            pair.published = change.published
            for name, metric in _REPLICATION_METRICS.items():  # stop, or go on from where each stands
                level = getattr(pair, name).current(now) if change.published else None
                self.aws.set_replication_level(change.pair, metric, level)
        for name, metric in _REPLICATION_METRICS.items():
            level = getattr(change, name)
            if level is None:
                continue
            getattr(pair, name).set(level, now)
            if pair.published:
                to, over = (level.to, level.over) if isinstance(level, Ramp) else (float(level), 0.0)
                self.aws.set_replication_level(change.pair, metric, to, over)

    def _aws_call(self, call: Any) -> Any:
        """Make one AWS call with the estate's own (internal) client: the world changing, not a user."""
        from botocore import xform_name

        client = self.aws.client_as(call.as_user, call.service, call.region) if call.as_user else \
            self.aws.client(call.service, call.region)
        return getattr(client, xform_name(call.operation))(**call.params)

    def _put_object(self, change: Any) -> None:
        from cockpit.estate import catalogue

        region = next((b.region for b in catalogue.BUCKETS if b.name == change.bucket), catalogue.US_REGION)
        self.aws.client("s3", region).put_object(Bucket=change.bucket, Key=change.key, Body=change.body.encode(),
                                                 ContentType=change.content_type)

    def _change_item(self, change: Any) -> None:
        from cockpit.estate import catalogue

        ddb = self.aws.client("dynamodb", catalogue.FLIGHT_SCHOOL.region)
        if change.delete is not None:
            ddb.delete_item(TableName=change.table, Key={k: {"S": v} for k, v in change.delete.items()})
        else:
            ddb.put_item(TableName=change.table, Item={k: _attribute(v) for k, v in change.item.items()})

    # -- the estate reacting to responders ---------------------------------------------
    def follow_storage_restarts(self) -> None:
        """storage-service picks up storage-config only when it restarts."""
        restarted = self.kube.restarted_at(STORAGE_NAMESPACE, STORAGE_DEPLOYMENT)
        if restarted != self._storage_restart:
            self._storage_restart = restarted
            data = self.kube.configmap_data(STORAGE_NAMESPACE, STORAGE_CONFIGMAP)
            self.state.storage_region = data.get("AWS_REGION", self.state.storage_region)
            self.state.storage_dr_mode = data.get("DR_MODE", "false").lower() == "true"

    async def check_reactions(self) -> None:
        for watch in self._watches:
            if not watch.fired and await self._triggered(watch):
                watch.fired = True
                if watch.reaction.say:
                    self.happenings.append(Happening(self.clock.now(), time.time(), "say", watch.reaction.say,
                                                     watch.reaction.id))
                for action in watch.reaction.then:
                    self._settled.update(dict.fromkeys(targets(action), watch.reaction.id))
                    await self.apply(action, source=watch.reaction.id)

    async def _triggered(self, watch: _ReactionWatch) -> bool:
        when = watch.reaction.when
        if when.after:
            fired = {w.reaction.id for w in self._watches if w.fired}
            if not all(r in fired for r in when.after):
                # Nothing is tracked yet: a restart before the prerequisite must not count.
                return False
        if when.configmap:
            cm = when.configmap
            data = self.kube.configmap_data(cm.namespace, cm.name)
            holds = all(data.get(k) == v for k, v in cm.data.items())
            current = {d: self.kube.restarted_at(cm.namespace, d) for d in when.restarted}
            if not holds:
                # Reverted or not yet applied: restarts must come after the next change.
                watch.holding, watch.before = False, current
                return False
            if not watch.holding:
                watch.holding = True
                watch.before = {d: watch.before.get(d, current[d]) for d in when.restarted}
            if any(current[d] == watch.before[d] for d in when.restarted):
                return False
        if when.health_check_disabled:
            if not await self._health_check_disabled(when.health_check_disabled):
                return False
        if when.aws and not await self._aws_holds(watch):
            return False
        if when.k8s and not self._k8s_holds(watch):
            return False
        return True

    def _see_cluster(self) -> None:
        """Read each waiting ``when.k8s`` condition at every change of the cluster (in-process,
        no round trip), latching when it comes to hold after being seen not holding."""
        import jmespath

        for watch in self._watches:
            condition = watch.reaction.when.k8s
            if condition is None or watch.fired or watch.k8s_came_to_hold:
                continue
            answer = self.kube.read(condition.resource, condition.namespace, condition.name)
            if jmespath.search(condition.holds, answer) in (None, False, [], {}, ""):
                watch.k8s_unheld = True
            elif watch.k8s_unheld:
                watch.k8s_came_to_hold = True

    def _k8s_holds(self, watch: _ReactionWatch) -> bool:
        """Whether the reaction's read of the cluster has come to hold (seen not holding first)."""
        self._see_cluster()
        return watch.k8s_came_to_hold

    async def _aws_holds(self, watch: _ReactionWatch) -> bool:
        """Whether the reaction's AWS read has come to hold (seen not holding first)."""
        import jmespath

        if time.monotonic() - watch.aws_polled < 0.5:
            return watch.aws_holds
        watch.aws_polled = time.monotonic()
        condition = watch.reaction.when.aws
        answer = await asyncio.to_thread(self._aws_call, condition)
        found = jmespath.search(condition.holds, answer)
        holds = found not in (None, False, [], {}, "")
        if not holds:
            watch.aws_unheld = True
        watch.aws_holds = holds and watch.aws_unheld
        return watch.aws_holds

    async def _health_check_disabled(self, name: str) -> bool:
        # An AWS round trip: poll at most once a second, not every tick.
        if time.monotonic() - self._last_hc_poll >= 1.0 or name not in self._hc_cache:
            self._last_hc_poll = time.monotonic()
            self._hc_cache[name] = await asyncio.to_thread(self.aws.health_check_disabled, name)
        return self._hc_cache[name]

    # -- status ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "scenario": self.scenario.id if self.scenario else None,
            "title": self.scenario.title if self.scenario else None,
            "elapsed": self.clock.now(),
            "speed": self.clock.speed,
            "paused": self.clock.paused,
            "next_event_at": self.next_event_at,
            "next_inject_at": self.next_inject_at,
            "events_total": len(self.scenario.events) if self.scenario else 0,
            "events_fired": self._next_event,
            "injects_total": len(self.scenario.injects) if self.scenario else 0,
            "injects_fired": self._next_inject,
            "reactions_fired": [w.reaction.id for w in self._watches if w.fired],
            "happenings": [h.as_dict() for h in self.happenings],
            "storage": {"region": self.state.storage_region, "dr_mode": self.state.storage_dr_mode},
            "outages": [f"{service} {region}" for service, region in sorted(self.outages)],
            "replication": {p: self.state.pair(p).snapshot(now) for p in ("data-lake", "reports", "models")},
        }

"""ECS's service scheduler, on the scenario clock: deployments replace tasks, tasks are targets.

moto stores ECS services but schedules nothing, so a runbook's ``update-service
--task-definition web-service:2`` changed one field and ``aws ecs wait services-stable``
returned at once, and ``web-service-tg``'s targets were whatever the seed registered. A
responder rehearsing a rollback or a blue-green switch on that estate learns that
deployments are instant and target health never moves.

This module plays the scheduler as AWS documents it for the ``ECS`` deployment controller
(rolling update, ``minimumHealthyPercent`` 100, ``maximumPercent`` 200, bridge networking
with dynamic host ports):

* a new task definition or ``forceNewDeployment`` makes a new PRIMARY deployment
  (``rolloutState`` IN_PROGRESS); the previous one becomes ACTIVE;
* the PRIMARY deployment's tasks start PENDING and are RUNNING :data:`START_SECONDS` later;
  then each is registered in the service's target groups as ``instance id:host port``,
  ``initial`` until the group's health checks pass (``HealthyThresholdCount`` x
  ``HealthCheckIntervalSeconds``), then ``healthy``;
* once the PRIMARY deployment has its desired count healthy, the older deployments' tasks
  are deregistered (``draining`` for the group's ``deregistration_delay.timeout_seconds``,
  the task DEACTIVATING) and then stopped; a deployment with no task left disappears, and
  the PRIMARY one is COMPLETED: "has reached a steady state";
* a changed desired count starts or drains tasks in the PRIMARY deployment; a task stopped
  by someone else (``StopTask``) is drained and replaced.

State changes are computed in order of scenario time (a request that arrives late sees
exactly what an observer polling all along would have seen), and only when a request
reaches the estate (the middleware :mod:`wsgi_ecs` calls :meth:`EcsScheduler.settle`
first), like :mod:`wsgi_operations`: pausing the clock freezes a deployment, speed scales
it. moto's objects are read and written only through :mod:`moto_ecs`.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cockpit.estate import moto_ecs
from cockpit.estate.clock import ScenarioClock

#: Scenario seconds from PENDING to RUNNING (placement, image pull, container start).
START_SECONDS = 30.0
#: Scenario seconds a task of a service without a load balancer takes to stop (ECS's stopTimeout).
STOP_SECONDS = 30.0
#: Docker's first ephemeral host port: ``hostPort: 0`` mappings get ports from here, per instance.
FIRST_HOST_PORT = 32768
_MAX_EVENTS = 100  # ECS keeps a service's last 100 events

PENDING, RUNNING, HEALTHY, DRAINING = "PENDING", "RUNNING", "HEALTHY", "DRAINING"
_LIVE = (PENDING, RUNNING, HEALTHY)


@dataclass
class _Task:
    arn: str
    deployment: str
    instance: str
    host_port: int
    phase: str
    since: float  # scenario seconds when the phase began
    stopped_reason: str = ""
    #: target group ARN -> scenario seconds a client deregistered the task's target there
    #: (DeregisterTargets): draining for the group's delay, then no longer a target.
    deregistered: dict[str, float] = field(default_factory=dict)


@dataclass
class _Deployment:
    id: str
    task_definition: str
    desired: int
    created: float
    updated: float
    rollout: str = "IN_PROGRESS"


@dataclass
class _Service:
    region: str
    cluster: str
    name: str
    launch_type: str
    target_groups: tuple[tuple[str, int], ...]
    deployments: list[_Deployment]  # PRIMARY first
    tasks: dict[str, _Task] = field(default_factory=dict)
    events: list[tuple[float, str, str]] = field(default_factory=list)  # (at, message, id), newest first
    steady: bool = False
    active: bool = True


@dataclass(frozen=True)
class Target:
    """One ECS-registered target of a target group, as DescribeTargetHealth reports it."""

    id: str
    port: int
    state: str  # initial, healthy, draining
    reason: str
    description: str


_TARGET_STATES = {
    RUNNING: ("initial", "Elb.RegistrationInProgress", "Target registration is in progress"),
    HEALTHY: ("healthy", "", ""),
    DRAINING: ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"),
}


class EcsScheduler:
    """ECS services' deployments and their targets on the scenario clock (module docstring)."""

    def __init__(self, clock: ScenarioClock, *, seed: int = 11) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._services: dict[tuple[str, str, str], _Service] = {}
        self._ports: dict[str, int] = {}  # EC2 instance -> next host port
        self._random = random.Random(seed)  # deployment ids: deterministic per estate
        self._instant = False

    # -- what the middleware calls -----------------------------------------------------------

    def settle(self) -> None:
        """Apply every transition whose scenario time has come, oldest first."""
        with self._lock:
            self._advance(self.clock.now())

    def service_changed(self, region: str, cluster: str, name: str, *, force_new_deployment: bool = False) -> None:
        """moto has just created, updated or deleted a service: schedule what ECS would."""
        with self._lock:
            now = self.clock.now()
            self._advance(now)
            view = moto_ecs.service(region, cluster, name)
            if view is None:
                return
            key = (region, view.cluster, view.name)
            state = self._services.get(key)
            if state is None or (not state.active and view.status == "ACTIVE"):
                state = _Service(region, view.cluster, view.name, view.launch_type, view.target_groups,
                                 [_Deployment(self._deployment_id(), view.task_definition, view.desired_count,
                                              now, now)])
                self._services[key] = state
            else:
                primary = state.deployments[0]
                state.target_groups = view.target_groups
                if view.status != "ACTIVE":
                    state.active = False
                    primary.desired = 0
                elif view.task_definition != primary.task_definition or force_new_deployment:
                    state.deployments.insert(0, _Deployment(self._deployment_id(), view.task_definition,
                                                            view.desired_count, now, now))
                    state.steady = False
                elif view.desired_count != primary.desired:
                    primary.desired, primary.updated = view.desired_count, now
                    state.steady = False
            self._reconcile(state, now)
            self._advance(now)

    def steady(self) -> None:
        """Finish every deployment now: the estate starts as a world that has been running a while."""
        with self._lock:
            self._instant = True
            try:
                self._advance(self.clock.now())
            finally:
                self._instant = False

    def targets(self, region: str, target_group_arn: str) -> list[Target] | None:
        """The targets ECS registered in a group; None if no service ever put a task in it."""
        with self._lock:
            found: list[Target] | None = None
            for state in self._services.values():
                if state.region != region or target_group_arn not in {arn for arn, _ in state.target_groups}:
                    continue
                found = found or []
                for task in state.tasks.values():
                    if task.phase not in _TARGET_STATES:
                        continue
                    if target_group_arn in task.deregistered:
                        drain = moto_ecs.target_group_timing(region, target_group_arn)[1]
                        if self.clock.now() < task.deregistered[target_group_arn] + drain:
                            found.append(Target(task.instance, task.host_port, *_TARGET_STATES[DRAINING]))
                        continue
                    found.append(Target(task.instance, task.host_port, *_TARGET_STATES[task.phase]))
            return found

    def deregister(self, region: str, target_group_arn: str,
                   asked: set[tuple[str, int | None]]) -> set[tuple[str, int | None]]:
        """DeregisterTargets of task targets ECS registered: each drains for the group's
        deregistration delay and is then gone (the task runs on, as in AWS; ECS does not
        register it again). Returns the asked targets that were ECS's (the rest are moto's)."""
        with self._lock:
            ours: set[tuple[str, int | None]] = set()
            now = self.clock.now()
            for state in self._services.values():
                if state.region != region or target_group_arn not in {arn for arn, _ in state.target_groups}:
                    continue
                for task in state.tasks.values():
                    key = (task.instance, task.host_port)
                    if key in asked and task.phase in (RUNNING, HEALTHY, DRAINING):
                        ours.add(key)
                        task.deregistered.setdefault(target_group_arn, now)
            return ours

    def service_tasks(self, region: str, cluster: str, name: str) -> set[str] | None:
        """ARNs of a service's tasks, stopped ones too (``ListTasks --service-name``); None: no such service."""
        with self._lock:
            return moto_ecs.service_task_arns(region, cluster, name)

    # -- the simulation ----------------------------------------------------------------------

    def _advance(self, now: float) -> None:
        """Run transitions in scenario-time order up to ``now``, reconciling after each."""
        for state in self._services.values():
            self._notice_stopped(state, now)
        while True:
            due, state, task = self._next_due()
            if state is None or task is None or due > now:
                return
            self._transition(state, task, due)
            self._reconcile(state, due)

    def _next_due(self) -> tuple[float, _Service | None, _Task | None]:
        best: tuple[float, _Service | None, _Task | None] = (float("inf"), None, None)
        for state in self._services.values():
            for task in state.tasks.values():
                due = self._due(state, task)
                if due < best[0]:
                    best = (due, state, task)
        return best

    def _due(self, state: _Service, task: _Task) -> float:
        if self._instant:
            return task.since if task.phase != HEALTHY else float("inf")
        healthy, drain = self._timing(state)
        return {PENDING: task.since + START_SECONDS, RUNNING: task.since + healthy,
                DRAINING: task.since + drain}.get(task.phase, float("inf"))

    def _timing(self, state: _Service) -> tuple[float, float]:
        if not state.target_groups:
            return 0.0, STOP_SECONDS
        timings = [moto_ecs.target_group_timing(state.region, arn) for arn, _ in state.target_groups]
        return max(t[0] for t in timings), max(t[1] for t in timings)

    def _transition(self, state: _Service, task: _Task, at: float) -> None:
        if task.phase == PENDING:
            task.phase, task.since = RUNNING, at
            moto_ecs.set_task_status(state.region, state.cluster, task.arn, "RUNNING")
            for arn, _ in state.target_groups:
                self._event(state, at, f"(service {state.name}) registered 1 targets in (target-group {arn})")
        elif task.phase == RUNNING:
            task.phase, task.since = HEALTHY, at
        elif task.phase == DRAINING:
            moto_ecs.stop_task(state.region, state.cluster, task.arn, task.stopped_reason)
            del state.tasks[task.arn]

    def _notice_stopped(self, state: _Service, now: float) -> None:
        """A task someone stopped (StopTask) leaves its target group draining; the service replaces it."""
        changed = False
        for task in state.tasks.values():
            if task.phase in _LIVE and moto_ecs.task_status(state.region, state.cluster, task.arn) == "STOPPED":
                if task.phase == PENDING:
                    task.phase, task.since = DRAINING, now - 1e9  # never registered: gone at once
                else:
                    task.phase, task.since = DRAINING, now
                changed = True
        if changed:
            state.steady = False
            self._reconcile(state, now)

    def _reconcile(self, state: _Service, at: float) -> None:
        """Bring the service towards its PRIMARY deployment's desired count, then retire the others."""
        primary = state.deployments[0]
        live = [t for t in state.tasks.values() if t.deployment == primary.id and t.phase in _LIVE]
        if len(live) < primary.desired:
            self._start(state, primary, primary.desired - len(live), at)
        elif len(live) > primary.desired:
            extra = sorted(live, key=lambda t: (t.phase != PENDING, -t.since))[:len(live) - primary.desired]
            self._drain(state, extra, at)
        healthy = sum(1 for t in state.tasks.values() if t.deployment == primary.id and t.phase == HEALTHY)
        if healthy >= primary.desired:
            old = [t for t in state.tasks.values() if t.deployment != primary.id and t.phase in _LIVE]
            if old:
                self._drain(state, old, at)
        remaining = {t.deployment for t in state.tasks.values()}
        state.deployments = [primary] + [d for d in state.deployments[1:] if d.id in remaining]
        busy = any(t.phase != HEALTHY for t in state.tasks.values())
        if len(state.deployments) == 1 and healthy == primary.desired and not busy and state.active:
            if primary.rollout != "COMPLETED":
                primary.rollout, primary.updated = "COMPLETED", at
                self._event(state, at, f"(service {state.name}) (deployment {primary.id}) deployment completed.")
            if not state.steady:
                state.steady = True
                self._event(state, at, f"(service {state.name}) has reached a steady state.")
        self._write(state, at)

    def _start(self, state: _Service, deployment: _Deployment, count: int, at: float) -> None:
        started = []
        port = next((p for _, p in state.target_groups), 0)
        for _ in range(count):
            try:
                arn, instance = moto_ecs.start_task(state.region, state.cluster, state.name,
                                                    deployment.task_definition, deployment.id, state.launch_type)
            except LookupError as exc:
                self._event(state, at, f"(service {state.name}) was unable to place a task: {exc}.")
                break
            host_port = self._ports.get(instance, FIRST_HOST_PORT)
            self._ports[instance] = host_port + 1
            moto_ecs.bind_port(state.region, state.cluster, arn, port or 80, host_port)
            state.tasks[arn] = _Task(arn, deployment.id, instance, host_port, PENDING, at)
            started.append(arn.rsplit("/", 1)[-1])
        if started:
            deployment.updated = at
            self._event(state, at, f"(service {state.name}) has started {len(started)} tasks: "
                                   + " ".join(f"(task {t})" for t in started) + ".")

    def _drain(self, state: _Service, tasks: list[_Task], at: float) -> None:
        registered = [t for t in tasks if t.phase in (RUNNING, HEALTHY)]
        reason = f"Scaling activity initiated by (deployment {state.deployments[0].id})"
        for task in tasks:
            task.stopped_reason = reason
            never_registered = task.phase == PENDING
            task.phase, task.since = DRAINING, (at - 1e9 if never_registered else at)
            moto_ecs.set_task_status(state.region, state.cluster, task.arn, "DEACTIVATING", desired="STOPPED")
        if registered and state.target_groups:
            self._event(state, at, f"(service {state.name}) has begun draining connections on {len(registered)} tasks.")
            for arn, _ in state.target_groups:
                self._event(state, at, f"(service {state.name}) deregistered {len(registered)} targets in "
                                       f"(target-group {arn})")

    def _event(self, state: _Service, at: float, message: str) -> None:
        state.events.insert(0, (at, message, str(uuid.UUID(int=self._random.getrandbits(128), version=4))))
        del state.events[_MAX_EVENTS:]

    def _deployment_id(self) -> str:
        return f"ecs-svc/{self._random.randrange(10**18, 10**19)}"

    def _world(self, at: float) -> datetime:
        return datetime.fromtimestamp(self.clock.epoch + at, tz=timezone.utc)

    def _write(self, state: _Service, at: float) -> None:
        deployments: list[dict[str, Any]] = []
        running_total = pending_total = 0
        for n, deployment in enumerate(state.deployments):
            mine = [t for t in state.tasks.values() if t.deployment == deployment.id]
            running = sum(1 for t in mine if t.phase in (RUNNING, HEALTHY, DRAINING))
            pending = sum(1 for t in mine if t.phase == PENDING)
            running_total += running
            pending_total += pending
            word = "completed" if deployment.rollout == "COMPLETED" else "in progress"
            deployments.append({
                "id": deployment.id, "status": "PRIMARY" if n == 0 else "ACTIVE",
                "taskDefinition": deployment.task_definition,
                "desiredCount": deployment.desired if n == 0 else sum(1 for t in mine if t.phase in _LIVE),
                "pendingCount": pending, "runningCount": running, "failedTasks": 0,
                "createdAt": self._world(deployment.created), "updatedAt": self._world(deployment.updated),
                "launchType": state.launch_type, "rolloutState": deployment.rollout,
                "rolloutStateReason": f"ECS deployment {deployment.id} {word}."})
        events = [{"id": event_id, "createdAt": self._world(at_), "message": msg} for at_, msg, event_id in state.events]
        moto_ecs.write_service(state.region, state.cluster, state.name,
                               task_definition=state.deployments[0].task_definition, running=running_total,
                               pending=pending_total, deployments=deployments, events=events)

"""The one place the ECS service scheduler touches moto's model objects.

moto's ECS keeps services and tasks but schedules nothing: a service's ``runningCount`` is
whatever ``MOTO_ECS_SERVICE_RUNNING`` said, ``UpdateService`` starts no task and stops none,
and no task is ever a target of the service's load balancer. The scheduler
(:mod:`ecs_scheduler`) plays ECS's service scheduler; it reads and writes moto's state only
through the functions here, so what moto version specifics there are live in one small
module (moto 5.2: ``ecs_backends[account][region]``, ``Service`` attributes serialised by
name, ``Task.status`` a ``ManagedState`` the estate sets never to progress on its own,
``EC2ContainerServiceBackend.start_task`` placing on a given container instance).

Everything here runs inside a request to the estate (the WSGI middleware), with the
scheduler's lock held: moto itself has no locking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNT_ID = "123456789012"  # moto's default account: the one the estate seeds


@dataclass(frozen=True)
class ServiceView:
    """What the scheduler needs of a moto service, read at one moment."""

    region: str
    cluster: str
    name: str
    status: str  # ACTIVE / DRAINING / INACTIVE
    task_definition: str  # always the full ARN
    desired_count: int
    launch_type: str
    target_groups: tuple[tuple[str, int], ...]  # (target group ARN, container port)


def _backend(region: str) -> Any:
    from moto.ecs.models import ecs_backends

    return ecs_backends[ACCOUNT_ID][region]


def _service(region: str, cluster: str, name: str) -> Any:
    return _backend(region).services.get(f"{cluster}:{name}")


def service(region: str, cluster: str, name: str) -> ServiceView | None:
    """The service as moto holds it now (None if gone); its task definition as an ARN."""
    svc = _service(region, cluster, name)
    if svc is None:
        return None
    task_definition = svc.task_definition or ""
    if task_definition and not task_definition.startswith("arn:"):
        # moto keeps "family:revision" as given to UpdateService; ECS answers the ARN.
        task_definition = _backend(region).describe_task_definition(task_definition).arn
    groups = tuple((str(lb["targetGroupArn"]), int(lb.get("containerPort") or 0))
                   for lb in svc.load_balancers or () if lb.get("targetGroupArn"))
    return ServiceView(region, svc.cluster_name, svc.name, svc.status, task_definition, int(svc.desired_count or 0),
                       svc.launch_type or "EC2", groups)


def service_names(region: str) -> list[tuple[str, str]]:
    """(cluster, service) of every service moto holds in a region."""
    return [(svc.cluster_name, svc.name) for svc in _backend(region).services.values()]


def start_task(region: str, cluster: str, service_name: str, task_definition: str, started_by: str,
               launch_type: str) -> tuple[str, str]:
    """Start one task of a service on the container instance running fewest tasks (ECS's spread).

    Returns (task ARN, EC2 instance id); the task is left PENDING. Raises ``LookupError``
    when the cluster has no ACTIVE container instance (ECS: "unable to place a task").
    """
    backend = _backend(region)
    instances = [ci for ci in backend.container_instances.get(cluster, {}).values() if ci.status == "ACTIVE"]
    if not instances:
        raise LookupError(f"cluster {cluster} has no ACTIVE container instance")
    load = {ci.container_instance_arn: 0 for ci in instances}
    for task in backend.tasks.get(cluster, {}).values():
        if task.container_instance_arn in load and task.last_status != "STOPPED":
            load[task.container_instance_arn] += 1
    chosen = min(instances, key=lambda ci: load[ci.container_instance_arn])
    (task,) = backend.start_task(cluster, task_definition, [chosen.container_instance_arn], {}, started_by,
                                 group=f"service:{service_name}")
    task.launch_type = launch_type
    task.last_status = "PENDING"
    for container in task.containers:
        container.last_status = "PENDING"
    return task.task_arn, chosen.ec2_instance_id


def service_task_arns(region: str, cluster: str, name: str) -> set[str] | None:
    """ARNs of the tasks a service started (ECS groups them ``service:NAME``); None if no such service."""
    if _service(region, cluster, name) is None:
        return None
    return {arn for arn, task in _backend(region).tasks.get(cluster, {}).items()
            if getattr(task, "group", None) == f"service:{name}"}


def bind_port(region: str, cluster: str, task_arn: str, container_port: int, host_port: int) -> None:
    """Record the dynamic host port (bridge networking, ``hostPort: 0``) the task's container got."""
    task = _backend(region).tasks.get(cluster, {}).get(task_arn)
    if task is not None:
        for container in task.containers:
            container.network_bindings = [{"bindIP": "0.0.0.0", "containerPort": container_port,
                                           "hostPort": host_port, "protocol": "tcp"}]


def set_task_status(region: str, cluster: str, task_arn: str, status: str, *, desired: str | None = None) -> None:
    """Set a task's lastStatus (and its containers'), and optionally its desiredStatus."""
    task = _backend(region).tasks.get(cluster, {}).get(task_arn)
    if task is None:
        return
    task.last_status = status
    for container in task.containers:
        container.last_status = status
    if desired is not None:
        task.desired_status = desired


def task_status(region: str, cluster: str, task_arn: str) -> str:
    """A task's lastStatus; STOPPED if moto no longer knows it."""
    task = _backend(region).tasks.get(cluster, {}).get(task_arn)
    return "STOPPED" if task is None else str(task.last_status)


def stop_task(region: str, cluster: str, task_arn: str, reason: str) -> None:
    """Stop a task as StopTask does (frees its container instance's resources)."""
    backend = _backend(region)
    if task_status(region, cluster, task_arn) != "STOPPED":
        backend.stop_task(cluster, task_arn, reason)
    task = backend.tasks.get(cluster, {}).get(task_arn)
    for container in task.containers if task is not None else ():
        container.last_status = "STOPPED"


def write_service(region: str, cluster: str, name: str, *, task_definition: str, running: int, pending: int,
                  deployments: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Put the scheduler's view where moto's DescribeServices / UpdateService answers read it."""
    svc = _service(region, cluster, name)
    if svc is None:
        return
    svc.task_definition = task_definition
    svc.running_count = running
    svc.pending_count = pending
    svc.deployments = deployments
    svc.events = events


def target_group_timing(region: str, arn: str) -> tuple[float, float]:
    """(seconds from registration to healthy, deregistration delay) of an ELBv2 target group.

    Healthy after ``HealthyThresholdCount`` consecutive checks ``HealthCheckIntervalSeconds``
    apart (AWS defaults 5 x 30 s); draining lasts ``deregistration_delay.timeout_seconds``
    (default 300 s). Unknown groups get the defaults.
    """
    from moto.elbv2.models import elbv2_backends

    group = elbv2_backends[ACCOUNT_ID][region].target_groups.get(arn)
    if group is None:
        return 150.0, 300.0
    healthy = float(group.health_check_interval_seconds or 30) * float(group.healthy_threshold_count or 5)
    drain = float(group.attributes.get("deregistration_delay.timeout_seconds", 300))
    return healthy, drain

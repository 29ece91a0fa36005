"""The one item type of the service-health pane, whatever the provider.

Deployments, pods, nodes, ECS services, RDS instances, target groups, DynamoDB tables and
HTTP endpoints, the runbooks' metric thresholds, MTTR and change windows all become a :class:`ServiceItem`, so the pane (and ``cockpit status``) is one
table: kind, scope, name, status, ready/desired, level, and a short problem text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cockpit.sources.snapshot import Level


@dataclass(frozen=True)
class ServiceItem:
    kind: str  # deployment | pod | node | nodes (summary) | ecs-service | rds | target-group | table | endpoint | metric | mttr | window
    name: str
    scope: str  # namespace, cluster, region — where the thing lives
    status: str  # the provider's own word (available, Running, ACTIVE, 200 ...)
    level: Level
    problem: str = ""  # why the level is not ok
    ready: int | None = None
    desired: int | None = None
    detail: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def count_level(ready: int, desired: int) -> Level:
    """All ready: ok; none ready while some wanted: critical; in between: warning."""
    if ready >= desired:
        return Level.OK
    return Level.CRITICAL if ready == 0 else Level.WARNING

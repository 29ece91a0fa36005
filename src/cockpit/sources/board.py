"""All the sources of one screen, and one concurrent refresh of them all.

The UI gives each source its own :class:`~cockpit.sources.poller.Poller`; ``cockpit status``
calls :func:`refresh_all` once. Either way the sources run concurrently, each bounded by
its own timeout, so a hanging provider delays nothing but its own pane.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cockpit.content.screen import Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.snapshot import Snapshot


def build_sources(screen: Screen, conn: Connections, *, timeout: float = 10.0) -> list[Source[Any]]:
    """The sources a screen asks for, in pane order (alarms, replication, services)."""
    from cockpit.sources.alarms import AlarmsSource
    from cockpit.sources.aws_services import DynamoDBSource, EcsSource, RdsSource, TargetGroupsSource
    from cockpit.sources.http import HttpSource
    from cockpit.sources.kubernetes import KubernetesSource
    from cockpit.sources.replication import ReplicationSource

    sources: list[Source[Any]] = []
    if screen.alarms is not None:
        sources.append(AlarmsSource(screen, conn, timeout=timeout))
    if screen.replication:
        sources.append(ReplicationSource(screen, conn, timeout=timeout))
    if screen.kubernetes is not None:
        sources.append(KubernetesSource(screen, conn, timeout=timeout))
    if screen.ecs is not None:
        sources.append(EcsSource(screen, conn, timeout=timeout))
    if screen.rds is not None:
        sources.append(RdsSource(screen, conn, timeout=timeout))
    if screen.target_groups is not None:
        sources.append(TargetGroupsSource(screen, conn, timeout=timeout))
    if screen.dynamodb is not None:
        sources.append(DynamoDBSource(screen, conn, timeout=timeout))
    if screen.endpoints:
        sources.append(HttpSource(screen, conn))
    return sources


async def refresh_all(sources: list[Source[Any]]) -> list[Snapshot[Any]]:
    """Refresh every source at once; never raises (failures are inside the snapshots)."""
    return list(await asyncio.gather(*(s.refresh() for s in sources)))

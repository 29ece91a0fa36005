"""All the sources of one screen, and one concurrent refresh of them all.

The UI gives each source its own :class:`~cockpit.sources.poller.Poller`; ``cockpit status``
calls :func:`refresh_all` once. Either way the sources run concurrently, each bounded by
its own timeout, so a hanging provider delays nothing but its own pane.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from cockpit.content.screen import Screen
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.mttr import Recoveries
from cockpit.sources.snapshot import Snapshot

#: How much of a whole-refresh bound is kept for answers to be judged and handed in: a
#: loaded event loop (botocore building clients in threads holds the GIL) runs late.
_UNWIND_S = 0.5


def build_sources(screen: Screen, conn: Connections, *, timeout: float = 10.0,
                  within: float | None = None, recoveries: Recoveries | None = None) -> list[Source[Any]]:
    """The sources a screen asks for, in pane order (alarms, replication, services).

    ``within``: the refresh as a whole must end by then (``cockpit status --timeout``), so
    each endpoint check is capped just short of it and reports on its own. ``recoveries``:
    the timeline's resolved incidents (``timeline.recovery.resolved_since`` on the caller's
    file), for a screen's ``mttr`` row; sources do not read the timeline themselves.
    """
    from cockpit.sources.alarms import AlarmsSource
    from cockpit.sources.aws_services import DynamoDBSource, EcsSource, RdsSource, TargetGroupsSource
    from cockpit.sources.http import HttpSource
    from cockpit.sources.kubernetes import KubernetesSource
    from cockpit.sources.metrics import MetricsSource
    from cockpit.sources.mttr import MttrSource
    from cockpit.sources.replication import ReplicationSource
    from cockpit.sources.windows import WindowsSource

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
    if screen.metrics:
        sources.append(MetricsSource(screen, conn, timeout=timeout))
    if screen.mttr is not None:
        sources.append(MttrSource(screen, recoveries, timeout=timeout))
    if screen.windows:
        sources.append(WindowsSource(screen, timeout=timeout))
    if screen.endpoints:
        deadline = time.monotonic() + within - min(_UNWIND_S, within / 4) if within else None
        sources.append(HttpSource(screen, conn, deadline=deadline))
    return sources


async def refresh_all(sources: list[Source[Any]], *, within: float | None = None) -> list[Snapshot[Any]]:
    """Refresh every source at once; never raises (failures are inside the snapshots).

    ``within`` bounds the whole refresh, whatever each source's own timeout says (an HTTP
    endpoint may allow itself longer): a source still running then is cancelled and its
    snapshot says it timed out, so ``cockpit status --timeout N`` prints what it has after N s.
    """
    tasks = [asyncio.ensure_future(s.refresh()) for s in sources]
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    if pending:  # let them unwind (close a socket, drop a thread's future); none may hold us past a second
        await asyncio.wait(pending, timeout=1.0)
    return [task.result() if task.done() and not task.cancelled() else source.gave_up(within or 0.0)
            for source, task in zip(sources, tasks)]

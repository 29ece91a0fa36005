"""One env per system: the estate's env in the region each screen's system lives in.

The runbooks' systems live in different regions (the storage runbook and DR plan in
eu-west-1, the infrastructure and flight-school runbooks in us-east-1), and the runbooks'
commands rely on the default region. A single env with one region sends half of them to the
wrong one, where they fail or come back empty. The region of each system is read from its
screen (its ``regions``, else the regions its panes name), never from a table of names, so a
team's own screen gets its own env the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from cockpit.content.screen import Screen


def home_region(screen: Screen) -> str | None:
    """The region a system's commands run against: the first region its screen names, if any."""
    candidates = [*screen.regions, *screen.alarm_regions, *(pair.source_region for pair in screen.replication)]
    candidates += [pane.region for pane in (screen.ecs, screen.rds, screen.target_groups, screen.dynamodb) if pane]
    return candidates[0] if candidates else None


def system_regions(screens: Mapping[str, Screen]) -> dict[str, str | None]:
    """Screen name -> home region (None: the system has no AWS region, e.g. Kubernetes only)."""
    return {name: home_region(screen) for name, screen in sorted(screens.items())}

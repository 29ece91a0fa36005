"""What a handler gets besides the request's parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cockpit.estate.requestlog import RequestLog


@dataclass(frozen=True)
class Call:
    region: str
    access_key: str
    clients: Callable[[str, str], Any]  # (service, region) -> internal-marked boto3 client
    log: RequestLog
    world_now: Callable[[], float]  # world time, epoch seconds (the scenario clock when there is one)
    store: dict[str, Any] = field(default_factory=dict)  # what answers keep between calls, per estate
    outages: Any = None  # wsgi_outage.Outages: the regional outages a scenario holds (AWS Health reports them)

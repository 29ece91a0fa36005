"""Every request the estate answers, counted where it arrives.

Tests and benchmarks make claims such as "a dry run makes zero mutating requests" or "one
GetMetricData per region per refresh". Those are only honest when counted at the server,
not in the client, so each emulator (moto's WSGI app, the Kubernetes API, the HTTP
endpoints) records what it served here. The estate's own bookkeeping (publishing metrics,
setting alarm states) is marked ``internal`` so it never pollutes a count of what Cockpit
did.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass

from cockpit.content import aws_ops

#: Header (or User-Agent fragment) the estate puts on its own requests.
INTERNAL_MARKER = "cockpit-estate-internal"

#: REST requests that POST but only read. Route53's ListTagsForResources posts the ids whose
#: tags it wants to ``/2013-04-01/tags/<resource type>``; GuardDuty's ListFindings and
#: GetFindings post their criteria to ``/detector/<id>/findings[/get]``.
_REST_READ_POSTS = re.compile(r"^POST (/2013-04-01/tags/(healthcheck|hostedzone)|/detector/[^/]+/findings(/get)?)/?$")


def is_read_operation(operation: str, method: str, service: str = "") -> bool:
    """Whether a request only reads.

    Named AWS operations (``DescribeAlarms``) decide as a playbook's step does
    (:mod:`cockpit.content.aws_ops`: botocore's models and the reviewed list; unknown: a
    write). REST requests are recorded as ``"METHOD /path"`` and decide by the HTTP method,
    with the few read-only POSTs known.
    """
    by_method = method.upper() in ("GET", "HEAD", "OPTIONS")
    if " /" in operation:  # REST: "GET /bucket/key"
        return by_method or bool(_REST_READ_POSTS.match(operation))
    if operation.isupper() or not operation:  # Kubernetes and plain HTTP record the method itself
        return by_method
    return aws_ops.is_read(service, operation)


@dataclass(frozen=True)
class RequestRecord:
    """One request served by the estate."""

    at: float
    component: str  # "aws", "k8s", "http"
    service: str  # e.g. "cloudwatch", "s3", "apps/v1 deployments", "storage-health"
    operation: str  # e.g. "GetMetricData", "PATCH", "GET /v1/storage/health"
    method: str
    mutating: bool
    internal: bool
    region: str = ""
    access_key: str = ""  # whose credentials signed it (CloudTrail's user)
    resources: tuple[str, ...] = ()  # names a write touched, for CloudTrail LookupEvents
    world_at: float = 0.0  # world time when it arrived (scenario clock), what CloudTrail stamps

    def as_dict(self) -> dict:
        return asdict(self)


class RequestLog:
    """A thread-safe, append-only list of :class:`RequestRecord` (moto serves from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        #: World time in epoch seconds; the AWS estate points it at its scenario clock, so the
        #: events CloudTrail reports carry the time the rest of the estate's world shows.
        self.world_clock: Callable[[], float] = time.time

    def record(self, component: str, service: str, operation: str, method: str, *,
               internal: bool = False, mutating: bool | None = None, region: str = "", access_key: str = "",
               resources: tuple[str, ...] = ()) -> None:
        if mutating is None:
            mutating = not is_read_operation(operation, method, service)
        rec = RequestRecord(time.time(), component, service, operation, method.upper(), mutating, internal, region,
                            access_key, resources, self.world_clock())
        with self._lock:
            self._records.append(rec)

    def records(self, *, since: float = 0.0, include_internal: bool = False) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._records if r.at >= since and (include_internal or not r.internal)]

    def summary(self, *, since: float = 0.0) -> dict:
        """Counts of external requests: total, mutating, and by component/service/operation."""
        recs = self.records(since=since)
        return {
            "total": len(recs),
            "mutating": sum(r.mutating for r in recs),
            "by_operation": dict(Counter(f"{r.component}:{r.service}:{r.operation}" for r in recs)),
            "mutating_requests": [r.as_dict() for r in recs if r.mutating],
        }

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

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
from dataclasses import asdict, dataclass

from cockpit.content.aws_verbs import READ_VERBS

#: Header (or User-Agent fragment) the estate puts on its own requests.
INTERNAL_MARKER = "cockpit-estate-internal"

#: The verbs a playbook step may call with ``risk: read`` (FilterLogEvents, SimulatePrincipalPolicy...).
_READ_PREFIXES = READ_VERBS

#: REST requests that POST but only read. Route53's ListTagsForResources posts the ids whose
#: tags it wants to ``/2013-04-01/tags/<resource type>``.
_REST_READ_POSTS = re.compile(r"^POST /2013-04-01/tags/(healthcheck|hostedzone)/?$")


def is_read_operation(operation: str, method: str) -> bool:
    """Whether a request only reads.

    Named operations (``DescribeAlarms``) decide by their verb. REST requests are recorded
    as ``"METHOD /path"`` and decide by the HTTP method, with the few read-only POSTs known.
    """
    by_method = method.upper() in ("GET", "HEAD", "OPTIONS")
    if " /" in operation:  # REST: "GET /bucket/key"
        return by_method or bool(_REST_READ_POSTS.match(operation))
    if operation.isupper() or not operation:  # Kubernetes and plain HTTP record the method itself
        return by_method
    return operation.startswith(_READ_PREFIXES)


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

    def as_dict(self) -> dict:
        return asdict(self)


class RequestLog:
    """A thread-safe, append-only list of :class:`RequestRecord` (moto serves from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def record(self, component: str, service: str, operation: str, method: str, *,
               internal: bool = False, mutating: bool | None = None, region: str = "") -> None:
        if mutating is None:
            mutating = not is_read_operation(operation, method)
        rec = RequestRecord(time.time(), component, service, operation, method.upper(), mutating, internal, region)
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

"""Fixed snapshots for the pictures and keyboard tests, fed through the app's own messages.

Live data changes by the second (ages, ports, lag), which a reviewed picture cannot; these
snapshots are the runbooks' names in a fixed state at a fixed time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cockpit.sources.alarms import AlarmItem
from cockpit.sources.replication import ReplicationItem
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import ErrorKind, Level, Snapshot, SourceError

NOW = datetime(2026, 11, 12, 9, 30, 0, tzinfo=timezone.utc)


def clock() -> datetime:
    return NOW


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def alarm(name: str, state: str = "ALARM", severity: str = "critical", region: str = "eu-west-1",
          reason: str = "Threshold Crossed", since: float = 300) -> AlarmItem:
    level = {"ALARM": Level.CRITICAL if severity == "critical" else Level.WARNING,
             "INSUFFICIENT_DATA": Level.WARNING}.get(state, Level.OK)
    return AlarmItem(name=name, region=region, state=state, severity=severity, level=level, reason=reason,
                     updated_at=ago(since), type="metric", namespace="AWS/S3", metric="5xxErrors", threshold=10.0)


ALARMS = (
    alarm("greenlang-s3-5xx-errors-critical", reason="Threshold Crossed: 2 datapoints [212.0, 187.0] were "
          "greater than the threshold (10.0).", since=1680),
    alarm("S3-Replication-Lag-Critical", reason="Threshold Crossed: 3 datapoints [1210.0, 1065.0, 934.0] "
          "were greater than the threshold (900.0).", since=960),
    alarm("greenlang-s3-4xx-errors-warning", severity="warning", reason="Threshold Crossed: 1 datapoint "
          "[131.0] was greater than the threshold (100.0).", since=1620),
    alarm("greenlang-s3-replication-lag-warning", severity="warning", reason="ReplicationLatency 912 s > 900 s.",
          since=1140),
    alarm("greenlang-s3-storage-size-warning", state="INSUFFICIENT_DATA", severity="warning",
          reason="Unchecked: Initial alarm creation", region="eu-central-1", since=7200),
)


def pair(pid: str, latency: float | None, rpo: int = 900, pending: float | None = 0.0, failed: float | None = 0.0,
         bytes_: float | None = 0.0, level: Level = Level.OK, problem: str = "") -> ReplicationItem:
    history = tuple(float(x) for x in range(60, int(latency or 0) + 1, max(1, int((latency or 0) // 12) or 1)))[-20:]
    return ReplicationItem(id=pid, source_bucket=f"greenlang-prod-eu-west-1-{pid}",
                           destination_bucket=f"greenlang-prod-eu-central-1-{pid}-replica", region="eu-west-1",
                           rule_id="replicate-critical-data", rpo_seconds=rpo, latency_seconds=latency,
                           pending_operations=pending, failed_operations=failed, pending_bytes=bytes_,
                           history=history, level=level, problem=problem,
                           series=tuple((NOW - timedelta(minutes=len(history) - 1 - i), v) for i, v in enumerate(history)),
                           latency_at=NOW if history else None)


PAIRS = (
    pair("data-lake", 1500, pending=2600, bytes_=3.2e9, level=Level.CRITICAL,
         problem="lag 1500s past RPO 900s; 2600 operations pending (> 1000)"),
    pair("reports", 610, pending=840, bytes_=2.1e8, level=Level.WARNING, problem="lag 610s is 68% of RPO"),
    pair("models", 95, rpo=3600, pending=3, bytes_=1.2e6),
)

K8S = (
    ServiceItem("deployment", "storage-service", "greenlang", "degraded", Level.WARNING, "1/3 ready", 1, 3,
                {"updated": 3, "rolling": False, "conditions": [
                    {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                     "message": "Deployment does not have minimum availability."}]}),
    ServiceItem("deployment", "api-gateway", "greenlang", "available", Level.OK, "", 2, 2),
    ServiceItem("nodes", "all nodes", "", "3/3 Ready", Level.OK, "", 3, 3),
)
HTTP = (
    ServiceItem("endpoint", "storage-health", "http://127.0.0.1:8080/v1/storage/health", "503", Level.CRITICAL,
                "HTTP 503, expected 200; status is 'degraded', expected 'ok'",
                detail={"url": "http://127.0.0.1:8080/v1/storage/health", "latency_ms": 12.4}),
)


def ok(source: str, items: tuple, fetched_ago: float = 3) -> Snapshot:
    at = ago(fetched_ago)
    return Snapshot(source, items=items, fetched_at=at, attempted_at=at, calls=1)


def stale(snapshot: Snapshot, kind: ErrorKind, message: str, failures: int = 2) -> Snapshot:
    error = SourceError(kind, message, at=NOW)
    return Snapshot(snapshot.source, items=snapshot.items, fetched_at=snapshot.fetched_at, error=error,
                    attempted_at=NOW, failures=failures)


class MovingClock:
    """The synthetic clock, moved forward by a test (an incident crossing its 15 min point)."""

    def __init__(self, at: datetime = NOW) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

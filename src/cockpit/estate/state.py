"""The estate's own state: what the HTTP endpoints answer and where replication stands.

AWS state lives in moto and Kubernetes state in the emulator; this holds the rest — how
each HTTP endpoint answers, the replication metrics the estate publishes (with ramps in
progress), the storage service's running configuration, and what the webhook sink
received. The scenario driver writes it; the HTTP handlers and the metric store reads
it. Everything runs on the estate's one event loop, so no locking is needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from cockpit.content.scenario import HttpChange, Ramp


@dataclass
class EndpointAnswer:
    """How one named HTTP endpoint answers right now."""

    status: int = 200
    body: dict[str, Any] | None = None  # None: the endpoint's normal answer
    delay_ms: int = 0


@dataclass
class RampingValue:
    """A number that may be moving linearly towards a target in scenario time (pause freezes it)."""

    value: float
    target: float | None = None
    start_value: float = 0.0
    start_at: float = 0.0
    seconds: float = 0.0  # scenario seconds the ramp takes

    def set(self, level: float | Ramp, now: float) -> None:
        """Move to ``level`` from scenario time ``now`` (a Ramp takes its ``over`` scenario seconds)."""
        current = self.current(now)
        if isinstance(level, Ramp) and level.over > 0:
            self.start_value, self.target = current, level.to
            self.start_at, self.seconds = now, level.over
            self.value = current
        else:
            self.value = level.to if isinstance(level, Ramp) else float(level)
            self.target = None

    def current(self, now: float) -> float:
        if self.target is None:
            return self.value
        done = min(1.0, (now - self.start_at) / self.seconds) if self.seconds else 1.0
        value = self.start_value + (self.target - self.start_value) * done
        if done >= 1.0:
            self.value, self.target = self.target, None
        return value


@dataclass
class ReplicationState:
    """The four S3 replication metrics of one pair."""

    latency_seconds: RampingValue = field(default_factory=lambda: RampingValue(42.0))
    pending_operations: RampingValue = field(default_factory=lambda: RampingValue(12.0))
    failed_operations: RampingValue = field(default_factory=lambda: RampingValue(0.0))
    bytes_pending: RampingValue = field(default_factory=lambda: RampingValue(1.8e6))
    #: False while S3 publishes nothing for the pair (its source region is out): the
    #: estate's metric store publishes nothing, and the last datapoint ages, as in AWS.
    published: bool = True

    def snapshot(self, now: float) -> dict[str, float]:
        return {name: getattr(self, name).current(now)
                for name in ("latency_seconds", "pending_operations", "failed_operations", "bytes_pending")}


@dataclass
class WebhookMessage:
    received_at: float
    path: str
    payload: Any


@dataclass
class EstateState:
    """Everything of the estate that is neither in moto nor in the Kubernetes emulator."""

    endpoints: dict[str, EndpointAnswer] = field(default_factory=dict)
    replication: dict[str, ReplicationState] = field(default_factory=dict)
    #: The AWS region storage-service read from storage-config when it last (re)started.
    storage_region: str = "eu-west-1"
    storage_dr_mode: bool = False
    webhook_messages: list[WebhookMessage] = field(default_factory=list)

    def endpoint(self, name: str) -> EndpointAnswer:
        return self.endpoints.setdefault(name, EndpointAnswer())

    def apply_http(self, change: HttpChange) -> None:
        self.endpoints[change.endpoint] = EndpointAnswer(change.status, change.body, change.delay_ms)

    def pair(self, pair_id: str) -> ReplicationState:
        return self.replication.setdefault(pair_id, ReplicationState())

    def record_webhook(self, path: str, payload: Any) -> None:
        self.webhook_messages.append(WebhookMessage(time.time(), path, payload))

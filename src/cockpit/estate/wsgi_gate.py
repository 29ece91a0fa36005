"""Hold outside requests to services the estate has not finished seeding.

The estate says it is ready once what the default screen's panes read exists (alarms and
replication metrics), and seeds the rest in the second after, service by service: the
network and the ALB (with the alarm on it: CloudWatch in that region is held until then),
ECS, RDS and DynamoDB first (other screens' panes read them), then S3, Route53, Lambda,
.... Nobody may see a service half-built: until its seed is done, a request from outside
to it (or an unsigned one, whose service we cannot tell) waits here, then reaches moto as
usual. The estate's own requests (``INTERNAL_MARKER``) pass, or the seed
could never finish. Requests are recorded in the request log by the counting middleware
in front of this one, on arrival, whether held or not.

While the rest is seeded, the seeding thread gives way to outside requests in flight
(:meth:`SeedGate.wait_quiet`): one process, one GIL, and a cockpit's first refresh
should not queue behind the Lambda functions nobody is looking at yet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, is_internal


class SeedGate:
    """WSGI middleware: ``ready()`` services as they are seeded, ``open()`` when all are
    (or seeding failed: then never hold)."""

    def __init__(self, app: WsgiApp, ready_services: frozenset[str], *,
                 held_regions: Mapping[str, Iterable[str]] | None = None, timeout: float = 60.0) -> None:
        self.app = app
        self.timeout = timeout
        self._ready = set(ready_services)
        #: Regions of a ready service still being seeded (``ready`` releases ``service@region``).
        self._held = {service: set(regions) for service, regions in (held_regions or {}).items()}
        self._open = False
        self._changed = threading.Condition()
        self._outside_in_flight = 0
        self.held = 0  # outside requests that had to wait for the seed

    def ready(self, services: Iterable[str]) -> None:
        """These services (or ``service@region``) are seeded: let their held requests through."""
        with self._changed:
            for name in services:
                service, _, region = name.partition("@")
                if region:
                    self._held.get(service, set()).discard(region)
                else:
                    self._ready.add(service)
            self._changed.notify_all()

    def open(self) -> None:
        with self._changed:
            self._open = True
            self._changed.notify_all()

    def is_ready(self, service: str, region: str | None = None) -> bool:
        """Whether a request to ``service`` in ``region`` would pass now (no region: in every one)."""
        return self._open or self.seeded(service, region)

    def seeded(self, service: str, region: str | None = None) -> bool:
        """Whether ``service`` (in ``region``; no region: in every one) was declared seeded
        (an opened gate says nothing of it)."""
        held = self._held.get(service, ())
        return service in self._ready and (region not in held if region is not None else not held)

    def wait_ready(self, service: str, timeout: float | None = None, region: str | None = None) -> bool:
        """Block until ``service`` (in ``region``) is seeded (or the gate opened); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.is_ready(service, region),
                                          self.timeout if timeout is None else timeout)

    def wait_quiet(self, timeout: float) -> None:
        """Block while outside requests are being served, for at most ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._outside_in_flight == 0, timeout)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if is_internal(environ):
            return self.app(environ, start_response)
        service, region = credential_scope(environ)
        if not self.is_ready(service, region):
            with self._changed:
                self.held += 1
            # A seed that hangs must not hang clients forever: after the timeout they
            # see whatever exists, and the estate process reports the failed seed.
            self.wait_ready(service, region=region)
        with self._changed:
            self._outside_in_flight += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self._changed:
                self._outside_in_flight -= 1
                self._changed.notify_all()

"""Hold outside requests to services the estate has not finished seeding.

The estate says it is ready once everything Cockpit's panes read exists (alarms, ECS,
RDS, target health, ...), and seeds the rest (S3 objects, Route53, Lambda, ...) in the
second after. Nobody may see that rest half-built: until the seed is done, a request
from outside to any other service (or an unsigned one, whose service we cannot tell)
waits here, then reaches moto as usual. The estate's own requests (``INTERNAL_MARKER``)
pass, or the seed could never finish. Requests are recorded in the request log by the
counting middleware in front of this one, on arrival, whether held or not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, is_internal


class SeedGate:
    """WSGI middleware: ``open()`` it when the seed is done (or has failed: then never hold)."""

    def __init__(self, app: WsgiApp, ready_services: frozenset[str], *, timeout: float = 60.0) -> None:
        self.app = app
        self.ready_services = ready_services
        self.timeout = timeout
        self._open = threading.Event()
        self._count_lock = threading.Lock()
        self.held = 0  # outside requests that had to wait for the seed

    def open(self) -> None:
        self._open.set()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self._open.is_set() and not is_internal(environ):
            service, _ = credential_scope(environ)
            if service not in self.ready_services:
                with self._count_lock:
                    self.held += 1
                # A seed that hangs must not hang clients forever: after the timeout they
                # see whatever exists, and the estate process reports the failed seed.
                self._open.wait(self.timeout)
        return self.app(environ, start_response)

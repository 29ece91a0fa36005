"""HTTP health endpoints: status code, a JSON field (JMESPath), and latency.

An endpoint that is down is a *finding* (a critical item), not a failure of the source: the
pane must say "storage-health: unreachable" rather than go stale. One that a whole-command
bound (``cockpit status --timeout``) cut short before its own timeout is *unknown*: it was
not given the time it is allowed. Endpoints are checked in parallel, each with its own
timeout, through ``plain_http`` (stdlib, a daemon thread per request; a new connection
per check, as curl makes): the running cockpit and ``cockpit status`` check them the same
way, and status does not pay 0.2 s importing aiohttp for a few GETs.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from cockpit.content.screen import Endpoint, Screen, expand_env
from cockpit.sources.base import Source
from cockpit.sources.connections import Connections
from cockpit.sources.services import ServiceItem
from cockpit.sources.snapshot import ErrorKind, Level

_MISSING = object()


class HttpSource(Source[ServiceItem]):
    name = "http"

    def __init__(self, screen: Screen, conn: Connections, *, timeout: float | None = None,
                 deadline: float | None = None) -> None:
        """``deadline`` (``time.monotonic()``): no endpoint check runs past it, whatever its
        ``timeout_seconds``, so a one-shot command bounded as a whole still reports the
        endpoints that did answer, each hung one as its own timeout."""
        self.deadline = deadline
        longest = max((e.timeout_seconds for e in screen.endpoints), default=5.0)
        super().__init__(timeout=timeout or longest + 2.0)
        self.endpoints = list(screen.endpoints)
        self.default_latency_ms = screen.thresholds.http_latency_warn_ms
        self.conn = conn

    def _limit(self, ep: Endpoint) -> float:
        if self.deadline is None:
            return ep.timeout_seconds
        return max(min(ep.timeout_seconds, self.deadline - time.monotonic()), 0.05)

    async def fetch(self) -> tuple[ServiceItem, ...]:
        return tuple(await asyncio.gather(*(self._check(e) for e in self.endpoints)))

    async def _check(self, ep: Endpoint) -> ServiceItem:
        from cockpit.sources import plain_http
        from cockpit.sources.errors import classify

        try:
            url = expand_env(ep.url)
        except ValueError as exc:
            return ServiceItem("endpoint", ep.name, "", "misconfigured", Level.CRITICAL, str(exc))
        detail: dict[str, Any] = {"url": url, "method": ep.method}
        self.calls += 1
        started = time.perf_counter()
        limit = self._limit(ep)
        try:
            answer = await asyncio.wait_for(
                plain_http.send(ep.method, url, headers=dict(ep.headers), json_body=ep.body,
                                connect_timeout=limit, read_timeout=limit,
                                max_bytes=plain_http.HEALTH_MAX_BYTES), limit)
            body, status = answer.body, answer.status
        except Exception as exc:  # a down endpoint is the finding itself
            err = classify(exc)
            if err.kind is ErrorKind.TIMEOUT and limit < ep.timeout_seconds:
                # Cut short by the caller's bound, not by the endpoint's own timeout: we did
                # not wait as long as the endpoint is allowed, so its health is unknown.
                return ServiceItem("endpoint", ep.name, url, err.kind.value, Level.UNKNOWN,
                                   f"no answer within {limit:.1f}s (the check's bound; the endpoint "
                                   f"may take {ep.timeout_seconds:g}s)", detail=detail)
            return ServiceItem("endpoint", ep.name, url, err.kind.value, Level.CRITICAL, err.message or err.kind.value,
                               detail=detail)
        latency_ms = (time.perf_counter() - started) * 1000
        detail["latency_ms"] = round(latency_ms, 1)
        problems: list[tuple[Level, str]] = []
        if status not in ep.expect_status:
            problems.append((Level.CRITICAL, f"HTTP {status}, expected {'/'.join(map(str, ep.expect_status))}"))
        if ep.field is not None:
            value = self._field(body, ep.field)
            detail["field"] = {"path": ep.field, "value": None if value is _MISSING else value, "expect": ep.expect}
            if value is _MISSING:
                problems.append((Level.CRITICAL, f"{ep.field}: not in the answer (not JSON?)"))
            elif ep.expect is not None and value != ep.expect:
                problems.append((Level.CRITICAL, f"{ep.field} is {value!r}, expected {ep.expect!r}"))
        slow = ep.latency_warn_ms or self.default_latency_ms
        if latency_ms > slow:
            problems.append((Level.WARNING, f"slow: {latency_ms:.0f} ms > {slow} ms"))
        level = max((lvl for lvl, _ in problems), default=Level.OK)
        return ServiceItem("endpoint", ep.name, url, str(status), level, "; ".join(t for _, t in problems),
                           detail=detail)

    @staticmethod
    def _field(body: bytes, path: str) -> Any:
        import jmespath

        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _MISSING
        value = jmespath.search(path, data)
        return _MISSING if value is None else value

"""A fault-injecting HTTP proxy (aiohttp) to put in front of the estate's AWS endpoint.

It forwards every request untouched until told to misbehave, so each fault follows a good
refresh as it does in production. Modes:

- ``pass``: forward;
- ``down``: stop listening (connections are refused) and drop kept-alive connections;
- ``slow``: hold the request for ``slow_seconds`` (longer than the cockpit's timeout);
- ``throttle``: 400 ``ThrottlingException``; ``throttle429``: 429 ``TooManyRequestsException``;
- ``expired``: 403 ``ExpiredTokenException``;
- ``internal``: 500 ``InternalFailure`` (AWS's own error, coded: a passing failure);
- ``denied``: 403 ``AccessDeniedException``, the caller's role may not call the operation;
- ``malformed``: 200 with a body no AWS parser can read.

``only`` limits the fault to requests for one AWS operation (``DescribeAlarms``,
``GetMetricData``), which is how a test shows that a fault lands in the right pane.

``hold(operation)`` forwards the next request for that operation, and holds its answer once
upstream has applied it (HTTP 200) until ``release()``: the window in which a client is
killed after its write took effect and before it heard so. ``held`` is set from then on
(until the next ``hold``).

:class:`ProxyThread` runs a proxy on an event loop of its own, in a thread, for synchronous
tests whose clients are other processes (``tests/share``).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Coroutine
from typing import Any

import aiohttp
from aiohttp import web

_JSON = "application/x-amz-json-1.0"
MODES = ("pass", "down", "slow", "throttle", "throttle429", "expired", "internal", "denied", "malformed")


def _operation(request: web.Request, body: bytes) -> str:
    """The AWS operation of a request, whatever the protocol (rpc-v2-cbor path, JSON target, query)."""
    match = re.search(r"/operation/([A-Za-z]+)$", request.path)
    if match:
        return match.group(1)
    target = request.headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    match = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
    return match.group(1).decode() if match else ""


class FaultProxy:
    """``async with FaultProxy(upstream) as proxy:`` then ``proxy.set("throttle", only="DescribeAlarms")``."""

    def __init__(self, upstream: str, *, slow_seconds: float = 5.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.slow_seconds = slow_seconds
        self.mode = "pass"
        self.only: str | None = None
        #: Requests that got a fault, by (mode, operation).
        self.faulted: list[tuple[str, str]] = []
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self._hold: str | None = None
        self._release: asyncio.Event | None = None
        #: Set once an answer is held, until the next hold (by the proxy's loop; a thread may wait on it).
        self.held = threading.Event()
        #: The operations whose answers were held, in order.
        self.holds: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> "FaultProxy":
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner and self._session
        await self._runner.cleanup()
        await self._session.close()

    async def _listen(self) -> None:
        assert self._runner
        self._site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await self._site.start()
        if not self.port:
            self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def set(self, mode: str, *, only: str | None = None) -> None:
        """Switch mode; ``down`` closes the listening socket, leaving ``down`` opens it again."""
        assert mode in MODES, mode
        if mode == "down" and self._site is not None:
            await self._site.stop()
            self._site = None
        elif mode != "down" and self._site is None:
            await self._listen()
        self.mode, self.only = mode, only

    async def hold(self, operation: str) -> None:
        """Hold the answer to the next applied (HTTP 200) ``operation`` until :meth:`release`."""
        self.held.clear()
        self._release = asyncio.Event()
        self._hold = operation

    async def release(self) -> None:
        """Let a held answer go (to whoever still listens), and hold nothing more."""
        self._hold = None
        if self._release is not None:
            self._release.set()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.mode == "down":  # a kept-alive connection from before: drop it, as a dead host would
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=502)  # never reaches the client
        body = await request.read()
        operation = _operation(request, body)
        mode = self.mode if self.only in (None, operation) else "pass"
        if mode != "pass":
            self.faulted.append((mode, operation))
        if mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        elif mode == "throttle":
            return web.json_response({"__type": "ThrottlingException", "message": "Rate exceeded"}, status=400,
                                     content_type=_JSON, headers={"x-amzn-query-error": "Throttling;Sender"})
        elif mode == "throttle429":
            return web.json_response({"__type": "TooManyRequestsException", "message": "Too Many Requests"},
                                     status=429, content_type=_JSON)
        elif mode == "expired":
            return web.json_response({"__type": "ExpiredTokenException",
                                      "message": "The security token included in the request is expired"},
                                     status=403, content_type=_JSON)
        elif mode == "internal":
            return web.json_response({"__type": "InternalFailure", "message": "An internal error occurred"},
                                     status=500, content_type=_JSON)
        elif mode == "denied":
            return web.json_response({"__type": "AccessDeniedException", "message": (
                "User: arn:aws:sts::123456789012:assumed-role/oncall/sre is not authorized to perform: "
                f"cloudwatch:{operation}")}, status=403, content_type=_JSON)
        elif mode == "malformed":
            return web.Response(status=200, body=b"\x00<html>captive portal</html>", content_type=_JSON)
        return await self._forward(request, body, operation)

    async def _forward(self, request: web.Request, body: bytes, operation: str = "") -> web.StreamResponse:
        assert self._session
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with self._session.request(request.method, self.upstream + request.path_qs, headers=headers,
                                         data=body, allow_redirects=False) as answer:
            payload = await answer.read()
            keep = {k: v for k, v in answer.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server")}
        if self._hold is not None and self._hold == operation and answer.status == 200:
            release, self._hold = self._release, None
            assert release is not None
            self.holds.append(operation)
            self.held.set()
            await release.wait()
        return web.Response(status=answer.status, body=payload, headers=keep)


class ProxyThread:
    """``with ProxyThread(upstream) as proxy:`` then ``proxy.set("down")``, ``proxy.hold("PutItem")``:
    a :class:`FaultProxy` on its own event loop in a daemon thread, driven from synchronous code."""

    def __init__(self, upstream: str, **options: Any) -> None:
        self.proxy = FaultProxy(upstream, **options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def url(self) -> str:
        return self.proxy.url

    @property
    def held(self) -> threading.Event:
        return self.proxy.held

    def __enter__(self) -> "ProxyThread":
        self._thread.start()
        self._run(self.proxy.__aenter__())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._run(self.proxy.release())
            self._run(self.proxy.__aexit__(None, None, None))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    def set(self, mode: str, *, only: str | None = None) -> None:
        self._run(self.proxy.set(mode, only=only))

    def hold(self, operation: str) -> None:
        self._run(self.proxy.hold(operation))

    def release(self) -> None:
        self._run(self.proxy.release())

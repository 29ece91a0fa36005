"""The estate's control API, seen from the cockpit: status, the scenario clock, request counts.

The estate runs in its own process (``estate/process.py``), so the exercise talks to its
``/_estate/*`` endpoints over HTTP, as the tests and the estate panel do. The control API is
not part of the emulated estate and is never counted as traffic.
"""

from __future__ import annotations

from typing import Any

import aiohttp


class ControlError(Exception):
    """The estate's control API did not answer as expected; one line for the user."""


class EstateControl:
    """``async with EstateControl(env["COCKPIT_ESTATE_URL"]) as control: await control.status()``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EstateControl:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, action: str, **query: str) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        url = f"{self.base_url}/_estate/{action}"
        try:
            async with self._session.get(url, params=query) as resp:
                body = await resp.json(content_type=None)
                if resp.status != 200:
                    raise ControlError(f"estate control {action}: {body.get('error', resp.status)}")
                return body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ControlError(f"estate control {action}: {exc or exc.__class__.__name__}") from None

    async def status(self) -> dict[str, Any]:
        return await self.call("status")

    async def pause(self) -> dict[str, Any]:
        return await self.call("pause")

    async def resume(self) -> dict[str, Any]:
        return await self.call("resume")

    async def next(self) -> dict[str, Any]:
        """Jump the scenario clock to the next event or inject and fire it."""
        return await self.call("next")

    async def next_inject(self) -> dict[str, Any]:
        """Jump the scenario clock to the next inject and fire it (events due before it fire too)."""
        return await self.call("next-inject")

    async def requests(self, since: float = 0.0) -> dict[str, Any]:
        return await self.call("requests", since=str(since))

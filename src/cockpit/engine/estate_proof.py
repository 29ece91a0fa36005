"""May a drill's ``--yes`` stand in for a destructive step's typed confirmation?

Only when every endpoint the run touches is the emulated estate, and the estate proves it
is one. A loopback address proves nothing (anyone can listen on 127.0.0.1), and an
environment that points at the estate for AWS may still hold a production kubeconfig. So:

1. **The estate proves itself.** ``$COCKPIT_ESTATE_URL`` must answer a fresh random
   challenge at ``/_estate/prove`` with the HMAC that ``$COCKPIT_ESTATE_TOKEN`` makes of
   the challenge and of the endpoints it claims as its own (AWS, Kubernetes API, HTTP).
   The token exists only in the estate process and in the 0600 environment file it wrote
   (``estate/runner.py``), and is never served.
2. **The run stays inside it.** Each endpoint the run will use, resolved the way the
   executors resolve it, must have the origin (scheme, host, port) of a proven endpoint:
   the AWS endpoint botocore's chain gives each step's client (``AWS_ENDPOINT_URL``,
   per-service variables, the config file…), the API server of the kubeconfig context,
   every HTTP URL and the webhook a notify step posts to. A shell step runs a program
   whose endpoints nobody can know, so a run with one is never proven. A later step's
   URL made of an output not produced yet (a presigned URL) cannot be known when the
   step is confirmed; it is left out — the step being confirmed, every step before it,
   and every client the environment configures are always checked.

Anything unproven — no estate variables, no answer, a wrong MAC, one endpoint elsewhere, a
URL that cannot be rendered yet — means the step asks for the typed text, as in an
incident. The reason is given, so the person knows why ``--yes`` did not cover it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from cockpit.content.step_base import StepBase
from cockpit.engine import steps as executors
from cockpit.engine.host import StepHost

_DEFAULT_PORTS = {"http": 80, "https": 443}


class NotProven(Exception):
    """Why a run's endpoints are not proven to be the emulated estate (one line)."""


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of ``url``; None when it has no host (an unrendered template...)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower(), port


async def challenge(runtime: Any, timeout: float = 5.0) -> set[tuple[str, str, int]]:
    """The origins of the estate that answered a fresh challenge with the right MAC."""
    url, token = os.environ.get("COCKPIT_ESTATE_URL"), os.environ.get("COCKPIT_ESTATE_TOKEN")
    if not url or not token:
        raise NotProven("no emulated estate in this environment (COCKPIT_ESTATE_URL and COCKPIT_ESTATE_TOKEN)")
    import aiohttp

    nonce = secrets.token_hex(16)
    session = await runtime.connections.http()
    try:
        async with session.get(f"{url.rstrip('/')}/_estate/prove", params={"nonce": nonce},
                               timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            answer = await resp.json(content_type=None) if resp.status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise NotProven(f"the estate at {url} did not answer its challenge ({exc.__class__.__name__})") from None
    endpoints = answer.get("endpoints") if isinstance(answer, dict) else None
    if not isinstance(endpoints, dict) or not all(isinstance(v, str) for v in endpoints.values()):
        raise NotProven(f"{url} did not answer the estate's challenge")
    message = nonce + "\n" + json.dumps(endpoints, sort_keys=True)
    expected = hmac.new(token.encode(), message.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(answer.get("mac", ""))):
        raise NotProven(f"{url} does not know this environment's estate token: not the estate that wrote it")
    origins = {o for o in map(origin, endpoints.values()) if o}
    if origin(url) not in origins:
        raise NotProven(f"{url} answered for other endpoints than its own")
    return origins


async def _endpoints(engine: StepHost, step: StepBase) -> list[tuple[str, str]]:
    """(what, URL) for every endpoint ``step`` will use, resolved as the executors do."""
    try:
        return await executors.of(step).endpoints(step, engine.runtime, engine.context(preview=True))
    except executors.EndpointsUnknown as exc:
        raise NotProven(str(exc)) from None


async def refusal(engine: StepHost, confirming: StepBase) -> str | None:
    """None when every endpoint of ``engine``'s run is the proven estate; else why not."""
    try:
        if engine.proven_estate is None:
            engine.proven_estate = await challenge(engine.runtime)
        ids = [s.id for s in engine.playbook.steps]
        for step in engine.playbook.steps:
            later = ids.index(step.id) > ids.index(confirming.id)
            for what, url in await _endpoints(engine, step):
                if later and origin(url) is None and "<steps." in url:
                    continue  # made of an output not produced yet (see the module's note)
                if origin(url) not in engine.proven_estate:
                    raise NotProven(f"{what} {url} is not the proven emulated estate")
    except NotProven as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 — a client that cannot even be built proves nothing either
        return f"the run's endpoints could not be resolved ({exc.__class__.__name__}: {str(exc)[:120]})"
    return None

"""The ``http`` step (and ``http`` wait checks): one request, the status, the JSON body judged.

The URL is rendered by :func:`cockpit.content.urls.render_url` (each parameter encoded for the
part of the URL it fills) and sent as rendered: ``encoded=True`` keeps aiohttp from re-quoting
it, which would turn ``%2E%2E`` back into ``..`` and normalise the path.

A header whose value renders empty is not sent: an optional credential (``Authorization:
"{{ 'Bearer ' ~ params.token if params.token else '' }}"``) then leaves the request
anonymous instead of sending ``Authorization:`` with nothing, which servers refuse as a
malformed credential rather than treat as none.
"""

from __future__ import annotations

import json
from typing import Any

from cockpit.content import templating, urls
from cockpit.content.step_base import HttpCall, sent_headers
from cockpit.engine.results import StepFailure, StepResult, judge
from cockpit.engine.runtime import Runtime

_BODY_CAP = 256 * 1024


def render_http(call: HttpCall, ctx: dict[str, Any]) -> dict[str, Any]:
    return {"method": call.method, "url": urls.render_url(call.url, ctx),
            "headers": sent_headers(templating.render_value(call.headers, ctx)),
            "json": templating.render_value(call.json_body, ctx), "status": call.status}


async def run_http(call: HttpCall, ctx: dict[str, Any], rt: Runtime, timeout: float = 30.0) -> StepResult:
    import aiohttp
    import yarl

    rendered = render_http(call, ctx)
    session = await rt.connections.http()
    kwargs: dict[str, Any] = {"headers": rendered["headers"], "timeout": aiohttp.ClientTimeout(total=timeout)}
    if rendered["json"] is not None:
        kwargs["json"] = rendered["json"]
    try:
        async with session.request(call.method, yarl.URL(rendered["url"], encoded=True), **kwargs) as resp:
            raw = await resp.content.read(_BODY_CAP)
            status = resp.status
    except TimeoutError:  # aiohttp's total timeout (and its ServerTimeoutError) are TimeoutErrors
        raise StepFailure(f"{call.method} {rendered['url']}: no answer within {timeout:g}s") from None
    except aiohttp.ClientError as exc:
        raise StepFailure(f"{call.method} {rendered['url']}: {exc.__class__.__name__}: {exc}") from None
    text = raw.decode("utf-8", "replace")
    try:
        body: Any = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        body = text
    expected = call.status if isinstance(call.status, list) else [call.status]
    implicit = {"status": status, "body": body}
    if status not in expected:
        raise StepFailure(f"{call.method} {rendered['url']} answered {status}, expected "
                          f"{' or '.join(map(str, expected))}", implicit)
    outputs = judge(call.expect, call.outputs, body, ctx, implicit)
    return StepResult(outputs, f"HTTP {status}")


async def post_webhook(url: str, payload: dict[str, Any], rt: Runtime, timeout: float = 15.0) -> int:
    """POST a Slack-compatible message; StepFailure unless the hook answers 2xx."""
    import aiohttp

    session = await rt.connections.http()
    try:
        async with session.post(url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            await resp.read()
            if resp.status >= 300:
                raise StepFailure(f"webhook answered {resp.status}")
            return resp.status
    except TimeoutError:
        raise StepFailure(f"webhook did not answer within {timeout:g}s") from None
    except aiohttp.ClientError as exc:
        raise StepFailure(f"webhook unreachable: {exc.__class__.__name__}: {exc}") from None

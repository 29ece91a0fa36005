"""The estate's HTTP side, on aiohttp: the runbooks' endpoints and the estate's control API.

Served on one loopback port:

- ``GET /v1/storage/health`` — GreenLang storage (seeds 000/003): ``{"status", "region"}``;
  the region is the one storage-service read from ``storage-config`` when it last
  restarted, so a failover shows here exactly as it would in production.
- ``GET /prod/schools``, ``GET /prod/schools/{id}``, ``POST /prod/explain-match`` — the
  Flight School Marketplace API of seed 004 (``/prod`` is the API Gateway stage).
- ``POST /webhook/slack`` — a Slack-compatible incoming-webhook sink that keeps what it
  receives (``GET /webhook/messages`` lists it): where ``notify`` steps land in the demo.
- ``/grafana/api/...`` — Grafana's health and alerting API (seed 002), the alerts being
  the cluster's (:mod:`cockpit.estate.http_grafana`).
- ``/_estate/...`` — the control API: status and scenario clock, requests counted at the
  estate, pause/resume/next for facilitators. Not part of the emulated estate; never
  counted as traffic.

Scenarios change how any endpoint answers (status, body, delay) through
:class:`~cockpit.estate.state.EstateState`.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from cockpit.estate import http_grafana
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.state import EstateState

SCHOOLS = [
    {"id": "school-001", "name": "Blue Sky Aviation", "city": "Phoenix, AZ", "programs": ["PPL", "IR", "CPL"], "pricePPL": 13900, "rating": 4.8},
    {"id": "school-002", "name": "Cascade Flight Academy", "city": "Seattle, WA", "programs": ["PPL", "IR"], "pricePPL": 15400, "rating": 4.6},
    {"id": "school-003", "name": "Gulf Coast Aero Club", "city": "Houston, TX", "programs": ["PPL"], "pricePPL": 11800, "rating": 4.4},
]

Control = Callable[[str, dict[str, str]], Awaitable[dict[str, Any]]]


def build_app(state: EstateState, log: RequestLog, control: Control,
              grafana_alerts: http_grafana.Alerts | None = None) -> web.Application:
    """The aiohttp application; ``control(action, query)`` runs a control-API action;
    ``grafana_alerts`` (the cluster's alerts) enables Grafana's API under ``/grafana``."""

    async def answer(name: str, normal: Callable[[], Any], request: web.Request) -> web.Response:
        log.record("http", name, f"{request.method} {request.path}", request.method,
                   mutating=False)
        ans = state.endpoint(name)
        if ans.delay_ms:
            await asyncio.sleep(ans.delay_ms / 1000)
        body = normal() if ans.body is None else ans.body
        return web.json_response(body, status=ans.status)

    async def storage_health(request: web.Request) -> web.Response:
        def normal() -> dict[str, Any]:
            return {"status": "ok", "region": state.storage_region, "dr_mode": state.storage_dr_mode}

        ans = state.endpoint("storage-health")
        if ans.body is not None:
            # A scenario's body is merged over the live facts (the region always tells the truth).
            merged = {**normal(), **ans.body, "region": state.storage_region}
            log.record("http", "storage-health", "GET /v1/storage/health", "GET", mutating=False)
            if ans.delay_ms:
                await asyncio.sleep(ans.delay_ms / 1000)
            return web.json_response(merged, status=ans.status)
        return await answer("storage-health", normal, request)

    async def schools(request: web.Request) -> web.Response:
        return await answer("flight-schools", lambda: {"schools": SCHOOLS, "count": len(SCHOOLS)}, request)

    async def school(request: web.Request) -> web.Response:
        school_id = request.match_info["id"]
        match = next((s for s in SCHOOLS if s["id"] == school_id), None)
        if match is None and state.endpoint("flight-school-detail").body is None:
            log.record("http", "flight-school-detail", f"GET {request.path}", "GET", mutating=False)
            return web.json_response({"message": f"school {school_id} not found"}, status=404)
        return await answer("flight-school-detail", lambda: match, request)

    async def explain_match(request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"message": "body must be JSON"}, status=400)
        score = payload.get("matchScore") if isinstance(payload, dict) else None
        name = (payload.get("school") or {}).get("name", "the school") if isinstance(payload, dict) else "the school"
        return await answer("flight-explain-match",
                            lambda: {"explanation": f"{name} matches at {score}: within budget and offers the training goal."},
                            request)

    async def webhook(request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            payload = {"raw": (await request.text())[:10_000]}
        log.record("http", "webhook", f"POST {request.path}", "POST", mutating=True)
        state.record_webhook(request.path, payload)
        return web.Response(text="ok")  # what Slack answers

    async def webhook_messages(request: web.Request) -> web.Response:
        return web.json_response([{"received_at": m.received_at, "path": m.path, "payload": m.payload}
                                  for m in state.webhook_messages])

    async def control_api(request: web.Request) -> web.Response:
        try:
            result = await control(request.match_info["action"], dict(request.query))
        except KeyError as exc:
            return web.json_response({"error": f"unknown control action {exc}"}, status=404)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(result)

    app = web.Application()
    app.router.add_get("/v1/storage/health", storage_health)
    app.router.add_get("/prod/schools", schools)
    app.router.add_get("/prod/schools/{id}", school)
    app.router.add_post("/prod/explain-match", explain_match)
    app.router.add_post("/webhook/{name}", webhook)
    app.router.add_get("/webhook/messages", webhook_messages)
    app.router.add_route("*", "/_estate/{action}", control_api)
    if grafana_alerts is not None:
        http_grafana.add_routes(app, grafana_alerts, log)
    return app


async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, str]:
    """Start ``app`` on a free loopback port; return the runner (to clean up) and base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner, f"http://{host}:{sock.getsockname()[1]}"

"""HTTP health endpoints against a real aiohttp server: status, JSON field, latency."""

from __future__ import annotations

import asyncio

from aiohttp import web

from cockpit.sources.http import HttpSource
from cockpit.sources.snapshot import Level

from .conftest import screen, serve


async def test_status_json_field_latency_and_post_body(conn, monkeypatch):
    seen_bodies = []
    state = {"status": "ok"}

    async def health(request):
        return web.json_response({"status": state["status"], "region": "eu-west-1"})

    async def slow(request):
        await asyncio.sleep(0.3)
        return web.json_response({"status": "ok"})

    async def explain(request):
        seen_bodies.append(await request.json())
        return web.json_response({"explanation": "good match"})

    async def broken(request):
        return web.Response(status=503, text="<html>oops</html>")

    app = web.Application()
    app.router.add_get("/v1/storage/health", health)
    app.router.add_get("/slow", slow)
    app.router.add_get("/broken", broken)
    app.router.add_post("/prod/explain-match", explain)
    server = await serve(app)
    try:
        monkeypatch.setenv("TEST_HEALTH_URL", str(server.make_url("/v1/storage/health")))
        base = str(server.make_url("")).rstrip("/")
        s = screen(endpoints=[
            {"name": "storage-health", "url": "${TEST_HEALTH_URL:-https://api.greenlang.io/v1/storage/health}",
             "field": "status", "expect": "ok"},
            {"name": "slow", "url": f"{base}/slow", "latency_warn_ms": 100},
            {"name": "broken", "url": f"{base}/broken", "field": "status", "expect": "ok"},
            {"name": "explain", "url": f"{base}/prod/explain-match", "method": "POST",
             "body": {"student": {"trainingGoal": "PPL"}, "matchScore": 85}, "field": "explanation"},
        ])
        source = HttpSource(s, conn)

        items = {i.name: i for i in (await source.refresh()).items}
        assert (items["storage-health"].level, items["storage-health"].detail["field"]["value"]) == (Level.OK, "ok")
        assert items["storage-health"].detail["url"].startswith("http://127.0.0.1")  # env var won over the default
        assert items["slow"].level == Level.WARNING and items["slow"].problem.startswith("slow: ")
        assert items["slow"].detail["latency_ms"] >= 300
        assert items["broken"].level == Level.CRITICAL
        assert "HTTP 503, expected 200" in items["broken"].problem and "status: not in the answer" in items["broken"].problem
        assert items["explain"].level == Level.OK and seen_bodies == [{"student": {"trainingGoal": "PPL"}, "matchScore": 85}]

        state["status"] = "degraded"
        items = {i.name: i for i in (await source.refresh()).items}
        assert (items["storage-health"].level, items["storage-health"].problem) == \
            (Level.CRITICAL, "status is 'degraded', expected 'ok'")
    finally:
        await server.close()


async def test_an_unreachable_endpoint_is_a_critical_finding_not_a_stale_pane(conn):
    app = web.Application()
    server = await serve(app)
    url = str(server.make_url("/health"))
    await server.close()  # nothing listens there any more

    snap = await HttpSource(screen(endpoints=[{"name": "gone", "url": url, "timeout_seconds": 2}]), conn).refresh()

    assert snap.error is None and not snap.stale
    (item,) = snap.items
    assert (item.status, item.level) == ("unreachable", Level.CRITICAL)

"""Grafana's HTTP API as seed 002's checks read it: ``/api/health`` and the alerting API.

Served by the estate's HTTP side under ``/grafana`` (``COCKPIT_GRAFANA_URL`` in the printed
env stands for ``https://grafana.greenlang.io``). The alerts are the cluster's (see
:mod:`cockpit.estate.k8s_alerts`), so "review overnight alerts" shows what the scenario did
to the cluster:

- ``GET /grafana/api/health`` — ``{"database": "ok", "version": …}``;
- ``GET /grafana/api/alertmanager/grafana/api/v2/alerts`` — firing alerts, Alertmanager v2;
- ``GET /grafana/api/prometheus/grafana/api/v1/alerts`` — the same, Prometheus-style.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from cockpit.estate.requestlog import RequestLog

PREFIX = "/grafana"
VERSION = "10.4.2"

Alerts = Callable[[], list[dict[str, Any]]]


def add_routes(app: web.Application, alerts: Alerts, log: RequestLog) -> None:
    """Register the Grafana endpoints on ``app``; ``alerts()`` lists the firing alerts."""

    def seen(request: web.Request, name: str) -> None:
        log.record("http", name, f"{request.method} {request.path}", request.method, mutating=False)

    async def health(request: web.Request) -> web.Response:
        seen(request, "grafana-health")
        return web.json_response({"commit": "d8c9ba9e61", "database": "ok", "version": VERSION})

    async def alertmanager(request: web.Request) -> web.Response:
        seen(request, "grafana-alerts")
        return web.json_response(alerts())

    async def prometheus(request: web.Request) -> web.Response:
        seen(request, "grafana-alerts")
        return web.json_response({"status": "success", "data": {"alerts": [
            {"labels": a["labels"], "annotations": a["annotations"], "state": "Alerting",
             "activeAt": a["startsAt"], "value": "1e+00"} for a in alerts()]}})

    app.router.add_get(f"{PREFIX}/api/health", health)
    app.router.add_get(f"{PREFIX}/api/alertmanager/grafana/api/v2/alerts", alertmanager)
    app.router.add_get(f"{PREFIX}/api/prometheus/grafana/api/v1/alerts", prometheus)

"""Grafana's HTTP API as seed 002's checks read it: health, alerting and dashboards.

Served by the estate's HTTP side under ``/grafana`` (``COCKPIT_GRAFANA_URL`` in the printed
env stands for ``https://grafana.greenlang.io``). The alerts are the cluster's (see
:mod:`cockpit.estate.k8s_alerts`), so "review overnight alerts" shows what the scenario did
to the cluster:

- ``GET /grafana/api/health`` — ``{"database": "ok", "version": …}``;
- ``GET /grafana/api/alertmanager/grafana/api/v2/alerts`` — firing alerts, Alertmanager v2;
- ``GET /grafana/api/prometheus/grafana/api/v1/alerts`` — the same, Prometheus-style;
- ``GET /grafana/api/search``, ``GET|DELETE /grafana/api/dashboards/uid/UID`` and
  ``POST /grafana/api/dashboards/db`` — the dashboards (:mod:`cockpit.estate.grafana_dashboards`:
  the guide's five, and what a responder saves). Saves and deletes are the estate's mutating
  requests, so a dry run, a read-only run or a tabletop is seen to leave Grafana alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from cockpit.estate.grafana_dashboards import Dashboards, GrafanaError
from cockpit.estate.requestlog import RequestLog

PREFIX = "/grafana"
VERSION = "10.4.2"

Alerts = Callable[[], list[dict[str, Any]]]


_BODY_CAP = 1024 * 1024  # Grafana's own default limit on a dashboard is larger; a practice one is small


def add_routes(app: web.Application, alerts: Alerts, log: RequestLog,
               dashboards: Dashboards | None = None) -> None:
    """Register the Grafana endpoints on ``app``; ``alerts()`` lists the firing alerts."""
    board = dashboards if dashboards is not None else Dashboards()

    def seen(request: web.Request, name: str, mutating: bool = False) -> None:
        log.record("http", name, f"{request.method} {request.path}", request.method, mutating=mutating)

    def refused(exc: GrafanaError) -> web.Response:
        return web.json_response(exc.body(), status=exc.http_status)

    def unauthorized(request: web.Request) -> web.Response | None:
        """Anonymous requests are let in (an estate has no users); a credential that is there
        must be well formed, as Grafana's: ``Authorization:`` with nothing after it is a 401."""
        given = request.headers.get("Authorization")
        if given is None or re.fullmatch(r"(Bearer|Basic) \S+", given.strip()):
            return None
        return web.json_response({"message": "Unauthorized"}, status=401)

    async def search(request: web.Request) -> web.Response:
        seen(request, "grafana-search")
        if (denied := unauthorized(request)) is not None:
            return denied
        return web.json_response(board.search(request.query.get("query", ""), request.query.getall("tag", []),
                                              request.query.get("type", "")))

    async def get_dashboard(request: web.Request) -> web.Response:
        seen(request, "grafana-dashboards")
        if (denied := unauthorized(request)) is not None:
            return denied
        try:
            return web.json_response(board.get(request.match_info["uid"]))
        except GrafanaError as exc:
            return refused(exc)

    async def delete_dashboard(request: web.Request) -> web.Response:
        seen(request, "grafana-dashboards", mutating=True)
        if (denied := unauthorized(request)) is not None:
            return denied
        try:
            return web.json_response(board.delete(request.match_info["uid"]))
        except GrafanaError as exc:
            return refused(exc)

    async def save_dashboard(request: web.Request) -> web.Response:
        seen(request, "grafana-dashboards", mutating=True)
        if (denied := unauthorized(request)) is not None:
            return denied
        raw = await request.content.read(_BODY_CAP + 1)
        if len(raw) > _BODY_CAP:
            return web.json_response({"message": "request body too large"}, status=413)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            return web.json_response({"message": "bad request data"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"message": "bad request data"}, status=400)
        folder = body.get("folderUid") or ""
        user = "api-token" if request.headers.get("Authorization", "").startswith("Bearer ") else "admin"
        try:
            return web.json_response(board.save(body.get("dashboard"), folder_uid=str(folder),
                                                overwrite=body.get("overwrite") is True, user=user))
        except GrafanaError as exc:
            return refused(exc)

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
    app.router.add_get(f"{PREFIX}/api/search", search)
    app.router.add_get(f"{PREFIX}/api/dashboards/uid/{{uid}}", get_dashboard)
    app.router.add_delete(f"{PREFIX}/api/dashboards/uid/{{uid}}", delete_dashboard)
    app.router.add_post(f"{PREFIX}/api/dashboards/db", save_dashboard)

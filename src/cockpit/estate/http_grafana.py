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
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from cockpit.estate.grafana_dashboards import Dashboards, GrafanaError
from cockpit.estate.requestlog import RequestLog

PREFIX = "/grafana"
VERSION = "10.4.2"

Alerts = Callable[[], list[dict[str, Any]]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


_BODY_CAP = 1024 * 1024  # Grafana's own default limit on a dashboard is larger; a practice one is small


def add_routes(app: web.Application, alerts: Alerts, log: RequestLog,
               dashboards: Dashboards | None = None) -> None:
    """Register the Grafana endpoints on ``app``; ``alerts()`` lists the firing alerts."""
    board = dashboards if dashboards is not None else Dashboards()

    def seen(request: web.Request, name: str, mutating: bool = False) -> None:
        log.record("http", name, f"{request.method} {request.path}", request.method, mutating=mutating)

    def unauthorized(request: web.Request) -> web.Response | None:
        """Anonymous requests are let in (an estate has no users); a credential that is there
        must be well formed, as Grafana's: ``Authorization:`` with nothing after it is a 401."""
        given = request.headers.get("Authorization")
        if given is None or re.fullmatch(r"(Bearer|Basic) \S+", given.strip()):
            return None
        return web.json_response({"message": "Unauthorized"}, status=401)

    def dashboard_api(name: str, *, mutating: bool = False) -> Callable[[Handler], Handler]:
        """A dashboard endpoint: logged, its credential checked, Grafana's refusals answered."""
        def wrap(answer: Handler) -> Handler:
            async def handler(request: web.Request) -> web.Response:
                seen(request, name, mutating)
                if (denied := unauthorized(request)) is not None:
                    return denied
                try:
                    return await answer(request)
                except GrafanaError as exc:
                    return web.json_response(exc.body(), status=exc.http_status)
            return handler
        return wrap

    @dashboard_api("grafana-search")
    async def search(request: web.Request) -> web.Response:
        return web.json_response(board.search(request.query.get("query", ""), request.query.getall("tag", []),
                                              request.query.get("type", "")))

    @dashboard_api("grafana-dashboards")
    async def get_dashboard(request: web.Request) -> web.Response:
        return web.json_response(board.get(request.match_info["uid"]))

    @dashboard_api("grafana-dashboards", mutating=True)
    async def delete_dashboard(request: web.Request) -> web.Response:
        return web.json_response(board.delete(request.match_info["uid"]))

    @dashboard_api("grafana-dashboards", mutating=True)
    async def save_dashboard(request: web.Request) -> web.Response:
        raw = await request.content.read(_BODY_CAP + 1)
        if len(raw) > _BODY_CAP:
            raise GrafanaError(413, "request body too large")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise GrafanaError(400, "bad request data")
        user = "api-token" if request.headers.get("Authorization", "").startswith("Bearer ") else "admin"
        return web.json_response(board.save(body.get("dashboard"), folder_uid=str(body.get("folderUid") or ""),
                                            overwrite=body.get("overwrite") is True, user=user))

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

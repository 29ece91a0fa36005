"""Grafana's dashboards as the platform guide names them, kept the way Grafana keeps them.

Seed 002 lists five essential dashboards (``/d/system-overview``, ``/d/api-performance``,
``/d/database``, ``/d/infrastructure``, ``/d/deployments``) and sets "configure a new Grafana
dashboard" as a first-week exercise. The store answers what Grafana's dashboard API answers,
with its rules, so a playbook learns there what it will meet on the real server:

- a dashboard is found by ``uid``; its ``version`` starts at 1 and grows with each save;
- saving a new dashboard over an existing ``uid`` without ``overwrite`` is refused as
  ``version-mismatch`` (412), a second dashboard of the same title in the same folder as
  ``name-exists`` (412), an empty title as a 400 — never a silent overwrite;
- search lists ``dash-db`` hits with ``uid``, ``title``, ``url``, ``tags``.

Pure data: :mod:`cockpit.estate.http_grafana` serves it over HTTP.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime, timezone
from typing import Any

# Seed 002, "Monitoring Dashboards - Essential Dashboards": uid, title, what each shows.
ESSENTIAL: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("system-overview", "System Overview", ("Request rate", "Error rate", "Latency", "CPU, memory, disk usage",
                                            "Active incidents")),
    ("api-performance", "API Performance", ("Per-endpoint latency", "Per-endpoint error rates",
                                            "Request distribution")),
    ("database", "Database Performance", ("Connection pool usage", "Query duration", "Replication lag")),
    ("infrastructure", "Infrastructure", ("Node health", "Pod status", "Resource utilization")),
    ("deployments", "Deployment Dashboard", ("Deployment history", "Success/failure rate", "Rollback tracking")),
)

MAX_DASHBOARDS = 500  # a runaway loop of creates must not grow the estate without bound


class GrafanaError(Exception):
    """What Grafana answers instead of saving: its HTTP status, message and ``status`` word."""

    def __init__(self, http_status: int, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.http_status, self.message, self.status = http_status, message, status

    def body(self) -> dict[str, Any]:
        return {"message": self.message, **({"status": self.status} if self.status else {})}


def slugify(title: str) -> str:
    """Grafana's slug: lower case, runs of anything else than letters and digits become ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "dashboard"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Dashboards:
    """The dashboards of one Grafana, seeded with seed 002's five; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_uid: dict[str, dict[str, Any]] = {}
        self._next_id = 1
        for uid, title, panels in ESSENTIAL:
            self.save({"uid": uid, "title": title, "tags": ["greenlang", "essential"],
                       "panels": [{"id": i + 1, "type": "timeseries", "title": name,
                                   "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)}}
                                  for i, name in enumerate(panels)]},
                      folder_uid="", overwrite=False, user="provisioning")

    def save(self, dashboard: Any, *, folder_uid: str, overwrite: bool, user: str) -> dict[str, Any]:
        """``POST /api/dashboards/db``: the saved dashboard's id, uid, url, version, slug."""
        if not isinstance(dashboard, dict):
            raise GrafanaError(400, "bad request data: dashboard must be an object")
        title = dashboard.get("title")
        if not isinstance(title, str) or not title.strip():
            raise GrafanaError(400, "Dashboard title cannot be empty")
        with self._lock:
            uid = dashboard.get("uid") or f"gen{self._next_id:07d}"
            if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
                raise GrafanaError(400, "uid contains illegal characters or is longer than 40 characters")
            existing = self._by_uid.get(uid)
            if existing is not None and not overwrite and dashboard.get("version") != existing["dashboard"]["version"]:
                raise GrafanaError(412, "The dashboard has been changed by someone else", "version-mismatch")
            same_title = [d for d in self._by_uid.values() if d["meta"]["folderUid"] == folder_uid
                          and d["dashboard"]["title"].lower() == title.lower() and d["dashboard"]["uid"] != uid]
            if same_title and not overwrite:
                raise GrafanaError(412, "A dashboard with the same name in the folder already exists", "name-exists")
            if existing is None and len(self._by_uid) >= MAX_DASHBOARDS:
                raise GrafanaError(403, f"Quota reached: {MAX_DASHBOARDS} dashboards")
            slug = slugify(title)
            now = _now()
            version = existing["dashboard"]["version"] + 1 if existing else 1
            ident = existing["dashboard"]["id"] if existing else self._next_id
            if existing is None:
                self._next_id += 1
            saved = {**dashboard, "id": ident, "uid": uid, "title": title, "version": version}
            self._by_uid[uid] = {"dashboard": saved, "meta": {
                "type": "db", "canSave": True, "canEdit": True, "canAdmin": True, "canStar": True,
                "slug": slug, "url": f"/d/{uid}/{slug}", "expires": "0001-01-01T00:00:00Z",
                "created": existing["meta"]["created"] if existing else now, "updated": now,
                "updatedBy": user, "createdBy": existing["meta"]["createdBy"] if existing else user,
                "version": version, "hasAcl": False, "isFolder": False, "folderId": 0,
                "folderUid": folder_uid, "folderTitle": "General", "provisioned": False}}
            return {"id": ident, "uid": uid, "url": f"/d/{uid}/{slug}", "status": "success",
                    "version": version, "slug": slug}

    def get(self, uid: str) -> dict[str, Any]:
        """``GET /api/dashboards/uid/UID``: the dashboard and its meta."""
        with self._lock:
            found = self._by_uid.get(uid)
            if found is None:
                raise GrafanaError(404, "Dashboard not found")
            return {"dashboard": dict(found["dashboard"]), "meta": dict(found["meta"])}

    def delete(self, uid: str) -> dict[str, Any]:
        """``DELETE /api/dashboards/uid/UID``."""
        with self._lock:
            found = self._by_uid.pop(uid, None)
            if found is None:
                raise GrafanaError(404, "Dashboard not found")
            title = found["dashboard"]["title"]
            return {"title": title, "message": f"Dashboard {title} deleted", "id": found["dashboard"]["id"]}

    def search(self, query: str = "", tags: list[str] | None = None, kind: str = "") -> list[dict[str, Any]]:
        """``GET /api/search``: dashboards whose title holds ``query`` and that carry every tag."""
        if kind not in ("", "dash-db"):
            return []  # no folders here
        with self._lock:
            hits = [d for d in self._by_uid.values()
                    if query.lower() in d["dashboard"]["title"].lower()
                    and all(t in (d["dashboard"].get("tags") or []) for t in tags or [])]
            return [{"id": d["dashboard"]["id"], "uid": d["dashboard"]["uid"], "title": d["dashboard"]["title"],
                     "uri": f"db/{d['meta']['slug']}", "url": d["meta"]["url"], "slug": "", "type": "dash-db",
                     "tags": list(d["dashboard"].get("tags") or []), "isStarred": False, "sortMeta": 0}
                    for d in sorted(hits, key=lambda d: d["dashboard"]["title"].lower())]

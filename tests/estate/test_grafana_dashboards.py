"""Grafana's dashboard API on the estate, over HTTP as curl or a playbook asks it: the platform
guide's five dashboards are there, and a save follows Grafana's rules (never a silent
overwrite, versions that grow, a malformed credential refused), so the practice exercise
meets on the estate what it will meet on the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from cockpit.estate.http import build_app, serve
from cockpit.estate.requestlog import RequestLog
from cockpit.estate.state import EstateState


async def _no_control(action: str, query: dict[str, str]) -> dict[str, Any]:
    raise KeyError(action)


@pytest.fixture
async def grafana() -> AsyncIterator[tuple[str, RequestLog]]:
    log = RequestLog()
    runner, url = await serve(build_app(EstateState(), log, _no_control, grafana_alerts=lambda: []))
    try:
        yield f"{url}/grafana", log
    finally:
        await runner.cleanup()


async def _call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.request(method, url, json=body, headers=headers) as resp:
        return resp.status, await resp.json()


def _dashboard(uid: str, title: str, panels: int = 2, **extra: Any) -> dict[str, Any]:
    return {"dashboard": {"uid": uid, "title": title, "panels": [{"id": i, "title": f"p{i}"} for i in range(panels)]},
            "folderUid": "", "overwrite": False, **extra}


async def test_the_guides_five_dashboards_are_there(grafana):
    base, _ = grafana
    status, hits = await _call("GET", f"{base}/api/search?type=dash-db")
    assert status == 200
    assert {h["uid"]: h["url"] for h in hits} == {
        "system-overview": "/d/system-overview/system-overview", "api-performance": "/d/api-performance/api-performance",
        "database": "/d/database/database-performance", "infrastructure": "/d/infrastructure/infrastructure",
        "deployments": "/d/deployments/deployment-dashboard"}
    status, found = await _call("GET", f"{base}/api/dashboards/uid/database")
    assert [p["title"] for p in found["dashboard"]["panels"]] == [
        "Connection pool usage", "Query duration", "Replication lag"]
    assert (await _call("GET", f"{base}/api/search?query=deploy"))[1][0]["uid"] == "deployments"


async def test_a_save_never_overwrites_and_versions_grow(grafana):
    base, log = grafana
    status, saved = await _call("POST", f"{base}/api/dashboards/db", _dashboard("mine", "My board"))
    assert (status, saved["status"], saved["version"], saved["url"]) == (200, "success", 1, "/d/mine/my-board")
    # Someone saves a new dashboard over the uid: refused, and the first one is untouched.
    status, answer = await _call("POST", f"{base}/api/dashboards/db", _dashboard("mine", "Theirs", panels=0))
    assert (status, answer["status"]) == (412, "version-mismatch")
    # The same title in the same folder under another uid: refused too.
    status, answer = await _call("POST", f"{base}/api/dashboards/db", _dashboard("other", "my BOARD"))
    assert (status, answer["status"]) == (412, "name-exists")
    status, kept = await _call("GET", f"{base}/api/dashboards/uid/mine")
    assert (kept["dashboard"]["title"], len(kept["dashboard"]["panels"]), kept["meta"]["version"]) == ("My board", 2, 1)
    # Saving on top of the version one read is an update; overwrite replaces whatever is there.
    update = _dashboard("mine", "My board", panels=3)
    update["dashboard"]["version"] = 1
    assert (await _call("POST", f"{base}/api/dashboards/db", update))[1]["version"] == 2
    assert (await _call("POST", f"{base}/api/dashboards/db", _dashboard("mine", "Mine", overwrite=True)))[1]["version"] == 3
    writes = [r.operation for r in log.records() if r.mutating]
    assert writes == ["POST /grafana/api/dashboards/db"] * 5, "every save is a mutating request, refused or not"


async def test_bad_saves_and_credentials_get_grafanas_answers(grafana):
    base, _ = grafana
    assert await _call("POST", f"{base}/api/dashboards/db", _dashboard("t", " ")) == (
        400, {"message": "Dashboard title cannot be empty"})
    assert (await _call("POST", f"{base}/api/dashboards/db", _dashboard("../x", "X")))[0] == 400
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/dashboards/db", data=b"[" * 100_000) as resp:
            assert resp.status == 400  # not a traceback, not a hang
    # An Authorization header with nothing in it is a malformed credential, as in Grafana.
    assert (await _call("GET", f"{base}/api/search", headers={"Authorization": ""}))[0] == 401
    assert (await _call("GET", f"{base}/api/search", headers={"Authorization": "Bearer glsa_x"}))[0] == 200
    status, saved = await _call("POST", f"{base}/api/dashboards/db", _dashboard("tok", "Token"),
                                headers={"Authorization": "Bearer glsa_x"})
    assert (await _call("GET", f"{base}/api/dashboards/uid/tok"))[1]["meta"]["createdBy"] == "api-token"


async def test_delete_removes_one_dashboard(grafana):
    base, _ = grafana
    await _call("POST", f"{base}/api/dashboards/db", _dashboard("gone", "Gone"))
    status, answer = await _call("DELETE", f"{base}/api/dashboards/uid/gone")
    assert (status, answer["message"]) == (200, "Dashboard Gone deleted")
    assert await _call("GET", f"{base}/api/dashboards/uid/gone") == (404, {"message": "Dashboard not found"})
    assert (await _call("DELETE", f"{base}/api/dashboards/uid/gone"))[0] == 404
    assert len((await _call("GET", f"{base}/api/search"))[1]) == 5

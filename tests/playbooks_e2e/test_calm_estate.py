"""Checks on a calm estate: platform health sees a deployment that is not ready, the flight
school procedure takes the "nothing to mitigate" branch, the P1 storage response posts its
acknowledgement and update.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from tests.playbooks_e2e.conftest import run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")


def _messages(handle) -> list[str]:
    url = handle.env["COCKPIT_ESTATE_URL"].rstrip("/") + "/webhook/messages"
    return [m["payload"]["text"] for m in json.loads(urllib.request.urlopen(url, timeout=5).read())]


async def test_platform_health_is_green_then_names_the_deployment_scaling_up(module_estate, tmp_path):
    run = await run_playbook("platform-health", tmp_path / "a.db", read_only=True, yes=True)
    assert run.state("pods_not_running") == run.state("nodes") == run.state("deployments_ready") == "succeeded"
    assert run.outputs("nodes")["nodes"] == 3 and run.outputs("pods_not_running")["pods"] == 8
    assert run.state("api_error_logs") == "succeeded"  # kubectl logs -l app=greenlang-api on the estate
    # Last night's database dump is there (seed 002's `aws s3 ls s3://greenlang-backups/database/ | tail -5`).
    assert run.state("backups") == "succeeded"
    latest = [key for key, _ in run.outputs("backups")["latest"]]
    # The newest is this hour's plain-SQL dump (RPO 1 h), after last night's full one.
    from cockpit.estate import backup_dumps

    newest = backup_dumps.time_in(latest[-1])
    assert len(latest) == 5 and newest is not None and datetime.now(timezone.utc) - newest < timedelta(hours=1), latest

    from kubernetes_asyncio import client, config

    cfg = client.Configuration()
    await config.load_kube_config(config_file=module_estate.env["KUBECONFIG"], client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        await client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "greenlang-api", "greenlang", {"spec": {"replicas": 5}})
    run = await run_playbook("platform-health", tmp_path / "b.db", read_only=True, yes=True)
    assert run.outputs("deployments_ready")["not_ready"] == ["greenlang-api"]
    assert len(run.outputs("pods_not_running")["not_ready"]) == 2  # the two new pods are starting


async def test_flight_school_incident_with_a_healthy_api_skips_to_the_postmortem(tmp_path):
    run = await run_playbook("flight-school-incident", tmp_path / "t.db", screen="flight-school", severity="P3",
                             yes=True)
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("mitigation") == {"choice": "none_needed"}
    assert run.state("resolved") == "skipped" and run.state("postmortem") == "succeeded"


async def test_p1_storage_incident_acknowledges_and_updates(module_estate, tmp_path):
    run = await run_playbook("p1-storage-incident", tmp_path / "t.db", screen="greenlang-storage", yes=True,
                             choices={"mitigation": "monitor"})
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("bucket_reachable")["keys"] > 0
    assert run.outputs("storage_alarms")["in_alarm"] == []
    texts = _messages(module_estate)
    assert texts[-2].startswith("P1 INCIDENT: S3 storage issue detected. Investigating.")
    assert "Mitigation: monitor. Next update in 15 minutes." in texts[-1]

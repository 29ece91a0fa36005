"""dr-failover end to end on the eu-west-1 storage outage: afterwards the estate is failed over.

`cockpit run` runs headless as a real process against its own estate (the scenario played
out at high speed first, so the 5xx alarm is firing and the decision's condition holds).
The assertions read the estate back with boto3, kubernetes-asyncio and HTTP, as a
responder's own tools would.
"""

from __future__ import annotations

import json
import urllib.request

import boto3
import pytest

from tests.engine.conftest import (cli_env, cockpit, events_of, incident_id, play_outage_to_the_decision, steps_of,
                                   wait_for)

HC = "HC-PRIMARY-S3"
DR_BUCKET = "greenlang-prod-eu-central-1-data-lake-confidential-replica"


@pytest.fixture(scope="module")
def outage(start_estate):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_outage_to_the_decision(handle)
    return handle


@pytest.fixture(scope="module")
def failover(outage, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("failover")
    db = tmp / "timeline.db"
    proc = cockpit(["run", "dr-failover", "--title", "eu-west-1 S3 outage", "--severity", "P1", "--yes",
                    "--approve-as", "alice", "--confirm", f"disable_primary_health_check={HC}"],
                   cli_env(outage.env, tmp), db)
    return proc, db


def _aws(outage, service, region):
    return boto3.client(service, region_name=region, endpoint_url=outage.env["AWS_ENDPOINT_URL"],
                        aws_access_key_id=outage.env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=outage.env["AWS_SECRET_ACCESS_KEY"])


def test_run_succeeds_and_says_so(failover):
    proc, _ = failover
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    assert proc.stderr == ""
    assert "Fail over: S3 API failing" in proc.stdout  # the decision whose condition held
    # The runbook's manual test of the primary bucket fails in the outage, as it would in AWS,
    # and the run says so on its last line.
    assert proc.stdout.rstrip().splitlines()[-1].endswith("succeeded (steps failed and continued: probe_primary_s3)")


def test_estate_is_failed_over(failover, outage):
    health = json.loads(urllib.request.urlopen(outage.env["COCKPIT_STORAGE_HEALTH_URL"], timeout=5).read())
    assert (health["status"], health["region"]) == ("ok", "eu-central-1")

    route53 = _aws(outage, "route53", "us-east-1")
    ids = [h["Id"] for h in route53.list_health_checks()["HealthChecks"]]
    tags = route53.list_tags_for_resources(ResourceType="healthcheck", ResourceIds=ids)["ResourceTagSets"]
    primary = next(t["ResourceId"] for t in tags if {"Key": "Name", "Value": HC} in t["Tags"])
    assert route53.get_health_check(HealthCheckId=primary)["HealthCheck"]["HealthCheckConfig"]["Disabled"] is True

    s3 = _aws(outage, "s3", "eu-central-1")
    body = s3.get_object(Bucket=DR_BUCKET, Key="dr-validation/test.txt")["Body"].read().decode()
    assert body.startswith("DR test ")

    # The failover took the errors away: two clean 5-minute periods later, the alarm is OK.
    outage.control("speed", x="600")
    cw = _aws(outage, "cloudwatch", "eu-west-1")
    wait_for(lambda: cw.describe_alarms(AlarmNames=["greenlang-s3-5xx-errors-critical"])["MetricAlarms"][0]
             ["StateValue"] == "OK", 30, "the 5xx alarm back to OK")


async def test_cluster_runs_the_dr_configuration(failover, outage):
    from kubernetes_asyncio import client, config

    cfg = client.Configuration()
    await config.load_kube_config(config_file=outage.env["KUBECONFIG"], client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        cm = await client.CoreV1Api(api).read_namespaced_config_map("storage-config", "greenlang")
        assert cm.data["DATA_LAKE_BUCKET"] == DR_BUCKET
        assert (cm.data["AWS_REGION"], cm.data["DR_MODE"]) == ("eu-central-1", "true")
        for name in ("storage-service", "api-gateway"):
            dep = await client.AppsV1Api(api).read_namespaced_deployment(name, "greenlang")
            assert "kubectl.kubernetes.io/restartedAt" in (dep.spec.template.metadata.annotations or {})
            assert dep.status.ready_replicas == dep.spec.replicas == dep.status.updated_replicas


def test_timeline_holds_every_step_with_its_result(failover, outage):
    proc, db = failover
    incident = incident_id(proc.stdout)
    run, steps = steps_of(db, incident)
    assert run.status == "succeeded"
    assert {s: r.state for s, r in steps.items() if r.state != "succeeded"} == {
        "update_api_gateway_stage": "skipped", "probe_primary_s3": "failed"}  # the primary's data plane is down
    finished = {e.data["step_id"]: e for e in events_of(db, incident, ["step_succeeded", "step_skipped"])}
    assert len(finished) == 26
    disable = finished["disable_primary_health_check"]
    assert disable.data["duration_s"] >= 0 and disable.data["result"].startswith("HTTP 200")
    assert disable.actor  # who
    started = {e.data["step_id"]: e for e in events_of(db, incident, ["step_started"])}
    assert started["disable_primary_health_check"].data["call"]["operation"] == "UpdateHealthCheck"
    assert steps["verify_dr_bucket"].outputs["keys"] > 0
    assert steps["failover_decision"].outputs == {"choice": "s3_unavailable"}
    approvals = events_of(db, incident, ["approval"])
    assert [e.data["approver"] for e in approvals] == ["alice"]
    # Two notifications reached the webhook sink, the last one saying where storage runs now.
    messages = json.loads(urllib.request.urlopen(outage.env["COCKPIT_ESTATE_URL"].rstrip("/") + "/webhook/messages",
                                                 timeout=5).read())
    assert len(messages) == 2 and "FAILOVER COMPLETE" in messages[-1]["payload"]["text"]
    assert "Health: ok from eu-central-1" in messages[-1]["payload"]["text"]

"""The expiring credential (``deployment-key-expiring``): seed 004's rotation, drilled, and
the deadline the story threatens, real in the estate.

- The drill: the audit inject pages, the headless drill runs ``iam-access-key-rotation``
  with a person who does its manual step (the key straight into CI's store with aws-cli, a
  deploy), and the drill passes: rotated long before the 90-day deadline, the estate's
  ``rotated`` reaction fired, the expectations met on the timeline's evidence, and the
  timeline file holds no secret (nor anything detect-secrets finds).
- The deadline: nobody rotates; when the scenario reaches T+48h the key is 90 days old on
  any client's clock, the rotation policy has made it Inactive, and a CI deploy with it
  fails as in AWS.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import find_playbook
from cockpit.content.scenario import find_scenario
from cockpit.content.screen import screen_for_playbook
from cockpit.engine import Runtime
from cockpit.exercise.control import EstateControl
from cockpit.exercise.headless import run_drill
from cockpit.exports.after_action import summary
from cockpit.exercise.session import Exercise
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline
from tests.playbooks_e2e.ci_pipeline import USER, Pipeline, RotatingResponder, secrets_in_timeline

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

SCENARIO = "deployment-key-expiring"
DAY = timedelta(days=1)


def _status(env: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(f"{env['COCKPIT_ESTATE_URL']}/_estate/status", timeout=10) as resp:
        return json.loads(resp.read())


def _iam(env: dict[str, str]) -> Any:
    return boto3.client("iam", region_name="us-east-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                        aws_access_key_id="testing", aws_secret_access_key="testing")


async def _drill(env: dict[str, str], db: Path, pipeline: Pipeline) -> Any:
    scenario, _ = find_scenario(SCENARIO)
    playbook = find_playbook(scenario.drill.playbook)
    screen = screen_for_playbook(playbook, scenario.screen, (), ())
    values = resolve_params(playbook, {}, screen)
    timeline = AsyncTimeline(db, "drill-bot")
    await timeline.open()
    control = EstateControl(env["COCKPIT_ESTATE_URL"])
    runtime = Runtime(webhook_url=env.get("COCKPIT_WEBHOOK_URL"))
    try:
        exercise = Exercise(scenario, "drill", timeline, control, commander="Ari Ops")
        operator = RotatingResponder(pipeline=pipeline, yes=True, approver="Dana Lead")
        return await run_drill(exercise, playbook, values, operator=operator, runtime=runtime, screen=screen)
    finally:
        await runtime.close()
        await control.close()
        await timeline.close()


def test_drill_rotates_before_the_deadline_and_writes_no_secret(start_estate, monkeypatch, tmp_path):
    handle = start_estate(scenario=SCENARIO, speed=60)
    try:
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        iam = _iam(handle.env)
        [old] = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]

        pipeline = Pipeline(handle.env, tmp_path / "ci")
        result = asyncio.run(_drill(handle.env, tmp_path / "t.db", pipeline))
        assert result.run_status == "succeeded", result.line
        assert result.line.startswith(("PASS:", "TARGETS MET:")), result.line
        with Timeline(tmp_path / "t.db") as tl:
            report = summary(tl, result.incident_id)
        met = {v["id"] for v in report["expectations"] if v["met"]}
        assert {"tracked", "keys-checked", "verified-before-retiring", "deactivated-first", "approval",
                "rotated-before-deadline"} <= met, report["expectations"]

        # The world: one Active key, the one CI holds; the estate saw the rotation.
        keys = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
        assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(pipeline.key_id, "Active")]
        assert pipeline.key_id != old["AccessKeyId"]
        deadline = time.monotonic() + 20
        while "rotated" not in _status(handle.env)["reactions_fired"]:
            assert time.monotonic() < deadline, _status(handle.env)
            time.sleep(0.25)
        assert _status(handle.env)["elapsed"] < 48 * 3600

        # The secret went from AWS to CI's store only.
        assert secrets_in_timeline(tmp_path / "t.db", pipeline.secret) == []
    finally:
        handle.process.stop()


def test_an_unrotated_key_is_deactivated_at_90_days_and_deploys_fail(start_estate, tmp_path):
    handle = start_estate(scenario=SCENARIO, speed=60)
    try:
        iam = _iam(handle.env)
        [key] = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
        old = key["AccessKeyId"]
        # Before: 88 days old on this client's clock, Active, used by CI a few hours ago.
        age = datetime.now(timezone.utc) - key["CreateDate"]
        assert 88 * DAY - timedelta(hours=2) < age < 88 * DAY + timedelta(hours=2), age
        assert key["Status"] == "Active"
        used = iam.get_access_key_last_used(AccessKeyId=old)["AccessKeyLastUsed"]
        assert (used["ServiceName"], used["Region"]) == ("s3", "us-east-1")
        assert timedelta(hours=1) < datetime.now(timezone.utc) - used["LastUsedDate"] < timedelta(hours=6), used
        pipeline = Pipeline(handle.env, tmp_path / "ci")
        assert pipeline.deploy(old).returncode == 0, pipeline.deploys[-1].stderr

        # Play the world to the deadline (the T+48h event): nobody rotated.
        while _status(handle.env)["elapsed"] < 48 * 3600:
            assert handle.control("next")["fired"] is not None, "the scenario ended before T+48h"
        [key] = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
        assert (key["AccessKeyId"], key["Status"]) == (old, "Inactive")
        # 90 days old now, on the client's clock too (IAM's dates cross the edge world->wall).
        age = datetime.now(timezone.utc) - key["CreateDate"]
        assert 90 * DAY - timedelta(hours=2) < age < 90 * DAY + timedelta(hours=2), age

        # CI deploys with it fail, as in AWS; nothing the key signs is answered.
        failed = pipeline.deploy(old)
        assert failed.returncode != 0 and "InvalidAccessKeyId" in failed.stderr, failed.stderr
        sts = boto3.client("sts", region_name="us-east-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                           aws_access_key_id=old, aws_secret_access_key="whatever-ci-holds")
        with pytest.raises(ClientError) as refused:
            sts.get_caller_identity()
        assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"
        # The refused calls are not uses: the key's last use is still CI's last good deploy.
        last = iam.get_access_key_last_used(AccessKeyId=old)["AccessKeyLastUsed"]["LastUsedDate"]
        assert datetime.now(timezone.utc) - last > 40 * timedelta(hours=1), last
    finally:
        handle.process.stop()

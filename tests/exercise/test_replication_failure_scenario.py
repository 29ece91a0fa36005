"""greenlang-replication-failures drilled headless with p2-replication-failure (seed 000's P2).

As for the other incident scenarios (test_incident_scenarios.py): a fresh estate on the
scenario at x60, the same ``run_drill`` as ``cockpit exercise --headless``, then what the
drill must show: the replication alarm fired by evaluation of the metrics the scenario
drives and cleared once the fix was in; the playbook succeeded and met its expectations on
evidence; the estate reacted to the restored role; and the objects tell the story S3 would
(the one re-copied is COMPLETED in the replica, the others written while the role was
refused stay FAILED).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import find_playbook
from cockpit.content.scenario import find_scenario
from cockpit.content.screen import screen_for_playbook
from cockpit.engine import HeadlessOperator, Runtime
from cockpit.exercise.control import EstateControl
from cockpit.exercise.headless import run_drill
from cockpit.exports.after_action import summary
from cockpit.exercise.session import Exercise
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

SCENARIO = "greenlang-replication-failures"
ALARM = "greenlang-s3-replication-pending-critical"
SOURCE = "greenlang-prod-eu-west-1-data-lake-confidential"


def _status(env: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(f"{env['COCKPIT_ESTATE_URL']}/_estate/status", timeout=10) as resp:
        return json.loads(resp.read())


async def _drill(env: dict[str, str], db: Path) -> tuple[Any, dict[str, Any]]:
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
        operator = HeadlessOperator(yes=True, approver="Dana Lead")
        result = await run_drill(exercise, playbook, values, operator=operator, runtime=runtime, screen=screen)
    finally:
        await runtime.close()
        await control.close()
        await timeline.close()
    with Timeline(db) as tl:
        report = summary(tl, result.incident_id)
    return result, report


def _history(cw: Any) -> list[dict[str, Any]]:
    items = cw.describe_alarm_history(AlarmName=ALARM, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    return [json.loads(i["HistoryData"]) for i in sorted(items, key=lambda i: i["Timestamp"])]


def test_drill_the_alarm_fires_by_evaluation_the_policy_is_restored_and_the_alarm_clears(start_estate, monkeypatch,
                                                                                         tmp_path):
    handle = start_estate(scenario=SCENARIO, speed=60)
    try:
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        result, report = asyncio.run(_drill(handle.env, tmp_path / "t.db"))

        assert result.run_status == "succeeded", result.line
        assert result.line.startswith(("PASS:", "TARGETS MET:")), result.line
        met = {v["id"] for v in report["expectations"] if v["met"]}
        assert {"declared", "failures-read", "change-found", "approval", "restored"} <= met, report["expectations"]

        cw = boto3.client("cloudwatch", region_name="eu-west-1")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            state = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]
            if "replication-restored" in _status(handle.env)["reactions_fired"] and state == "OK":
                break
            time.sleep(0.5)
        assert "replication-restored" in _status(handle.env)["reactions_fired"]
        data = _history(cw)
        fired = [d for d in data if d["newState"]["stateValue"] == "ALARM"]
        assert fired, f"{ALARM} never fired: {data}"
        assert fired[0]["newState"]["stateReason"].startswith("Threshold Crossed"), fired[0]  # evaluated, not forced
        assert data[-1]["newState"]["stateValue"] == "OK", data[-1]  # and cleared by evaluation after the fix

        s3 = boto3.client("s3", region_name="eu-west-1")
        statuses = {key: s3.head_object(Bucket=SOURCE, Key=key).get("ReplicationStatus")
                    for key in ("silver/cbam/latest/manifest.json", "silver/cbam/emissions/2026-12-03.parquet")}
        assert statuses == {"silver/cbam/latest/manifest.json": "COMPLETED",  # re-copied by the playbook
                            "silver/cbam/emissions/2026-12-03.parquet": "FAILED"}  # left to the batch job
    finally:
        handle.process.stop()


def test_the_page_comes_when_the_alarm_is_already_firing(start_estate):
    """A page ahead of its alarm sends the team to a console that says OK."""
    handle = start_estate(scenario=SCENARIO, speed=60)
    try:
        cw = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        deadline = time.monotonic() + 60
        while _status(handle.env)["injects_fired"] < 1:
            assert time.monotonic() < deadline, "the scenario never paged"
            time.sleep(0.05)
        assert cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"] == "ALARM"
        # What the on-call finds where the runbook looks: the newest CBAM object FAILED.
        s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        head = s3.head_object(Bucket=SOURCE, Key="silver/cbam/latest/manifest.json")
        assert head.get("ReplicationStatus") == "FAILED"
    finally:
        handle.process.stop()

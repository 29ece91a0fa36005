"""One scenario per kind of incident the runbooks handle, each drilled with the playbook that answers it.

Each case starts a fresh estate on the scenario at high speed, runs the headless drill in
this process (the same ``run_drill`` as ``cockpit exercise --headless``), and then checks
the three things a drill of the incident must show:

- the alarm fired *by evaluation* of the metric the scenario drives (its history holds an
  OK→ALARM transition whose reason is CloudWatch's "Threshold Crossed", not a forced state),
- the playbook ran to success, and the drill's verdict and report say so,
- the responder's fix made the estate react (the reaction fired) and the world came back:
  the alarm returns to OK by evaluation.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import find_playbook
from cockpit.content.scenario import find_scenario
from cockpit.content.screen import load_screens, screen_for_playbook
from cockpit.engine import HeadlessOperator, Runtime
from cockpit.exercise.control import EstateControl
from cockpit.exercise.headless import run_drill
from cockpit.exercise.report import summary
from cockpit.exercise.session import Exercise
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline


@dataclass(frozen=True)
class Case:
    scenario: str
    speed: float
    alarms: tuple[str, ...]  # fire by evaluation, then clear once the fix is in
    reaction: str  # the estate's answer to the fix
    params: dict[str, str] = field(default_factory=dict)
    choices: dict[str, str] = field(default_factory=dict)
    met: tuple[str, ...] = ()  # expectations the drill's own evidence meets
    region: str = "us-east-1"


CASES = [
    Case("web-service-bad-deploy", 60, ("prod-alb-unhealthy-targets",), "rolled-back",
         met=("declared-p1", "found-revision", "rolled-back")),
    Case("flight-school-lambda-bad-deploy", 60, ("flight-school-api-5xx", "flight-school-lambda-errors"),
         "rolled-back", params={"s3_bucket": "flight-school-lambda-deployments",
                                "s3_key": "CdkStack-GetSchoolsFunction-previous-version.zip"},
         met=("declared-p1", "change-found", "rolled-back")),
    Case("flight-schools-throttling", 60, ("flight-school-dynamodb-throttle",), "on-demand-again",
         met=("declared", "capacity-read", "on-demand")),
    Case("production-db-high-cpu", 60, ("prod-rds-high-cpu",), "failed-over",
         met=("declared-p0", "commander", "gathered", "failed-over", "approval")),
]


def _status(env: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(f"{env['COCKPIT_ESTATE_URL']}/_estate/status", timeout=10) as resp:
        return json.loads(resp.read())


async def _drill(case: Case, env: dict[str, str], db: Path) -> tuple[Any, dict[str, Any]]:
    scenario, _ = find_scenario(case.scenario)
    playbook = find_playbook(scenario.drill.playbook)
    screen = screen_for_playbook(playbook, scenario.screen, (), ())
    values = resolve_params(playbook, dict(case.params), screen)
    timeline = AsyncTimeline(db, "drill-bot")
    await timeline.open()
    control = EstateControl(env["COCKPIT_ESTATE_URL"])
    runtime = Runtime(webhook_url=env.get("COCKPIT_WEBHOOK_URL"))
    try:
        exercise = Exercise(scenario, "drill", timeline, control, commander="Ari Ops")
        operator = HeadlessOperator(yes=True, approver="Dana Lead", choices=dict(case.choices))
        result = await run_drill(exercise, playbook, values, operator=operator, runtime=runtime, screen=screen)
    finally:
        await runtime.close()
        await control.close()
        await timeline.close()
    with Timeline(db) as tl:
        report = summary(tl, result.incident_id)
    return result, report


@pytest.mark.parametrize("case", CASES, ids=[c.scenario for c in CASES])
def test_drill_fires_by_evaluation_runs_the_playbook_and_the_fix_restores_the_world(case: Case, start_estate,
                                                                                   monkeypatch, tmp_path):
    handle = start_estate(scenario=case.scenario, speed=case.speed)
    try:
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        result, report = asyncio.run(_drill(case, handle.env, tmp_path / "t.db"))

        # What the drill says: the playbook ran to success, and the evidence met the expectations.
        assert result.run_status == "succeeded", result.line
        assert result.line.startswith(("PASS:", "TARGETS MET:")), result.line
        met = {v["id"] for v in report["expectations"] if v["met"]}
        assert set(case.met) <= met, report["expectations"]

        # The estate reacted to the fix, and the alarms clear by evaluation.
        cw = boto3.client("cloudwatch", region_name=case.region)
        deadline = time.monotonic() + 40
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            found = cw.describe_alarms(AlarmNames=list(case.alarms))["MetricAlarms"]
            states = {a["AlarmName"]: a["StateValue"] for a in found}
            if case.reaction in _status(handle.env)["reactions_fired"] and set(states.values()) == {"OK"}:
                break
            time.sleep(0.5)
        assert case.reaction in _status(handle.env)["reactions_fired"]
        assert states == {a: "OK" for a in case.alarms}, states
        for alarm in case.alarms:
            items = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
            data = [json.loads(i["HistoryData"]) for i in sorted(items, key=lambda i: i["Timestamp"])]
            fired = [d for d in data if d["newState"]["stateValue"] == "ALARM"]
            assert fired, f"{alarm} never fired: {[i['HistorySummary'] for i in items]}"
            assert fired[0]["newState"]["stateReason"].startswith("Threshold Crossed"), fired[0]
            assert data[-1]["newState"]["stateValue"] == "OK", data[-1]
    finally:
        handle.process.stop()

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
from cockpit.exports.after_action import summary
from cockpit.exercise.session import Exercise
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise


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
    Case("greenlang-access-denied", 60, ("greenlang-s3-4xx-errors-warning",), "policy-restored",
         met=("declared", "simulated", "restored", "approval"), region="eu-west-1"),
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


@pytest.mark.parametrize("case", CASES, ids=[c.scenario for c in CASES])
def test_the_page_announces_alarms_that_are_already_firing(case: Case, start_estate):
    """The first inject is the page ("PagerDuty: X is firing"): when it arrives, X is in
    ALARM by evaluation, whatever the minute's phase, as a real page follows its alarm.
    A page ahead of its alarm sends the team to a console that says OK, and lets a fast
    drill fix the world before the alarm it trains on has ever fired."""
    handle = start_estate(scenario=case.scenario, speed=60)
    try:
        cw = boto3.client("cloudwatch", region_name=case.region, endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        deadline = time.monotonic() + 60
        while _status(handle.env)["injects_fired"] < 1:
            assert time.monotonic() < deadline, "the scenario never paged"
            time.sleep(0.05)
        found = cw.describe_alarms(AlarmNames=list(case.alarms))["MetricAlarms"]
        assert {a["AlarmName"]: a["StateValue"] for a in found} == {a: "ALARM" for a in case.alarms}
    finally:
        handle.process.stop()


# -- the older scenarios: their alarms fire by evaluation and stay fired --------------------

@dataclass(frozen=True)
class Standing:
    scenario: str
    fired: tuple[str, ...]  # fire by evaluation of the scenario's metrics, and stay in ALARM
    quiet: tuple[str, ...] = ()  # the story says nothing alarms: these stay OK
    until: float = 9 * 60  # scenario seconds to watch: past the last alarm's evaluation
    region: str = "us-east-1"
    met: tuple[str, ...] = ()


STANDING = [
    Standing("flight-school-api-5xx",
             ("flight-school-api-5xx", "flight-school-lambda-errors", "flight-school-dynamodb-throttle"),
             met=("declared", "health-check")),
    Standing("flight-school-dynamodb-corruption", ("flight-school-api-5xx", "flight-school-lambda-errors"),
             quiet=("flight-school-dynamodb-throttle",), met=("declared-p1", "pitr-restore")),
    Standing("greenlang-silent-corruption", (),
             quiet=("greenlang-s3-5xx-errors-critical", "greenlang-s3-replication-pending-critical",
                    "greenlang-s3-replication-lag-warning", "S3-Replication-Lag-Critical"),
             region="eu-west-1", met=("declared", "found-good-version", "restore-done")),
]


def _history(cw: Any, alarm: str) -> list[dict[str, Any]]:
    items = cw.describe_alarm_history(AlarmName=alarm, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    return [json.loads(i["HistoryData"]) for i in sorted(items, key=lambda i: i["Timestamp"])]


@pytest.mark.parametrize("case", STANDING, ids=[c.scenario for c in STANDING])
def test_older_scenarios_alarms_fire_by_evaluation_and_stay_fired(case: Standing, start_estate, monkeypatch,
                                                                  tmp_path):
    """The scenarios written before the estate evaluated alarms forced their states with
    SetAlarmState, which the next evaluation undid: a responder saw the page's alarm back
    at OK a scenario minute later. Now they drive the metrics, so an alarm that fires was
    crossed by its datapoints and stays in ALARM while the fault lasts."""
    handle = start_estate(scenario=case.scenario, speed=60)
    try:
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        result, report = asyncio.run(_drill(Case(case.scenario, 60, (), ""), handle.env, tmp_path / "t.db"))
        assert result.run_status == "succeeded", result.line
        met = {v["id"] for v in report["expectations"] if v["met"]}
        assert set(case.met) <= met, report["expectations"]

        deadline = time.monotonic() + 60
        while _status(handle.env)["elapsed"] < case.until and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _status(handle.env)["elapsed"] >= case.until
        cw = boto3.client("cloudwatch", region_name=case.region)
        names = list(case.fired + case.quiet)
        states = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
        for alarm in case.fired:
            data = _history(cw, alarm)
            fired = [i for i, d in enumerate(data) if d["newState"]["stateValue"] == "ALARM"]
            assert fired, f"{alarm} never fired"
            first = data[fired[0]]["newState"]
            # Evaluated, not forced: CloudWatch's wording with the datapoints it evaluated.
            assert first["stateReason"].startswith("Threshold Crossed"), first
            assert first.get("stateReasonData", {}).get("evaluatedDatapoints"), first
            # ...and it stays fired: no transition back, still in ALARM minutes later.
            assert [d["newState"]["stateValue"] for d in data[fired[0]:]] == ["ALARM"], data
            assert states[alarm]["StateValue"] == "ALARM", states[alarm]["StateReason"]
        for alarm in case.quiet:
            # Never fired (its creation, INSUFFICIENT_DATA to OK as in AWS, is in its history).
            assert "ALARM" not in [d["newState"]["stateValue"] for d in _history(cw, alarm)], alarm
            assert states[alarm]["StateValue"] == "OK", states[alarm]["StateReason"]
    finally:
        handle.process.stop()

"""A tabletop at the facilitator's pace: the test plays a team that meets some expectations
and misses others, through the same core API the UI drives; the report says exactly which.

The same run proves the tabletop guard: every socket this process opens goes to the
loopback estate (a Python audit hook sees each connect and name lookup), and the estate
counts zero mutating requests while the team "runs" dr-failover.
"""

from __future__ import annotations

import json

import sys
from pathlib import Path

import pytest

from cockpit.content.playbooks import find_playbook
from cockpit.content.params import resolve_params
from cockpit.content.scenario import find_scenario
from cockpit.content.screen import load_screens
from cockpit.engine import Engine, HeadlessOperator, Policy, Runtime
from cockpit.exercise.control import EstateControl
from cockpit.exercise.session import Exercise
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline
from cockpit.exports.postmortem import render_markdown
from cockpit.exports.transfer import export_json

pytestmark = pytest.mark.slow  # rehearses on an emulated estate (its own, or in-process), or runs cockpit exercise

_HOSTS: list[str] = []
_WATCHING = False


def _audit(event: str, args: tuple) -> None:
    if not _WATCHING:
        return
    if event == "socket.connect" and isinstance(args[1], tuple):
        _HOSTS.append(str(args[1][0]))
    elif event == "socket.getaddrinfo":
        _HOSTS.append(str(args[0]))


sys.addaudithook(_audit)  # cannot be removed; inert unless _WATCHING


@pytest.fixture
def outage(start_estate, monkeypatch):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=1)
    for key, value in handle.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return handle


async def _team_runs_failover(tl: AsyncTimeline, incident_id: str) -> str:
    """Returns the state of the step that would have disabled the primary health check."""
    # The team walks dr-failover in the tabletop: what cannot happen (waits on a failover
    # nobody executed, a fetch of an object nobody uploaded) is discussed and skipped.
    playbook = find_playbook("dr-failover")
    screen = load_screens().get("greenlang-storage")
    params = resolve_params(playbook, {}, screen)
    runtime = Runtime()
    engine = await Engine.start(playbook, tl, incident_id, params, policy=Policy(), runtime=runtime, screen=screen,
                                operator=HeadlessOperator(yes=True, approver="Dana Lead"))
    try:
        while not engine.finished and engine.current is not None:
            step = engine.current
            if step.kind == "wait" or getattr(step, "action", "") == "rollout_status":
                await engine.skip("tabletop: discussed; nothing was changed to wait for")
                continue
            state = await engine.run_next()
            if state == "failed" and engine.current is step:
                await engine.skip("tabletop: discussed the failure")
    finally:
        await runtime.close()
    assert engine.finished
    return engine.state_of("disable_primary_health_check")


async def test_tabletop_scores_a_team_that_meets_some_expectations_and_misses_others(outage, tmp_path: Path):
    global _WATCHING
    scenario, _ = find_scenario("eu-west-1-storage-outage")
    db = tmp_path / "t.db"
    outage.control("reset-requests")
    _HOSTS.clear()
    _WATCHING = True
    try:
        async with AsyncTimeline(db, "facilitator@test") as tl, EstateControl(outage.env["COCKPIT_ESTATE_URL"]) as ctl:
            ex = Exercise(scenario, "tabletop", tl, ctl)
            incident = await ex.start()
            await ex.pause()  # the facilitator holds the clock; the team's moves land at known times
            assert incident.mode == "tabletop" and incident.severity == "P4"

            # The page comes when the 5xx alarm has fired by evaluation (T+7m).
            page = await ex.next_inject()
            assert page is not None and page.data["id"] == "page" and page.data["at"] == 7 * 60
            await tl.note(incident.id, "On it: 5xx on the data lake, checking the alarm")

            assert (await ex.next_inject()).data["id"] == "customer-escalation"  # T+22m, no answer yet

            lag = await ex.next_inject()  # T+29m: the lag alarm has fired, past the RPO
            assert lag.data["id"] == "lag-past-rpo" and lag.data["at"] == 29 * 60
            await tl.set_severity(incident.id, "P1", "S3 eu-west-1 down")  # too late: limit T+12m
            assert await _team_runs_failover(tl, incident.id) == "skipped"  # the guard: not executed
            await tl.call(tl.sync.status_update, incident.id, "Failing over to eu-central-1; data at risk within RPO")
            await ex.adhoc_inject("The CFO joins the bridge", "She asks whether customer data is lost.")

            assert (await ex.next_inject()).data["id"] == "aws-health"  # T+30m
            verdicts = {v.id: v for v in await ex.end()}
    finally:
        _WATCHING = False

    assert {k for k, v in verdicts.items() if v.met} == {"ran-dr-failover", "approval-before-dns", "customer-answered"}
    assert {k for k, v in verdicts.items() if not v.met} == {"declared-p1", "status-every-15m"}
    assert "T+29m00s" in verdicts["declared-p1"].detail
    assert "longest gap 22m00s (T+7m00s–T+29m00s)" in verdicts["status-every-15m"].detail  # page to update
    assert [e.kind for e in verdicts["approval-before-dns"].evidence] == ["approval", "step_skipped"]

    # Nothing outside the estate, nothing that writes.
    assert _HOSTS and set(_HOSTS) <= {"127.0.0.1", "localhost"}, set(_HOSTS)
    counted = outage.control("requests")
    assert counted["total"] > 5 and counted["mutating_requests"] == []

    with Timeline(db) as sync:
        md = render_markdown(sync, incident.id)
        document = json.loads(export_json(sync, incident.id))
    met = {e["id"] for e in document["exercise"]["expectations"] if e["met"]}
    assert met == {"ran-dr-failover", "approval-before-dns", "customer-answered"}  # the JSON export says it too
    assert "## After-action report" in md and "### Expectations: 3 met, 2 missed" in md
    assert "| declared-p1: " in md and "**MISSED**" in md
    assert "The CFO joins the bridge (ad hoc)" in md
    gaps = md.split("### Gaps")[1].split("###")[0]
    assert "declared P1" in gaps and "Status updates" in gaps and "dr-failover" not in gaps


def test_headless_tabletop_through_the_cli_ends_scores_and_closes(tmp_path: Path):
    """``cockpit exercise ... --mode tabletop --headless`` relays the injects, ends once the last
    one is the linger behind, and closes its incident with a commander; a team that posted
    no status update does not keep a cadence, however short the exercise."""
    import subprocess
    import sys

    db = tmp_path / "t.db"
    out = subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), "exercise", "flight-school-api-5xx",
                          "--mode", "tabletop", "--headless", "--speed", "60", "--linger", "1m",
                          "--commander", "Facil Itator"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    lines = out.stdout.strip().splitlines()
    assert "INJECT  Inject [on-call]: Support: students cannot search for schools" in out.stdout
    incident = lines[-1].split(":")[0]
    assert lines[-1] == f"{incident}: 0 of 3 expectations met; incident resolved"
    assert "MISSED logs-checked: none of: step flight-school-incident/lambda_errors never ran; " \
           "no note mentioning 'log' recorded (limit T+15m00s)" in lines
    with Timeline(db) as tl:
        inc = tl.incident(incident)
        resolved = tl.events(incident, kinds=["resolved"])
    assert inc.status == "resolved" and inc.commander == "Facil Itator"
    assert resolved[0].message == "Exercise ended: the scenario played out: 0 of 3 expectations met"

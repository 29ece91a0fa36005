"""Escalation reminders that fire (seed 002's matrix: a P1 owes the Engineering Lead at 15 min).

The real cockpit at 80x24 on the synthetic clock, moved across the 15-minute point of a P1
detected 14m50s earlier, and a real SQLite timeline: the toast and the bell, one
``escalation_due`` event, none again after a restart, ``P`` to record who was paged (which
ends the prompt and shows in the postmortem), and nothing once the impact is mitigated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cockpit.exercise.clock import Checkpoint
from cockpit.timeline import Timeline
from cockpit.exports.files import postmortem_path
from cockpit.timeline.model import EventKind
from cockpit.ui.app import CockpitApp

from . import synthetic as s
from .helpers import screen_text, wait_for
from .test_keys import feed

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

REMINDER = "P1 open 15 min: escalate to the Engineering Lead"


def declare(config, *, mitigated: bool = False) -> str:
    """A P1 detected 14m50s before the synthetic clock's time, acknowledged (so the header's
    prompt is the escalation, not the response target)."""
    with Timeline(config.db, actor="bob@bastion") as tl:
        incident = tl.declare("S3 5xx in eu-west-1", "P1", detected_at=s.NOW - timedelta(minutes=14, seconds=50))
        tl.acknowledge(incident.id)
        if mitigated:
            tl.mitigate(incident.id)
        return incident.id


def due_events(config, incident_id: str) -> list:
    with Timeline(config.db) as tl:
        return tl.events(incident_id, kinds=["escalation_due"])


def counting_bell(app: CockpitApp) -> list[int]:
    """The terminal bell, counted: Textual rings nothing in a headless test."""
    rang: list[int] = []
    app.bell = lambda: rang.append(1)  # type: ignore[method-assign]
    return rang


def toasts(app: CockpitApp) -> list[str]:
    """The escalation toasts on screen now (their title; the header's prompt reads otherwise)."""
    return ["Escalation due"] * screen_text(app).count("Escalation due")


def ringing(app: CockpitApp) -> bool:
    """The toast is on screen: its title and its words (it wraps beside the panes, so only the
    toast's own lowercase "escalate to the" is looked for; the header says "ESCALATE to")."""
    text = screen_text(app)
    return "Escalation due" in text and "P1 open 15 min: escalate to the" in text


async def started(pilot, app: CockpitApp, incident_id: str) -> None:
    feed(app)
    await wait_for(pilot, lambda: incident_id in screen_text(app), what="the incident header")


async def test_crossing_15_minutes_rings_once_and_writes_one_event(config):
    incident_id = declare(config)
    clock = s.MovingClock()
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        rang = counting_bell(app)
        await started(pilot, app, incident_id)
        await pilot.pause(1.2)  # a tick of the header at 14m50s: nothing is due yet
        assert not toasts(app) and not rang and due_events(config, incident_id) == []
        clock.advance(seconds=15)  # 15m05s by the incident's clock
        await wait_for(pilot, lambda: ringing(app), timeout=5, what="the escalation toast")
        assert "ESCALATE to Engineering Lead" in screen_text(app)  # the header too
        await wait_for(pilot, lambda: "P Paged" in screen_text(app).splitlines()[-1], timeout=5,
                       what="P in the footer")
        await pilot.pause(2.2)  # two more ticks: no second event, no second ring
        assert len(rang) == 1
        await pilot.pause(3)
        assert ringing(app)  # the toast stays (Textual's default: 5 s)
    events = due_events(config, incident_id)
    assert [e.message for e in events] == [REMINDER]
    assert events[0].data["to"] == "Engineering Lead" and events[0].data["after_s"] == 900

    # A restarted cockpit: the point is on the timeline already; the header still prompts,
    # nothing rings and nothing is written again.
    clock.advance(seconds=30)
    again = CockpitApp(config=config, poll=False, clock=clock)
    async with again.run_test(size=(80, 24), notifications=True) as pilot:
        rang = counting_bell(again)
        await started(pilot, again, incident_id)
        await wait_for(pilot, lambda: "ESCALATE to Engineering Lead" in screen_text(again), timeout=5,
                       what="the header's prompt")
        await pilot.pause(1.5)
        assert not rang and not toasts(again)
    assert len(due_events(config, incident_id)) == 1


async def test_recording_who_was_paged_ends_the_reminder_and_shows_in_the_postmortem(config):
    incident_id = declare(config)
    clock = s.MovingClock()
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        counting_bell(app)
        await started(pilot, app, incident_id)
        clock.advance(seconds=15)
        await wait_for(pilot, lambda: ringing(app), timeout=5, what="the escalation toast")
        await pilot.press("P")
        await wait_for(pilot, lambda: "Record an escalation" in screen_text(app), timeout=5, what="the dialog")
        assert "Engineering Lead" in screen_text(app)  # filled in with the contact owed
        await pilot.press("enter")
        await wait_for(pilot, lambda: "ESCALATE" not in screen_text(app), timeout=5, what="the prompt gone")
        await pilot.press("E")  # the postmortem, as the responder exports it
        path = postmortem_path(config.db, incident_id)
        await wait_for(pilot, path.exists, timeout=5, what="the postmortem written")
    with Timeline(config.db) as tl:
        escalated = tl.events(incident_id, kinds=["escalated"])
    assert [e.data["to"] for e in escalated] == ["Engineering Lead"]
    report = path.read_text()
    assert "escalation due" in report and REMINDER in report
    assert "Escalated to Engineering Lead" in report


async def test_a_mitigated_incident_owes_no_escalation(config):
    incident_id = declare(config, mitigated=True)
    clock = s.MovingClock()
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        rang = counting_bell(app)
        await started(pilot, app, incident_id)
        clock.advance(minutes=50)  # past the 15 min and the 1 h points
        await pilot.pause(2.2)
        assert "ESCALATE" not in screen_text(app) and not toasts(app) and not rang
    assert due_events(config, incident_id) == []


async def test_mitigating_takes_the_reminder_down_and_stops_the_next(config):
    incident_id = declare(config)
    clock = s.MovingClock()
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        rang = counting_bell(app)
        await started(pilot, app, incident_id)
        clock.advance(seconds=15)
        await wait_for(pilot, lambda: ringing(app), timeout=5, what="the escalation toast")
        await pilot.press("M")  # impact stopped: the runbooks escalate to stop it
        await wait_for(pilot, lambda: "ESCALATE" not in screen_text(app), timeout=5, what="the prompt gone")
        clock.advance(minutes=50)  # past the CTO's 1 h point
        await pilot.pause(2.2)
        assert len(rang) == 1 and "CTO" not in screen_text(app) and "ESCALATE" not in screen_text(app)
    assert [e.data["to"] for e in due_events(config, incident_id)] == ["Engineering Lead"]


async def test_two_cockpits_on_one_file_write_one_event_and_both_ring(config):
    """Two responders' cockpits follow the same P1 on one timeline file and both cross 15 min
    (a second apart): the timeline holds one ``escalation_due``, and each cockpit rings once."""
    incident_id = declare(config)
    clock_one, clock_two = s.MovingClock(), s.MovingClock()
    one = CockpitApp(config=config, poll=False, clock=clock_one)
    two = CockpitApp(config=type(config)(db=config.db, actor="carol@bastion"), poll=False, clock=clock_two)
    async with one.run_test(size=(80, 24), notifications=True) as pilot_one, \
            two.run_test(size=(80, 24), notifications=True) as pilot_two:
        rang_one, rang_two = counting_bell(one), counting_bell(two)
        await started(pilot_one, one, incident_id)
        await started(pilot_two, two, incident_id)
        clock_one.advance(seconds=15)
        clock_two.advance(seconds=16)
        await wait_for(pilot_one, lambda: ringing(one) and ringing(two), timeout=8, what="both cockpits ringing")
        await pilot_one.pause(1.5)
        assert (len(rang_one), len(rang_two)) == (1, 1)
    assert len(due_events(config, incident_id)) == 1


async def test_a_drill_rings_on_the_scenario_clock(config):
    """A drill at ×30: 31 s after detection its header reads 15m30s and the 15 min point rings
    (on the wall clock it would be 31 s: nothing due)."""
    with Timeline(config.db, actor="facilitator@bastion") as tl:
        incident = tl.declare("Drill: eu-west-1 storage outage", "P1", mode="drill", detected_at=s.NOW)
        tl.acknowledge(incident.id)
        start = Checkpoint(wall=s.NOW.timestamp(), at=0.0, speed=30.0, paused=False)
        tl.append(incident.id, EventKind.INJECT, "Drill exercise started",
                  {"exercise": "start", "clock": start.as_dict()})
    clock = s.MovingClock(s.NOW + timedelta(seconds=20))
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        rang = counting_bell(app)
        feed(app)
        await app.incident_feed.pin(incident.id)  # a cockpit on the real estate follows only real incidents
        await wait_for(pilot, lambda: "10m00s" in screen_text(app), timeout=5, what="scenario time in the header")
        assert not rang
        clock.advance(seconds=11)
        await wait_for(pilot, lambda: ringing(app), timeout=5, what="the escalation toast")
        assert "15m30s" in screen_text(app) and len(rang) == 1
    assert len(due_events(config, incident.id)) == 1


async def test_a_drills_status_update_falls_due_on_the_scenario_clock(config):
    """A P1 owes a status update every 15 min; in a drill at ×30 those are scenario minutes:
    31 s after declaring, the header says the update is late (on the wall clock it would
    still read "next update in 14m29s")."""
    with Timeline(config.db, actor="facilitator@bastion") as tl:
        incident = tl.declare("Drill: eu-west-1 storage outage", "P1", mode="drill")
        tl.acknowledge(incident.id)
        declared = datetime.fromisoformat(incident.declared_at.replace("Z", "+00:00"))
        start = Checkpoint(wall=declared.timestamp(), at=0.0, speed=30.0, paused=False)
        tl.append(incident.id, EventKind.INJECT, "Drill exercise started",
                  {"exercise": "start", "clock": start.as_dict()})
    clock = s.MovingClock(declared + timedelta(seconds=20))
    app = CockpitApp(config=config, poll=False, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        feed(app)
        await app.incident_feed.pin(incident.id)
        await wait_for(pilot, lambda: "next update in 5m00s" in screen_text(app), timeout=5,
                       what="the update due in scenario minutes")
        clock.advance(seconds=11)
        await wait_for(pilot, lambda: "STATUS UPDATE DUE (30s late)" in screen_text(app), timeout=5,
                       what="the update late in scenario time")

"""The alarms pane and the incident's alarm log tell the same story of the same refreshes.

A responder sees an alarm turn ``ALARM NEW`` in the pane, opens its detail (every transition
this cockpit saw), and later reads the incident's timeline: the firings and clearings must be
the same ones. Both read them off successive snapshots through one detector
(``sources/alarm_changes.py``); this feeds one sequence of snapshots to both.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from textual.app import App, ComposeResult

from cockpit.sources.alarms import AlarmItem, _level
from cockpit.sources.snapshot import Snapshot
from cockpit.timeline import Timeline
from cockpit.timeline.alarm_log import last_logged, record_all, transitions
from cockpit.ui.widgets.alarms import AlarmsPane, alarm_key

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def alarm(name: str, state: str, minutes_ago: float, region: str = "eu-west-1") -> AlarmItem:
    return AlarmItem(name=name, region=region, state=state, severity="critical", level=_level(state, "critical"),
                     reason=f"{name} is {state}", updated_at=NOW - timedelta(minutes=minutes_ago), type="metric")


#: Successive refreshes (the incident was detected 30 minutes before NOW): a firing, a
#: clearing, a flap, no data in between, a second region, an alarm that comes and goes.
REFRESHES = [
    [alarm("s3-5xx", "OK", 40), alarm("lag", "INSUFFICIENT_DATA", 50), alarm("s3-5xx", "OK", 40, "us-east-1")],
    [alarm("s3-5xx", "ALARM", 20), alarm("lag", "INSUFFICIENT_DATA", 50), alarm("s3-5xx", "OK", 40, "us-east-1")],
    [alarm("s3-5xx", "ALARM", 20), alarm("lag", "ALARM", 15), alarm("s3-5xx", "ALARM", 14, "us-east-1")],
    [alarm("s3-5xx", "OK", 10), alarm("lag", "INSUFFICIENT_DATA", 9), alarm("s3-5xx", "ALARM", 14, "us-east-1")],
    [alarm("s3-5xx", "ALARM", 5), alarm("lag", "ALARM", 4)],
    [alarm("s3-5xx", "OK", 2), alarm("lag", "OK", 1), alarm("s3-5xx", "OK", 1, "us-east-1")],
]


class PaneApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.now = NOW  # a refresh a minute

    def compose(self) -> ComposeResult:
        yield AlarmsPane(clock=lambda: self.now, id="alarms")


def story_from_pane(pane: AlarmsPane) -> dict[str, list[str]]:
    """Per alarm, the firings and clearings the pane's detail lists (its history of states),
    read as the timeline reads them: a spell of no data between two ALARMs is not a clearing,
    so the second ALARM is the same firing."""
    story: dict[str, list[str]] = {}
    for key, seen in pane.history.items():
        last = None
        for _, state, _ in seen:
            if state == "ALARM" and last != "ALARM":
                story.setdefault(key, []).append("fired")
            elif state == "OK" and last == "ALARM":
                story.setdefault(key, []).append("cleared")
            if state != "INSUFFICIENT_DATA":
                last = state
    return story


async def test_the_pane_and_the_timeline_see_the_same_firings_and_clearings(tmp_path: Path):
    new_in_pane: list[set[str]] = []
    fired_on_timeline: list[set[str]] = []
    with Timeline(tmp_path / "t.db", actor="a@host") as tl:
        incident = tl.declare("S3 5xx", "P1", detected_at=NOW - timedelta(minutes=30))
        async with PaneApp().run_test() as pilot:
            app = pilot.app
            pane = app.query_one(AlarmsPane)
            snapshot: Snapshot[AlarmItem] = Snapshot("alarms")
            for minute, items in enumerate(REFRESHES):
                app.now = NOW + timedelta(minutes=minute)
                snapshot = snapshot.succeeded(tuple(items))
                pane.show(snapshot)
                # The rows this refresh marks NEW (an alarm the cockpit saw start firing).
                new_in_pane.append({key for key, at in pane.fired_at.items() if at == app.now and pane.is_new(key)})
                found = transitions(tl.incident(incident.id), items, last_logged(tl.events(incident.id)))
                record_all(tl, incident.id, found)
                fired_on_timeline.append({f"{t.region}/{t.alarm}" for t in found if t.transition == "fired"})
                await pilot.pause()
            pane_story = story_from_pane(pane)
        timeline_story: dict[str, list[str]] = {}
        for event in tl.events(incident.id):
            if event.kind in ("alarm_fired", "alarm_cleared"):
                key = f"{event.data['region']}/{event.data['alarm']}"
                timeline_story.setdefault(key, []).append(event.kind.removeprefix("alarm_"))
    assert timeline_story == pane_story == {
        "eu-west-1/s3-5xx": ["fired", "cleared", "fired", "cleared"],
        "eu-west-1/lag": ["fired", "cleared"],
        "us-east-1/s3-5xx": ["fired", "cleared"],  # its clearing read when it came back, as OK
    }
    # The rows a refresh marks NEW are the firings the timeline logs from it; the first refresh
    # is what was so when the cockpit started (nothing is new), and an alarm back in ALARM after
    # a spell of no data is NEW on screen (it started firing again) but one firing on the timeline.
    assert new_in_pane == [set(), {"eu-west-1/s3-5xx"}, {"eu-west-1/lag", "us-east-1/s3-5xx"}, set(),
                           {"eu-west-1/s3-5xx", "eu-west-1/lag"}, set()]
    assert fired_on_timeline == [set(), {"eu-west-1/s3-5xx"}, {"eu-west-1/lag", "us-east-1/s3-5xx"}, set(),
                                 {"eu-west-1/s3-5xx"}, set()]
    assert pane.history["eu-west-1/lag"][-3][1:] == ("INSUFFICIENT_DATA", "lag is INSUFFICIENT_DATA")
    assert alarm_key(REFRESHES[0][0]) == "eu-west-1/s3-5xx"

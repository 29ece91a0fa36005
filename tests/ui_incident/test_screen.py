"""The full timeline screen: filters by kind and actor, the summary, switching incidents."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from cockpit.config import Config
from cockpit.timeline import Timeline
from cockpit.ui.incident import IncidentPicker, TimelinePane, TimelineScreen
from cockpit.ui.incident.screen import EventFilter
from tests.ui_incident.conftest import ACTOR, IncidentTestApp, screen_text, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def shown(app: IncidentTestApp) -> list[tuple[str, str, str]]:
    """(actor, kind, message) of each row in the timeline screen's table."""
    table = app.screen.query_one("#timeline-table", DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)[1:]) for i in range(table.row_count)]


def seed(db: Path) -> str:
    with Timeline(db, actor="bob@other") as bob, Timeline(db, actor=ACTOR) as alice:
        incident = bob.declare("Storage 5xx in eu-west-1", "P2", mode="drill").id
        alice.note(incident, "Replication lag 22 min")
        bob.set_severity(incident, "P1", "uploads failing")
        bob.note(incident, "DR ConfigMap applied")
        alice.note(incident, "storage-service restarted")
    return incident


async def test_filters_by_kind_actor_and_text(config: Config, db_path: Path):
    incident = seed(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        # A drill is never followed on the real estate; picked on purpose, it is shown.
        await app.incident_feed.pin(incident)
        await wait_for(pilot, lambda: app.current_incident is not None)
        await pilot.press("t")
        assert isinstance(app.screen, TimelineScreen)
        await wait_for(pilot, lambda: len(shown(app)) == 5)
        text = screen_text(app)
        assert incident in text and "DRILL" in text and "Storage 5xx in eu-west-1" in text

        await pilot.press("k")  # kinds cycle in order: declared, note, severity_changed, all
        assert [k for _, k, _ in shown(app)] == ["declared"]
        await pilot.press("k")
        assert [m for _, _, m in shown(app)] == [
            "Replication lag 22 min", "DR ConfigMap applied", "storage-service restarted"]
        await pilot.press("a")  # actors cycle: alice@bastion, bob@other, all
        assert [m for _, _, m in shown(app)] == ["Replication lag 22 min", "storage-service restarted"]
        assert "kind=note · actor=alice@bastion" in screen_text(app)
        await pilot.press("a")
        assert shown(app) == [("bob@other", "note", "DR ConfigMap applied")]

        await pilot.press("c", "slash", *"actor:bob")  # clear, then type a filter
        assert [k for _, k, _ in shown(app)] == ["declared", "severity_changed", "note"]
        await pilot.press("space", *"uploads", "enter")
        assert [m for _, _, m in shown(app)] == ["Severity P2 → P1: uploads failing"]
        # The highlighted event is shown whole, with its data, under the table.
        await wait_for(pilot, lambda: "from=P2 reason=uploads failing to=P1" in screen_text(app))

        # Live: a matching event from elsewhere is appended while the filter holds.
        with Timeline(db_path, actor="bob@other") as bob:
            bob.note(incident, "uploads recovering")
            bob.note(incident, "not shown: wrong words")
        await wait_for(pilot, lambda: len(shown(app)) == 2)
        assert shown(app)[-1] == ("bob@other", "note", "uploads recovering")

        await pilot.press("escape")
        assert not isinstance(app.screen, TimelineScreen)


async def test_end_goes_to_the_newest_event_and_home_to_the_first(config: Config, db_path: Path):
    """End scrolled to the tail of the longest message instead, leaving every row blank."""
    incident = seed(db_path)
    with Timeline(db_path, actor=ACTOR) as tl:
        for i in range(40):
            tl.note(incident, f"note {i:02d} " + ("long words " * 20 if i == 3 else ""))
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.incident_feed.pin(incident)
        await wait_for(pilot, lambda: app.current_incident is not None)
        await pilot.press("t")
        await wait_for(pilot, lambda: len(shown(app)) == 45)
        await pilot.press("end")
        await settle(pilot)
        table = app.screen.query_one("#timeline-table", DataTable)
        assert table.cursor_row == 44 and "note 39" in screen_text(app) and table.scroll_x == 0
        await pilot.press("home")
        await settle(pilot)
        assert table.cursor_row == 0 and "Storage 5xx in eu-west-1" in screen_text(app)


async def test_the_picker_switches_the_current_incident(config: Config, db_path: Path):
    with Timeline(db_path, actor="bob@other") as tl:
        older = tl.declare("Older: API latency", "P3").id
        newer = tl.declare("Newer: S3 outage", "P1").id
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        # The most recent open incident is current.
        await wait_for(pilot, lambda: app.current_incident is not None and app.current_incident.id == newer)
        await pilot.press("t", "i")
        await wait_for(pilot, lambda: isinstance(app.screen, IncidentPicker))
        assert older in screen_text(app) and newer in screen_text(app)
        await pilot.press("down", "down", "enter")  # follow, newer, older
        await settle(pilot)
        await wait_for(pilot, lambda: app.current_incident.id == older)
        assert "Older: API latency" in screen_text(app)
        await pilot.press("escape")
        pane = app.query_one(TimelinePane)
        assert pane.border_title == f"Timeline · {older} (pinned)"
        # A note now goes to the pinned incident.
        await pilot.press("n", *"checked the ALB", "enter")
        await settle(pilot)
    with Timeline(db_path) as tl:
        assert [e.message for e in tl.events(older, kinds=["note"])] == ["checked the ALB"]
        assert tl.events(newer, kinds=["note"]) == []


def test_filter_words_all_have_to_match():
    from cockpit.timeline.model import Event

    event = Event(1, "u", "INC-1", "2026-11-23T10:15:30.123Z", "bob@other", "note", "DR ConfigMap applied")
    assert EventFilter(text="configmap dr").matches(event)
    assert EventFilter(text="kind:note actor:bob").matches(event)
    assert not EventFilter(text="configmap rollback").matches(event)
    assert not EventFilter(kind="declared").matches(event)

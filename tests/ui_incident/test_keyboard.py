"""Declaring, noting, changing severity, posting updates and resolving from the keyboard.

Each test drives the small app at 80×24 with key presses only and checks both what the
responder sees and what is in the SQLite file afterwards (read back with a fresh
Timeline, i.e. what every other cockpit would read).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from cockpit.config import Config
from cockpit.timeline import Timeline
from cockpit.timeline.model import parse_ts
from cockpit.ui.incident import DeclareDialog, NoteDialog, TimelinePane
from tests.ui_incident.conftest import ACTOR, IncidentTestApp, screen_text, settle, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def rows(app: IncidentTestApp) -> list[list[str]]:
    table = app.query_one(TimelinePane).table
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def declare(db: Path, title: str = "S3 5xx in eu-west-1", level: str = "P2", **kwargs) -> str:
    with Timeline(db, actor="bob@other") as tl:
        return tl.declare(title, level, **kwargs).id


async def test_declare_from_the_keyboard_writes_the_incident_and_shows_it(config: Config, db_path: Path):
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident — press i to declare" in screen_text(app))
        await pilot.press("i")
        assert isinstance(app.screen, DeclareDialog)
        # The title holds letters that are incident keys elsewhere: the dialog keeps them.
        await pilot.press(*"Storage uploads down")
        await pilot.press("tab", "up")  # severity list: P2 is highlighted, up is P1
        assert "Respond 15 minutes" in screen_text(app)  # the runbook definition shown
        # Which mode is chosen reads without colour: ● chosen, ○ not (NO_COLOR, a pasted capture).
        assert "●▌ incident" in screen_text(app) and "○▌ drill" in screen_text(app) and "○▌ tabletop" in screen_text(app)
        await pilot.press("tab", "down", "enter")  # mode: incident -> drill
        assert "○▌ incident" in screen_text(app) and "●▌ drill" in screen_text(app)
        await pilot.press("tab", "ctrl+a", "ctrl+k", *"carol", "enter")  # commander
        await settle(pilot)
        assert not isinstance(app.screen, DeclareDialog)
        with Timeline(db_path) as tl:
            [incident] = tl.incidents()
        assert (incident.title, incident.severity, incident.mode, incident.commander) == (
            "Storage uploads down", "P1", "drill", "carol")
        await wait_for(pilot, lambda: incident.id in screen_text(app))
        header = app.query_one("#incident-header")
        assert "DRILL" in screen_text(app) and "P1" in header.text
        assert header.has_class("-drill")
        assert rows(app)[0][1:3] == [ACTOR, "declared"]


async def test_declare_needs_a_title_and_escape_writes_nothing(config: Config, db_path: Path):
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i", "enter")
        assert isinstance(app.screen, DeclareDialog)
        assert "an incident needs a title" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, DeclareDialog)
    with Timeline(db_path) as tl:
        assert tl.incidents() == []


async def test_note_severity_update_and_resolve(config: Config, db_path: Path):
    incident_id = declare(db_path, level="P2")
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: incident_id in screen_text(app))

        await pilot.press("n")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"Lag 22 min on [bold]replica[/], failing over", "enter")
        await settle(pilot)
        assert rows(app)[-1][1:] == [ACTOR, "note", "Lag 22 min on [bold]replica[/], failing over"]
        # Typed text is shown as typed (never parsed as markup).
        assert "Lag 22 min on [bold]replica[/]" in screen_text(app)

        await pilot.press("S", "up")  # P2 -> P1
        await pilot.press("tab", *"customers affected", "enter")
        await settle(pilot)
        await wait_for(pilot, lambda: "P1" in app.query_one("#incident-header").text)
        assert rows(app)[-1][2:] == ["severity_changed", "Severity P2 → P1: customers affected"]

        await pilot.press("u", *"Failover started", "enter")
        await settle(pilot)
        assert rows(app)[-1][2:] == ["status_update", "Failover started"]

        await pilot.press("R")
        assert "Resolve the incident?" in screen_text(app)
        await pilot.press("enter")  # default resolution text
        await settle(pilot)
        await wait_for(pilot, lambda: "no incident — press i to declare" in screen_text(app))

    with Timeline(db_path) as tl:
        incident = tl.incident(incident_id)
        events = tl.events(incident_id)
    assert incident.status == "resolved" and incident.severity == "P1"
    assert [e.kind for e in events] == ["declared", "note", "severity_changed", "status_update", "resolved"]
    assert all(e.actor == ACTOR for e in events[1:])
    update = events[3]
    # Seed 000: a P1 posts every 15 minutes; the update restarted that clock.
    assert abs((parse_ts(update.data["next_update_due"]) - parse_ts(update.ts)).total_seconds() - 15 * 60) < 1


async def test_actions_that_need_an_incident_are_off_without_one(config: Config, db_path: Path):
    """n does nothing and the palette does not offer "add note" with no incident; the
    screen says what to do instead."""
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident — press i to declare" in screen_text(app))
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, NoteDialog)
        await pilot.press("ctrl+p", *"incident")
        await wait_for(pilot, lambda: "Incident: declare" in screen_text(app))
        assert "Incident: add note" not in screen_text(app) and "Incident: resolve" not in screen_text(app)


async def test_the_command_palette_offers_the_same_actions(config: Config, db_path: Path):
    declare(db_path)
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.current_incident is not None)
        await pilot.press("ctrl+p", *"add note")
        await wait_for(pilot, lambda: "Incident: add note" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog))
        assert app.screen.query_one("#text", Input).has_focus


async def test_the_chosen_severity_reads_without_colour(config: Config, db_path: Path):
    """The screen text has no colour (as NO_COLOR or a monochrome terminal): the chosen
    level is the one line with the mark, and the mark follows the arrows."""
    app = IncidentTestApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no incident — press i to declare" in screen_text(app))
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareDialog))

        def marked() -> list[str]:
            return [line.split("▶", 1)[1].split()[0] for line in screen_text(app).splitlines() if "▶ P" in line]

        await wait_for(pilot, lambda: marked() == ["P2"])
        await pilot.press("tab", "up")
        await wait_for(pilot, lambda: marked() == ["P1"])

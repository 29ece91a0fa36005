"""The keys at 80x24 over SSH: what the footer offers, `?`, `/`, and the palette's Enter.

Each test drives the real app with Pilot at 80x24 on fixed snapshots (polling off) and a
real SQLite timeline, and asserts what the responder sees on screen.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.command import CommandList

from cockpit.timeline import Timeline
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.screens.keys import KeysScreen

from . import synthetic as s
from .helpers import screen_text, wait_for
from .test_keys import feed

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

ALARM_NAMES = [a.name for a in s.ALARMS]


def declare(config, title: str = "S3 5xx in eu-west-1") -> str:
    """An incident declared by a colleague's cockpit (another connection to the same file)."""
    with Timeline(config.db, actor="bob@bastion") as tl:
        return tl.declare(title, "P1").id


def footer_line(app: CockpitApp) -> str:
    return screen_text(app).splitlines()[-1]


async def started(pilot, app: CockpitApp) -> None:
    feed(app)
    await wait_for(pilot, lambda: "S3-Replication-Lag-Critical" in screen_text(app), what="alarms drawn")


async def test_with_an_incident_five_alarm_rows_and_the_incident_keys_fit_80x24(config):
    declare(config)
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: "INC-" in screen_text(app), what="incident header")
        # the footer is recomposed after the frame that showed the incident
        await wait_for(pilot, lambda: "n Note" in footer_line(app), timeout=5, what="incident keys in the footer")
        text = screen_text(app)
        shown = [name for name in ALARM_NAMES if name in text]
        assert len(shown) >= 5, text  # every one of the five alarms, not two
        footer = footer_line(app)
        for key in ("n Note", "u Update", "R Resolve", "S Severity", "? Keys"):
            assert key in footer, (key, footer)
        assert "i Declare" not in footer  # not what matters now
        assert "S3-Replication-Lag-Critical" in text and "storage-health" in text  # services still show


async def test_footer_follows_the_incident(config):
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: "i Declare" in footer_line(app), what="declare key")
        assert "n Note" not in footer_line(app) and "? Keys" in footer_line(app)
        declare(config)  # a colleague declares: this cockpit's footer changes by itself
        await wait_for(pilot, lambda: "n Note" in footer_line(app) and "R Resolve" in footer_line(app),
                       what="incident keys in the footer")
        assert "i Declare" not in footer_line(app)


async def test_question_mark_lists_every_key_of_the_context_and_closes(config):
    declare(config)
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: "n Note" in footer_line(app), timeout=5, what="the incident loaded")
        cockpit = app.screen
        bound = {app.get_key_display(b) for _, b, enabled, _ in cockpit.active_bindings.values() if enabled}
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeysScreen)
        listed = [k.key for _, keys in app.screen.groups for k in keys]
        assert set(listed) <= bound and len(listed) == len(set(listed))  # keys that work here, each once
        text = str(app.screen.query_one("#keys-text").render())
        for words in ("This screen", "Everywhere", "Declare an incident", "Add a note to the current incident",
                      "Resolve the current incident", "Filter", "Every key of this screen", "In the list",
                      "Details of the selected row", "Next pane"):
            assert words in text, words
        # Only what a responder can use now: no Textual housekeeping, one Quit, no run to go back to.
        for noise in ("Copy selected text", "Quit the app", "Lean table", "Back to the running playbook",
                      "Page Left", "Cursor"):
            assert noise not in text, noise
        assert text.count("Quit") == 1, text
        lines = text.splitlines()
        assert any(line.split()[:2] == ["⏎", "Details"] for line in lines), text
        assert "Keys" in screen_text(app)
        for close in ("escape", "question_mark", "q"):
            if not isinstance(app.screen, KeysScreen):
                await pilot.press("question_mark")
            await pilot.press(close)
            assert app.screen is cockpit, close
        assert app.is_running  # q closed the help, it did not quit


async def test_slash_filters_without_covering_the_rows(config):
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        table = app.screen.query_one("#alarms-table")
        before = table.region
        await pilot.press("slash", "c", "r", "i", "t")
        text = screen_text(app)
        assert table.region == before  # the rows keep every line they had
        matched = [n for n in ALARM_NAMES if "crit" in n.lower()]
        assert matched and all(n in text for n in matched), text
        bar = app.screen.query_one("#filter-bar")
        assert bar.region.y == 23 and bar.region.height == 1  # the footer's line
        assert text.splitlines()[-1].strip() == "crit"
        await pilot.press("enter")
        assert "? Keys" in footer_line(app)  # the footer is back; the filter is kept
        assert "filter “crit”" in app.screen.query_one("#alarms").border_title
        await pilot.press("slash", "escape")
        assert all(n in screen_text(app) for n in ALARM_NAMES)


def burst(app: CockpitApp, text: str) -> None:
    """Keys as a terminal delivers a fast typist's (or a paste's): all at once, then Enter."""
    for char in text:
        app.post_message(events.Key(char, char))
    app.post_message(events.Key("enter", "\r"))


async def test_slash_typed_at_once_with_the_filter_goes_to_the_filter(config):
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        for char in "/crit":  # as a terminal delivers quick typing: "i" must not declare
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await pilot.pause(0.3)
        assert isinstance(app.screen, CockpitScreen), type(app.screen).__name__
        assert app.screen.query_one("#filter-bar").value == "crit"
        assert "filter “crit” 2/5" in app.screen.query_one("#alarms").border_title
        await pilot.press("slash")  # a "/" in the filter is text, not the key again
        assert app.screen.query_one("#filter-bar").value == "crit/"


async def test_palette_enter_typed_while_providers_load_runs_what_was_typed(config):
    declare(config)
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await pilot.press("ctrl+p")
        burst(app, "keys")  # at once: the playbooks are still being read for the palette
        await wait_for(pilot, lambda: app.screen.id != "--command-palette", what="palette closed")
        await pilot.pause(0.2)
        assert isinstance(app.screen, KeysScreen), type(app.screen).__name__
        await pilot.press("escape")
        assert isinstance(app.screen, CockpitScreen)


async def test_palette_enter_on_a_stale_list_never_runs_another_command(config):
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.query_one(CommandList).option_count > 5, what="the palette's list")
        burst(app, "zqx")  # matches nothing; the list on screen is still the unfiltered one
        await pilot.pause(0.5)
        assert app.screen.id == "--command-palette"  # still open: nothing ran (not "Incident: declare")
        assert len(app.screen_stack) == 2
        await pilot.press("ctrl+u")  # clear the input, then the same at once for a real command
        await wait_for(pilot, lambda: app.screen.query_one(CommandList).option_count > 5, what="the palette's list")
        burst(app, "timeline")
        await wait_for(pilot, lambda: app.screen.id != "--command-palette", what="palette closed")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "TimelineScreen"


async def test_demo_at_80x24_declaring_keeps_every_pane_on_screen(tmp_path, monkeypatch):
    """`cockpit demo` at 80x24, `i`, a title, Enter: the header grows by the incident's two
    lines under the estate strip, and still the alarms keep five rows, services one, and the
    one-line timeline shows the newest event above the footer."""
    from cockpit.config import Config
    from cockpit.estate.process import EstateProcess
    from cockpit.ui.incident import TimelinePane

    from .conftest import FAST

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    config = Config(db=tmp_path / "demo.db", actor="oncall@bastion")
    estate = EstateProcess(scenario="eu-west-1-storage-outage", speed=30, timeout=60)
    app = CockpitApp(config=config, estate=estate, live=FAST)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: "eu-west-1 S3 outage" in screen_text(app), timeout=60, what="estate strip")
            await wait_for(pilot, lambda: app.screen.query_one("#services-table").row_count >= 1, what="services")
            await pilot.press("i")
            await pilot.pause(0.3)
            await pilot.press(*"S3 outage", "enter")
            await wait_for(pilot, lambda: "INC-" in screen_text(app).splitlines()[1], what="incident header")
            # the newest event (the declaration, or an alarm logged since), above the footer
            await wait_for(pilot, lambda: "oncall@bastion" in screen_text(app).splitlines()[-2],
                           what="the newest event in the one-line timeline")
            await pilot.pause(0.5)
            screen = app.screen
            alarms, services = screen.query_one("#alarms"), screen.query_one("#services")
            timeline, footer_y = screen.query_one(TimelinePane).region, app.size.height - 1
            text = screen_text(app)
            assert alarms.region.height >= 8, text  # five rows + heading + border
            assert services.region.height >= 4 and services.region.bottom <= timeline.y, text  # one row at least
            assert timeline.height == 1 and timeline.y == footer_y - 1, text
            lines = text.splitlines()
            assert lines[services.region.y + 2].strip("│ ").split()[0] in ("CRIT", "WARN", "ok", "UNKN"), text
    finally:
        estate.stop()


async def test_timeline_screen_without_an_incident_says_what_its_keys_do(config):
    from cockpit.ui.incident.screen import TimelineScreen

    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen), what="the timeline screen")
        top = await wait_for(pilot, lambda: (line := screen_text(app).splitlines()[0]) and "no incident" in line
                             and line, what="the empty state")
        assert "i: pick one" in top and "esc: cockpit" in top, top  # i here picks, it does not declare
        assert "press i to declare" not in screen_text(app)
        assert "i Incident" in footer_line(app), footer_line(app)


async def test_keys_that_need_an_incident_are_listed_only_with_one(config):
    """Without an incident, `?` offers declaring, not noting or resolving nothing; with one,
    acknowledging and marking mitigated are keys (a, M) that go away once done."""
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)

        async def help_text() -> str:
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen), what="keys help")
            text = str(app.screen.query_one("#keys-text").render())
            await pilot.press("escape")
            return text

        text = await help_text()
        assert "Declare an incident" in text
        for needs in ("Add a note", "Resolve the current incident", "Post a status update", "Acknowledge",
                      "Mark the impact mitigated"):
            assert needs not in text, needs
        incident_id = declare(config)
        await wait_for(pilot, lambda: "a Ack" in footer_line(app), timeout=5, what="the ack key")
        text = await help_text()
        assert "Acknowledge the page" in text and "Mark the impact mitigated" in text
        await pilot.press("a")
        await wait_for(pilot, lambda: "a Ack" not in footer_line(app), timeout=5, what="ack done")
        await pilot.press("M")
        await wait_for(pilot, lambda: "M Mitigated" not in footer_line(app), timeout=5, what="mitigation recorded")
        with Timeline(config.db, actor="check") as tl:
            incident = tl.incident(incident_id)
            kinds = [e.kind for e in tl.events(incident_id)]
        assert incident.acknowledged_at and incident.mitigated_at and incident.status == "open"
        assert "acknowledged" in kinds and "mitigated" in kinds
        assert "Acknowledge the page" not in await help_text()


async def test_clicking_a_footer_key_presses_it(config):
    """The footer's keys are buttons too: a click on `? Keys` opens the keys help, a click on
    `i Declare` the declare dialog."""
    app = CockpitApp(config=config, poll=False, clock=s.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await wait_for(pilot, lambda: "i Declare" in footer_line(app), timeout=5, what="the footer's keys")
        await pilot.click("KeysFooter .-help")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysScreen), timeout=5, what="the keys help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen), timeout=5, what="back")
        await pilot.click("KeysFooter FooterKeyLabel")  # the first key: i Declare
        await wait_for(pilot, lambda: "Declare" in type(app.screen).__name__, timeout=5, what="the declare dialog")

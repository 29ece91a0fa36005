"""The cockpit at scale: big refreshes are drawn in slices, hold the top rows, keep keys answered.

Fed through the app's own messages with polling off, like test_keys; the snapshots are big
enough (1,000 alarms, 300 services) to take the sliced path that a 2,000-alarm estate takes.
"""

from __future__ import annotations

import dataclasses

import pytest

from cockpit.ui.app import CockpitApp
from cockpit.ui.messages import fetched
from cockpit.ui.widgets.pane import MAX_ROWS
from cockpit.ui.widgets.quiet_gc import QuietCollector
from cockpit.ui.widgets.keyed_table import KeyedTable

from . import synthetic as s
from .helpers import rows, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def many_alarms(count: int, firing_every: int = 3, tag: str = "") -> tuple:
    return tuple(s.alarm(f"greenlang-s3-alarm-{i:04d}{tag}", state="ALARM" if i % firing_every == 0 else "OK",
                         since=10 + i) for i in range(count))


def many_services(count: int, broken: int) -> tuple:
    healthy = s.K8S[1]
    return tuple(dataclasses.replace(healthy, name=f"svc-{i:03d}", level=s.Level.CRITICAL if i == broken
                                     else s.Level.OK, status="down" if i == broken else "available")
                 for i in range(count))


def app_for(config) -> CockpitApp:
    return CockpitApp(config=config, poll=False, clock=s.clock)


async def drawn(pilot) -> None:
    await pilot.pause()  # the messages posted are handled (the refreshes are pending or drawn)
    await wait_for(pilot, lambda: not pilot.app.screen.applying, what="refreshes drawn")


async def test_a_big_refresh_holds_the_worst_rows_and_says_how_many_more(config):
    app = app_for(config)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.post_message(fetched("alarms", s.ok("alarms", many_alarms(1000))))
        await drawn(pilot)
        shown = rows(app, "alarms")
        assert len(shown) == MAX_ROWS
        assert all(r[1] == "ALARM" for r in shown)  # 334 firing: the top 200 are all firing, worst first
        title = app.screen.query_one("#alarms").border_title
        assert "334 firing" in title and f"top {MAX_ROWS} of 1,000" in title
        # The filter searches every alarm, not only the rows held.
        await pilot.press("slash", *"0999", "enter")
        await drawn(pilot)
        assert [r[3] for r in rows(app, "alarms")] == ["greenlang-s3-alarm-0999"]


async def test_keys_are_answered_while_a_big_refresh_is_drawn(config):
    app = app_for(config)
    during: list[bool] = []  # for each dispatch of the key: was a refresh still being drawn?

    def hook(message) -> None:
        if getattr(message, "key", None) == "down":
            during.append(app.screen.applying)

    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        screen = app.screen
        screen.post_message(fetched("alarms", s.ok("alarms", many_alarms(1000))))
        screen.post_message(fetched("services", s.ok("kubernetes", many_services(300, broken=250))))
        await pilot.press("down")  # handled between slices, not after the whole refresh
        await drawn(pilot)
        assert any(during), during  # the key travelled while the refresh was still being drawn
        table = screen.query_one("#alarms-table", KeyedTable)
        assert table.has_focus and table.cursor_row == 1  # the key counted; the refresh did not reset it
        assert rows(app, "services")[0][0] == "CRIT" and "svc-250" in rows(app, "services")[0][2]
        assert len(rows(app, "services")) == MAX_ROWS


async def test_only_the_newest_of_several_waiting_refreshes_is_drawn(config):
    app = app_for(config)
    drawn_names: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        pane = screen.query_one("#alarms")
        original = pane.plan

        def spy(snapshot):  # which snapshots reach the pane at all
            drawn_names.append(snapshot.items[0].name)
            return original(snapshot)

        pane.plan = spy
        for tag in ("-a", "-b", "-c"):
            screen.post_message(fetched("alarms", s.ok("alarms", many_alarms(600, tag=tag))))
        await drawn(pilot)
        assert drawn_names[-1].endswith("-c") and len(drawn_names) < 3  # -b never drawn: -c replaced it
        assert all(r[3].endswith("-c") for r in rows(app, "alarms"))
        assert pane.snapshots["alarms"].items[0].name.endswith("-c")


async def test_a_big_sort_change_keeps_every_frame_in_order(config):
    app = app_for(config)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.post_message(fetched("alarms", s.ok("alarms", many_alarms(1000))))
        await drawn(pilot)
        await pilot.press("s", "s")  # by age, then by name
        names = [r[3] for r in rows(app, "alarms")]
        assert names == sorted(names) and names[0] == "greenlang-s3-alarm-0000" and len(names) == MAX_ROWS


def test_full_collections_wait_for_a_quiet_moment():
    now = {"t": 0.0}
    collector = QuietCollector(quiet=1.5, every=20.0, longest=120.0, clock=lambda: now["t"])
    collector.install()
    try:
        for second in range(1, 60):  # a key every second for a minute: never quiet
            now["t"] = float(second)
            collector.key_pressed()
            assert not collector.tick()
        now["t"] = 62.0  # keys stopped 3 s ago
        assert collector.tick() and collector.collections == 1
        now["t"] = 70.0
        assert not collector.tick()  # quiet, but the last one is only 8 s old
        for second in range(71, 183):  # typing for two minutes: one runs anyway, memory stays bounded
            now["t"] = float(second)
            collector.key_pressed()
            collector.tick()
        assert collector.collections == 2
    finally:
        collector.uninstall()

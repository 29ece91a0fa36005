"""The cockpit screen driven from the keyboard at 80x24, on fixed snapshots.

Snapshots are fed through the app's own messages (AlarmsFetched, …) with polling off, so
what is asserted is exactly what the panes draw from a snapshot.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from cockpit.sources.snapshot import ErrorKind
from cockpit.ui.app import CockpitApp
from cockpit.ui.messages import PlaybookRequested, fetched
from cockpit.ui.screens.choose import ChooseScreen
from cockpit.ui.screens.cockpit import CockpitScreen
from cockpit.ui.incident import DeclareDialog
from cockpit.ui.screens.detail import DetailScreen
from cockpit.ui.widgets.keyed_table import KeyedTable

from . import synthetic as s
from .helpers import pane_error, row, rows, screen_text, wait_for, wait_for_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key


def feed(app: CockpitApp, *, replication_error: bool = False) -> None:
    screen = app.screen
    screen.post_message(fetched("alarms", s.ok("alarms", s.ALARMS)))
    replication = s.ok("replication", s.PAIRS, 40)
    if replication_error:
        replication = s.stale(replication, ErrorKind.THROTTLED, "ThrottlingException: Rate exceeded")
    screen.post_message(fetched("replication", replication))
    screen.post_message(fetched("services", s.ok("kubernetes", s.K8S)))
    screen.post_message(fetched("services", s.ok("http", s.HTTP)))


def app_for(config, **kwargs) -> CockpitApp:
    return CockpitApp(config=config, poll=False, clock=s.clock, **kwargs)


async def test_every_pane_fits_and_reads_at_80x24(config):
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app, replication_error=True)
        await pilot.pause()
        for pane_id in ("header", "alarms", "replication", "services", "timeline"):
            region = app.screen.query_one(f"#{pane_id}").region
            assert region.height >= 1 and region.right <= 80 and region.bottom <= 23, (pane_id, region)
        text = screen_text(app)
        for needle in ("greenlang-storage", "09:30:00Z", "Alarms · 4 firing", "CRIT", "S3-Replication-Lag-Critical",
                       "data-lake", "25m/15m", "STALE · 40s old", "throttled: ThrottlingException",
                       "storage-health", "greenlang/storage-service", "press i to declare", "Pause"):
            assert needle in text, needle


async def test_more_room_shows_more(config):
    app = app_for(config)
    async with app.run_test(size=(160, 50)) as pilot:
        feed(app)
        await pilot.pause()
        assert app.screen.has_class("-wide")
        text = screen_text(app)
        assert "greenlang-s3-storage-size-warning" in text and "Threshold Cross" in text  # all rows, reasons
        alarms, replication = app.screen.query_one("#alarms").region, app.screen.query_one("#replication").region
        assert replication.x > alarms.x  # side by side, not stacked


async def test_sort_filter_and_detail(config):
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app)
        await pilot.pause()
        assert [r[0] for r in rows(app, "alarms")][:2] == ["CRIT", "CRIT"]  # worst first
        screen_text(app)  # painted once: the border line must be repainted with the new title
        await pilot.press("s")  # by age: newest first
        assert rows(app, "alarms")[0][3] == "S3-Replication-Lag-Critical"
        assert "Alarms · 4 firing · 1 no data · by age" in screen_text(app)
        await pilot.press("s")  # by name
        names = [r[3] for r in rows(app, "alarms")]
        assert names == sorted(names)
        assert "· by name" in screen_text(app) and "· by age" not in screen_text(app)
        await pilot.press("slash", *"5xx", "enter")
        assert [r[3] for r in rows(app, "alarms")] == ["greenlang-s3-5xx-errors-critical"]
        assert "filter “5xx” 1/5" in app.screen.query_one("#alarms").border_title
        await pilot.press("d")
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert "212.0, 187.0" in text and "seen by this cockpit" in text
        # Each transition seen: when and what, then its reason on a line of its own, cut with
        # an ellipsis to fit the modal (not wrapped to its left edge and cut mid-word).
        assert re.search(r"│   09:02:00Z  ALARM +│", text), text
        assert re.search(r"│     Threshold Crossed: 2 datapoints \[212\.0, 187\.0\] were greater… +│", text), text
        await pilot.press("escape")
        assert isinstance(app.screen, CockpitScreen)
        await pilot.press("slash", "escape")
        assert len(rows(app, "alarms")) == 5


async def test_replication_detail_plots_the_lag_against_the_rpo_on_a_time_axis(config):
    """Issue 17: the trend was a Sparkline of full bars, no scale, no RPO, no time."""
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app)
        await pilot.pause()
        app.screen.query_one("#replication-table").focus()
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        assert "past RPO 900s" in screen_text(app)
        plot = await wait_for(pilot, lambda: (t := str(app.screen.query_one("#detail-plot").render())) and
                              "RPO 15m" in t and t, what="the lag plot")
        lines = plot.splitlines()
        rpo_row = next(line for line in lines if line.lstrip().startswith("900"))  # the RPO's value on the y axis
        assert "──────" in rpo_row  # ... and the line drawn across at it
        assert "09:30" in plot and "08:30" in plot and "UTC" in plot  # the last hour, as UTC clock time
        assert any(ch in plot for ch in "⠁⠂⠄⡀⢀⠈⠐⠠⣀⠤⠒⠉")  # the datapoints, in braille


async def test_newly_firing_alarm_is_highlighted_then_not(config):
    now = {"t": s.NOW}
    app = CockpitApp(config=config, poll=False, clock=lambda: now["t"])
    async with app.run_test(size=(80, 24)) as pilot:
        calm = tuple(dataclasses.replace(a, state="OK") for a in s.ALARMS[:2])
        app.screen.post_message(fetched("alarms", s.ok("alarms", calm)))
        await pilot.pause()
        assert row(app, "alarms", "greenlang-s3-5xx-errors-critical")[1] == "OK"
        app.screen.post_message(fetched("alarms", s.ok("alarms", (s.ALARMS[0], calm[1]))))
        await pilot.pause()
        assert row(app, "alarms", "greenlang-s3-5xx-errors-critical")[1] == "ALARM NEW"
        now["t"] = s.ago(-300)  # five minutes later
        app.screen.query_one("#alarms").expire_highlights()
        await pilot.pause()
        assert row(app, "alarms", "greenlang-s3-5xx-errors-critical")[1] == "ALARM"


async def test_stale_source_keeps_rows_and_names_the_error(config):
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        feed(app)
        failed = s.stale(s.ok("http", s.HTTP), ErrorKind.CREDENTIALS, "ExpiredTokenException: token expired")
        app.screen.post_message(fetched("services", failed))
        await pilot.pause()
        assert "http: credentials: ExpiredTokenException" in pane_error(app, "services")
        assert row(app, "services", "storage-health")  # last good row kept
        assert app.screen.query_one("#services").has_class("-stale")
        assert pane_error(app, "alarms") == ""


async def test_pause_resume_is_in_the_footer_and_header(config):
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        assert "PAUSED" in screen_text(app) and app.screen.paused
        await pilot.press("r")  # a manual refresh resumes
        assert not app.screen.paused and "PAUSED" not in screen_text(app)


async def test_switch_screens_from_the_list(config):
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("g")  # the list of screens is read from disk in a worker
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the list of screens")
        text = screen_text(app)
        assert all(n in text for n in ("aws-infrastructure", "flight-school", "greenlang-platform"))
        options = app.screen.query_one("#choices")
        index = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == "flight-school")
        options.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CockpitScreen) and app.screen.model.name ==
                       "flight-school", what="flight-school screen")
        assert "flight-school" in screen_text(app)
        old = app.screen
        app.open_screen("aws-infrastructure")  # and on to a third: each replaces the one on show
        await wait_for(pilot, lambda: app.screen.model.name == "aws-infrastructure" and not old.is_attached,
                       what="aws-infrastructure, and the screen it replaced gone")
        assert app.screen_stack == [app.screen]


async def test_playbooks_are_listed_and_picking_one_posts_a_request(config):
    seen: dict[int, PlaybookRequested] = {}  # the hook sees a bubbling message at every node
    app = app_for(config)
    async with app.run_test(size=(80, 24), message_hook=lambda m: isinstance(m, PlaybookRequested)
                            and seen.setdefault(id(m), m)) as pilot:
        await pilot.press("b")  # the catalog is read in a worker: the list opens when it is ready
        text = await wait_for_text(pilot, "dr-failover", "dr-failback", "s3-replication-lag")
        await pilot.press("enter")
        await pilot.pause()
        assert [m.playbook_id for m in seen.values()] == ["dr-failover"]
        # No incident yet: the guided run asks to declare one first.
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareDialog))


#: The picture's frame, not the app: window buttons and the export's default foreground.
FRAME = {"ff5f57", "febc2e", "28c840", "c5c8c6"}


def colours(svg: str) -> set[str]:
    return {c.lower() for c in re.findall(r"#([0-9a-fA-F]{6})\b", svg)} - FRAME


def grey(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return max(r, g, b) - min(r, g, b) <= 2


async def test_no_color_keeps_the_meaning(config, monkeypatch):
    async def picture() -> tuple[str, str, bool]:
        app = app_for(config)
        async with app.run_test(size=(80, 24)) as pilot:
            feed(app, replication_error=True)
            await pilot.pause()
            return app.export_screenshot(), screen_text(app), app.no_color

    svg, _, no_color = await picture()
    assert not no_color and not all(grey(c) for c in colours(svg))  # control: colour without NO_COLOR
    monkeypatch.setenv("NO_COLOR", "1")
    svg, text, no_color = await picture()
    assert no_color and all(grey(c) for c in colours(svg)), sorted(c for c in colours(svg) if not grey(c))
    # Words carry every level and the stale state.
    assert "CRIT" in text and "WARN" in text and "STALE" in text and "ok" in text


async def test_an_alarm_that_starts_firing_moves_to_the_top(config):
    """Rows keep their place across refreshes, but a change of rank must re-sort them."""
    quiet = (s.alarm("greenlang-s3-4xx-errors-warning", state="OK", severity="warning"),
             s.alarm("greenlang-s3-5xx-errors-critical", state="OK", severity="critical"))
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.post_message(fetched("alarms", s.ok("alarms", quiet)))
        await pilot.pause()
        assert [r[3] for r in rows(app, "alarms")] == [quiet[0].name, quiet[1].name]  # by name while all are OK
        firing = (quiet[0], s.alarm("greenlang-s3-5xx-errors-critical", state="ALARM", severity="critical"))
        app.screen.post_message(fetched("alarms", s.ok("alarms", firing)))
        await pilot.pause()
        top = rows(app, "alarms")[0]
        assert top[3] == "greenlang-s3-5xx-errors-critical" and top[0] == "CRIT"


async def test_a_service_that_degrades_moves_to_the_top(config):
    healthy = tuple(i for i in s.K8S if i.level == s.Level.OK)
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.post_message(fetched("services", s.ok("kubernetes", healthy)))
        await pilot.pause()
        names = [r[2] for r in rows(app, "services")]
        victim = next(i for i in healthy if i.name in names[-1])  # the row at the bottom
        broken = tuple(dataclasses.replace(i, status="down", level=s.Level.CRITICAL, problem="0/3 ready")
                       if i is victim else i for i in healthy)
        app.screen.post_message(fetched("services", s.ok("kubernetes", broken)))
        await pilot.pause()
        top = rows(app, "services")[0]
        assert top[0] == "CRIT" and victim.name in top[2]


async def test_a_cursor_left_at_the_top_stays_on_the_worst_row(config):
    """When alarms start firing, the top of the pane shows them, not the row the cursor was on."""
    quiet = tuple(s.alarm(f"greenlang-s3-alarm-{i}", state="OK") for i in range(8))
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.post_message(fetched("alarms", s.ok("alarms", quiet)))
        await pilot.pause()
        firing = (*quiet[:-1], s.alarm("greenlang-s3-alarm-7", state="ALARM"))
        app.screen.post_message(fetched("alarms", s.ok("alarms", firing)))
        await pilot.pause()
        table = app.screen.query_one("#alarms-table", KeyedTable)
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert rows(app, "alarms")[0][3] == "greenlang-s3-alarm-7"


async def test_a_cursor_the_responder_moved_follows_its_alarm(config):
    quiet = tuple(s.alarm(f"greenlang-s3-alarm-{i}", state="OK") for i in range(4))
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.post_message(fetched("alarms", s.ok("alarms", quiet)))
        await pilot.pause()
        table = app.screen.query_one("#alarms-table", KeyedTable)
        table.focus()
        await pilot.press("down")  # now on greenlang-s3-alarm-1
        firing = (*quiet[:-1], s.alarm("greenlang-s3-alarm-3", state="ALARM"))
        app.screen.post_message(fetched("alarms", s.ok("alarms", firing)))
        await pilot.pause()
        assert rows(app, "alarms")[table.cursor_row][3] == "greenlang-s3-alarm-1"


async def test_alarm_detail_says_in_one_line_when_the_metric_cannot_be_fetched(config, monkeypatch, tmp_path):
    """The fetch runs against a dead endpoint (refused at once): one error line, no traceback."""
    from cockpit.sources.connections import Connections
    from cockpit.sources.metric_history import alarm_datapoints
    from cockpit.ui.screens.detail import alarm_plot

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        async with Connections(connect_timeout=0.5, read_timeout=0.5, max_attempts=1) as conn:
            alarm = s.ALARMS[0]
            app.push_screen(DetailScreen(f"alarm {alarm.name}", "text",
                                         alarm_plot(alarm, lambda: alarm_datapoints(conn, alarm))))
            await pilot.pause()
            line = await wait_for(pilot, lambda: (q := app.screen.query("#detail-plot")) and
                                  (t := str(q.first().render())) and "loading" not in t and t,
                                  timeout=20, what="the error line")
    assert line.startswith("could not fetch the metric: unreachable") and "\n" not in line, line

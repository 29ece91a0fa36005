"""Response plans at 80x24 on the emulated storage outage: from what fires to what to do.

While the 5xx, 4xx, pending and both lag alarms fire, declaring suggests what the screen's
matrix (seed 000) says — P1, because S3 5xx errors are critical and P1 is "S3 unavailable" —
and says why; ``b`` puts the runbooks' playbooks for those alarms first (dr-failover for the
5xx, s3-replication-lag for the lag), and judges seed 003's failover criterion "S3 API
unavailable > 30 minutes" on how long the 5xx alarm has been in ALARM; the alarm's detail
lists its playbooks. The outage is played fast to T+29.5m (the 5xx alarm fires by evaluation
about six minutes in, the lag alarms near T+28m, and lag stops being published at T+30m),
then runs at 1x so the alarms' times hold still. The 5xx alarm has then been firing for
about 23 minutes; the cockpit's clock is moved on to 31 minutes of it to see the criterion met.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import OptionList

from cockpit.sources.snapshot import utcnow
from cockpit.ui.app import CockpitApp
from cockpit.ui.incident.dialogs import DeclareDialog
from cockpit.ui.incident.form import SeverityList
from cockpit.ui.screens.choose import ChooseScreen
from cockpit.ui.screens.detail import DetailScreen
from cockpit.ui.widgets.keyed_table import KeyedTable

from .conftest import FAST, apply_env, play_to
from .helpers import row, rows, screen_text, wait_for, wait_for_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

FIRING = ("greenlang-s3-5xx-errors-critical", "greenlang-s3-4xx-errors-warning",
          "greenlang-s3-replication-pending-critical", "greenlang-s3-replication-lag-warning",
          "S3-Replication-Lag-Critical")


@pytest.fixture(scope="module")
def outage(start_estate):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    play_to(handle, 29.5, speed=1)
    return handle


def picker_ids(app: CockpitApp) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def test_declare_and_playbooks_follow_the_response_matrix(outage, monkeypatch, tmp_path, config):
    apply_env(monkeypatch, outage.env, tmp_path)
    later = timedelta(0)
    app = CockpitApp(config=config, live=FAST, clock=lambda: utcnow() + later)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: all(row(app, "alarms", name, "ALARM") for name in FIRING), timeout=30,
                       what="the five storage alarms firing")

        # Declare: P1 preselected, and the dialog says which row and which alarm made it.
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareDialog), what="the declare dialog")
        text = await wait_for_text(pilot, "P1 suggested: 5 alarms firing (3 critical)")
        assert "greenlang-s3-5xx-errors-critical for" in text and "S3 unavailable" in text
        # The alert matrix's tightest row: 5xx > 10/min, respond within 5 minutes.
        assert "Respond within 5 min: Investigate immediately (S3 5xx errors > 10/min)" in text
        assert app.screen.query_one(SeverityList).level == "P1"
        await pilot.press(*"S3 5xx in eu-west-1", "enter")
        await wait_for(pilot, lambda: app.current_incident is not None and app.current_incident.severity == "P1",
                       what="the incident declared P1")
        assert app.current_incident.response_target_seconds == 300  # not P1's 15 minutes

        # b: the runbooks' playbooks for what fires first, the failover criterion not met yet.
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the playbook picker")
        ids = picker_ids(app)
        assert ids[:2] == ["dr-failover", "s3-replication-lag"], ids
        assert set(ids) >= {"p1-storage-incident", "s3-access-denied", "dr-failback", "on-call-handoff"}
        assert ids.index("s3-access-denied") < ids.index("dr-failback")  # firing (warning) before the rest
        text = await wait_for_text(pilot, "not met: S3 API unavailable > 30 minutes")
        assert "> 30 minutes (" in text and " of 30 min)" in text
        await pilot.press("escape")

        # On to 31 minutes of the 5xx alarm in ALARM: past seed 003's threshold.
        five_xx = next(a for items in app.session.alarms_on_screen.values() for a in items
                       if a.name == "greenlang-s3-5xx-errors-critical")
        firing_for = utcnow() - five_xx.updated_at
        assert timedelta(minutes=15) < firing_for < timedelta(minutes=30), firing_for  # fired by evaluation
        later = timedelta(minutes=31) - firing_for
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the playbook picker again")
        text = await wait_for_text(pilot, "met: S3 API unavailable > 30 minutes")
        assert "not met: S3 API" not in text and "> 30 minutes (31 min ≥ 30 min)" in text
        await pilot.press("escape")

        # The 5xx alarm's detail lists its playbooks, with the criterion.
        table = app.screen.query_one("#alarms-table", KeyedTable)
        index = next(i for i, cells in enumerate(rows(app, "alarms"))
                     if any("greenlang-s3-5xx-errors-critical" in c for c in cells))
        table.focus()
        table.move_cursor(index)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="the alarm detail")
        detail = app.screen.query_one("#detail-text").render()
        plain = str(getattr(detail, "plain", detail))
        section = plain[plain.index("playbooks"):]
        assert section.index("dr-failover") < section.index("p1-storage-incident")
        assert "met: S3 API unavailable > 30 minutes (greenlang-s3-5xx-errors-critical in ALARM for 31 min" in section
        assert "s3-replication-lag" not in section  # the lag alarms' plan, not this one's
        assert "Esc to close" in screen_text(app)

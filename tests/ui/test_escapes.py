"""What AWS says (an alarm's name and reason) never puts an escape sequence on the
responder's terminal: anyone allowed ``PutMetricAlarm`` or ``SetAlarmState`` writes that
text, and an OSC 52 in it would write the clipboard of whoever opens the cockpit.

Textual paints text as it is given; the screenshot is what the driver would write.
"""

from __future__ import annotations

import html

import boto3
import pytest

from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.detail import DetailScreen

from .conftest import FAST, apply_env
from .helpers import row, rows, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

OSC52 = "\x1b]52;c;dG91Y2ggL3RtcC9wd25lZAo=\x07"


@pytest.fixture(scope="module")
def estate_with_hostile_alarm(start_estate):
    handle = start_estate()
    env = handle.env
    cw = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    cw.put_metric_alarm(AlarmName=f"greenlang-evil{OSC52}-alarm", MetricName="5xxErrors", Namespace="AWS/S3",
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanThreshold", TreatMissingData="ignore")
    # The estate evaluates alarms every world minute, as CloudWatch does, and an alarm with no
    # datapoints would go to INSUFFICIENT_DATA there and lose this reason; "ignore" keeps the
    # state SetAlarmState gave it, however late the test runs after this module fixture.
    cw.set_alarm_state(AlarmName=f"greenlang-evil{OSC52}-alarm", StateValue="ALARM",
                       StateReason=f"Threshold crossed{OSC52} \x1b[2J\x9b31mhere\u202e")
    return handle


async def test_alarm_name_and_reason_reach_the_panes_without_escapes(estate_with_hostile_alarm, monkeypatch,
                                                                     tmp_path, config):
    apply_env(monkeypatch, estate_with_hostile_alarm.env, tmp_path)
    app = CockpitApp(config=config, live=FAST)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: row(app, "alarms", "greenlang-evil-alarm", "ALARM"), what="the hostile alarm")
        shot = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "52;c;"):
            assert bad not in shot, repr(bad)
        assert row(app, "alarms", "greenlang-evil-alarm")[-1] == "Threshold crossed here"
        # The alarm's detail view shows the whole reason: the same care there.
        await pilot.press("slash", *"evil", "enter")
        await wait_for(pilot, lambda: len(rows(app, "alarms")) == 1, what="only the hostile alarm")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="the alarm detail")
        await pilot.pause()
        detail = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "52;c;"):
            assert bad not in detail, repr(bad)
        assert "greenlang-evil-alarm" in detail

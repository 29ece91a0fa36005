"""An evaluated alarm's StateReason and StateReasonData quote its datapoint times in wall
time, like every other timestamp the CloudWatch edge gives out (estate/wsgi_cloudwatch.py,
alarm_eval.moved_state): at ``--speed 10`` ``aws cloudwatch describe-alarms`` reads as one
account, not a reason from the future under a StateUpdatedTimestamp from the present.

The storage outage is played fast to T+15m (its 5xx alarm fired by evaluation), then run at
10x: the world is a quarter of an hour ahead of the wall clock, and drifts further.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from cockpit.estate.alarm_eval import moved_state
from cockpit.estate.process import read_env_file

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

ALARM = "greenlang-s3-5xx-errors-critical"


@pytest.fixture(scope="module")
def outage(start_estate) -> Any:
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=600)
    deadline = time.monotonic() + 60
    while handle.control("status")["elapsed"] < 15 * 60:
        assert time.monotonic() < deadline, "the scenario clock does not run"
        time.sleep(0.1)
    handle.control("speed", x="10")
    return handle


def aws(handle: Any, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(read_env_file(handle.process.env_file))
    out = subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def epoch(stamp: str | float) -> float:
    """aws-cli prints CloudWatch's times as epoch numbers (CBOR); StateReasonData's are ISO text."""
    if isinstance(stamp, (int, float)):
        return float(stamp)
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def reason_times(reason: str) -> list[float]:
    return [datetime.strptime(t, "%d/%m/%y %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
            for t in re.findall(r"\((\d\d/\d\d/\d\d \d\d:\d\d:\d\d)\)", reason)]


def test_describe_alarms_reason_quotes_its_datapoints_in_wall_time(outage):
    alarm = aws(outage, "cloudwatch", "describe-alarms", "--alarm-names", ALARM)["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM" and alarm["StateReason"].startswith("Threshold Crossed")
    updated = epoch(alarm["StateUpdatedTimestamp"])
    data = json.loads(alarm["StateReasonData"])
    assert abs(epoch(data["queryDate"]) - updated) < 1.0  # the evaluation's moment
    quoted = reason_times(alarm["StateReason"])
    evaluated = [epoch(p["timestamp"]) for p in data["evaluatedDatapoints"]]
    assert quoted and all(t <= updated for t in quoted)  # datapoints before the transition they caused
    assert max(quoted) == pytest.approx(max(evaluated), abs=1.0)
    assert updated - max(quoted) < 15 * 60  # the newest datapoint is minutes old, not from another clock
    assert max(quoted) < time.time()  # and not in the future


def test_alarm_history_quotes_its_datapoints_in_wall_time(outage):
    items = aws(outage, "cloudwatch", "describe-alarm-history", "--alarm-name", ALARM,
                "--history-item-type", "StateUpdate")["AlarmHistoryItems"]
    fired = [i for i in items if json.loads(i["HistoryData"])["newState"]["stateValue"] == "ALARM"]
    assert fired
    item = fired[-1]
    new = json.loads(item["HistoryData"])["newState"]
    at = epoch(item["Timestamp"])
    assert abs(epoch(new["stateReasonData"]["queryDate"]) - at) < 1.0
    assert all(t <= at for t in reason_times(new["stateReason"]))


def test_a_reason_someone_set_is_left_as_written():
    reason = "Testing the page (01/01/24 12:00:00)"
    assert moved_state(reason, {"queryDate": "2024-01-01T12:00:00.000+0000"}, -3600.0) == (
        reason, {"queryDate": "2024-01-01T12:00:00.000+0000"})

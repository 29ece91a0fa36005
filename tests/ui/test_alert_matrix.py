"""Seed 000's Alert Response Matrix at 80x24, on rows that are readings, not alarms.

On the calm estate, the data lake grows past 10 TB and replication falls more than an hour
behind (CloudWatch datapoints put with the test's own boto3, as S3 would publish them). No
alarm fires: the storage screen's ``metrics:`` rows do (data-lake-size warning,
p2-replication-lag critical). Declaring suggests P2 on the p2-replication-lag row (the
runbook's P2 trigger "replication lag > 1 hour", not the 15-minute alarm firing long) and
says what the matrix owes: "Storage > 10 TB", respond within 24 hours, review growth with
weekly-storage-review; the declared incident's response clock is that row's 24 hours, not
P2's default hour. ``b`` offers the row's playbook with its response time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from textual.widgets import OptionList

from cockpit.ui.app import CockpitApp
from cockpit.ui.incident.dialogs import DeclareDialog
from cockpit.ui.incident.form import SeverityList
from cockpit.ui.screens.choose import ChooseScreen

from .conftest import FAST, apply_env
from .helpers import row, wait_for, wait_for_text

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"


@pytest.fixture(scope="module")
def grown(start_estate):
    handle = start_estate()
    env = handle.env
    cw = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=env["AWS_ENDPOINT_URL"],
                      aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    now = datetime.now(timezone.utc)
    size = [{"Name": "BucketName", "Value": LAKE}, {"Name": "StorageType", "Value": "StandardStorage"}]
    lag = [{"Name": "SourceBucket", "Value": LAKE}, {"Name": "DestinationBucket", "Value": REPLICA},
           {"Name": "RuleId", "Value": "replicate-critical-data"}]
    cw.put_metric_data(Namespace="AWS/S3", MetricData=[
        *({"MetricName": "BucketSizeBytes", "Dimensions": size, "Timestamp": now - timedelta(seconds=n),
           "Value": 1.5e13, "Unit": "Bytes"} for n in range(5)),
        # A second into each of the next minutes: the estate publishes the pair's own latency on
        # each minute (a put at the same instant would be replaced), and the row reads the newest
        # minute's Maximum, so each minute holds 75 min from its first second.
        *({"MetricName": "ReplicationLatency", "Dimensions": lag,
           "Timestamp": now.replace(second=1, microsecond=0) + timedelta(minutes=n),
           "Value": 4500.0, "Unit": "Seconds"} for n in range(8))])
    return handle


async def test_metric_rows_hold_the_matrix_and_the_declare_dialog_says_the_response_owed(grown, monkeypatch, tmp_path, config):
    apply_env(monkeypatch, grown.env, tmp_path)
    app = CockpitApp(config=config, live=FAST)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: row(app, "services", "p2-replication-lag", "75 min")
                       and row(app, "services", "data-lake-size", "TB"), timeout=30,
                       what="the lag and size rows over their thresholds")

        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareDialog), what="the declare dialog")
        text = await wait_for_text(pilot, "P2 suggested: 0 alarms firing (0 critical),")
        assert "p2-replication-lag at 75 min (above 60 min)" in text
        assert "Respond within 24 h: Review growth, optimize (Storage > 10 TB)" in text
        assert "replication lag > 1 hour" in text
        assert app.screen.query_one(SeverityList).level == "P2"
        await pilot.press(*"Replication an hour behind", "enter")
        await wait_for(pilot, lambda: app.current_incident is not None and app.current_incident.severity == "P2",
                       what="the incident declared P2")
        # Its response clock is the matrix row's 24 hours, not P2's hour.
        assert app.current_incident.response_target_seconds == 86400
        await wait_for_text(pilot, "respond ≤24 hours")

        await wait_for(pilot, lambda: row(app, "services", "p2-replication-lag", "75 min"), what="the lag row")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the playbook picker")
        await wait_for_text(pilot, "weekly-storage-review")
        options = app.screen.query_one(OptionList)
        prompts = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)}
        ids = list(prompts)
        # The P2 trigger's row offers the P2 response first (the runbook's P2 procedure), then
        # the size row's playbook with the response time the matrix gives it.
        assert ids[:3] == ["p2-replication-failure", "s3-replication-lag", "weekly-storage-review"], ids
        assert "data-lake-size: respond within 24 h: Review growth" in prompts["weekly-storage-review"]

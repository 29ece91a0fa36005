"""Seed 004 on the flight-school-dynamodb-corruption scenario: the 7-step incident procedure
gathers what broke, and the point-in-time restore creates flight-schools-restored.

The scenario is played out at high speed first: items corrupted and deleted, /prod/schools
answering 502, the 5XX and Lambda alarms firing, ERROR lines in the GetSchools log.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.engine.conftest import wait_for
from tests.playbooks_e2e.conftest import aws, run_playbook


@pytest.fixture(scope="module")
def corrupted(start_estate):
    handle = start_estate(scenario="flight-school-dynamodb-corruption", speed=600)
    wait_for(lambda: (s := handle.control("status"))["events_fired"] == s["events_total"], 60, "the scenario")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in handle.env.items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield handle


async def test_incident_procedure_finds_the_broken_api_and_waits_for_a_decision(corrupted, tmp_path):
    run = await run_playbook("flight-school-incident", tmp_path / "t.db", screen="flight-school", yes=True)
    assert run.engine.current is not None and run.engine.current.id == "mitigation"  # a person decides
    assert set(run.outputs("alarms")["names"]) == {"flight-school-api-5xx", "flight-school-lambda-errors"}
    assert run.state("get_schools") == "failed" and "502" in run.error("get_schools")
    # The estate answers DescribeAlarmHistory: the alarms fired by evaluation of the scenario's metrics.
    fired = {name for _, name, summary in run.outputs("alarm_history")["history"] if summary.endswith("to ALARM")}
    assert fired == {"flight-school-api-5xx", "flight-school-lambda-errors"}
    assert run.outputs("lambda_errors")["count"] == 2
    assert run.state("get_schools_function") == "succeeded"
    assert run.outputs("table_status")["status"] == "ACTIVE"


async def test_pitr_restore_creates_flight_schools_restored(corrupted, tmp_path):
    ddb = aws(corrupted, "dynamodb")
    # A minute before the scenario began (it corrupts at T+30s): inside the 35 days AWS keeps,
    # which a fixed date is not for long (the runbook's own 2024-01-01 is refused).
    before = datetime.fromtimestamp(corrupted.control("status")["started_at"] - 60, timezone.utc)
    restore_to = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    run = await run_playbook("dynamodb-pitr-restore", tmp_path / "t.db", {"restore_to": restore_to}, yes=True)
    assert run.status == "succeeded", run.engine.records
    table = ddb.describe_table(TableName="flight-schools-restored")["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert run.outputs("wait_active")["attempts"] >= 2  # the first check saw CREATING
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert run.outputs("sample_restored")["count"] == ddb.scan(TableName="flight-schools-restored")["Count"] > 0
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    assert started["restore_table"]["call"]["params"]["RestoreDateTime"] == restore_to
    assert ddb.describe_table(TableName="flight-schools")["Table"]["TableStatus"] == "ACTIVE"  # source untouched

    again = await run_playbook("dynamodb-pitr-restore", tmp_path / "u.db", yes=True)
    assert again.state("target_free") == "failed" and again.state("restore_table") == "pending"

"""The storage runbook's P2 response (``p2-replication-failure``) on an estate playing
``greenlang-replication-failures``: alex.weber's PutRolePolicy left the replication role
unable to replicate into the replicas, so the objects written since are FAILED and the
pending-operations alarm fired by evaluation.

The guarded runs (read-only, dry run, tabletop) come first, on the failing estate: they see
the failure and its cause and change nothing. Then the P2 run restores the DR plan's policy
and re-replicates the sample object, and the estate is read back: the role's policy, the
object's status and its copy in the replica, what still failed, the alarm, CloudTrail.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from cockpit.estate.aws_seed_ops import REPLICATION_POLICY

from .conftest import aws, run_playbook
from .test_guarded_all import _guarded

SOURCE = "greenlang-prod-eu-west-1-data-lake-confidential"
REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"
ROLE = "greenlang-s3-replication-role"
SAMPLE = "silver/cbam/latest/manifest.json"
OTHER = "silver/cbam/emissions/2026-12-03.parquet"  # also written while the role was refused
ALARM = "greenlang-s3-replication-pending-critical"


@pytest.fixture(scope="module")
def failing(start_estate):
    """The scenario at x60, once its alarm has fired by evaluation (near T+16m, ~16 s)."""
    handle = start_estate(scenario="greenlang-replication-failures", speed=60)
    cw = aws(handle, "cloudwatch", "eu-west-1")
    deadline = time.monotonic() + 60
    while (state := cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]) != "ALARM":
        assert time.monotonic() < deadline, f"{ALARM} never fired by evaluation (still {state})"
        time.sleep(0.2)
    return handle


@pytest.fixture
def on_failing(failing, monkeypatch):
    for key, value in failing.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return failing


def _status(handle, key: str) -> str | None:
    return aws(handle, "s3", "eu-west-1").head_object(Bucket=SOURCE, Key=key).get("ReplicationStatus")


def _statements(document: dict) -> list[dict]:
    """A policy's statements with every Action and Resource as a list (IAM reads "x" as ["x"])."""
    return [{k: [v] if k in ("Action", "Resource") and isinstance(v, str) else v for k, v in s.items()}
            for s in document["Statement"]]


def _role_document(handle) -> dict:
    return aws(handle, "iam").get_role_policy(RoleName=ROLE, PolicyName="s3-replication")["PolicyDocument"]


@pytest.mark.parametrize("mode", ["read-only", "dry run", "tabletop"])
async def test_guarded_runs_on_the_failing_estate_change_nothing(on_failing, tmp_path: Path, mode: str):
    since = time.time()
    run = await _guarded("p2-replication-failure", tmp_path / "t.db", mode)
    counts = on_failing.control("requests", since=f"{since:.6f}")
    assert counts["mutating_requests"] == []
    if mode == "dry run":
        assert counts["total"] == 0, counts["by_operation"]
    else:  # the reads ran and found the failure and its cause
        assert run.states["object_status"].outputs["status"] == "FAILED"
        assert ["PutRolePolicy", "alex.weber"] in run.states["recent_iam_changes"].outputs["role_changes"]
        assert run.states["simulate_replica"].outputs["denied"] == [
            "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
        assert run.states["simulate_source"].outputs["denied"] == []
    for step in ("restore_policy", "rereplicate_object", "failures_stopped", "alarm_ok"):
        assert run.states[step].state == "skipped", (step, run.states[step])
    # The world is as broken as before: nobody fixed anything.
    assert _status(on_failing, SAMPLE) == "FAILED"
    assert "-replicas/" in json.dumps(_role_document(on_failing))


async def test_p2_response_restores_the_role_and_replication_resumes(on_failing, tmp_path: Path):
    run = await run_playbook("p2-replication-failure", tmp_path / "t.db", severity="P2", yes=True,
                             approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records

    # What the responder was shown before the fix: the runbook's figures and the cause.
    assert run.outputs("object_status")["status"] == "FAILED"
    assert run.outputs("failed_operations")["total"] > 0
    assert run.outputs("replication_latency")["highest"] > 900  # past the RPO, not yet the P2 hour
    assert ["PutRolePolicy", "alex.weber"] in run.outputs("recent_iam_changes")["role_changes"]
    assert "arn:aws:s3:::greenlang-prod-eu-central-1-*-replicas/*" in json.dumps(
        run.outputs("role_policy")["replicate_resources"])

    # Read back from the estate: the DR plan's policy is in force again (the seed's, as written)...
    assert _statements(_role_document(on_failing)) == _statements(json.loads(REPLICATION_POLICY))
    # ...the sample object was written again and replicated: the replica holds its bytes...
    assert _status(on_failing, SAMPLE) == "COMPLETED"
    s3_dr = aws(on_failing, "s3", "eu-central-1")
    source_etag = aws(on_failing, "s3", "eu-west-1").head_object(Bucket=SOURCE, Key=SAMPLE)["ETag"]
    copy = s3_dr.head_object(Bucket=REPLICA, Key=SAMPLE)
    assert (copy["ETag"], copy.get("ReplicationStatus"), copy["ContentType"]) == (
        source_etag, "REPLICA", "application/json")
    # ...but what failed and was not written again stays FAILED (S3 does not retry it)...
    assert _status(on_failing, OTHER) == "FAILED"
    # ...while a new write replicates at once.
    aws(on_failing, "s3", "eu-west-1").put_object(Bucket=SOURCE, Key="silver/cbam/after-fix.json", Body=b"{}")
    assert _status(on_failing, "silver/cbam/after-fix.json") == "COMPLETED"

    # The estate reacted to the fix: no more failures, the alarm back to OK by evaluation.
    assert "replication-restored" in on_failing.control("status")["reactions_fired"]
    alarm = aws(on_failing, "cloudwatch", "eu-west-1").describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    assert alarm["StateValue"] == "OK", alarm["StateReason"]
    # CloudTrail has both changes: the engineer's and the responder's.
    trail = aws(on_failing, "cloudtrail", "eu-west-1").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "PutRolePolicy"}])["Events"]
    assert [e["Username"] for e in trail] == ["moto", "alex.weber"]  # newest first: the responder's fix

    url = on_failing.env["COCKPIT_ESTATE_URL"].rstrip("/") + "/webhook/messages"
    text = json.loads(urllib.request.urlopen(url, timeout=5).read())[-1]["payload"]["text"]
    assert "replication" in text and "PutRolePolicy by alex.weber" in text and f"{SAMPLE}: COMPLETED" in text

"""Seed 000's restores end to end: point-in-time restore from versioning, undelete, Glacier.

One estate for the module. A corrupt version is written on top of the seeded good ones
(as the greenlang-silent-corruption scenario does); the playbook must put the good content
back, and the timeline must say how it was decided and who approved it.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

BUCKET = "greenlang-prod-eu-west-1-data-lake-confidential"
KEY = "silver/cbam/emissions/data.parquet"
GOOD = f"{KEY} v3\n"  # the seed's newest good version
pytestmark = pytest.mark.usefixtures("module_estate")  # every run talks to this module's estate
ESTATE_SPEED = 60  # an Expedited restore (3 scenario minutes) takes 3 s
CORRUPT = b"PAR1 truncated: row group 3 of 12 missing; totals NaN"


def _body(s3, key: str = KEY) -> str:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


@pytest.fixture(scope="module")
def s3(module_estate):
    return aws(module_estate, "s3", "eu-west-1")


@pytest.fixture(scope="module")
def corrupted(s3):
    """A restore point between the good versions and a corrupt write (S3 keeps whole seconds)."""
    time.sleep(1.05 - (time.time() % 1))  # the next whole second: later than every seeded version
    restore_to = datetime.now(timezone.utc).replace(microsecond=0)
    time.sleep(1.05 - (time.time() % 1))
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=CORRUPT)
    assert _body(s3) == CORRUPT.decode()
    return restore_to.isoformat().replace("+00:00", "Z")


async def test_point_in_time_restore_copies_the_good_version_back(s3, corrupted, tmp_path):
    run = await run_playbook("s3-point-in-time-restore", tmp_path / "t.db", {"restore_to": corrupted},
                             severity="P2", yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    assert _body(s3) == GOOD
    versions = [v for v in s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"] if v["Key"] == KEY]
    assert len(versions) == 5  # 3 good + corrupt + the restored copy: nothing was deleted
    assert run.outputs("list_prefix_versions")["changed_keys"] == [KEY]  # only the corrupt write is newer
    assert run.outputs("restore_decision") == {"choice": "copy_back"}
    assert run.state("remove_delete_marker") == "skipped"
    assert [e.data["approver"] for e in run.events(["approval"])] == ["Dana Lead"]
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    assert started["copy_version_back"]["call"]["operation"] == "CopyObject"
    assert run.outputs("verify_current")["version_id"] == run.outputs("copy_version_back")["new_version"]


async def test_a_deleted_object_comes_back_only_with_the_typed_key(s3, tmp_path):
    key = "silver/manifest.json"
    before = _body(s3, key)
    s3.delete_object(Bucket=BUCKET, Key=key)  # a delete marker on top
    params = {"key": key, "prefix": "silver/"}

    refused = await run_playbook("s3-point-in-time-restore", tmp_path / "a.db", params, yes=True, approver="Dana",
                                 confirmations={"remove_delete_marker": "silver/manifest.jsn"})
    assert refused.state("remove_delete_marker") == "failed"  # a typo deletes nothing
    assert s3.list_object_versions(Bucket=BUCKET, Prefix=key)["DeleteMarkers"][0]["IsLatest"] is True

    run = await run_playbook("s3-point-in-time-restore", tmp_path / "b.db", params, yes=True, approver="Dana",
                             confirmations={"remove_delete_marker": key})
    assert run.status == "succeeded"
    assert run.outputs("restore_decision") == {"choice": "remove_delete_marker"}
    assert run.state("copy_version_back") == "skipped"
    assert _body(s3, key) == before
    assert not s3.list_object_versions(Bucket=BUCKET, Prefix=key).get("DeleteMarkers")


async def test_glacier_restore_requests_and_waits_for_the_copy(s3, tmp_path):
    key = "archive/2024/compliance_report.pdf"
    assert s3.head_object(Bucket=BUCKET, Key=key).get("Restore") is None
    run = await run_playbook("s3-glacier-restore", tmp_path / "t.db", {"tier": "Expedited"}, yes=True)
    assert run.status == "succeeded", run.engine.records
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["StorageClass"] == "GLACIER" and 'ongoing-request="false"' in head["Restore"]
    assert run.outputs("archived") == {"choice": "restore"}
    assert run.outputs("wait_for_restore")["attempts"] >= 2  # the first check saw ongoing-request="true"
    started = {e.data["step_id"]: e.data for e in run.events(["step_started"])}
    call = started["restore_object"]["call"]
    assert call["params"]["RestoreRequest"] == {"Days": 7, "GlacierJobParameters": {"Tier": "Expedited"}}

    again = await run_playbook("s3-glacier-restore", tmp_path / "u.db", {}, yes=True)
    assert again.outputs("archived") == {"choice": "already_restored"}  # no second request
    assert again.state("restore_object") == "skipped"


async def test_access_denied_diagnosis_reads_only_and_names_the_denied_action(tmp_path):
    run = await run_playbook("s3-access-denied", tmp_path / "t.db", {}, read_only=True, yes=True)
    # Read-only: everything here reads, so all of it ran. The estate simulates the CBAM role's
    # policy: it may read the lake but not write any key, so the expectation fails (recorded,
    # the walk goes on) and names the denied action; the data lake's policy is there to read.
    assert run.state("simulate_iam") == "failed"
    assert run.outputs("simulate_iam")["denied"] == ["s3:PutObject"]
    assert run.outputs("simulate_iam")["explicit_denies"] == []
    assert run.state("bucket_policy") == "succeeded" and "AllowCbamService" in run.outputs("bucket_policy")["policy"]
    assert run.state("object_acl") == "succeeded" and run.outputs("object_acl")["grants"]
    assert run.state("vpc_endpoint_policies") == "succeeded"
    assert "NoSuchPublicAccessBlockConfiguration" in run.error("public_access_block")  # none set, as in AWS
    assert run.state("common_fixes") == "succeeded"  # the walk reached the end despite the failures

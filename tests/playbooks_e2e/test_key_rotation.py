"""Seed 004's credential rotation (``iam-access-key-rotation``) end to end on the estate.

deployment-user starts with one key, 88 days old, last used by CI hours ago. The run lists
it, the person creates the new key straight into CI's secret store with aws-cli (the manual
step's pipe) and CI deploys with it; the run waits until AWS records that use, makes the old
key Inactive (approved), deletes it (approved, typed confirmation). Read back from the estate
afterwards: one Active key, the new one; the old key's calls are refused; the timeline file
holds no secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import find_playbook
from cockpit.engine import Engine, EngineError, NeedsPerson, Policy, Runtime
from cockpit.timeline.aio import AsyncTimeline
from tests.playbooks_e2e.ci_pipeline import USER, Pipeline, RotatingResponder, secrets_in_timeline
from tests.playbooks_e2e.conftest import aws


async def _rotate(db: Path, pipeline: Pipeline, **operator: Any) -> tuple[Engine, RotatingResponder]:
    playbook = find_playbook("iam-access-key-rotation")
    responder = RotatingResponder(pipeline=pipeline, **operator)
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare("rotate deployment-user's key", "P3")
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, {}, None),
                                        operator=responder, policy=Policy(), runtime=runtime)
            try:
                await engine.run_to_end()
            except (EngineError, NeedsPerson):
                pass
            return engine, responder
    finally:
        await runtime.close()


async def test_rotation_leaves_one_new_active_key_and_the_old_one_refused(module_estate, tmp_path: Path):
    iam = aws(module_estate, "iam")
    before = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    assert len(before) == 1
    old = before[0]["AccessKeyId"]
    # The seeded key is as old as the story says, on the client's own clock.
    age = datetime.now(timezone.utc) - before[0]["CreateDate"]
    assert timedelta(days=88) - timedelta(hours=1) < age < timedelta(days=88, hours=1), age

    pipeline = Pipeline(module_estate.env, tmp_path / "ci")
    engine, responder = await _rotate(tmp_path / "t.db", pipeline, yes=True, approver="Dana Lead",
                                      confirmations={"delete_old": USER})
    assert engine.status == "succeeded", {s: engine.state_of(s) for s in engine.records}
    assert responder.done == ["create_key_in_ci", "watch_old_key"]

    # Read back: one key, the one CI holds, Active; the old one is gone.
    after = iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]
    assert [(k["AccessKeyId"], k["Status"]) for k in after] == [(pipeline.key_id, "Active")]
    assert pipeline.key_id != old
    used = iam.get_access_key_last_used(AccessKeyId=pipeline.key_id)["AccessKeyLastUsed"]
    assert used.get("LastUsedDate") and used["ServiceName"] == "s3", used

    # The old key signs nothing any more, as in AWS; the new one deploys.
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=module_estate.env["AWS_ENDPOINT_URL"],
                       aws_access_key_id=old, aws_secret_access_key="whatever-it-was")
    with pytest.raises(ClientError) as refused:
        sts.get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert pipeline.deploy(old).returncode != 0
    assert pipeline.deploy().returncode == 0

    # The secret went from AWS to CI's store and nowhere else: not in the timeline file.
    assert secrets_in_timeline(tmp_path / "t.db", pipeline.secret) == []


async def test_the_old_key_is_not_deleted_before_ci_has_used_the_new_one(module_estate, tmp_path: Path):
    """Seed 004: delete the old key only "after verifying new one works". A new key that
    never reached CI (created, nothing deployed) keeps the run at its wait: it times out and
    nothing after it runs, so the old key CI still deploys with stays Active."""
    iam = aws(module_estate, "iam")
    old = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]]
    assert len(old) == 1

    class Forgetful(Pipeline):
        def deploy(self, key_id: str | None = None) -> Any:  # the secret was stored, CI never ran
            return type("Done", (), {"returncode": 0, "stderr": ""})()

    playbook = find_playbook("iam-access-key-rotation")
    playbook = playbook.model_copy(update={"steps": [
        s.model_copy(update={"timeout": 2.0, "interval": 0.5}) if s.id == "new_key_used" else s
        for s in playbook.steps]})
    pipeline = Forgetful(module_estate.env, tmp_path / "ci")
    runtime = Runtime()
    try:
        async with AsyncTimeline(tmp_path / "t.db", "responder@test") as tl:
            incident = await tl.declare("rotate", "P3")
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, {}, None),
                                        operator=RotatingResponder(pipeline=pipeline, yes=True, approver="Dana Lead",
                                                                   confirmations={"delete_old": USER}),
                                        policy=Policy(), runtime=runtime)
            try:
                await engine.run_to_end()
            except (EngineError, NeedsPerson):
                pass
    finally:
        await runtime.close()
    assert engine.status == "failed"
    assert engine.state_of("new_key_used") == "failed"
    assert engine.state_of("deactivate_old") != "succeeded" and engine.state_of("delete_old") != "succeeded"
    keys = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]}
    assert keys[old[0]] == "Active" and len(keys) == 2


async def test_a_user_with_two_keys_stops_before_anything_is_created(module_estate, tmp_path: Path):
    """AWS refuses a third key (LimitExceeded): with two already, the run stops at its first
    step saying so, before the person is asked to create one, and changes nothing."""
    iam = aws(module_estate, "iam")
    while len(iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]) < 2:
        iam.create_access_key(UserName=USER)  # a forgotten second key
    before = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]}

    pipeline = Pipeline(module_estate.env, tmp_path / "ci")
    engine, responder = await _rotate(tmp_path / "t.db", pipeline, yes=True, approver="Dana Lead",
                                      confirmations={"delete_old": USER})
    assert engine.status == "failed"
    assert engine.state_of("keys_before") == "failed"
    assert responder.done == [] and not pipeline.store.exists()
    after = {k["AccessKeyId"]: k["Status"] for k in iam.list_access_keys(UserName=USER)["AccessKeyMetadata"]}
    assert after == before

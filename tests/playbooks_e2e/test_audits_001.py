"""Seed 001's weekly and monthly audits end to end: each finds what the estate was seeded with,
finds what the test then changes in the estate, and only ever reads.

One estate for the module (the tests change it: a bucket made public, a security group opened).
The audits run read-only, so every step must actually execute (they only read), and the estate
must have served no mutating request; a dry run must make no request at all.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from cockpit.estate import catalogue as cat
from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate", "awscli_on_path")
AUDITS = ["weekly-security-audit"]


@pytest.fixture(scope="module")
def awscli_on_path(module_estate):
    """The audits' loops run aws-cli (the runbook's own tool): the one installed with Cockpit,
    and the estate's late seed (EC2 findings come after the panes' services) finished."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        ec2 = aws(module_estate, "ec2")
        deadline = time.monotonic() + 30
        while not ec2.describe_snapshots(OwnerIds=["self"], Filters=[
                {"Name": "description", "Values": [f"{cat.AUDIT_DETACHED_VOLUME_NAME}*"]}])["Snapshots"]:
            assert time.monotonic() < deadline, "the estate's late seed did not finish"
            time.sleep(0.2)
        yield


def _lines(run, step: str) -> list[str]:
    return [line for line in run.outputs(step)["stdout"].splitlines() if line]


def _executed_and_read_only(run, handle, since: float) -> None:
    """Every step ran (none skipped or refused by the read-only guard) and nothing was written."""
    states = {s.id: run.state(s.id) for s in run.engine.playbook.steps}
    assert set(states.values()) <= {"succeeded", "failed"}, states
    assert handle.control("requests", since=f"{since:.6f}")["mutating_requests"] == []


async def test_security_audit_finds_the_seeded_findings_and_each_new_one(module_estate, tmp_path):
    since = time.time()
    run = await run_playbook("weekly-security-audit", tmp_path / "a.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    # Seeded: SSH open to the world on the old bastion's group, two users without MFA (ops-admin
    # has a device), one key older than 90 days (ops-admin's is three days old, deployment-user's new).
    assert run.state("open_security_groups") == "failed"
    assert [(g["GroupName"], g["ports"]) for g in run.outputs("open_security_groups")["open"]] == [
        (cat.AUDIT_OPEN_SG, [["tcp", 22, 22]])]
    assert _lines(run, "users_without_mfa") == [f"No MFA: {cat.DEPLOYMENT_USER}", f"No MFA: {cat.AUDIT_STALE_USER}"]
    old = _lines(run, "old_access_keys")
    assert len(old) == 1 and old[0].startswith(f"Old key: {cat.AUDIT_STALE_USER} ") and old[0].endswith(" Active")
    assert run.state("public_buckets") == run.state("public_rds") == run.state("trail_logging") == "succeeded"
    assert _lines(run, "public_buckets") == [] and run.outputs("public_rds")["public"] == []
    assert run.outputs("trail_logging")["logging"] is True

    # The world changes: the site bucket is made public, the ALB's group opened on 443, the
    # database made public, deployment-user gets MFA, the trail stops logging.
    s3, ec2, rds, iam = (aws(module_estate, s) for s in ("s3", "ec2", "rds", "iam"))
    s3.put_bucket_acl(Bucket="flight-school-marketplace", ACL="public-read")
    alb_sg = ec2.describe_security_groups(GroupNames=["production-alb-sg"])["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    rds.modify_db_instance(DBInstanceIdentifier=cat.RDS.instance, PubliclyAccessible=True, ApplyImmediately=True)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=cat.DEPLOYMENT_USER)["VirtualMFADevice"]
    iam.enable_mfa_device(UserName=cat.DEPLOYMENT_USER, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="111111", AuthenticationCode2="222222")
    aws(module_estate, "cloudtrail").stop_logging(Name=cat.TRAIL)

    since = time.time()
    run = await run_playbook("weekly-security-audit", tmp_path / "b.db", read_only=True, severity="P4")
    _executed_and_read_only(run, module_estate, since)
    assert _lines(run, "public_buckets") == ["Public bucket: flight-school-marketplace"]
    assert run.outputs("public_rds")["public"] == [cat.RDS.instance]
    assert sorted(g["GroupName"] for g in run.outputs("open_security_groups")["open"]) == [
        cat.AUDIT_OPEN_SG, "production-alb-sg"]
    assert _lines(run, "users_without_mfa") == [f"No MFA: {cat.AUDIT_STALE_USER}"]
    assert run.state("trail_logging") == "failed" and run.outputs("trail_logging")["logging"] is False
    assert run.status == "succeeded"  # every finding is reported; none stops the audit


@pytest.mark.parametrize("playbook_id", AUDITS)
async def test_a_dry_run_of_an_audit_makes_no_request_and_shows_every_call(module_estate, tmp_path, playbook_id):
    since = time.time()
    run = await _dry_run(playbook_id, tmp_path / "t.db")
    assert module_estate.control("requests", since=f"{since:.6f}")["total"] == 0
    assert run.status == "succeeded"
    messages = {e.data["step_id"]: e.message for e in run.events() if e.data.get("step_id")}
    assert all(messages[s.id].endswith("not executed: dry run") for s in run.engine.playbook.steps), messages


async def _dry_run(playbook_id: str, db: Path):
    from cockpit.content.params import resolve_params
    from cockpit.content.playbooks import find_playbook
    from cockpit.engine import Engine, HeadlessOperator, Policy, Runtime
    from cockpit.timeline.aio import AsyncTimeline
    from tests.playbooks_e2e.conftest import Run

    playbook = find_playbook(playbook_id)
    runtime = Runtime()
    try:
        async with AsyncTimeline(db, "responder@test") as tl:
            incident = await tl.declare(f"dry {playbook_id}", "P4")
            engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, {}, None),
                                        operator=HeadlessOperator(), policy=Policy(dry_run=True), runtime=runtime)
            await engine.run_to_end()
            return Run(engine, incident.id, db)
    finally:
        await runtime.close()

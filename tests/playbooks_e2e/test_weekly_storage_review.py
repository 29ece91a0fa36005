"""Seed 000's Monday tasks as a check: `cockpit run weekly-storage-review` on an estate of its own.

Calm, every check is ok (exit 0). Then someone changes the world the way the review exists
to catch, with their own tools (boto3 over HTTP): an inline policy added to a role (the
access audit: a warning) and the replica's copy of the manifest overwritten (replication
integrity: critical). The review names both and exits 2, and its own requests change nothing.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws

REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"
MANIFEST = "silver/cbam/latest/manifest.json"


@pytest.fixture(scope="module")
def handle(start_estate):
    return start_estate()


def _review(handle, tmp_path):
    since = time.time()
    proc = cockpit(["run", "weekly-storage-review", "--json"], cli_env(handle.env, tmp_path), tmp_path / "t.db")
    assert proc.stderr == ""
    assert mutating_requests(handle, since) == []
    assert not (tmp_path / "t.db").exists()
    doc = json.loads(proc.stdout)
    return proc.returncode, {c["step"]: c for c in doc["checks"]}, doc


def test_a_calm_week_passes_the_review(handle, tmp_path):
    code, checks, doc = _review(handle, tmp_path)
    assert code == 0, json.dumps(doc, indent=1)
    assert set(c["level"] for c in checks.values()) == {"ok"}
    assert "per_day=[[" in checks["s3_cost_last_week"]["finding"]  # Cost Explorer answered, a row a day


def test_the_review_names_an_iam_change_and_a_replica_that_differs(handle, tmp_path):
    iam = aws(handle, "iam")
    iam.put_role_policy(RoleName="greenlang-cbam-role", PolicyName="weekend-fix", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    aws(handle, "s3", "eu-central-1").put_object(Bucket=REPLICA, Key=MANIFEST, Body=b'{"edited": "by hand"}')
    code, checks, doc = _review(handle, tmp_path)
    assert code == 2, json.dumps(doc, indent=1)
    assert checks["iam_policy_changes"]["level"] == "warning"
    assert checks["iam_policy_changes"]["finding"] == "1 IAM policy change(s): PutRolePolicy"
    assert checks["replica_integrity"]["level"] == "critical"
    assert "differs from the primary's" in checks["replica_integrity"]["finding"]
    assert checks["source_object"]["level"] == "ok" and checks["replication_rules"]["level"] == "ok"
    assert doc["counts"]["critical"] == 1 and doc["counts"]["warning"] == 1

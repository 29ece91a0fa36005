"""Seed 000's monthly compliance review ("Verify retention policies") as a check run.

`cockpit run storage-retention-compliance --json` is a real process against the emulated
estate. Calm, every bucket of the runbook's backup strategy keeps versioning on (primary and
replica), nothing expires current objects before the retention the runbook sets (data lake 7
years, reports 10, models 2), and the audit logs bucket has Object Lock: exit 0. Then the
world drifts the way a compliance review exists to catch, with the test's own boto3: a rule
that expires reports after a year, versioning suspended on the models' replica. The findings
name each, as read back from the estate, and the run exits 2 (critical). The check's own
requests change nothing, and a check run writes no timeline.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests
from tests.playbooks_e2e.conftest import aws

REPORTS = "greenlang-prod-eu-west-1-reports-confidential"
MODELS_REPLICA = "greenlang-prod-eu-central-1-models-internal-replica"


def _check(handle, tmp_path):
    since = time.time()
    proc = cockpit(["run", "storage-retention-compliance", "--json"], cli_env(handle.env, tmp_path), tmp_path / "t.db")
    assert proc.stderr == ""
    assert mutating_requests(handle, since) == []
    assert not (tmp_path / "t.db").exists()
    doc = json.loads(proc.stdout)
    return proc.returncode, {c["step"]: c for c in doc["checks"]}


@pytest.fixture()
def handle(start_estate):
    return start_estate()


def test_retention_compliance_calm_then_early_expiry_and_suspended_versioning(handle, tmp_path):
    code, checks = _check(handle, tmp_path)
    assert code == 0, json.dumps(checks, indent=1)
    assert {c["level"] for c in checks.values()} == {"ok", "skipped"}
    assert checks["compliance_sign_off"]["level"] == "skipped"
    assert len([s for s in checks if s.endswith("_versioning")]) == 7  # three pairs and the audit logs
    assert checks["audit_object_lock"]["level"] == "ok"

    # Drift: reports now expire after 365 days (the runbook keeps them 10 years), and the
    # models' replica stopped versioning.
    s3 = aws(handle, "s3", "eu-west-1")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=REPORTS)["Rules"]
    rules.append({"ID": "expire-after-a-year", "Status": "Enabled", "Filter": {"Prefix": ""},
                  "Expiration": {"Days": 365}})
    s3.put_bucket_lifecycle_configuration(Bucket=REPORTS, LifecycleConfiguration={"Rules": rules})
    aws(handle, "s3", "eu-central-1").put_bucket_versioning(Bucket=MODELS_REPLICA,
                                                            VersioningConfiguration={"Status": "Suspended"})
    # The estate holds the drift as S3 answers it.
    assert any(r.get("Expiration", {}).get("Days") == 365
               for r in s3.get_bucket_lifecycle_configuration(Bucket=REPORTS)["Rules"])
    assert aws(handle, "s3", "eu-central-1").get_bucket_versioning(Bucket=MODELS_REPLICA)["Status"] == "Suspended"

    code, checks = _check(handle, tmp_path)
    assert code == 2, json.dumps(checks, indent=1)
    bad = {step for step, c in checks.items() if c["level"] not in ("ok", "skipped")}
    assert bad == {"reports_expiration", "models_replica_versioning"}, json.dumps(checks, indent=1)
    assert checks["reports_expiration"]["level"] == "critical"
    assert checks["reports_expiration"]["finding"] == (
        f"{REPORTS} expires objects before the 10 years retention (3650 days): expire-after-a-year after 365 days")
    assert f"versioning is Suspended on {MODELS_REPLICA}" in checks["models_replica_versioning"]["finding"]

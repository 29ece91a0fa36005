"""Seed 000's daily check as cron runs it, on an estate playing the eu-west-1 storage outage.

`cockpit run morning-storage-check` (no incident) is a real process; the estate is its own,
played to T+3m (S3 in eu-west-1 has answered 503 for two and a half minutes and the 5xx
errors are in CloudWatch) and still running at x60. The check must exit 2 and name what is
critical, and change nothing. (The calm estate's run, the warning and the unknown are in
tests/engine/test_run_checks.py.)
"""

from __future__ import annotations

import json
import time

import pytest

from tests.engine.conftest import cli_env, cockpit, mutating_requests, wait_for


@pytest.fixture(scope="module")
def outage(start_estate):
    handle = start_estate(scenario="eu-west-1-storage-outage", speed=60)
    wait_for(lambda: handle.control("status")["elapsed"] >= 3 * 60, 60, "T+3m of the outage")
    return handle


def test_the_storage_outage_fails_the_morning_check_critical_naming_the_checks(outage, tmp_path):
    db = tmp_path / "t.db"
    since = time.time()
    proc = cockpit(["run", "morning-storage-check"], cli_env(outage.env, tmp_path), db)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("morning-storage-check: CRITICAL (")
    critical = [line for line in lines if line.startswith("  CRITICAL")]
    # Critical first, each with what was found.
    assert lines[1:1 + len(critical)] == critical
    lake = next(line for line in critical if "The data lake answers (list one object)" in line)
    assert "ListObjectsV2 failed: " in lake and "(HTTP 503)" in lake
    rate = next(line for line in critical if "5xx errors under 0.1% of requests" in line)
    assert " 5xx errors in 15 min, over 0.1% of " in rate
    # The S3 data plane is down, so the listings behind two warnings cannot be read: unknown.
    unknown = [line for line in lines if line.startswith("  UNKNOWN")]
    assert any("No incomplete multipart upload older than 7 days" in line for line in unknown)
    # What S3's control plane and CloudWatch still answer is read as usual.
    assert "  ok       Production buckets are listed" in lines
    assert "  ok       Lifecycle rules are enabled" in lines
    assert not db.exists()
    assert mutating_requests(outage, since) == []


def test_the_json_document_gives_each_check_its_level(outage, tmp_path):
    proc = cockpit(["run", "morning-storage-check", "--json"], cli_env(outage.env, tmp_path), tmp_path / "t.db")
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    levels = {c["step"]: c["level"] for c in doc["checks"]}
    assert doc["level"] == "critical" and doc["exit_code"] == 2
    assert levels["data_lake_answers"] == "critical" and levels["server_error_rate"] == "critical"
    assert levels["buckets_listed"] == "ok" and levels["stale_multipart_uploads"] == "unknown"
    assert doc["counts"]["critical"] == sum(1 for v in levels.values() if v == "critical")

"""The runbooks' thresholds the screens now watch (issue 12): `cockpit status` on the estate.

Seed 000's key metrics and P2 triggers, seed 003's bronze-zone pair (RPO 1 h), seed 002's
SLOs measured with the error budget left, seed 004's Lambda / API / DynamoDB / cost
thresholds, seed 001's autoscaling target and maintenance window: each a row of the shipped
screens, read from the emulated estate by a real `cockpit status` process; a scenario that
pushes the metrics over the runbooks' lines turns them warning / critical.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.sources.snapshot import Level
from tests.engine.conftest import cli_env

LAKE = "greenlang-prod-eu-west-1-data-lake-confidential"
LAKE_REPLICA = "greenlang-prod-eu-central-1-data-lake-confidential-replica"


def status(env: dict[str, str], screen: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "cockpit", "status", "--screen", screen, "--json", "--timeout", "30"],
                          env=env, capture_output=True, text=True, timeout=90)
    assert proc.stdout, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def by_name(doc: dict, source: str) -> dict[str, dict]:
    return {item.get("name", item.get("id")): item for item in doc["sources"][source]["items"]}


def test_the_shipped_screens_watch_the_runbooks_thresholds_on_the_calm_estate(estate, tmp_path: Path):
    env = cli_env(estate.env, tmp_path)

    code, doc = status(env, "greenlang-storage")
    metrics = by_name(doc, "metrics")
    assert set(metrics) == {"data-lake-size", "data-lake-objects", "first-byte-latency", "total-request-latency",
                            "p2-replication-lag", "p2-upload-failures"}
    assert all(m["level"] == "ok" for m in metrics.values()), metrics
    assert metrics["first-byte-latency"]["status"].endswith(" ms") and metrics["data-lake-size"]["status"].endswith(" TB")
    assert "> 200ms" in metrics["first-byte-latency"]["detail"]["note"]
    bronze = by_name(doc, "replication")["bronze-zone"]
    assert bronze["rule_id"] == "replicate-bronze-zone" and bronze["rpo_seconds"] == 3600
    assert bronze["latency_seconds"] is not None and bronze["level"] == "ok"
    assert code == 0, doc["level"]
    assert doc["sources"]["metrics"]["calls"] == 3  # one GetMetricData per window: 2 days, 15 min, 5 min

    code, doc = status(env, "greenlang-platform")
    slo = by_name(doc, "metrics")
    assert set(slo) == {"slo-availability", "slo-latency-p95", "slo-error-rate"}
    availability = slo["slo-availability"]
    assert availability["level"] == "ok" and availability["detail"]["value"] >= 99.9
    assert 0 < availability["detail"]["budget_left"] <= 1 and "left" in availability["status"]
    assert slo["slo-latency-p95"]["detail"]["value"] < 500

    code, doc = status(env, "flight-school")
    fs = by_name(doc, "metrics")
    assert set(fs) == {"lambda-duration", "lambda-throttles", "lambda-concurrency", "api-4xx",
                       "dynamodb-system-errors", "dynamodb-user-errors", "dynamodb-latency", "monthly-cost"}
    assert all(m["level"] == "ok" for m in fs.values()), fs
    cost = fs["monthly-cost"]
    assert cost["status"].startswith("$") and 0 < cost["detail"]["budget_left"] < 1
    assert code == 0

    hour = datetime.now(timezone.utc).hour
    code, doc = status(env, "aws-infrastructure")
    assert by_name(doc, "metrics")["web-service-cpu-vs-target"]["level"] == "ok"
    window = by_name(doc, "windows")["maintenance"]
    assert window["detail"]["window"] == "02:00-05:00 UTC"
    assert window["detail"]["open"] == (2 <= hour < 5) and window["status"].startswith(
        "open" if 2 <= hour < 5 else "closed")


BREACH = f"""
id: watched-thresholds-breached
title: every watched threshold over the runbooks' line
screen: greenlang-storage
description: test scenario
runbooks: ["000"]
severity: P2
events:
  - at: 0s
    metric: {{region: eu-west-1, namespace: AWS/S3, name: FirstByteLatency, dimensions: {{BucketName: {LAKE}}},
              value: 450}}
  - at: 0s
    metric: {{region: eu-west-1, namespace: AWS/S3, name: 5xxErrors, dimensions: {{BucketName: {LAKE}}}, value: 400}}
  - at: 0s
    metric: {{region: eu-west-1, namespace: AWS/S3, name: ReplicationLatency,
              dimensions: {{SourceBucket: {LAKE}, DestinationBucket: {LAKE_REPLICA}, RuleId: replicate-bronze-zone}},
              value: 4000}}
  - at: 0s
    metric: {{region: eu-west-1, namespace: GreenLang/API, name: 5XXCount, dimensions: {{Service: api-gateway}},
              value: 100000}}
  - at: 0s
    metric: {{region: eu-west-1, namespace: GreenLang/API, name: RequestCount, dimensions: {{Service: api-gateway}},
              value: 100000}}
  - at: 0s
    metric: {{region: us-east-1, namespace: AWS/Lambda, name: Duration, value: 31000}}
  - at: 0s
    metric: {{region: us-east-1, namespace: AWS/Lambda, name: ConcurrentExecutions, value: 950}}
"""


def test_a_scenario_over_the_runbooks_lines_turns_the_checks_red(start_estate, tmp_path: Path):
    scenario = tmp_path / "breach.yaml"
    scenario.write_text(BREACH, encoding="utf-8")
    handle = start_estate(scenario=str(scenario))
    env = cli_env(handle.env, tmp_path)
    deadline = time.monotonic() + 120  # a level is published from the next period (a minute) on
    while True:
        code, doc = status(env, "greenlang-storage")
        metrics = by_name(doc, "metrics")
        if metrics["first-byte-latency"]["level"] != "ok" or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert metrics["first-byte-latency"]["level"] == "warning", metrics["first-byte-latency"]
    assert metrics["first-byte-latency"]["problem"] == "above 200 ms"
    assert metrics["p2-upload-failures"]["level"] == "critical" and metrics["p2-upload-failures"]["problem"] == "above 5 %"
    assert metrics["total-request-latency"]["level"] == "ok"  # only what the scenario moved
    bronze = by_name(doc, "replication")["bronze-zone"]
    assert bronze["level"] == "critical" and "past RPO 3600s" in bronze["problem"]
    assert code == 2

    code, doc = status(env, "greenlang-platform")
    slo = by_name(doc, "metrics")
    assert slo["slo-availability"]["level"] == "critical" and slo["slo-availability"]["detail"]["budget_left"] == 0
    assert slo["slo-availability"]["problem"] == "below 99.9 %"
    assert slo["slo-error-rate"]["level"] == "warning" and code == 2

    code, doc = status(env, "flight-school")
    fs = by_name(doc, "metrics")
    assert fs["lambda-duration"]["level"] == "warning" and fs["lambda-duration"]["status"] == "31 s"
    assert fs["lambda-concurrency"]["level"] == "warning" and fs["lambda-concurrency"]["problem"] == "above 800"
    assert fs["lambda-throttles"]["level"] == "ok" and code == 1


@pytest.mark.parametrize("start,end,now,status,level", [
    ("02:00", "05:00", "03:00", "open · closes in 2h00m", Level.OK),
    ("02:00", "05:00", "04:59", "open · closes in 1m", Level.OK),
    ("02:00", "05:00", "05:00", "closed · opens in 21h00m", Level.OK),
    ("02:00", "05:00", "01:30", "closed · opens in 30m", Level.OK),
    ("22:00", "02:00", "01:00", "open · closes in 1h00m", Level.OK),  # over midnight
])
def test_the_maintenance_window_says_whether_a_change_is_in_it(start, end, now, status, level):
    from cockpit.content.screen import MaintenanceWindow
    from cockpit.sources.windows import window_item

    hours, minutes = map(int, now.split(":"))
    item = window_item(MaintenanceWindow(name="maintenance", start=start, end=end),
                       datetime(2026, 12, 4, hours, minutes, tzinfo=timezone.utc))
    assert (item.status, item.level) == (status, level)


def test_a_window_can_warn_outside_it():
    from cockpit.content.screen import MaintenanceWindow
    from cockpit.sources.windows import window_item

    item = window_item(MaintenanceWindow(name="maintenance", start="02:00", end="05:00", outside="warning"),
                       datetime(2026, 12, 4, 14, 0, tzinfo=timezone.utc))
    assert item.level == Level.WARNING and item.problem == "outside the 02:00-05:00 UTC window"


def test_a_metric_check_without_a_threshold_is_one_line_with_file_and_line(tmp_path: Path):
    from cockpit.content.screen import load_screen

    path = tmp_path / "s.yaml"
    path.write_text("name: s\ntitle: s\nregions: [us-east-1]\nmetrics:\n  - name: m\n    namespace: AWS/S3\n"
                    "    metric: BucketSizeBytes\n    stat: Avg\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_screen(path)
    text = str(info.value)
    assert f"{path}:8" in text and "not a CloudWatch statistic 'Avg'" in text
    path.write_text("name: s\ntitle: s\nregions: [us-east-1]\nmetrics:\n  - name: m\n    namespace: AWS/S3\n"
                    "    metric: BucketSizeBytes\n", encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_screen(path)
    assert f"{path}:5" in str(info.value) and "needs a threshold" in str(info.value)


def _cockpit(env: dict[str, str], db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", "--db", str(db), *args], env=env, capture_output=True,
                          text=True, timeout=90)


def test_mttr_is_measured_on_the_incidents_the_timeline_resolved(estate, tmp_path: Path):
    env = cli_env(estate.env, tmp_path)
    db = tmp_path / "timeline.db"

    def mttr() -> tuple[int, dict]:
        proc = _cockpit(env, db, "status", "--screen", "greenlang-platform", "--json", "--timeout", "30")
        return proc.returncode, json.loads(proc.stdout)["sources"]["mttr"]["items"][0]

    code, row = mttr()
    assert (row["status"], row["level"]) == ("none resolved", "ok") and not db.exists()  # read-only: nothing created

    six_hours_ago = (datetime.now(timezone.utc) - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%MZ")
    declared = _cockpit(env, db, "incident", "declare", "--title", "api-gateway 5xx", "--severity", "P2",
                        "--detected-at", six_hours_ago)
    assert declared.returncode == 0, declared.stderr
    incident = declared.stdout.strip()
    assert _cockpit(env, db, "incident", "resolve", incident).returncode == 0
    code, row = mttr()
    assert row["level"] == "warning" and row["problem"] == "above 4h00m", row
    assert row["status"].startswith("6h") and row["status"].endswith("over 1 incident") and code == 1

    hour_ago = (datetime.now(timezone.utc) - timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%MZ")
    second = _cockpit(env, db, "incident", "declare", "--title", "node NotReady", "--severity", "P3",
                     "--detected-at", hour_ago)
    assert _cockpit(env, db, "incident", "resolve", second.stdout.strip()).returncode == 0
    drill = _cockpit(env, db, "incident", "declare", "--title", "DR drill", "--severity", "P1", "--mode", "drill",
                     "--detected-at", six_hours_ago)
    assert _cockpit(env, db, "incident", "resolve", drill.stdout.strip()).returncode == 0
    code, row = mttr()  # (6 h + 1 h) / 2 = 3 h 30: within the 4 h target; the drill is no recovery of the service
    assert row["level"] == "ok" and row["status"].startswith("3h3") and row["detail"]["incidents"] == 2, row

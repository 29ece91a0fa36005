"""API economy: requests per refresh, counted at the estate, for a big screen.

A screen with 2,000 alarms and 100 replication pairs over 2 regions is refreshed a few
times; the estate counts what it serves. Targets (issue 3): at most one GetMetricData per
region per refresh, and one DescribeAlarms page per 100 alarms — calls grow with regions,
not with metrics or alarms. Printed beside the naive count (one GetMetricStatistics per
metric per pair, one DescribeAlarms per state per region, as the runbooks' commands do).

Run: python bench/bench_api_economy.py [--alarms 2000] [--pairs 100] [--refreshes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from cockpit.content.screen import Screen
from cockpit.estate.aws import AwsEstate
from cockpit.estate.requestlog import RequestLog
from cockpit.sources.board import build_sources, refresh_all
from cockpit.sources.connections import Connections

REGIONS = ("eu-west-1", "us-east-1")


def settle(aws: AwsEstate, minutes: float = 20) -> None:
    """Move the estate's world past the screen's recent-OK window (15 minutes): the account as
    it is once its alarms were set up a while ago, nothing having changed recently. Without
    it every alarm would count as just returned to OK (moto stamps an alarm's creation as
    its last state change)."""
    aws.clock.jump_to(aws.clock.now() + minutes * 60)


def seed(aws: AwsEstate, alarms: int, pairs: int) -> None:
    """Add ``alarms`` alarms and ``pairs`` pairs' metrics, split over the two regions.

    An account as big accounts are: almost every alarm OK (its metric quiet; no data is
    good), one in a hundred firing (and kept so: missing data is ignored)."""
    for i in range(alarms):
        region = REGIONS[i % 2]
        firing = i % 100 == 0
        aws.client("cloudwatch", region).put_metric_alarm(
            AlarmName=f"bench-alarm-{i:04d}", Namespace="Bench", MetricName=f"m{i}", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="ignore" if firing else "notBreaching")
        if firing:
            aws.set_alarm_state(f"bench-alarm-{i:04d}", "ALARM", "bench", region=region)
    settle(aws)
    for p in range(pairs):
        region = REGIONS[p % 2]
        dims = {"SourceBucket": f"bench-src-{p}", "DestinationBucket": f"bench-dst-{p}", "RuleId": "rule"}
        for name in ("ReplicationLatency", "OperationsPendingReplication", "OperationsFailedReplication",
                     "BytesPendingReplication"):
            aws.put_metric(region, "AWS/S3", name, dims, float(p))


def screen(pairs: int) -> Screen:
    return Screen.model_validate({
        "name": "bench-economy", "title": "API economy benchmark", "regions": list(REGIONS),
        "alarms": {"states": ["ALARM", "INSUFFICIENT_DATA"]},
        "replication": [{"id": f"pair-{p}", "source_bucket": f"bench-src-{p}", "destination_bucket": f"bench-dst-{p}",
                         "source_region": REGIONS[p % 2], "rule_id": "rule", "rpo_seconds": 900}
                        for p in range(pairs)],
    })


async def refreshes(scr: Screen, n: int, log: RequestLog) -> list[Counter]:
    per_refresh = []
    async with Connections() as conn:
        sources = build_sources(scr, conn)
        for _ in range(n):
            since = time.time()
            await refresh_all(sources)
            per_refresh.append(Counter((r.operation, r.region) for r in log.records(since=since)))
    return per_refresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--refreshes", type=int, default=3)
    args = parser.parse_args()
    log = RequestLog()
    with tempfile.TemporaryDirectory(), AwsEstate(log) as aws:
        os.environ.update(aws.environment())
        began = time.perf_counter()
        seed(aws, args.alarms, args.pairs)
        print(f"seeded {args.alarms} alarms and {args.pairs} pairs in {time.perf_counter() - began:.1f} s")
        counts = asyncio.run(refreshes(screen(args.pairs), args.refreshes, log))
    alarms_per_region = math.ceil(args.alarms / len(REGIONS))
    for i, c in enumerate(counts, 1):
        gmd = {r: c[("GetMetricData", r)] for r in REGIONS}
        da = {r: c[("DescribeAlarms", r)] for r in REGIONS}
        dah = {r: c[("DescribeAlarmHistory", r)] for r in REGIONS}
        print(f"refresh {i}: {sum(c.values())} requests · GetMetricData per region {gmd} · "
              f"DescribeAlarms pages per region {da} · DescribeAlarmHistory {dah}")
    last = counts[-1]
    gmd_ok = all(last[("GetMetricData", r)] <= 1 for r in REGIONS)
    # Every region also holds the estate's seeded alarms: allow their pages too.
    da_ok = all(last[("DescribeAlarms", r)] <= math.ceil((alarms_per_region + 12) / 100) for r in REGIONS)
    naive = args.pairs * 4 + len(REGIONS) * 2 * math.ceil(alarms_per_region / 50)
    print(f"naive (runbook-style) requests per refresh: ~{naive}")
    print(f"at most one GetMetricData per region per refresh: {'yes' if gmd_ok else 'NO'}")
    print(f"one DescribeAlarms page per 100 alarms:           {'yes' if da_ok else 'NO'}")


if __name__ == "__main__":
    main()

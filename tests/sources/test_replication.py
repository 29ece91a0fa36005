"""The replication pane: lag against the RPO, from one batched GetMetricData per region."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cockpit.content.screen import find_screen
from cockpit.sources.replication import ReplicationSource
from cockpit.sources.snapshot import Level

from .conftest import screen


def publish(cw, pair, metric: str, values: list[float], ago: timedelta = timedelta()) -> None:
    """Publish ``values`` one minute apart, the last one ``ago`` before now (as S3 would)."""
    now = datetime.now(timezone.utc) - ago
    dims = [{"Name": "SourceBucket", "Value": pair.source_bucket},
            {"Name": "DestinationBucket", "Value": pair.destination_bucket},
            {"Name": "RuleId", "Value": pair.rule_id}]
    cw.put_metric_data(Namespace="AWS/S3", MetricData=[
        {"MetricName": metric, "Dimensions": dims, "Timestamp": now - timedelta(minutes=len(values) - 1 - i),
         "Value": v} for i, v in enumerate(values)])


def critical_pairs_screen():
    """The shipped storage screen with seed 003's three replicate-critical-data pairs (its
    bronze-zone pair, RPO 1 h, is covered on the estate in test_watched.py)."""
    storage = find_screen("greenlang-storage")
    return storage.model_copy(update={"replication": [p for p in storage.replication if p.rule_id == "replicate-critical-data"]})


async def test_lag_is_measured_against_each_pairs_rpo(aws, conn):
    storage = critical_pairs_screen()
    data_lake, reports, models = storage.replication
    cw = aws.client("cloudwatch", "eu-west-1")
    publish(cw, data_lake, "ReplicationLatency", [300, 700, 1250])  # past the 900 s RPO
    publish(cw, data_lake, "OperationsPendingReplication", [400, 2500])
    publish(cw, reports, "ReplicationLatency", [480, 500])  # over half of 900 s
    publish(cw, models, "ReplicationLatency", [120])  # 1 h RPO: fine
    publish(cw, models, "OperationsFailedReplication", [0])
    aws.front.reset()

    snap = await ReplicationSource(storage, conn).refresh()

    assert snap.error is None
    items = {i.id: i for i in snap.items}
    assert [i.id for i in snap.items] == ["data-lake", "reports", "models"]
    lake = items["data-lake"]
    assert lake.latency_seconds == 1250 and lake.level == Level.CRITICAL
    assert "past RPO 900s" in lake.problem and "2500 operations pending" in lake.problem
    assert lake.history == (300, 700, 1250)
    assert round(lake.rpo_used, 2) == 1.39
    assert (items["reports"].level, items["reports"].rpo_used) == (Level.WARNING, 500 / 900)
    assert items["models"].level == Level.OK and items["models"].failed_operations == 0
    assert aws.count("GetMetricData") == 1  # three pairs, four metrics each: one call


async def test_one_call_per_region_and_chunks_of_500_queries(aws, conn):
    def pair(i: int, region: str) -> dict:
        return {"id": f"p{i}", "source_bucket": f"src-{i}", "destination_bucket": f"dst-{i}",
                "source_region": region, "rule_id": "rule", "rpo_seconds": 900}

    pairs = [pair(i, "eu-west-1") for i in range(130)] + [pair(i, "eu-central-1") for i in range(130, 135)]
    s = screen(replication=pairs)
    publish(aws.client("cloudwatch", "eu-west-1"), s.replication[129], "ReplicationLatency", [42])
    aws.front.reset()

    snap = await ReplicationSource(s, conn).refresh()

    assert snap.error is None and len(snap.items) == 135
    assert snap.items[129].latency_seconds == 42  # its query was in the second chunk
    assert snap.items[0].latency_seconds is None and snap.items[0].level == Level.OK  # no data: nothing to replicate
    # 130 pairs x 4 metrics = 520 queries -> 2 calls; 5 pairs in the other region -> 1 call.
    assert aws.count("GetMetricData", "eu-west-1") == 2
    assert aws.count("GetMetricData", "eu-central-1") == 1


async def test_an_old_datapoint_is_unknown_with_its_age_not_a_current_lag(aws, conn):
    """S3 stopped publishing 12 minutes ago (its region is down): the last lag is not today's."""
    storage = critical_pairs_screen()
    data_lake, reports, _ = storage.replication
    cw = aws.client("cloudwatch", "eu-west-1")
    publish(cw, data_lake, "ReplicationLatency", [1200, 1500], ago=timedelta(minutes=12))
    publish(cw, data_lake, "OperationsPendingReplication", [2600], ago=timedelta(minutes=12))
    publish(cw, reports, "ReplicationLatency", [480, 500])

    source = ReplicationSource(storage, conn)
    snap = await source.refresh()

    items = {i.id: i for i in snap.items}
    lake, fresh = items["data-lake"], items["reports"]
    assert lake.latency_seconds == 1500 and lake.stale and lake.level == Level.UNKNOWN
    assert 10 * 60 <= lake.latency_age() <= 13 * 60
    assert lake.problem.startswith("no datapoint for 1") and "last: lag 1500s past RPO 900s" in lake.problem
    assert not fresh.stale and fresh.level == Level.WARNING and fresh.latency_age() <= 61

    # The window moves past the last datapoint: the pair keeps it, still unknown and ageing,
    # rather than turning into "no data" (which means "nothing to replicate": ok).
    source.history_minutes = 5
    lake = (await source.refresh()).items[0]
    assert lake.latency_seconds == 1500 and lake.level == Level.UNKNOWN and lake.history == (1200, 1500)
    assert ReplicationSource(storage, conn, history_minutes=5).snapshot.items == ()
    assert (await ReplicationSource(storage, conn, history_minutes=5).refresh()).items[0].level == Level.OK

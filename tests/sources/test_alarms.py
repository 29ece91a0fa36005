"""The alarms pane: every alarm a screen cares about, paginated, with the runbooks' severity."""

from __future__ import annotations

from cockpit.content.screen import find_screen
from cockpit.sources.alarms import AlarmsSource
from cockpit.sources.snapshot import Level

from .conftest import screen


def _alarm(cw, name: str, state: str | None = None, reason: str = "test") -> None:
    cw.put_metric_alarm(AlarmName=name, MetricName="5xxErrors", Namespace="AWS/S3", Statistic="Sum", Period=300,
                        EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold")
    if state:
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


async def test_more_than_100_alarms_are_read_page_by_page_in_every_region(aws, conn):
    west, central = aws.client("cloudwatch", "eu-west-1"), aws.client("cloudwatch", "eu-central-1")
    for i in range(130):
        _alarm(west, f"greenlang-bulk-{i:03d}", "ALARM" if i % 2 else None)
    for i in range(120):
        _alarm(central, f"greenlang-dr-{i:03d}", "INSUFFICIENT_DATA" if i == 119 else None)
    _alarm(west, "other-team-alarm", "ALARM")  # not this screen's
    aws.front.reset()

    s = screen(regions=["eu-west-1", "eu-central-1"], alarms={"prefixes": ["greenlang-"], "recent_ok_minutes": 0})
    snap = await AlarmsSource(s, conn).refresh()

    assert snap.error is None
    names = {a.name for a in snap.items}
    assert len([n for n in names if n.startswith("greenlang-bulk-")]) == 65  # the odd ones, in ALARM
    assert "greenlang-bulk-129" in names  # on the second page
    assert "greenlang-dr-119" in names and "other-team-alarm" not in names
    # One listing per region, one page per 100 alarms: 2 + 2 requests, no per-state calls.
    assert aws.count("DescribeAlarms", "eu-west-1") == 2
    assert aws.count("DescribeAlarms", "eu-central-1") == 2
    assert snap.calls == 4


async def test_severity_follows_the_runbook_response_matrix(aws, conn):
    cw = aws.client("cloudwatch", "eu-west-1")
    _alarm(cw, "greenlang-s3-5xx-errors-critical", "ALARM", "Threshold Crossed: 42 > 10")
    _alarm(cw, "greenlang-s3-4xx-errors-warning", "ALARM")
    _alarm(cw, "greenlang-s3-replication-pending-critical", "INSUFFICIENT_DATA")
    _alarm(cw, "S3-Replication-Lag-Critical", "ALARM")
    _alarm(cw, "greenlang-s3-replication-lag-warning")  # just created: OK, recently
    storage = find_screen("greenlang-storage")

    snap = await AlarmsSource(storage, conn).refresh()

    by_name = {a.name: a for a in snap.items}
    five = by_name["greenlang-s3-5xx-errors-critical"]
    assert (five.severity, five.level, five.reason) == ("critical", Level.CRITICAL, "Threshold Crossed: 42 > 10")
    assert by_name["greenlang-s3-4xx-errors-warning"].level == Level.WARNING
    assert by_name["S3-Replication-Lag-Critical"].level == Level.CRITICAL
    pending = by_name["greenlang-s3-replication-pending-critical"]
    assert (pending.severity, pending.level) == ("critical", Level.WARNING)  # no data is not (yet) on fire
    recovered = by_name["greenlang-s3-replication-lag-warning"]
    assert (recovered.state, recovered.level) == ("OK", Level.OK)
    assert snap.items[0].level == Level.CRITICAL and snap.items[-1].state == "OK"  # worst first
    assert five.age() is not None and five.age() < 60
    assert snap.level == Level.CRITICAL

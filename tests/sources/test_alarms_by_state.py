"""A big account's alarms are asked for by state, not listed whole, and nothing shown is lost.

On the emulated estate (it keeps alarm history and applies ``StateValue`` with a prefix, as
AWS does), with plain moto (no alarm history: the source reads the listing instead), and
with a fault proxy in front of the estate that fails the history alone.
"""

from __future__ import annotations

import time

import boto3
import pytest

from cockpit.sources.alarms import LISTING_PAGES, AlarmsSource
from cockpit.sources.connections import Connections
from tests.faultproxy import FaultProxy

from .conftest import screen

OK_ALARMS = 420  # more than LISTING_PAGES pages of 100


def _put(cw, name: str, missing: str) -> None:
    cw.put_metric_alarm(AlarmName=name, MetricName=name, Namespace="Big", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=10, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData=missing)


def _seed(cw) -> None:
    """A mostly-OK account: 420 quiet alarms, 3 firing, 1 without data, 1 back to OK just now,
    and one firing alarm of another team."""
    for i in range(OK_ALARMS):
        _put(cw, f"big-quiet-{i:04d}", "notBreaching")  # no data is good: OK
    for name in ("big-spare-1", "big-spare-2"):  # OK, and whatever a test sets stays (no evaluation undoes it)
        _put(cw, name, "ignore")
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="test")
    for name, state in (("big-fire-a", "ALARM"), ("big-fire-b", "ALARM"), ("big-fire-c", "ALARM"),
                        ("big-blind", "INSUFFICIENT_DATA"), ("big-recovered", "ALARM"), ("other-fire", "ALARM")):
        _put(cw, name, "ignore")  # keeps what SetAlarmState gives it
        cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    cw.set_alarm_state(AlarmName="big-recovered", StateValue="OK", StateReason="recovered")


SHOWN = {"big-fire-a", "big-fire-b", "big-fire-c", "big-blind", "big-recovered"}


@pytest.fixture(scope="module")
def big(start_estate):
    handle = start_estate()
    cw = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=handle.env["AWS_ENDPOINT_URL"],
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    _seed(cw)
    # A new alarm's first evaluation is a state change (INSUFFICIENT_DATA to OK, as in AWS):
    # 20 world minutes at 600x put the account's set-up out of the recent-OK window (15 min).
    handle.control("speed", x="600")
    time.sleep(2.2)
    handle.control("speed", x="1")
    cw.set_alarm_state(AlarmName="big-recovered", StateValue="ALARM", StateReason="test")
    cw.set_alarm_state(AlarmName="big-recovered", StateValue="OK", StateReason="recovered")  # just now
    return handle, cw


def _use(big, monkeypatch):
    """The module's estate, this test's environment pointing at it."""
    handle, cw = big
    for key, value in handle.env.items():
        monkeypatch.setenv(key, value)
    return handle, cw


BIG_SCREEN = dict(regions=["eu-west-1"], alarms={"prefixes": ["big-"]})


def _calls(handle, since: float) -> dict[str, int]:
    served = handle.control("requests", since=str(since))["by_operation"]
    return {op.rsplit(":", 1)[-1]: n for op, n in served.items() if op.startswith("aws:cloudwatch:")}


async def test_a_big_account_is_read_by_state_and_shows_the_same_alarms(big, monkeypatch):
    handle, cw = _use(big, monkeypatch)
    async with Connections() as conn:
        source = AlarmsSource(screen(**BIG_SCREEN), conn)
        first = await source.refresh()
        assert first.error is None, first.error
        assert {a.name for a in first.items} == SHOWN
        assert {a.name: a.state for a in first.items}["big-recovered"] == "OK"

        since = time.time()
        second = await source.refresh()
        calls = _calls(handle, since)
    assert {a.name for a in second.items} == SHOWN
    # By state: ALARM, INSUFFICIENT_DATA, the history since the cutoff and one lookup by name,
    # where the listing takes 5 pages (and 100 at 10,000 alarms).
    assert calls.get("DescribeAlarmHistory") == 1, calls
    assert calls.get("DescribeAlarms", 0) <= 3, calls
    assert second.calls == calls["DescribeAlarms"] + calls["DescribeAlarmHistory"]


async def test_an_alarm_that_recovers_between_refreshes_is_shown_back_to_ok(big, monkeypatch):
    handle, cw = _use(big, monkeypatch)
    async with Connections() as conn:
        source = AlarmsSource(screen(**BIG_SCREEN), conn)
        await source.refresh()
        cw.set_alarm_state(AlarmName="big-fire-c", StateValue="OK", StateReason="fixed")
        cw.set_alarm_state(AlarmName="big-spare-1", StateValue="ALARM", StateReason="new fire")
        snap = await source.refresh()
    states = {a.name: a.state for a in snap.items}
    assert states["big-fire-c"] == "OK" and states["big-spare-1"] == "ALARM"
    assert "big-quiet-0008" not in states


async def test_a_storm_of_changes_is_read_as_the_listing_for_that_refresh(big, monkeypatch):
    """Alarms flapping by the hundred make the history long: past HISTORY_PAGES pages that
    refresh reads the listing (bounded by the account), and shows every change."""
    from cockpit.sources import alarms

    handle, cw = _use(big, monkeypatch)
    monkeypatch.setattr(alarms, "HISTORY_PAGES", 1)
    s = screen(**BIG_SCREEN)
    async with Connections() as conn:
        source = AlarmsSource(s, conn, page_size=2)  # the history of this module is pages of 2
        await source.refresh()
        cw.set_alarm_state(AlarmName="big-spare-2", StateValue="ALARM", StateReason="flap")
        since = time.time()
        snap = await source.refresh()
        calls = _calls(handle, since)
    states = {a.name: a.state for a in snap.items}
    assert states["big-spare-2"] == "ALARM"
    assert calls["DescribeAlarmHistory"] == 1  # one page, then given up
    assert calls["DescribeAlarms"] > (OK_ALARMS + 8) // 2  # the whole listing, in pages of 2


async def test_alarms_created_just_now_are_back_to_ok_in_both_reads(big, monkeypatch):
    """A new alarm goes from INSUFFICIENT_DATA to OK at its first evaluation, as in AWS, and
    both reads say so: the listing by its timestamp, the by-state read by its history (the
    estate used to start alarms OK with no history: the two reads disagreed)."""
    handle, cw = _use(big, monkeypatch)
    for i in range(5):
        _put(cw, f"fresh-{i}", "notBreaching")
    from cockpit.sources import alarms

    monkeypatch.setattr(alarms, "HISTORY_PAGES", 1000)  # pages of 1: not a storm
    s = screen(regions=["eu-west-1"], alarms={"prefixes": ["fresh-"]})
    async with Connections() as conn:
        since = time.time()
        by_state = await AlarmsSource(s, conn, page_size=1).refresh()  # 5 pages of 1: read by state
        assert _calls(handle, since).get("DescribeAlarmHistory", 0) >= 1
        listing = await AlarmsSource(s, conn).refresh()  # one page: the listing
    expected = {(f"fresh-{i}", "OK") for i in range(5)}
    assert {(a.name, a.state) for a in listing.items} == expected
    assert {(a.name, a.state) for a in by_state.items} == expected


@pytest.mark.parametrize("fault", ["throttle", "internal", "slow"])
async def test_a_history_that_fails_in_passing_is_asked_for_again_at_the_next_refresh(big, monkeypatch, fault):
    """Throttled, a 500 with AWS's own error code, no answer in time: that refresh reads the
    listing, so nothing shown is lost, and the next one is by state again (the source used to
    fail the refresh, or go back to the listing for good on a coded 5xx)."""
    handle, cw = _use(big, monkeypatch)
    async with FaultProxy(handle.env["AWS_ENDPOINT_URL"], slow_seconds=6) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        async with Connections(read_timeout=1, max_attempts=1) as conn:
            source = AlarmsSource(screen(**BIG_SCREEN), conn)
            await proxy.set(fault, only="DescribeAlarmHistory")
            since = time.time()
            failed = await source.refresh()
            failed_calls = _calls(handle, since)
            await proxy.set("pass")
            since = time.time()
            again = await source.refresh()
            calls = _calls(handle, since)
    assert set(proxy.faulted) == {(fault, "DescribeAlarmHistory")}  # (botocore's retry included)
    assert failed.error is None and again.error is None, (failed.error, again.error)
    assert {(a.name, a.state) for a in failed.items} == {(a.name, a.state) for a in again.items}
    assert {"big-fire-a", "big-blind", "big-recovered"} <= {a.name for a in failed.items}
    pages = -(-(OK_ALARMS + 8) // 100)
    assert failed_calls["DescribeAlarms"] >= LISTING_PAGES + pages  # first pages, by state, the listing
    assert calls.get("DescribeAlarmHistory") == 1 and calls.get("DescribeAlarms", 0) <= 3, calls


async def test_a_role_that_may_not_read_the_history_is_read_as_a_listing_from_then_on(big, monkeypatch):
    """Access denied to DescribeAlarmHistory will not pass: it is asked once, then the region
    is the listing's."""
    handle, cw = _use(big, monkeypatch)
    async with FaultProxy(handle.env["AWS_ENDPOINT_URL"]) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        await proxy.set("denied", only="DescribeAlarmHistory")
        async with Connections(max_attempts=1) as conn:
            source = AlarmsSource(screen(**BIG_SCREEN), conn)
            first = await source.refresh()
            since = time.time()
            second = await source.refresh()
            calls = _calls(handle, since)
    assert set(proxy.faulted) == {("denied", "DescribeAlarmHistory")}
    assert first.error is None and second.error is None, (first.error, second.error)
    assert {(a.name, a.state) for a in first.items} == {(a.name, a.state) for a in second.items}
    assert calls == {"DescribeAlarms": -(-(OK_ALARMS + 8) // 100)}, calls  # the listing's pages, no more


async def test_without_alarm_history_a_big_account_is_read_as_a_listing(aws, conn):
    """Plain moto has no DescribeAlarmHistory (as an account whose role may not read it):
    the region goes back to the listing, which shows everything, rather than failing."""
    cw = aws.client("cloudwatch", "eu-west-1")
    _seed(cw)
    s = screen(**BIG_SCREEN)
    source = AlarmsSource(s, conn)
    first = await source.refresh()
    second = await source.refresh()
    # Plain moto stamps an alarm's creation as its state change, so every quiet alarm has
    # just "returned to OK": the listing shows them all, and so must the source.
    everything = [a for page in cw.get_paginator("describe_alarms").paginate() for a in page["MetricAlarms"]]
    expected = {a["AlarmName"] for a in everything if a["AlarmName"].startswith("big-")}
    assert SHOWN < expected
    for snap in (first, second):
        assert snap.error is None, snap.error
        assert {a.name for a in snap.items} == expected
    assert second.calls == -(-(OK_ALARMS + 8) // 100)  # the listing's pages, no more tries
    assert LISTING_PAGES < second.calls

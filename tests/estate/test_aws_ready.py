"""Ready before the whole account is seeded, without anyone seeing it half-built.

``AwsEstate.start(defer_rest=True)`` returns once what the default screen reads exists
and seeds the rest in a thread: first what other panes read (ECS, RDS, DynamoDB), then
S3, Route53, Lambda, .... These tests hold that thread at a gate of their own (a seed step
that waits for an Event, before S3), so what a client sees in the gap is deterministic
rather than a race.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiobotocore.session import get_session

import cockpit.estate.aws as aws_module
from cockpit.estate import catalogue as cat
from cockpit.estate.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY, AwsEstate
from cockpit.estate.requestlog import RequestLog

pytestmark = pytest.mark.slow  # starts an estate (moto, kmock) in-process or as a child

_SESSION = get_session()
DATA_LAKE_OBJECT = "silver/manifest.json"


def outside(estate: AwsEstate, service: str, region: str = cat.US_REGION) -> Any:
    """A client as Cockpit or aws-cli would be: not marked internal."""
    return _SESSION.create_client(service, region_name=region, endpoint_url=estate.endpoint_url,
                                  aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)


@pytest.fixture
def held_rest(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, list[Callable[[], None]]]]:
    """Make the deferred seed wait for ``release`` first; extra steps can be appended."""
    release = threading.Event()
    extra: list[Callable[[], None]] = []
    real_rest_steps = aws_module.rest_steps

    def rest_steps(clients: Any, result: Any) -> list[tuple[str, Callable[[], None]]]:
        steps = [("held-by-test", lambda: release.wait(30))]
        steps += [(f"extra-{i}", step) for i, step in enumerate(extra)]
        return steps + real_rest_steps(clients, result)

    monkeypatch.setattr(aws_module, "rest_steps", rest_steps)
    yield release, extra
    release.set()


@pytest.fixture
def held_soon(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Make the deferred seed wait for the returned Event before it seeds ECS."""
    release = threading.Event()
    real_soon_steps = aws_module.soon_steps

    def soon_steps(clients: Any, result: Any) -> list[tuple[str, Callable[[], None], frozenset[str]]]:
        return [("held-by-test", lambda: release.wait(30), frozenset())] + real_soon_steps(clients, result)

    monkeypatch.setattr(aws_module, "soon_steps", soon_steps)
    yield release
    release.set()


async def test_each_service_is_answered_once_it_is_seeded_not_before(held_soon) -> None:
    release = held_soon
    estate = AwsEstate(RequestLog())
    estate.start(defer_rest=True)
    try:
        async with outside(estate, "cloudwatch", cat.PRIMARY_REGION) as cloudwatch, outside(estate, "ecs") as ecs:
            # The storage screen's alarms are ready: answered while ECS is still to come.
            alarms = await asyncio.wait_for(cloudwatch.describe_alarms(), 10)
            expected = sorted(a.name for a in cat.ALARMS if a.region == cat.PRIMARY_REGION)
            assert sorted(a["AlarmName"] for a in alarms["MetricAlarms"]) == expected
            described = asyncio.ensure_future(ecs.describe_services(cluster=cat.ECS.cluster,
                                                                    services=[cat.ECS.service]))
            done, _ = await asyncio.wait({described}, timeout=0.5)
            assert not done, "an ECS request was answered before ECS was seeded"
            assert estate.held_requests == 1
            release.set()
            service = (await asyncio.wait_for(described, 30))["services"][0]
        assert (service["desiredCount"], service["runningCount"]) == (3, 3)  # never a false 0/3
    finally:
        estate.stop()


async def test_a_region_whose_alarms_watch_the_alb_is_answered_whole_once_the_alb_exists(held_soon) -> None:
    """Ready comes before the network and the ALB are seeded; the US region's alarms include
    one on the ALB, so a request for them waits, then sees every one of them: never the
    region's alarms without the ALB's."""
    release = held_soon
    estate = AwsEstate(RequestLog())
    estate.start(defer_rest=True)
    try:
        async with outside(estate, "cloudwatch", cat.US_REGION) as cloudwatch:
            described = asyncio.ensure_future(cloudwatch.describe_alarms())
            done, _ = await asyncio.wait({described}, timeout=0.5)
            assert not done, "the US alarms were answered before the ALB and its alarm existed"
            release.set()
            alarms = (await asyncio.wait_for(described, 30))["MetricAlarms"]
        assert sorted(a["AlarmName"] for a in alarms) == sorted(a.name for a in cat.ALARMS
                                                                if a.region == cat.US_REGION)
        alb = next(a for a in alarms if a["AlarmName"] == "prod-alb-unhealthy-targets")
        assert alb["Dimensions"][0]["Value"].startswith("app/production-alb/")
        assert alb["StateValue"] == "OK"  # evaluated before anyone could read it
    finally:
        estate.stop()


async def test_panes_answer_at_once_and_other_services_wait_for_the_seed(held_rest) -> None:
    release, _ = held_rest
    estate = AwsEstate(RequestLog())
    estate.start(defer_rest=True)
    try:
        # What a pane reads is there (at once, or once its service is seeded, before the
        # held step): web-service 3/3, never a false 0/3; the alarms all there.
        async with outside(estate, "ecs") as ecs:
            service = (await ecs.describe_services(cluster=cat.ECS.cluster, services=[cat.ECS.service]))["services"][0]
        assert (service["desiredCount"], service["runningCount"]) == (3, 3)
        async with outside(estate, "cloudwatch", cat.US_REGION) as cloudwatch:
            alarms = (await cloudwatch.describe_alarms(AlarmNames=["prod-alb-unhealthy-targets"]))["MetricAlarms"]
        assert [a["AlarmName"] for a in alarms] == ["prod-alb-unhealthy-targets"]

        held_before = estate.held_requests
        async with outside(estate, "s3", cat.PRIMARY_REGION) as s3:
            head = asyncio.ensure_future(s3.head_object(Bucket=cat.DATA_LAKE, Key=DATA_LAKE_OBJECT))
            done, _ = await asyncio.wait({head}, timeout=0.5)
            assert not done, "an S3 request was answered before S3 was seeded"
            assert estate.held_requests == held_before + 1
            own = asyncio.ensure_future(asyncio.to_thread(estate.object_exists, cat.DATA_LAKE, DATA_LAKE_OBJECT))
            release.set()
            assert (await asyncio.wait_for(head, 30))["ResponseMetadata"]["HTTPStatusCode"] == 200
            assert await asyncio.wait_for(own, 30) is True  # the estate's own client waited too
        estate.wait_seeded()
        assert estate.seed is not None and estate.seed.health_check_id and estate.seed_seconds >= estate.start_seconds
    finally:
        estate.stop()


async def test_a_failed_seed_lets_held_requests_through_and_is_reported(held_rest) -> None:
    release, extra = held_rest

    def broken() -> None:
        raise ValueError("moto said no")

    extra.append(broken)
    estate = AwsEstate(RequestLog())
    estate.start(defer_rest=True)
    try:
        release.set()
        with pytest.raises(RuntimeError, match="seeding the AWS estate failed: moto said no"):
            estate.wait_seeded()
        async with outside(estate, "s3", cat.PRIMARY_REGION) as s3:  # answered, not held for a minute
            buckets = await asyncio.wait_for(s3.list_buckets(), 10)
        assert cat.DATA_LAKE not in {b["Name"] for b in buckets["Buckets"]}
    finally:
        estate.stop()


def test_without_defer_start_returns_with_everything_seeded() -> None:
    estate = AwsEstate(RequestLog())
    estate.start()
    try:
        assert estate.object_exists(cat.DATA_LAKE, DATA_LAKE_OBJECT)
        assert estate.held_requests == 0 and estate.seed_seconds <= estate.start_seconds
    finally:
        estate.stop()

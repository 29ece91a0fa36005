"""A failing provider: the pane keeps its last good data, marked stale, with a classified error.

A small aiohttp "fault front" sits between the sources and moto. It forwards requests
untouched until told to misbehave (garbage body, 403 expired token, throttling, hang), so
each fault follows a good refresh, as it does in production.
"""

from __future__ import annotations

import asyncio
import random

import aiohttp
import pytest
from aiohttp import web

from cockpit.sources.alarms import AlarmsSource
from cockpit.sources.connections import Connections
from cockpit.sources.http import HttpSource
from cockpit.sources.poller import Poller, backoff_delay
from cockpit.sources.snapshot import ErrorKind, Level

from .conftest import CountingMotoServer, aws_env, screen, serve

ALARM_SCREEN = dict(regions=["us-east-1"], alarms={"prefixes": ["prod-"],
                                                   "severity": [{"match": "^prod-rds-", "severity": "critical"}]})


def seed_alarm(cw) -> None:
    cw.put_metric_alarm(AlarmName="prod-rds-high-cpu", MetricName="CPUUtilization", Namespace="AWS/RDS",
                        Statistic="Average", Period=300, EvaluationPeriods=2, Threshold=80,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="prod-rds-high-cpu", StateValue="ALARM", StateReason="CPU 97%")


async def fault_front(upstream: str):
    """An aiohttp server forwarding to ``upstream`` unless ``mode`` says otherwise."""
    mode = {"value": "pass"}
    session = aiohttp.ClientSession()

    async def handler(request: web.Request) -> web.StreamResponse:
        if mode["value"] == "garbage":
            return web.Response(status=200, body=b"\x00<not json or xml>", content_type="application/x-amz-json-1.0")
        if mode["value"] == "expired":
            return web.json_response({"__type": "ExpiredTokenException", "message": "The security token included "
                                      "in the request is expired"}, status=403, content_type="application/x-amz-json-1.0")
        if mode["value"] == "throttle":
            return web.json_response({"__type": "ThrottlingException", "message": "Rate exceeded"}, status=400,
                                     content_type="application/x-amz-json-1.0", headers={"x-amzn-query-error": "Throttling;Sender"})
        if mode["value"] == "hang":
            await asyncio.sleep(30)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        async with session.request(request.method, upstream + request.path_qs, headers=headers,
                                   data=await request.read()) as answer:
            body = await answer.read()
            return web.Response(status=answer.status, body=body,
                                headers={k: v for k, v in answer.headers.items()
                                         if k.lower() in ("content-type", "x-amzn-requestid")})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = await serve(app)

    async def close() -> None:
        await server.close()
        await session.close()

    return mode, str(server.make_url("")).rstrip("/"), close


# Both AWS backends: aiobotocore (the running cockpit) and botocore in threads (`cockpit status`)
# must read every fault the same way.
BACKENDS = pytest.mark.parametrize("backend", ["aio", "threads"])


@BACKENDS
async def test_each_fault_keeps_the_last_good_alarms_marked_stale(aws, monkeypatch, tmp_path, backend):
    seed_alarm(aws.client("cloudwatch", "us-east-1"))
    mode, url, close = await fault_front(aws.url)
    aws_env(monkeypatch, url, tmp_path)
    try:
        async with Connections(connect_timeout=1, read_timeout=2, max_attempts=1, aws_backend=backend) as conn:
            source = AlarmsSource(screen(**ALARM_SCREEN), conn, timeout=1.5)
            good = await source.refresh()
            assert good.ok and [a.name for a in good.items] == ["prod-rds-high-cpu"]

            for fault, kind in (("garbage", ErrorKind.MALFORMED), ("expired", ErrorKind.CREDENTIALS),
                                ("throttle", ErrorKind.THROTTLED), ("hang", ErrorKind.TIMEOUT)):
                mode["value"] = fault
                snap = await source.refresh()
                assert snap.stale and snap.error is not None and snap.error.kind == kind, (fault, snap.error)
                assert [a.name for a in snap.items] == ["prod-rds-high-cpu"]  # last good data still shown
                assert snap.fetched_at == good.fetched_at and snap.attempted_at > good.fetched_at  # shown as aging
                assert snap.level == Level.CRITICAL  # what we last knew is still on fire

            mode["value"] = "pass"
            recovered = await source.refresh()
            assert recovered.ok and not recovered.stale and recovered.failures == 0
    finally:
        await close()


@BACKENDS
async def test_max_attempts_counts_the_first_try(aws, monkeypatch, tmp_path, backend):
    """``max_attempts=2`` is two requests in all, as its name says (botocore's own
    ``max_attempts`` counts retries after the first: it would have been three)."""
    from tests.faultproxy import FaultProxy

    seed_alarm(aws.client("cloudwatch", "us-east-1"))
    async with FaultProxy(aws.url) as proxy:
        aws_env(monkeypatch, proxy.url, tmp_path)
        await proxy.set("throttle", only="DescribeAlarms")
        async with Connections(connect_timeout=1, read_timeout=2, max_attempts=2, aws_backend=backend) as conn:
            snap = await AlarmsSource(screen(**ALARM_SCREEN), conn, timeout=15).refresh()
    assert snap.error is not None and snap.error.kind == ErrorKind.THROTTLED, snap.error
    assert proxy.faulted == [("throttle", "DescribeAlarms")] * 2


@BACKENDS
async def test_a_stopped_server_is_unreachable_and_the_snapshot_survives(monkeypatch, tmp_path, backend):
    own = CountingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    own.start()
    host, port = own.get_host_and_port()
    aws_env(monkeypatch, f"http://{host}:{port}", tmp_path)
    import boto3

    seed_alarm(boto3.client("cloudwatch", region_name="us-east-1"))
    async with Connections(connect_timeout=1, read_timeout=2, max_attempts=1, aws_backend=backend) as conn:
        source = AlarmsSource(screen(**ALARM_SCREEN), conn, timeout=3)
        assert (await source.refresh()).ok
        own.stop()
        own._server.server_close()  # release the port: connections are refused, not queued

        snap = await source.refresh()
        assert snap.error is not None and snap.error.kind == ErrorKind.UNREACHABLE, snap.error
        assert snap.stale and len(snap.items) == 1 and snap.failures == 1


async def test_a_hanging_source_does_not_delay_the_others(aws, monkeypatch, tmp_path, conn):
    mode, url, close = await fault_front(aws.url)
    mode["value"] = "hang"
    aws_env(monkeypatch, url, tmp_path)

    async def ok(request):
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", ok)
    health = await serve(app)
    try:
        hanging = AlarmsSource(screen(**ALARM_SCREEN), conn, timeout=1.0)
        fast = HttpSource(screen(endpoints=[{"name": "h", "url": str(health.make_url("/health"))}]), conn)
        seen: dict[str, list] = {"alarms": [], "http": []}
        pollers = [Poller(hanging, 0.05, lambda s: seen["alarms"].append(s)),
                   Poller(fast, 0.05, lambda s: seen["http"].append(s))]
        tasks = [asyncio.create_task(p.run()) for p in pollers]
        for _ in range(100):
            if seen["alarms"]:
                break
            await asyncio.sleep(0.05)
        timed_out = seen["alarms"][0]
        assert timed_out.error.kind == ErrorKind.TIMEOUT and timed_out.failures == 1
        # While the alarms pane waited for its timeout, the other pane kept refreshing.
        meanwhile = [snap for snap in seen["http"] if snap.attempted_at < timed_out.attempted_at]
        assert len(meanwhile) >= 5 and all(snap.ok for snap in meanwhile)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        await health.close()
        await close()


async def test_refreshes_never_overlap_even_when_slower_than_the_interval(conn):
    active = {"now": 0, "max": 0, "total": 0}

    async def slow(request):
        active["now"] += 1
        active["total"] += 1
        active["max"] = max(active["max"], active["now"])
        await asyncio.sleep(0.15)
        active["now"] -= 1
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/slow", slow)
    server = await serve(app)
    try:
        source = HttpSource(screen(endpoints=[{"name": "slow", "url": str(server.make_url("/slow"))}]), conn)
        poller = Poller(source, 0.01, lambda s: None)
        task = asyncio.create_task(poller.run())
        await asyncio.sleep(0.2)
        for _ in range(5):
            poller.refresh_now()  # impatient key presses
        await asyncio.sleep(0.5)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await server.close()
    assert active["max"] == 1 and active["total"] >= 3


def test_backoff_grows_with_failures_with_jitter_and_a_cap():
    rng = random.Random(7)
    assert backoff_delay(5, 0, rng=rng) == 5
    delays = [backoff_delay(5, n, cap=60, rng=rng) for n in range(1, 8)]
    assert all(5 <= d <= 60 for d in delays)
    assert 7.5 <= delays[0] <= 10 and delays[-1] >= 32.5  # doubles, half-jittered, then capped
    assert len({round(backoff_delay(5, 3, rng=rng), 6) for _ in range(5)}) == 5  # jitter: no lockstep

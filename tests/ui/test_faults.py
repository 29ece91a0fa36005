"""Provider faults on the screen: each lands in the right pane, keys keep working, recovery follows.

A fault-injecting proxy (tests/faultproxy.py) sits between the cockpit and the estate's
AWS endpoint. Faults aimed at DescribeAlarms must show in the alarms pane (stale, the error
named) and nowhere else; GetMetricData faults in the replication pane. While a fault is on,
key presses are answered at once; after it clears, the pane is fresh again within two
refreshes.

"At once" is bounded by what a blocked event loop would show: a provider call made on the
loop would freeze it for the whole read timeout of the ``slow`` fault, 3 s here. The bound
is half that, so a busy CI box (other estates, other suites) cannot fail a cockpit that
answers in 10 ms, and a cockpit that blocks still fails.
"""

from __future__ import annotations

import pytest

from dataclasses import replace

from cockpit.ui.app import CockpitApp
from cockpit.ui.messages import AlarmsFetched, ReplicationFetched, SourceFetched

from .conftest import FAST, apply_env
from tests.faultproxy import FaultProxy
from .helpers import pane_error, row, rows, seconds_to_answer, wait_for

pytestmark = pytest.mark.slow  # Textual Pilot: seconds a test, the app driven key by key

FAULTS = [  # (mode, operation, pane, words the pane's error line must show)
    ("down", "DescribeAlarms", "alarms", "unreachable"),
    ("slow", "DescribeAlarms", "alarms", "timeout"),
    ("throttle", "DescribeAlarms", "alarms", "throttled"),
    ("throttle429", "GetMetricData", "replication", "throttled"),
    ("expired", "DescribeAlarms", "alarms", "credentials"),
    ("malformed", "GetMetricData", "replication", "malformed"),
]
NAME_COLUMN = {"alarms": 3, "replication": 1}
#: FAST, but a slow provider holds a blocked loop for 3 s: far from the bound below.
SETTINGS = replace(FAST, read_timeout=3.0, timeout=3.5)
ANSWER_BOUND = 1.5


def names(app, pane: str) -> list[str]:
    return [r[NAME_COLUMN[pane]] for r in rows(app, pane)]


MESSAGE = {"alarms": AlarmsFetched, "replication": ReplicationFetched}


@pytest.fixture
async def proxied(estate, monkeypatch, tmp_path):
    async with FaultProxy(estate.env["AWS_ENDPOINT_URL"], slow_seconds=6) as proxy:
        apply_env(monkeypatch, {**estate.env, "AWS_ENDPOINT_URL": proxy.url}, tmp_path)
        yield proxy


async def test_each_fault_shows_in_its_pane_keys_answer_and_it_recovers(proxied, config):
    seen: list[SourceFetched] = []

    def hook(message) -> None:
        if isinstance(message, SourceFetched):
            seen.append(message)

    app = CockpitApp(config=config, live=SETTINGS)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await wait_for(pilot, lambda: row(app, "replication", "data-lake") and app.screen.query_one("#alarms")
                       .snapshots.get("alarms", None) is not None, what="first refresh")
        for mode, operation, pane, words in FAULTS:
            other = "replication" if pane == "alarms" else "alarms"
            shown = names(app, pane)
            await proxied.set(mode, only=operation if mode != "down" else None)
            if mode == "down":  # nothing listens: every AWS pane is cut off, services are not
                other = None
            await wait_for(pilot, lambda: words in pane_error(app, pane), what=f"{mode}: {words} in {pane}")
            assert "STALE" in app.screen.query_one(f"#{pane}").border_subtitle
            if other:
                assert pane_error(app, other) == "", f"{mode} leaked into {other}"
            # Kubernetes and HTTP are not behind the proxy; the screen's watched metrics (a
            # services row each) are CloudWatch reads that are: cut off with everything else,
            # or with GetMetricData, they may say so, and nothing else in that pane may.
            services = pane_error(app, "services")
            if mode == "down" or operation == "GetMetricData":
                assert services == "" or services.startswith("⚠ metrics: "), f"{mode} leaked into services: {services}"
            else:
                assert services == "", f"{mode} leaked into services: {services}"
            assert names(app, pane) == shown  # the last good rows are still on screen

            # The keyboard is answered at once while the provider misbehaves.
            alarms = app.screen.query_one("#alarms")
            before = alarms.sort
            took = await seconds_to_answer(pilot, "s", lambda: alarms.sort != before)
            assert alarms.sort != before and took < ANSWER_BOUND, f"{mode}: s answered after {took:.2f} s"
            assert alarms.sort == "severity" or f"by {alarms.sort}" in alarms.border_title

            mark = len(seen)
            await proxied.set("pass")
            await wait_for(pilot, lambda: sum(isinstance(m, MESSAGE[pane]) for m in seen[mark:]) >= 2,
                           timeout=15, what=f"two refreshes of {pane} after {mode}")
            after = [m.snapshot for m in seen[mark:] if isinstance(m, MESSAGE[pane])][:2]
            assert any(s.ok for s in after), f"{pane} still failing two refreshes after {mode} cleared: {after}"
            await wait_for(pilot, lambda: pane_error(app, pane) == "", what=f"{pane} error cleared after {mode}")
        assert {m for m, _ in proxied.faulted} == {m for m, *_ in FAULTS} - {"down"}

"""UI benchmark: key press to screen update at scale, first frame, first live data, memory.

    python bench/bench_ui.py            # everything (starts an emulated estate once)
    python bench/bench_ui.py --no-demo  # skip the demo measurement

At scale = 2,000 alarms, 500 services and 100 replication pairs, fed as snapshots through
the app's own messages (AlarmsFetched, …) every 2 s with values changing, as a refresh of
the real sources would deliver them. Targets (issue 3): key → update p99 < 50 ms, first
frame < 0.5 s, first live data in the demo < 2 s, RSS < 200 MB. Figures go in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROBE = """
import sys, time
T0 = float(sys.argv[1])
from textual import on
from cockpit.config import Config
from cockpit.ui.app import CockpitApp

class Probe(CockpitApp):
    def on_mount(self):
        self.call_after_refresh(lambda: print("FIRST", time.time() - T0, flush=True))
        super().on_mount()

    @on(CockpitApp.ClientsLoaded)
    def _loaded(self):
        self.exit()

Probe(config=Config()).run(headless=True, size=(80, 24))
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def first_frame(runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE, str(time.time())], capture_output=True, text=True,
                             timeout=60)
        times.append(float(next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("FIRST"))))
    return times


def scale_snapshots(tick: int):
    from cockpit.sources.alarms import AlarmItem
    from cockpit.sources.replication import ReplicationItem
    from cockpit.sources.services import ServiceItem
    from cockpit.sources.snapshot import Level, Snapshot

    now = datetime.now(timezone.utc)
    states = ("ALARM", "INSUFFICIENT_DATA", "OK")
    alarms = tuple(AlarmItem(
        name=f"prod-service-{i:04d}-{'5xx' if i % 3 == 0 else 'latency'}", region=("eu-west-1", "us-east-1")[i % 2],
        state=states[(i + tick) % 3 if i % 50 == 0 else i % 3], severity="critical" if i % 3 == 0 else "warning",
        level=Level((2 - i % 3) if i % 3 != 2 else 0), reason=f"Threshold Crossed: datapoint [{i + (tick if i % 50 == 0 else 0)}.0]",
        updated_at=now - timedelta(seconds=i * 7), type="metric") for i in range(2000))
    pairs = tuple(ReplicationItem(
        id=f"pair-{i:03d}", source_bucket=f"src-{i}", destination_bucket=f"dst-{i}", region="eu-west-1",
        rule_id="r", rpo_seconds=900, latency_seconds=float((i * 13 + tick * 5) % 1400),
        pending_operations=float(i * 3), failed_operations=0.0, pending_bytes=float(i * 1e6),
        history=tuple(float((i + k) % 60) for k in range(30)), level=Level.OK, problem="") for i in range(100))
    services = tuple(ServiceItem(
        "deployment", f"svc-{i:03d}", f"ns-{i % 10}", "available" if (i + tick) % 40 else "degraded",
        Level.OK if (i + tick) % 40 else Level.WARNING, "", (i + tick) % 3 + 1, 3) for i in range(500))
    fetched = now
    return [("alarms", Snapshot("alarms", alarms, fetched, attempted_at=fetched)),
            ("replication", Snapshot("replication", pairs, fetched, attempted_at=fetched)),
            ("services", Snapshot("kubernetes", services, fetched, attempted_at=fetched))]


async def at_scale(presses: int = 200) -> dict[str, float]:
    from cockpit.config import Config
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.messages import fetched

    app = CockpitApp(config=Config(db=Path(tempfile.mkdtemp()) / "t.db"), poll=False)
    latencies: list[float] = []
    apply_times: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        screen = app.screen

        async def feed(tick: int) -> None:
            snapshots = scale_snapshots(tick)  # building them is the sources' work, not the UI's
            started = time.process_time()
            for pane, snap in snapshots:
                screen.post_message(fetched(pane, snap))
            await pilot.pause()
            apply_times.append(time.process_time() - started)

        await feed(0)
        next_feed = time.monotonic() + 2.0
        tick = 1
        keys = ["down"] * 8 + ["up"] * 4 + ["s"] + ["tab", "down", "tab", "down", "tab"]
        for i in range(presses):
            if time.monotonic() >= next_feed:  # a refresh every 2 s, as the issue asks
                await feed(tick)
                tick += 1
                next_feed = time.monotonic() + 2.0
            key = keys[i % len(keys)]
            # CPU time, not wall time: Pilot's press/pause idle on timers for ~80 ms a key, which is
            # the harness, not the app. The loop is otherwise idle, so CPU spent between the key
            # and the repaint is the latency a responder sees (plus any refresh already running,
            # measured separately below).
            started = time.process_time()
            await pilot.press(key)
            await pilot.pause()  # the key handled and the screen updated
            latencies.append(time.process_time() - started)
            await asyncio.sleep(0.01)
        rows = app.screen.query_one("#alarms DataTable").row_count
    return {"presses": len(latencies), "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "refresh_apply_p50_ms": statistics.median(apply_times) * 1000,
            "refresh_apply_max_ms": max(apply_times) * 1000, "refreshes": len(apply_times), "alarm_rows": rows,
            "rss_mb": rss_mb()}


async def demo_first_data() -> dict[str, float]:
    from cockpit.config import Config
    from cockpit.estate.process import EstateProcess
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.live import LiveSettings
    from cockpit.ui.messages import SourceFetched

    marks: dict[str, float] = {}
    started = time.perf_counter()

    def hook(message) -> None:
        now = time.perf_counter() - started
        if isinstance(message, CockpitApp.EstateStarted):
            marks.setdefault("estate_up", now)
        if isinstance(message, SourceFetched) and message.snapshot.ok:
            marks.setdefault(f"first_{message.pane}", now)

    estate = EstateProcess(scenario="eu-west-1-storage-outage", speed=60, timeout=60)
    app = CockpitApp(config=Config(db=Path(tempfile.mkdtemp()) / "t.db"), estate=estate,
                     live=LiveSettings(interval=2.0))
    try:
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not all(
                    f"first_{p}" in marks for p in ("alarms", "replication", "services")):
                await pilot.pause(0.05)
    finally:
        estate.stop()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    os.environ.pop("NO_COLOR", None)

    frames = first_frame()
    print(f"first frame (process start → first paint, 80x24, {len(frames)} runs): "
          f"median {statistics.median(frames):.3f} s, max {max(frames):.3f} s   (target < 0.5 s)")

    scale = asyncio.run(at_scale(args.presses))
    print(f"at scale (2,000 alarms, 500 services, 100 pairs, refresh every 2 s, 160x50): "
          f"{scale['presses']} key presses → screen update p50 {scale['p50_ms']:.1f} ms, "
          f"p99 {scale['p99_ms']:.1f} ms, max {scale['max_ms']:.1f} ms   (target p99 < 50 ms)")
    print(f"  a refresh of all three panes applied in place: median {scale['refresh_apply_p50_ms']:.0f} ms, "
          f"max {scale['refresh_apply_max_ms']:.0f} ms over {scale['refreshes']} refreshes; "
          f"{scale['alarm_rows']} alarm rows")
    print(f"  resident memory: {scale['rss_mb']:.0f} MB   (target < 200 MB)")

    if not args.no_demo:
        marks = asyncio.run(demo_first_data())
        up = marks.get("estate_up", float("nan"))
        first = min(marks.get(f"first_{p}", float("inf")) for p in ("alarms", "replication", "services"))
        last = max(marks.get(f"first_{p}", float("nan")) for p in ("alarms", "replication", "services"))
        print(f"demo: estate up {up:.2f} s after start; first live data {first:.2f} s "
              f"({first - up:.2f} s after the estate was up); every pane live at {last:.2f} s "
              f"({last - up:.2f} s after)   (target first live data < 2 s)")


if __name__ == "__main__":
    main()

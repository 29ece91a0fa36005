"""UI benchmark: key press to screen update at scale, first frame, first live data, memory.

    python bench/bench_ui.py            # everything (starts an emulated estate once)
    python bench/bench_ui.py --no-demo  # skip the demo measurement
    python bench/bench_ui.py --demo-only --baseline 6750473   # cold demo, old and new alternating
    python bench/bench_ui.py --no-demo --baseline 236f3ca   # the old drawing path too, alternating
    python bench/bench_ui.py --no-demo --alarms 10000      # keys at 10,000 alarms (a regional outage)

At scale = 2,000 alarms, 500 services and 100 replication pairs, fed as snapshots through
the app's own messages (AlarmsFetched, …) every 2 s with values changing, as a refresh of
the real sources would deliver them. The first frame is measured twice: by a probe process
(launch to the app's first paint) and as a user sees it, ``cockpit`` launched in a real
terminal (tmux, 80x24) until its panes are on the terminal. First live data in the demo is
measured twice: in process with the storage-outage scenario (marks from the app's own
messages), and cold, ``cockpit demo`` as the README runs it, in a real terminal through
tmux. Targets (issue
3): key → update p99 < 50 ms, first frame < 0.5 s, first live data in the demo < 2 s,
RSS < 200 MB. Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
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
from cockpit.ui.screens.cockpit import CockpitScreen

class Probe(CockpitApp):
    painted = False

    def _display(self, screen, renderable):
        # The first frame is the first paint of the cockpit screen (headless: rendered, not written).
        super()._display(screen, renderable)
        if renderable is not None and isinstance(screen, CockpitScreen) and not self.painted:
            self.painted = True
            print("FIRST", time.time() - T0, flush=True)

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


def first_frame(runs: int = 5, tree: Path | None = None) -> list[float]:
    """Seconds from process start to the cockpit's first paint; ``tree``: an older revision's sources."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")} if tree else None
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE, str(time.time())], capture_output=True, text=True,
                             timeout=60, env=env)
        times.append(float(next(line.split()[1] for line in out.stdout.splitlines() if line.startswith("FIRST"))))
    return times


def scale_snapshots(tick: int, alarm_count: int = 2000):
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
        updated_at=now - timedelta(seconds=i * 7), type="metric") for i in range(alarm_count))
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


async def at_scale(presses: int = 200, alarm_count: int = 2000) -> dict[str, float]:
    """Keys pressed while refreshes arrive every 2 s, timed from the key to the frame showing it.

    Wall clock, not Pilot: a key is posted to the app as a terminal's would be, at a random
    moment (so some land while a refresh is being drawn), and its latency runs until the
    first frame painted after the key was handled (the last place it was dispatched). The
    snapshots are built before the run: building them is the sources' work, not the UI's.
    """
    import bisect
    import gc
    import random

    from textual import events

    from cockpit.config import Config
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.messages import fetched

    class Timed(CockpitApp):
        """Notes when each frame is painted (headless: the frame is rendered, not written)."""

        paints: list[float] = []

        def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
            super()._display(screen, renderable)
            if renderable is not None and not self._batch_count:
                self.paints.append(time.perf_counter())

    full_gcs: list[float] = []
    started_gc = [0.0]

    def gc_watch(phase: str, info: dict) -> None:
        if phase == "start":
            started_gc[0] = time.perf_counter()
        elif info["generation"] == 2:
            full_gcs.append(time.perf_counter() - started_gc[0])

    ring = [scale_snapshots(tick, alarm_count) for tick in range(6)]
    seen: dict[int, float] = {}

    def hook(message) -> None:
        if isinstance(message, events.Key):
            seen[id(message)] = time.perf_counter()  # the last dispatch wins: where it was handled

    app = Timed(config=Config(db=Path(tempfile.mkdtemp()) / "t.db"), poll=False)
    sent: list[tuple[str, events.Key, float]] = []
    shown: list[float] = []
    gc.callbacks.append(gc_watch)
    try:
        async with app.run_test(size=(160, 50), message_hook=hook):
            screen = app.screen

            async def feed() -> None:
                tick = 0
                while True:
                    posted = time.perf_counter()
                    snaps = ring[tick % len(ring)]
                    for pane, snap in snaps:
                        screen.post_message(fetched(pane, snap))
                    # drawn: every pane holds its snapshot and nothing is left to draw
                    while not (all(screen.pane(p).snapshots.get(s.source) is s for p, s in snaps)
                               and not getattr(screen, "applying", False)):
                        await asyncio.sleep(0.005)
                    shown.append(time.perf_counter() - posted)
                    tick += 1
                    await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - posted)))

            feeder = asyncio.create_task(feed())
            await asyncio.sleep(2.5)
            keys = ["down"] * 8 + ["up"] * 4 + ["s"] + ["tab", "down", "tab", "down", "tab"]
            rng = random.Random(3)
            for i in range(presses):
                key = events.Key(keys[i % len(keys)], None)
                sent.append((key.key, key, time.perf_counter()))
                app.post_message(key)
                await asyncio.sleep(rng.uniform(0.03, 0.12))
            await asyncio.sleep(0.5)
            feeder.cancel()
            rows = screen.query_one("#alarms-table").row_count
            objects = len(gc.get_objects())
    finally:
        gc.callbacks.remove(gc_watch)
    latencies = []
    for _, key, at in sent:
        i = bisect.bisect_right(app.paints, seen.get(id(key), float("inf")))
        if i < len(app.paints):
            latencies.append(app.paints[i] - at)
    return {"presses": len(latencies), "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000,
            "max_ms": max(latencies) * 1000, "refresh_shown_p50_ms": statistics.median(shown) * 1000,
            "refresh_shown_max_ms": max(shown) * 1000, "refreshes": len(shown), "alarm_rows": rows,
            "full_gcs": len(full_gcs), "full_gc_max_ms": max(full_gcs, default=0.0) * 1000,
            "objects": objects, "rss_mb": rss_mb()}


def scale_line(label: str, scale: dict[str, float]) -> str:
    return (f"{label}: {scale['presses']} keys → frame p50 {scale['p50_ms']:.0f} ms, p99 {scale['p99_ms']:.0f} ms, "
            f"max {scale['max_ms']:.0f} ms (target p99 < 50 ms); refresh on screen median "
            f"{scale['refresh_shown_p50_ms']:.0f} ms, max {scale['refresh_shown_max_ms']:.0f} ms "
            f"({scale['refreshes']}); {scale['alarm_rows']:.0f} alarm rows held; automatic full GCs during keys "
            f"{scale['full_gcs']:.0f} (longest {scale['full_gc_max_ms']:.0f} ms); {scale['objects']:,.0f} objects; "
            f"RSS {scale['rss_mb']:.0f} MB")


def compiled(src: Path) -> None:
    """Write the bytecode of every module under ``src``, as ``pip install`` does.

    The measured children import the cockpit from source; where PYTHONDONTWRITEBYTECODE is
    set (the shared box sets it) every edited module would be compiled again at each import,
    which a user's installed cockpit never does, and which would load the first frame and the
    first keys of whichever tree was edited last. Both trees are compiled before measuring.
    """
    compileall.compile_dir(str(src), quiet=1)


def baseline_tree(rev: str) -> Path:
    """The sources of git revision ``rev``, extracted once and compiled."""
    root = Path(__file__).resolve().parent.parent
    tree = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    archive = subprocess.run(["git", "-C", str(root), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    compiled(tree / "src")
    return tree


def baseline(tree: Path, presses: int, alarm_count: int) -> str:
    """Run the same measurement on the code in ``tree`` (an older revision, a separate process)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, __file__, "--scale-only", "--presses", str(presses),
                          "--alarms", str(alarm_count)], env=env,
                         capture_output=True, text=True, timeout=600)
    return next((line for line in out.stdout.splitlines() if line.startswith("at scale")), out.stderr[-500:])


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


def demo_cold_terminal(runs: int = 5, tree: Path | None = None) -> list[tuple[float, float]]:
    """``cockpit demo`` as the README runs it, cold, in a real terminal (tmux, 120x40).

    Per run: seconds from launching the command to its first paint, and to every pane
    showing live data (each pane's title carries its count, "Alarms · 0 firing", only once
    a refresh has answered). The screen is read every 20 ms, so figures are that coarse.
    ``tree``: an older revision's sources (``python -m cockpit`` with them first on the path).
    """
    import shutil

    if shutil.which("tmux") is None:
        return []
    script = Path(sys.executable).with_name("cockpit")
    command = [str(script)] if script.exists() and tree is None else [sys.executable, "-m", "cockpit"]
    if tree is not None:
        command = [f"PYTHONPATH={tree / 'src'}", *command]
    results = []
    for run in range(runs):
        session = f"bench-demo-{os.getpid()}-{run}"
        began = time.perf_counter()
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40",
                        "env", "-u", "NO_COLOR", *command, "demo"], check=True)
        painted = live = float("nan")
        try:
            while time.perf_counter() - began < 30:
                screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                        capture_output=True, text=True).stdout
                now = time.perf_counter() - began
                if painted != painted and screen.strip():
                    painted = now
                if all(f"{pane} · " in screen for pane in ("Alarms", "Replication", "Services")):
                    live = now
                    break
                time.sleep(0.02)
        finally:
            subprocess.run(["tmux", "send-keys", "-t", session, "q"], capture_output=True)
            time.sleep(1.0)  # let it quit and stop its estate before the next cold start
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        results.append((painted, live))
    return results


def terminal_first_paint(tree: Path | None = None) -> float:
    """``cockpit`` (no demo) launched in a real terminal (tmux, 80x24): seconds from launch to
    its first paint (the screen's header on the terminal). Read every 10 ms."""
    script = Path(sys.executable).with_name("cockpit")
    command = [str(script)] if script.exists() and tree is None else [sys.executable, "-m", "cockpit"]
    if tree is not None:
        command = [f"PYTHONPATH={tree / 'src'}", *command]
    home = Path(tempfile.mkdtemp(prefix="bench-paint-"))
    session = f"bench-paint-{os.getpid()}"
    began = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "env", "-u", "NO_COLOR",
                    f"XDG_DATA_HOME={home}", f"XDG_CONFIG_HOME={home}", *command], check=True)
    painted = float("nan")
    try:
        while time.perf_counter() - began < 15:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
            if "Alarms" in screen:
                painted = time.perf_counter() - began
                break
            time.sleep(0.01)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], capture_output=True)
        time.sleep(0.8)
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return painted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--demo-only", action="store_true", help="only the demo's first live data")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--alarms", type=int, default=2000, help="alarms in the scale measurement (default 2,000)")
    parser.add_argument("--baseline", metavar="REV", help="also measure git revision REV (e.g. 236f3ca), "
                        "alternating with this tree, in one run")
    parser.add_argument("--rounds", type=int, default=2, help="alternations with --baseline")
    parser.add_argument("--scale-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.pop("NO_COLOR", None)

    if args.scale_only:
        print(scale_line("at scale", asyncio.run(at_scale(args.presses, args.alarms))), flush=True)
        return

    compiled(Path(__file__).resolve().parent.parent / "src")
    old_tree = baseline_tree(args.baseline) if args.baseline else None
    # A session that outlives the measured ones: tmux's server exits with its last session,
    # and a new-session racing that exit fails ("server exited unexpectedly").
    import shutil

    keeper = f"bench-keeper-{os.getpid()}"
    if shutil.which("tmux"):
        subprocess.run(["tmux", "new-session", "-d", "-s", keeper, "sleep", "3600"], check=True)
    try:
        run(args, old_tree)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


def ratio(old: list[float], new: list[float]) -> str:
    """The baseline's median over this tree's, measured in the same alternating rounds."""
    return f"; baseline / this tree {statistics.median(old) / statistics.median(new):.2f}x"


def run(args: argparse.Namespace, old_tree: Path | None) -> None:
    import shutil

    if not args.demo_only:
        frames, old_frames = [], []
        for _ in range(args.rounds if old_tree else 1):  # alternating, so both see the same load
            frames += first_frame()
            if old_tree:
                old_frames += first_frame(tree=old_tree)
        print(f"first frame (process start → first paint, 80x24, {len(frames)} runs): "
              f"median {statistics.median(frames):.3f} s, max {max(frames):.3f} s   (target < 0.5 s)")
        if old_frames:
            print(f"  [{args.baseline}] median {statistics.median(old_frames):.3f} s, max {max(old_frames):.3f} s"
                  f"{ratio(old_frames, frames)}")
        if shutil.which("tmux"):
            painted, old_painted = [], []
            for _ in range(5):  # alternating, as above
                painted.append(terminal_first_paint())
                if old_tree:
                    old_painted.append(terminal_first_paint(tree=old_tree))
            for label, runs in (("this tree", painted), (args.baseline, old_painted)):
                if runs:
                    print(f"`cockpit` launched in tmux (80x24) to first paint [{label}] ({len(runs)} runs): "
                          f"median {statistics.median(runs):.2f} s, max {max(runs):.2f} s   (target < 0.5 s)"
                          + (ratio(old_painted, painted) if label != "this tree" else ""))

        print(f"at scale = {args.alarms:,} alarms, 500 services, 100 pairs, refresh every 2 s, 160x50")
        for _ in range(args.rounds if args.baseline else 1):
            if args.baseline:
                print(f"  [{args.baseline}] {baseline(old_tree, args.presses, args.alarms)}", flush=True)
            out = subprocess.run([sys.executable, __file__, "--scale-only", "--presses", str(args.presses),
                                  "--alarms", str(args.alarms)],
                                 capture_output=True, text=True, timeout=600)
            print(f"  [this tree] {out.stdout.strip() or out.stderr[-500:]}", flush=True)

    if not args.no_demo:
        marks = asyncio.run(demo_first_data())
        up = marks.get("estate_up", float("nan"))
        first = min(marks.get(f"first_{p}", float("inf")) for p in ("alarms", "replication", "services"))
        last = max(marks.get(f"first_{p}", float("nan")) for p in ("alarms", "replication", "services"))
        print(f"demo: estate up {up:.2f} s after start; first live data {first:.2f} s "
              f"({first - up:.2f} s after the estate was up); every pane live at {last:.2f} s "
              f"({last - up:.2f} s after)   (target first live data < 2 s)")
        cold, old_cold = [], []
        for _ in range(5):  # alternating with the baseline, so both see the same load
            cold += demo_cold_terminal(1)
            if old_tree:
                old_cold += demo_cold_terminal(1, tree=old_tree)
        for label, runs in (("this tree", cold), (args.baseline, old_cold)):
            if runs:
                live = [b for _, b in runs]
                print(f"cold `cockpit demo` in tmux [{label}] ({len(runs)} runs): first paint median "
                      f"{statistics.median(a for a, _ in runs):.2f} s; every pane live median "
                      f"{statistics.median(live):.2f} s, max {max(live):.2f} s   (target first live data < 2 s)"
                      + (ratio([b for _, b in old_cold], [b for _, b in cold]) if label != "this tree" else ""))


if __name__ == "__main__":
    main()

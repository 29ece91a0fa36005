"""Timeline benchmark: committed events per second (exports: ``bench_exports.py``).

Run: ``python bench/bench_timeline.py [--events N] [--dir DIR]``. Each event is appended in
its own ``BEGIN IMMEDIATE`` transaction, exactly as ``Timeline.append`` does in production,
so "committed" means what the kill -9 test means by it. Both synchronous settings are
measured side by side: FULL (ours; fsync per commit, survives power loss) and NORMAL (survives
process death only). Target: >= 500 events/s.
Use ``--dir`` to measure on the disk the timeline will really live on (fsync cost varies
by orders of magnitude between tmpfs, SSD and network storage).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cockpit.timeline import Timeline


def appends_per_second(path: Path, synchronous: str, count: int) -> float:
    with Timeline(path, "bench@host", synchronous=synchronous) as tl:
        incident = tl.declare("Append benchmark", "P2")
        start = time.perf_counter()
        for n in range(count):
            tl.append(incident.id, "note", f"event {n}", {"n": n, "detail": "x" * 100})
        return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="appends measured per setting")
    parser.add_argument("--dir", type=Path, help="where to put the benchmark files (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"timeline benchmark in {tmp} ({args.events} appends per setting, one transaction each)")
        print(f"{'synchronous':<12} {'events/s':>10}")
        for sync in ("FULL", "NORMAL"):
            rate = appends_per_second(Path(tmp) / f"append-{sync}.db", sync, args.events)
            mark = "  <- Cockpit's setting" if sync == "FULL" else ""
            print(f"{sync:<12} {rate:>10.0f}{mark}")
        print("target: >= 500 events/s committed")


if __name__ == "__main__":
    main()

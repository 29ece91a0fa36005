"""Timeline benchmarks: committed events per second, and exporting a 10,000-event incident.

Run: ``python bench/bench_timeline.py [--events N] [--dir DIR]``. Each event is appended in
its own ``BEGIN IMMEDIATE`` transaction, exactly as ``Timeline.append`` does in production,
so "committed" means what the kill -9 test means by it. Both synchronous settings are
measured side by side: FULL (ours; fsync per commit, survives power loss) and NORMAL (survives
process death only). Targets: >= 500 events/s; Markdown export of 10,000 events < 1 s.
Use ``--dir`` to measure on the disk the timeline will really live on (fsync cost varies
by orders of magnitude between tmpfs, SSD and network storage).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cockpit.timeline import Timeline
from cockpit.exports.postmortem import render_markdown
from cockpit.exports.transfer import export_json


def appends_per_second(path: Path, synchronous: str, count: int) -> float:
    with Timeline(path, "bench@host", synchronous=synchronous) as tl:
        incident = tl.declare("Append benchmark", "P2")
        start = time.perf_counter()
        for n in range(count):
            tl.append(incident.id, "note", f"event {n}", {"n": n, "detail": "x" * 100})
        return count / (time.perf_counter() - start)


def export_times(path: Path, synchronous: str, count: int = 10_000) -> tuple[float, float]:
    with Timeline(path, "bench@host", synchronous=synchronous) as tl:
        incident = tl.declare("Export benchmark", "P1", mode="drill")
        with tl.transaction():  # setup only: the export is what is measured
            for n in range(count):
                tl._append(incident.id, "note" if n % 3 else "step_succeeded", f"event {n} | with a pipe",
                           {"n": n})
        start = time.perf_counter()
        markdown = render_markdown(tl, incident.id)
        md_seconds = time.perf_counter() - start
        start = time.perf_counter()
        export_json(tl, incident.id)
        json_seconds = time.perf_counter() - start
        assert markdown.count("\n| 20") >= count  # every event is in the timeline table
        return md_seconds, json_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000, help="appends measured per setting")
    parser.add_argument("--dir", type=Path, help="where to put the benchmark files (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"timeline benchmark in {tmp} ({args.events} appends per setting, one transaction each)")
        print(f"{'synchronous':<12} {'events/s':>10} {'md export 10k':>14} {'json export 10k':>16}")
        for sync in ("FULL", "NORMAL"):
            rate = appends_per_second(Path(tmp) / f"append-{sync}.db", sync, args.events)
            md_s, json_s = export_times(Path(tmp) / f"export-{sync}.db", sync)
            mark = "  <- Cockpit's setting" if sync == "FULL" else ""
            print(f"{sync:<12} {rate:>10.0f} {md_s * 1000:>12.0f}ms {json_s * 1000:>14.0f}ms{mark}")
        print("targets: >= 500 events/s committed; Markdown export of 10,000 events < 1000 ms")


if __name__ == "__main__":
    main()

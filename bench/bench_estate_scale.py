"""One refresh of a big account on the emulated estate: an older commit and this tree, side by side.

Run: ``python bench/bench_estate_scale.py [--baseline COMMIT] [--sizes 2000:100,10000:500]``
from a git checkout. For each size (alarms:replication pairs, split over two regions, as in
``bench_api_economy.py``) and each tree, a child process starts an in-process estate, seeds
it, and times two refreshes of the alarms pane's source and of the replication pane's,
through the cockpit's real sources over HTTP, then two refreshes of every pane at once on
fresh clients, as the cockpit refreshes (the first makes the clients). The baseline's code runs from ``git archive``
in a temporary folder; the children run one after the other, so they see the same box.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before a big account's alarms were asked for by state (it lists them whole).
BASELINE = "66b9365"


def child(alarms: int, pairs: int) -> None:
    """Seed an estate and time two refreshes of each source; print {source: [[s, items, error], ...]}."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_api_economy import screen, seed

    from cockpit.estate.aws import AwsEstate
    from cockpit.estate.requestlog import RequestLog
    from cockpit.sources.board import build_sources, refresh_all
    from cockpit.sources.connections import Connections

    async def refreshes() -> dict[str, list[list[object]]]:
        out: dict[str, list[list[object]]] = {}
        async with Connections() as conn:
            for source in build_sources(screen(pairs), conn):
                for _ in range(2):
                    start = time.perf_counter()
                    snap = await source.refresh()
                    took = time.perf_counter() - start
                    error = str(snap.error) if snap.error else ""
                    out.setdefault(type(source).__name__, []).append([took, len(snap.items), error])
        # What the cockpit does every refresh interval: every pane at once, on one set of clients.
        async with Connections() as conn:
            sources = build_sources(screen(pairs), conn)
            for _ in range(2):
                start = time.perf_counter()
                snaps = await refresh_all(sources)
                took = time.perf_counter() - start
                error = "; ".join(str(s.error) for s in snaps if s.error)
                out.setdefault("every pane at once", []).append([took, sum(len(s.items) for s in snaps), error])
        return out

    with tempfile.TemporaryDirectory(), AwsEstate(RequestLog()) as aws:
        os.environ.update(aws.environment())
        seed(aws, alarms, pairs)
        print(json.dumps(asyncio.run(refreshes())))


def baseline_tree(commit: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    (into / "old.tar").write_bytes(archive)
    with tarfile.open(into / "old.tar") as t:
        t.extractall(into, filter="data")
    return into / "src"


def run(src: Path, alarms: int, pairs: int) -> dict[str, list[list[object]]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, __file__, "--child", str(alarms), str(pairs)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare with (default %(default)s)")
    parser.add_argument("--sizes", default="2000:100,10000:500", help="alarms:pairs, comma-separated")
    parser.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"old": baseline_tree(args.baseline, Path(tmp)), "new": ROOT / "src"}
        print(f"one refresh on the estate: {args.baseline} (old) against this tree (new); "
              "first and second refresh, seconds")
        print(f"{'alarms':>7} {'pairs':>6} {'source':<20} {'old':>14} {'new':>14} {'old/new':>8}  read")
        for size in args.sizes.split(","):
            alarms, pairs = (int(n) for n in size.split(":"))
            got = {side: run(src, alarms, pairs) for side, src in trees.items()}
            for source in got["new"]:
                old, new = got["old"][source], got["new"][source]
                # A refresh that failed (the source's read timed out) read nothing: say so.
                read = "; ".join(f"{side} {r[1]} items" + (f", FAILED: {r[2]}" if r[2] else "")
                                 for side, r in (("old", old[1]), ("new", new[1])))
                print(f"{alarms:>7} {pairs:>6} {source:<20} {old[0][0]:>6.2f} {old[1][0]:>6.2f}  {new[0][0]:>6.2f} "
                      f"{new[1][0]:>6.2f}  {old[1][0] / new[1][0]:>6.1f}x  {read}")


if __name__ == "__main__":
    main()

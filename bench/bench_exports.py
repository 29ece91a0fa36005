"""Exports of a large drill incident: this tree against an older commit, side by side.

Run: ``python bench/bench_exports.py [--old COMMIT] [--events 10000,100000] [--rounds 3]``
from a git checkout. One timeline file per size holds a drill incident of N events (notes
and step results, as a long drill writes them). For each size, each round runs four child
processes in turn: the Markdown postmortem and the JSON export, by the old commit's code
(``git archive`` into a temporary folder) and by this tree's, each on a file of the same
events written by its own code (a newer schema is one an older cockpit refuses to read). Each child
prints the export's wall time and how much its peak RSS grew during the export (so what the
interpreter and the imports take is left out). Medians per measure, and old/new ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the Markdown postmortem was streamed too.
OLD_COMMIT = "49e4c8a"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, db: str, incident_id: str, out: str) -> None:
    """Run one export in this process; print {"seconds", "grew_mb"} as JSON."""
    from cockpit.exports import postmortem, transfer
    from cockpit.textsafe import sanitize
    from cockpit.timeline import Timeline

    with Timeline(Path(db), "bench@host") as tl:
        tl.incident(incident_id)
        before, start = _peak_mb(), time.perf_counter()
        # What ``incident export`` does: the Markdown sanitised for a terminal, the JSON lossless.
        if kind == "md" and hasattr(postmortem, "write_markdown"):
            with open(out, "w", encoding="utf-8") as f:
                postmortem.write_markdown(tl, incident_id, f, sanitized=True)
        elif kind == "md":  # the old code: the whole postmortem as one string
            Path(out).write_text(sanitize(postmortem.render_markdown(tl, incident_id)), encoding="utf-8")
        elif hasattr(transfer, "write_json"):
            with open(out, "w", encoding="utf-8") as f:
                transfer.write_json(tl, incident_id, f)
        else:  # the old code: the whole document as one string
            Path(out).write_text(transfer.export_json(tl, incident_id), encoding="utf-8")
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "grew_mb": _peak_mb() - before}))


def make_incident(db: Path, count: int) -> str:
    from cockpit.timeline import Timeline

    with Timeline(db, "bench@host") as tl:
        incident = tl.declare(f"Export benchmark, {count} events", "P1", mode="drill")
        with tl.transaction():  # setup only: the exports are what is measured
            for n in range(count):
                tl._append(incident.id, "note" if n % 3 else "step_succeeded", f"event {n} | with a pipe",
                           {"n": n, "detail": "x" * 80})
        return incident.id


def old_tree(commit: str, into: Path) -> Path:
    """``src`` of ``commit``, unpacked into ``into``."""
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    tar = into / "old.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into / "src"


def run_make(src: Path, db: Path, count: int) -> str:
    """The incident of ``count`` events, written into ``db`` by the code in ``src``."""
    done = subprocess.run([sys.executable, __file__, "--make", str(db), str(count)],
                          env={**os.environ, "PYTHONPATH": str(src)}, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def run_child(src: Path, kind: str, db: Path, incident_id: str, out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(db), incident_id, str(out)], env=env,
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_COMMIT, help="commit to compare with (default %(default)s)")
    parser.add_argument("--events", default="10000,100000", help="incident sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=4, metavar=("KIND", "DB", "ID", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--make", nargs=2, metavar=("DB", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.make:
        print(make_incident(Path(args.make[0]), int(args.make[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        trees = {"old": old_tree(args.old, base), "new": ROOT / "src"}
        print(f"exports of a drill incident: {args.old} (old) against this tree (new), "
              f"{args.rounds} rounds, medians")
        print(f"{'events':>8} {'export':<9} {'old s':>8} {'new s':>8} {'old/new':>8} "
              f"{'old +MB':>8} {'new +MB':>8} {'old/new':>8}")
        for count in (int(n) for n in args.events.split(",")):
            made = {side: (base / f"export-{count}-{side}.db",) for side in trees}
            made = {side: (db, run_make(trees[side], db, count)) for side, (db,) in made.items()}
            for kind in ("md", "json"):
                got: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
                for _ in range(args.rounds):
                    for side in ("old", "new"):
                        got[side].append(run_child(trees[side], kind, *made[side], base / f"out.{kind}"))
                med = {side: {m: statistics.median(r[m] for r in rows) for m in ("seconds", "grew_mb")}
                       for side, rows in got.items()}
                old, new = med["old"], med["new"]
                print(f"{count:>8} {kind:<9} {old['seconds']:>8.3f} {new['seconds']:>8.3f} "
                      f"{old['seconds'] / new['seconds']:>7.1f}x {old['grew_mb']:>8.0f} {new['grew_mb']:>8.0f} "
                      f"{old['grew_mb'] / max(new['grew_mb'], 1.0):>7.1f}x")


if __name__ == "__main__":
    main()

"""Reading the content: the playbook catalog and the screens, this tree against an older one.

The cockpit reads and checks every playbook for the palette (69 files) and every screen for
``cockpit status``, the demo's estate and the ``g`` switch. Each measure runs in a fresh
process (imports included, as a user pays them), alternating this tree and ``--baseline``
(its ``src``, ``playbooks`` and ``screens`` from ``git archive``), and prints medians and
the ratio.

Run: python bench/bench_content.py [--baseline REV] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from cockpit.config import Config
from cockpit.content.playbooks import load_catalog
from cockpit.content.screen import load_screens
config = Config()
t1 = time.perf_counter()
catalog = load_catalog(tuple(config.playbooks_dirs))
t2 = time.perf_counter()
screens = load_screens(config.screens_dirs, config.playbooks_dirs)
t3 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "catalog": t2 - t1, "screens": t3 - t2}))
"""


def tree_of(rev: str, into: Path) -> Path:
    data = subprocess.run(["git", "archive", "--format=tar", rev, "src", "playbooks", "screens", "scenarios"],
                          cwd=ROOT, check=True, capture_output=True).stdout
    (into / "t.tar").write_bytes(data)
    with tarfile.open(into / "t.tar") as tar:
        tar.extractall(into, filter="data")
    return into


def measure(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "COCKPIT_CONFIG": os.devnull}
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120,
                         cwd=tree)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", metavar="REV", default="49e4c8a")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = tree_of(args.baseline, Path(tmp))
        new: list[dict[str, float]] = []
        before: list[dict[str, float]] = []
        for _ in range(args.runs):  # alternating, so both see the same load
            new.append(measure(ROOT))
            before.append(measure(old))
    print(f"content read in a fresh process, {args.runs} runs each, alternating (medians)")
    print(f"{'measure':<34}{args.baseline:>10}{'this tree':>12}{'ratio':>8}")
    for key, label in (("catalog", "playbook catalog (read + checked)"), ("screens", "every screen"),
                       ("imports", "imports (config, content models)")):
        a = statistics.median(r[key] for r in before)
        b = statistics.median(r[key] for r in new)
        print(f"{label:<34}{a:>9.3f}s{b:>11.3f}s{a / b:>7.1f}x")


if __name__ == "__main__":
    main()

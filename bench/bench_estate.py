"""How long the emulated estate takes to be ready (target: under 3 s, cold).

Figures, each over several runs:
- cold process: from spawning ``cockpit demo --no-ui`` to its environment file appearing,
  which is what `cockpit demo` waits for (interpreter start and imports included), and the
  CPU the child had used by then (``/proc/<pid>/stat``). The machine is shared, so wall
  time moves with other people's load; CPU seconds barely do, and say whether a change
  removed work or only got lucky;
- in-process: ``Estate.start()`` with the interpreter warm and moto already imported.

``--baseline REV`` also runs the estate as it was at a git revision (extracted with
``git archive`` into a temporary directory, put first on ``PYTHONPATH``), alternating run
by run with the working tree, so both see the same load: before/after side by side.

Run: python bench/bench_estate.py [--runs 5] [--baseline c565f1c~1] [--no-warm]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from cockpit.estate.process import EstateProcess
from cockpit.estate.runner import Estate

REPO = Path(__file__).resolve().parent.parent
TARGET = 3.0


async def in_process_once() -> float:
    with tempfile.TemporaryDirectory() as workdir:
        estate = Estate(Path(workdir))
        began = time.perf_counter()
        await estate.start()
        elapsed = time.perf_counter() - began
        await estate.stop()
        return elapsed


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process so far (Linux), or None where /proc is not there."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_once(pythonpath: str | None = None) -> tuple[float, float | None]:
    """Wall seconds until the env file exists, and the child's CPU seconds at that moment."""
    saved = os.environ.get("PYTHONPATH")
    if pythonpath is not None:
        os.environ["PYTHONPATH"] = pythonpath  # the child inherits it; restored below
    began = time.perf_counter()
    process = EstateProcess(timeout=60)
    try:
        process.start()
        wall = time.perf_counter() - began
        assert process.proc is not None
        return wall, _cpu_seconds(process.proc.pid)
    finally:
        process.stop()
        if pythonpath is not None:
            if saved is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = saved


def extract_revision(rev: str, into: Path) -> str:
    """``src/`` of a git revision in a directory; returns the path to put on PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev, "src/cockpit"],
                             check=True, capture_output=True).stdout
    tar_path = into / "src.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(into, filter="data")
    return str(into / "src")


def describe(samples: list[float]) -> str:
    return (f"median {statistics.median(samples):.2f} s  min {min(samples):.2f} s  "
            f"max {max(samples):.2f} s  (n={len(samples)})")


def report(label: str, runs: list[tuple[float, float | None]]) -> None:
    walls = [w for w, _ in runs]
    cpus = [c for _, c in runs if c is not None]
    print(f"{label} wall  {describe(walls)}")
    if cpus:
        print(f"{' ' * len(label)} CPU   {describe(cpus)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision, interleaved")
    parser.add_argument("--no-warm", action="store_true", help="skip the in-process (warm) figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-estate-") as tmp:
        old_path = extract_revision(args.baseline, Path(tmp)) if args.baseline else None
        cold: list[tuple[float, float | None]] = []
        before: list[tuple[float, float | None]] = []
        for _ in range(args.runs):
            if old_path:
                before.append(cold_once(old_path))
            cold.append(cold_once())
    if not args.no_warm:
        import moto.server  # noqa: F401  (warm the in-process figure: measure start, not import)

        warm = [asyncio.run(in_process_once()) for _ in range(args.runs)]
        print(f"estate ready, in-process (warm):     {describe(warm)}")
    if before:
        report(f"cold `demo --no-ui`, {args.baseline:>12}:", before)
    report(f"cold `demo --no-ui`, {'this tree':>12}:", cold)
    verdict = "meets" if statistics.median(w for w, _ in cold) < TARGET else "MISSES"
    print(f"target < {TARGET:.0f} s (cold, median wall): {verdict}")


if __name__ == "__main__":
    main()

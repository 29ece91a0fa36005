"""How long the emulated estate takes to be ready (target: under 3 s).

Two figures, each over several runs:
- in-process: ``Estate.start()`` — seeding AWS, starting Kubernetes and HTTP — with the
  interpreter warm and moto already imported;
- cold process: from spawning ``cockpit demo --no-ui`` to its environment file appearing,
  which is what `cockpit demo` waits for (interpreter start and imports included).

Run: python bench/bench_estate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cockpit.estate.process import EstateProcess
from cockpit.estate.runner import Estate


async def in_process_once() -> float:
    with tempfile.TemporaryDirectory() as workdir:
        estate = Estate(Path(workdir))
        began = time.perf_counter()
        await estate.start()
        elapsed = time.perf_counter() - began
        await estate.stop()
        return elapsed


def cold_once() -> float:
    began = time.perf_counter()
    process = EstateProcess(timeout=60)
    try:
        process.start()
        return time.perf_counter() - began
    finally:
        process.stop()


def describe(samples: list[float]) -> str:
    return (f"median {statistics.median(samples):.2f} s  min {min(samples):.2f} s  "
            f"max {max(samples):.2f} s  (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import moto.server  # noqa: F401  (warm the in-process figure: measure start, not import)

    warm = [asyncio.run(in_process_once()) for _ in range(args.runs)]
    cold = [cold_once() for _ in range(args.runs)]
    print(f"estate ready, in-process (warm):      {describe(warm)}")
    print(f"estate ready, cold `demo --no-ui`:    {describe(cold)}")
    target = 3.0
    verdict = "meets" if statistics.median(cold) < target else "MISSES"
    print(f"target < {target:.0f} s (cold, median): {verdict}")
    sys.exit(0)


if __name__ == "__main__":
    main()

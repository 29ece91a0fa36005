"""Redaction speed: the redactor before issue 16 (loaded from git) and now, side by side.

Run: ``python bench/bench_redaction.py [--old COMMIT] [--repeat N]`` from a git checkout.
Texts: 1 MB of realistic command output and notes (aws-cli JSON, kubectl, log lines with
ARNs, URLs, request ids and a few secrets), a 40 KB word followed by ``://`` and a 100 KB
run parameter likewise (the old URL pattern retried its scheme from every letter:
quadratic), and a 1 MB single token. Prints the best of N runs for each, and the ratio. Target: 1 MB in well
under 100 ms, and linear: time grows with size, not with its square.

The old redactor is given at most ``--budget`` seconds per text (it takes minutes on some).
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from cockpit.timeline.redact import redact as new_redact

OLD_COMMIT = "d9add76"


def load_old(commit: str) -> ModuleType:
    source = subprocess.run(["git", "show", f"{commit}:src/cockpit/timeline/redact.py"], capture_output=True,
                            text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "old_redact.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_redact", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def realistic(size: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    an = string.ascii_letters + string.digits

    def tok(n: int) -> str:
        return "".join(rng.choice(an) for _ in range(n))

    lines = [
        lambda: f'{{"RequestId": "{rng.getrandbits(128):032x}", "Bucket": "acme-data-lake-eu-west-1", '
                f'"Arn": "arn:aws:s3:::acme-data-lake-eu-west-1/raw/{rng.randint(1, 9999)}"}}',
        lambda: f"storage-service-7d9f8b6c5-{tok(5).lower()}   1/1   Running   0   {rng.randint(1, 59)}m",
        lambda: f"2026-11-23T10:{rng.randint(10, 59)}:{rng.randint(10, 59)}Z INFO replication lag "
                f"{rng.randint(1, 900)}s for eu-west-1 -> us-east-1 (request id {rng.getrandbits(64):016X})",
        lambda: f"GET https://storage.internal/v1/health?region=eu-west-1 200 {rng.randint(1, 90)}ms",
        lambda: f"deployed {rng.getrandbits(160):040x} to prod; rollback plan in the runbook",
        lambda: f"Alarm {tok(6)}-5xx-rate fired: Threshold Crossed: 1 datapoint [{rng.random():.3f}] > 0.05",
        lambda: f"aws_secret_access_key = {tok(40)}",   # a secret now and then
        lambda: f"curl -H 'Authorization: Bearer {tok(40)}' https://api.internal/v1/status",
    ]
    weights = [20, 20, 20, 10, 10, 10, 1, 1]
    out: list[str] = []
    total = 0
    while total < size:
        line = rng.choices(lines, weights)[0]()
        out.append(line)
        total += len(line) + 1
    return "\n".join(out)[:size]


def texts() -> dict[str, str]:
    rng = random.Random(2)
    letters = string.ascii_letters
    return {
        "1 MB of command output and notes": realistic(1_000_000),
        "40 KB word, then ://": "".join(rng.choice(letters) for _ in range(40_000)) + "://host",
        "100 KB parameter, then ://": "".join(rng.choice(letters) for _ in range(100_000)) + "://host",
        "1 MB single token": "".join(rng.choice(letters) for _ in range(1_000_000)),
    }


def best(fn, text: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - start)
    return min(times)


def _old_worker(commit: str, text: str, queue: multiprocessing.Queue) -> None:
    queue.put(best(load_old(commit).redact, text, 1))


def old_time(commit: str, text: str, budget: float) -> float | None:
    """The old redactor in a child process, stopped after ``budget`` seconds (None: too slow)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_old_worker, args=(commit, text, queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_COMMIT, help="commit of the old redactor (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds the old redactor may take per text")
    args = parser.parse_args()
    new_redact("warm up")  # compile the patterns (done once, on first use)
    print(f"{'text':36} {'old':>10} {'new':>10} {'old/new':>9}")
    for name, text in texts().items():
        new = best(new_redact, text, args.repeat)
        old = old_time(args.old, text, args.budget)
        old_s = f"{old * 1000:8.0f}ms" if old is not None else f">{args.budget:.0f}s".rjust(10)
        ratio = f"{(old if old is not None else args.budget) / new:8.0f}x"
        print(f"{name:36} {old_s} {new * 1000:8.1f}ms {ratio:>9}")
    sizes = [250_000, 500_000, 1_000_000, 2_000_000]
    per_mb = [best(new_redact, realistic(n), args.repeat) / n * 1e6 for n in sizes]
    print("new, ms per MB at 0.25/0.5/1/2 MB (linear: flat):", " ".join(f"{t * 1000:.1f}" for t in per_mb))


if __name__ == "__main__":
    sys.exit(main())

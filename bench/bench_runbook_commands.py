"""The runbooks' own commands against a fresh estate: how many answer as the runbook expects.

An SRE starts ``cockpit demo --no-ui``, sources the environment it prints and pastes the
runbooks' aws / kubectl / curl lines. This does exactly that, for every such line of the five
runbooks (``bench/runbook_commands/commands.yaml``, placeholders filled with the runbooks'
own names): one fresh estate, then each command in runbook order (mutations included, as a
responder would run them), each in its own ``bash`` with only the printed env sourced, in a
scratch copy of ``bench/runbook_commands/files/`` (what the runbooks apply or upload).

Each command is classified:

- **fails**: non-zero exit status, a timeout, or error text on stderr/stdout (``An error
  occurred``, ``Could not connect``, ``error:``, ``Error from server``, moto's HTML error
  page, ...) even when a pipeline's last command exits 0;
- **empty**: it ran, but where the runbook expects data (``expect: data``) the answer is
  empty: no output, ``[]``, ``{}``, ``None``, ``null``, ``0``, a JSON object whose lists are
  all empty (``{"Datapoints": []}``), a table without rows; or a ``match``/``absent``
  expectation is not met (the pre-deployment check printing "No recent backup");
- **works**: otherwise.

If the estate writes one env per system (``<env-file>.<screen>``, see docs/estate-aws.md),
each runbook's commands source its own system's env (``systems:`` in the corpus); otherwise
the one env it prints. Run it on an older checkout with ``PYTHONPATH=<that>/src``: the same
corpus, side by side. Figures only, no asserts.

Run: python bench/bench_runbook_commands.py [--only 001] [--json out.json] [--timeout 45]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from cockpit.estate.process import EstateProcess

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "runbook_commands" / "commands.yaml"
FILES = HERE / "runbook_commands" / "files"

ERROR_TEXT = re.compile(
    r"An error occurred|Could not connect|Unable to locate|Invalid choice|Unknown options|"
    r"Parameter validation failed|^usage:|\berror:|Error from server|error: |curl: \(\d+\)|"
    r"Traceback \(most recent call last\)|command not found|jq: error|parse error|<!DOCTYPE|<html",
    re.I | re.M)
EMPTY_ANSWERS = {"", "[]", "{}", "None", "null", "0", "[[]]", "0 GB"}


def is_empty(out: str) -> bool:
    text = out.strip()
    if text in EMPTY_ANSWERS:
        return True
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list):
        return all(item in ([], None) for item in data)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        return bool(lists) and all(not v for v in lists)
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(line.lstrip()[:1] in "|+-" for line in lines):  # --output table
        rows = [line for line in lines if line.lstrip().startswith("|")]
        return len(rows) <= 1  # the title row alone
    return False


def classify(expect, rc: int | None, out: str, err: str) -> tuple[str, str]:
    """(verdict, first line of why) for one command."""
    if rc is None:
        return "fails", "timed out"
    error = ERROR_TEXT.search(err) or ERROR_TEXT.search(out)
    if rc != 0 or error:
        lines = [line.strip() for line in (err + "\n" + out).splitlines() if line.strip()]
        first = next((line for line in lines if ERROR_TEXT.search(line)), lines[0] if lines else f"exit {rc}")
        return "fails", first[:160]
    if isinstance(expect, dict):
        if "match" in expect and not re.search(expect["match"], out.strip(), re.M):
            return "empty", f"answer {out.strip()[:60]!r} does not match {expect['match']!r}"
        if "absent" in expect and re.search(expect["absent"], out, re.M):
            return "empty", f"answer says {re.search(expect['absent'], out, re.M).group(0)!r}"
        return "works", ""
    if expect == "data" and is_empty(out):
        return "empty", f"empty answer: {out.strip()[:60]!r}"
    return "works", ""


def env_files(env_file: Path) -> dict[str, Path]:
    """The per-system env files the estate wrote beside its env file (name -> path), if any."""
    prefix = env_file.name + "."
    return {p.name[len(prefix):]: p for p in env_file.parent.glob(prefix + "*") if not p.name.endswith(".tmp")}


def run_corpus(corpus: dict, env_file: Path, only: set[str], timeout: float) -> list[dict]:
    systems = env_files(env_file)
    results = []
    with tempfile.TemporaryDirectory(prefix="runbook-commands-") as scratch:
        work = Path(scratch) / "work"
        shutil.copytree(FILES, work)
        state = Path(scratch) / "vars"
        state.mkdir()
        for entry in corpus["commands"]:
            runbook = entry["runbook"]
            if only and runbook not in only:
                continue
            system = corpus["systems"].get(runbook)
            source = systems.get(system, env_file)
            variables = "".join(f"{k}={json.dumps(v)}\n" for k, v in (corpus["variables"].get(runbook) or {}).items())
            keep = "".join(f'declare -p {name} > "$STATE/{name}" 2>/dev/null\n' for name in entry.get("sets", []))
            script = (f"set -a; . {source}; set +a\nexport BENCH_TMP=$PWD/tmp STATE={state}\n{variables}"
                      f'for f in "$STATE"/*; do [ -e "$f" ] && . "$f"; done\n'
                      f"{entry['command']}\n__rc=$?\n{keep}exit $__rc\n")
            began = time.monotonic()
            try:
                proc = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, text=True,
                                      timeout=timeout, env={"PATH": os.environ["PATH"], "HOME": str(scratch),
                                                            "LANG": "C.UTF-8"}, stdin=subprocess.DEVNULL)
                rc, out, err = proc.returncode, proc.stdout, proc.stderr
            except subprocess.TimeoutExpired as exc:
                rc, out, err = None, str(exc.stdout or ""), str(exc.stderr or "")
            verdict, why = classify(entry["expect"], rc, out, err)
            results.append({"runbook": runbook, "line": entry["line"], "service": entry["service"],
                            "section": entry["section"], "verdict": verdict, "why": why,
                            "env": source.name, "seconds": round(time.monotonic() - began, 2)})
    return results


def table(title: str, groups: dict[str, Counter]) -> str:
    rows = [f"{title:<16} {'works':>6} {'empty':>6} {'fails':>6} {'total':>6}"]
    for name in sorted(groups):
        c = groups[name]
        rows.append(f"{name:<16} {c['works']:>6} {c['empty']:>6} {c['fails']:>6} {sum(c.values()):>6}")
    return "\n".join(rows)


def report(results: list[dict]) -> str:
    by_runbook: dict[str, Counter] = defaultdict(Counter)
    by_service: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        by_runbook[r["runbook"]][r["verdict"]] += 1
        by_service[r["service"]][r["verdict"]] += 1
    total = Counter(r["verdict"] for r in results)
    lines = [table("runbook", by_runbook), "", table("service", by_service), "",
             f"TOTAL {len(results)} commands: {total['works']} work, {total['empty']} empty, {total['fails']} fail", "",
             "not as the runbook expects:"]
    for r in results:
        if r["verdict"] != "works":
            lines.append(f"  {r['runbook']}:{r['line']:<4} {r['service']:<14} {r['verdict']:<5} {r['why']}")
    return "\n".join(lines)


def aws_version() -> str:
    proc = subprocess.run(["aws", "--version"], capture_output=True, text=True)
    return (proc.stdout + proc.stderr).strip().split(" ")[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], help="a runbook (000..004); repeatable")
    parser.add_argument("--json", type=Path, help="also write every result to this file")
    parser.add_argument("--timeout", type=float, default=45.0, help="seconds per command")
    args = parser.parse_args()
    if shutil.which("aws") is None or shutil.which("kubectl") is None:
        print("bench_runbook_commands: needs aws (aws-cli) and kubectl on PATH", file=sys.stderr)
        return 2
    corpus = yaml.safe_load(CORPUS.read_text())
    estate = EstateProcess(timeout=60)
    began = time.monotonic()
    try:
        estate.start()
        per_system = env_files(estate.env_file)
        print(f"# estate ready; {'one env per system: ' + ', '.join(sorted(per_system)) if per_system else 'one env'}")
        results = run_corpus(corpus, estate.env_file, set(args.only), args.timeout)
    finally:
        estate.stop()
    print(report(results))
    print(f"\n({time.monotonic() - began:.0f} s; aws: {aws_version()})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

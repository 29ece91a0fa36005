"""Sharing an incident through the share table: latency host to host, and what it costs.

Run: ``python bench/bench_share.py [--hosts 2,5,10,20] [--write 30] [--idle 30]``. One
emulated estate (moto's DynamoDB over HTTP) and, for each N, N host processes, each with its
own timeline file, sharing one incident through the table (``cockpit.share.sync``, a round a
second). Each host writes a note every two seconds for ``--write`` seconds (human pace),
then nothing for ``--idle`` seconds, then 200 notes at once (a burst). Printed per N:

- propagation latency, p50 and p99: a note's commit on its writer to its commit on each
  other host (one machine, one clock), over every (note, receiver) pair;
- DynamoDB requests per event written, at human pace and in the burst (``PutItem`` only: a
  slot carries up to 100 events);
- requests per idle minute per host (the polling that must stay bounded, whatever the
  number of events and hosts);
- the box's cores: N processes and moto on few cores inflate the latency, not the counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = "eu-central-1"


def host(db: str, uri: str, incident_id: str, tag: str, write_s: float, idle_s: float) -> None:
    """One host: rounds every second; notes every 2 s, then idle, then a burst. JSON lines out."""
    from cockpit.share.log import TableLog
    from cockpit.share.sync import INTERVAL, Beats, sync_once
    from cockpit.share.uri import parse
    from cockpit.timeline import Timeline, outbox

    def say(**what: object) -> None:
        print(json.dumps(what), flush=True)

    with Timeline(db, actor=f"{tag}@bench") as tl:
        log = TableLog(parse(uri), tl.node())
        beats = Beats(log, tl.actor)  # as a cockpit showing the incident: its presence beats too
        seen = {e.uid for e in tl.events(incident_id)} if tl.open_incidents() else set()

        def round_() -> None:
            outcome = beats.after(sync_once(tl, log), (incident_id,))
            if outcome.error:
                say(error=outcome.error)
            now = time.time()
            for event in tl.events(incident_id):
                if event.uid not in seen:
                    seen.add(event.uid)
                    say(seen=event.uid, at=now)

        round_()
        start, n = time.monotonic(), 0
        next_note = start
        while time.monotonic() - start < write_s:
            if time.monotonic() >= next_note:
                event = tl.note(incident_id, f"{tag} {n}", uid=f"{tag}-{n}")
                seen.add(event.uid)
                say(wrote=event.uid, at=time.time())
                n, next_note = n + 1, next_note + 2.0
            round_()
            time.sleep(INTERVAL)
        writes_before = log.writes
        idle_from, requests_before = time.monotonic(), log.requests
        while time.monotonic() - idle_from < idle_s:
            round_()
            time.sleep(INTERVAL)
        say(idle_requests=log.requests - requests_before, idle_seconds=time.monotonic() - idle_from,
            human_writes=writes_before, human_events=n)
        for k in range(200):
            tl.note(incident_id, f"{tag} burst {k}", uid=f"{tag}-burst-{k}")
        before = log.writes
        while outbox.queued(tl.conn):
            round_()
        say(burst_writes=log.writes - before, burst_events=200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="2,5,10,20")
    parser.add_argument("--write", type=float, default=30.0, help="seconds of notes every 2 s")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of silence")
    parser.add_argument("--host", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.host:
        db, uri, incident_id, tag, write_s, idle_s = args.host
        host(db, uri, incident_id, tag, float(write_s), float(idle_s))
        return

    from cockpit.estate.process import EstateProcess
    from cockpit.share.log import TableLog
    from cockpit.share.uri import parse
    from cockpit.timeline import Timeline
    from cockpit.timeline.exchange import exchange

    with EstateProcess(timeout=60) as estate_env, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **estate_env, "COCKPIT_CONFIG": str(Path(tmp) / "none.toml"),
               "PYTHONPATH": str(ROOT / "src")}
        Path(env["COCKPIT_CONFIG"]).write_text('actor = "bench@host"\n')
        os.environ.update({k: v for k, v in estate_env.items() if k.startswith("AWS_")})
        print(f"# share bench: a note every 2 s per host for {args.write:g} s, {args.idle:g} s idle, a burst of 200; "
              f"{os.cpu_count()} cores")
        print(f"{'hosts':>5} {'p50 ms':>8} {'p99 ms':>8} {'PutItem/event':>14} {'burst':>7} {'idle req/min/host':>18}")
        for count in (int(n) for n in args.hosts.split(",")):
            # A table per N: incident numbers and logs of one N are not the next one's.
            uri = f"dynamodb://cockpit-bench-{count}?region={REGION}"
            subprocess.run([sys.executable, "-m", "cockpit", "share", "init", "--region", REGION, "--table",
                            f"cockpit-bench-{count}"], env=env, check=True, capture_output=True)
            dbs = [Path(tmp) / f"n{count}-host{i}.db" for i in range(count)]
            with Timeline(dbs[0], actor="h0@bench") as first:
                incident_id = first.declare(f"Shared by {count} hosts", "P2").id
                first.share(incident_id)
                exchange(first, TableLog(parse(uri), first.node()))
            procs = [subprocess.Popen([sys.executable, __file__, "--host", str(db), uri, incident_id, f"h{i}",
                                       str(args.write), str(args.idle)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for i, db in enumerate(dbs)]
            lines = []
            for proc in procs:
                out, err = proc.communicate(timeout=args.write + args.idle + 600)
                if proc.returncode != 0:
                    sys.exit(f"a host failed: {err.strip().splitlines()[-1] if err.strip() else proc.returncode}")
                lines.append([json.loads(line) for line in out.splitlines() if line.startswith("{")])
            wrote = {d["wrote"]: d["at"] for host_lines in lines for d in host_lines if "wrote" in d}
            latencies = [(d["at"] - wrote[d["seen"]]) * 1000 for host_lines in lines for d in host_lines
                         if "seen" in d and d["seen"] in wrote]
            summary = [d for host_lines in lines for d in host_lines if "idle_requests" in d]
            bursts = [d for host_lines in lines for d in host_lines if "burst_writes" in d]
            errors = [d["error"] for host_lines in lines for d in host_lines if "error" in d]
            p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else float("nan")
            per_event = sum(d["human_writes"] for d in summary) / max(1, sum(d["human_events"] for d in summary))
            burst = sum(d["burst_writes"] for d in bursts) / max(1, sum(d["burst_events"] for d in bursts))
            idle = statistics.median(60 * d["idle_requests"] / d["idle_seconds"] for d in summary)
            print(f"{count:>5} {statistics.median(latencies):>8.0f} {p99:>8.0f} {per_event:>14.2f} {burst:>7.3f} "
                  f"{idle:>18.0f}" + (f"  ({len(errors)} failed rounds)" if errors else ""))


if __name__ == "__main__":
    main()

"""The morning health check: aws-cli as seed 001 runs it, versus `cockpit status --json`.

Both answer the same questions (alarms in ALARM in each region, ECS services against their
desired count, RDS status, target health, replication lag of each pair) against the same
emulated estate, in the same run, alternating so that load affects both alike. aws-cli is
run the way the runbook runs it: one command (one process) per question, the service and
target-group loops included. Target: cockpit 10x faster.

``--baseline REV`` also times ``cockpit status`` as it was at a git revision (its ``src/``
extracted beside, first on ``PYTHONPATH``), in the same rounds: before and after side by side.

Run: python bench/bench_status_vs_awscli.py [--rounds 3] [--baseline REV]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cockpit.estate.process import EstateProcess

HERE = Path(__file__).resolve().parent
PAIRS = [
    ("greenlang-prod-eu-west-1-data-lake-confidential", "greenlang-prod-eu-central-1-data-lake-confidential-replica"),
    ("greenlang-prod-eu-west-1-reports-confidential", "greenlang-prod-eu-central-1-reports-confidential-replica"),
    ("greenlang-prod-eu-west-1-models-internal", "greenlang-prod-eu-central-1-models-internal-replica"),
]


def aws(env: dict[str, str], *args: str) -> str:
    # --endpoint-url on every command: aws-cli v1 ignores AWS_ENDPOINT_URL for rds (and sqs, emr,
    # docdb, neptune, health) in some regions and would reach for the real endpoint.
    out = subprocess.run([sys.executable, "-m", "awscli", *args, "--output", "json",
                          "--endpoint-url", env["AWS_ENDPOINT_URL"]], env=env,
                         capture_output=True, text=True, timeout=120)
    if out.returncode:
        raise RuntimeError(f"aws {' '.join(args)}: {out.stderr.strip()}")
    return out.stdout


def morning_check_with_awscli(env: dict[str, str]) -> dict:
    """Seed 001's daily health check, command by command."""
    answers: dict = {}
    for region in ("eu-west-1", "us-east-1"):
        alarms = json.loads(aws(env, "cloudwatch", "describe-alarms", "--state-value", "ALARM", "--region", region))
        answers[f"alarms:{region}"] = sorted(a["AlarmName"] for a in alarms["MetricAlarms"])
    arns = json.loads(aws(env, "ecs", "list-services", "--cluster", "production-cluster", "--region", "us-east-1"))
    for arn in arns["serviceArns"]:  # the runbook's `xargs -I {} aws ecs describe-services ...`
        svc = json.loads(aws(env, "ecs", "describe-services", "--cluster", "production-cluster", "--services", arn,
                             "--region", "us-east-1"))["services"][0]
        answers[f"ecs:{svc['serviceName']}"] = (svc["runningCount"], svc["desiredCount"])
    dbs = json.loads(aws(env, "rds", "describe-db-instances", "--region", "us-east-1"))
    answers["rds"] = {d["DBInstanceIdentifier"]: d["DBInstanceStatus"] for d in dbs["DBInstances"]}
    groups = json.loads(aws(env, "elbv2", "describe-target-groups", "--region", "us-east-1"))
    for group in groups["TargetGroups"]:
        health = json.loads(aws(env, "elbv2", "describe-target-health", "--target-group-arn",
                                group["TargetGroupArn"], "--region", "us-east-1"))
        answers[f"targets:{group['TargetGroupName']}"] = sorted(
            t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"])
    end = datetime.now(timezone.utc)
    start = end - timedelta(hours=1)
    for source, destination in PAIRS:
        stats = json.loads(aws(
            env, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/S3", "--metric-name",
            "ReplicationLatency", "--dimensions", f"Name=SourceBucket,Value={source}",
            f"Name=DestinationBucket,Value={destination}", "Name=RuleId,Value=replicate-critical-data",
            "--start-time", start.strftime("%Y-%m-%dT%H:%M:%S"), "--end-time", end.strftime("%Y-%m-%dT%H:%M:%S"),
            "--period", "300", "--statistics", "Average", "--region", "eu-west-1"))
        answers[f"lag:{source}"] = len(stats["Datapoints"]) > 0
    return answers


def cockpit_status(env: dict[str, str], config: Path, pythonpath: str | None = None) -> dict:
    if pythonpath:
        env = env | {"PYTHONPATH": pythonpath}
    out = subprocess.run([sys.executable, "-m", "cockpit", "--config", str(config), "status", "--screen",
                          "morning-check", "--json", "--all"], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode not in (0, 1, 2):
        raise RuntimeError(f"cockpit status failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


async def warm_refreshes(env: dict[str, str], rounds: int) -> list[float]:
    """What a running cockpit pays per refresh of the same panes: clients already made."""
    from cockpit.content.screen import find_screen
    from cockpit.sources.board import build_sources, refresh_all
    from cockpit.sources.connections import Connections

    os.environ.update(env)
    screen = find_screen("morning-check", [HERE / "screens"])
    times = []
    async with Connections() as conn:
        sources = build_sources(screen, conn)
        await refresh_all(sources)  # first refresh makes the clients
        for _ in range(rounds):
            began = time.perf_counter()
            await refresh_all(sources)
            times.append(time.perf_counter() - began)
    return times


def timed(fn, *args) -> tuple[float, object]:
    began = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - began, result


def compile_cockpit() -> None:
    """Byte-compile Cockpit's modules, as ``pip install`` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every edited module in every process."""
    import compileall

    import cockpit

    compileall.compile_dir(Path(cockpit.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="also time `cockpit status` at this git revision")
    args = parser.parse_args()
    compile_cockpit()
    old_tmp = tempfile.TemporaryDirectory()
    old_path = None
    if args.baseline:
        import compileall

        from bench_estate import extract_revision

        old_path = extract_revision(args.baseline, Path(old_tmp.name))
        compileall.compile_dir(old_path, quiet=1)
    with EstateProcess(scenario="eu-west-1-storage-outage", speed=600, timeout=60) as estate_env, \
            tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | estate_env
        config = Path(tmp) / "config.toml"
        config.write_text(f'screens_dirs = ["{HERE / "screens"}"]\ndb = "{Path(tmp) / "timeline.db"}"\n')
        status_url = f"{estate_env['COCKPIT_ESTATE_URL']}/_estate/status"
        while True:  # let the outage play out, so there is something in ALARM to find
            status = json.loads(urllib.request.urlopen(status_url).read())
            if status["events_fired"] == status["events_total"]:
                break
            time.sleep(0.2)
        cli_times, cockpit_times, old_times = [], [], []
        for _ in range(args.rounds):
            seconds, cli_answers = timed(morning_check_with_awscli, env)
            cli_times.append(seconds)
            seconds, report = timed(cockpit_status, env, config)
            cockpit_times.append(seconds)
            if old_path:
                seconds, _ = timed(cockpit_status, env, config, old_path)
                old_times.append(seconds)
        alarms_cli = sorted(cli_answers["alarms:eu-west-1"] + cli_answers["alarms:us-east-1"])
        alarms_cockpit = sorted(i["name"] for i in report["sources"]["alarms"]["items"] if i["state"] == "ALARM")
        warm = asyncio.run(warm_refreshes(env, 5))
        cli, ck = statistics.median(cli_times), statistics.median(cockpit_times)
        calls = sum(1 for k in cli_answers)  # questions answered
        print(f"aws-cli, seed 001 command by command:  median {cli:6.2f} s  (runs: "
              f"{', '.join(f'{t:.2f}' for t in cli_times)})")
        print(f"cockpit status --json (one process):   median {ck:6.2f} s  (runs: "
              f"{', '.join(f'{t:.2f}' for t in cockpit_times)})")
        if old_times:
            old = statistics.median(old_times)
            print(f"cockpit status at {args.baseline}:  median {old:6.2f} s  (runs: "
                  f"{', '.join(f'{t:.2f}' for t in old_times)}) = {cli / old:.1f}x aws-cli")
        print(f"cockpit refresh, warm (running cockpit): median {statistics.median(warm) * 1000:5.0f} ms")
        print(f"speed-up, cold process vs aws-cli: {cli / ck:.1f}x  (target 10x)  · {calls} answers each; per round: "
              f"{', '.join(f'{a / b:.1f}x' for a, b in zip(cli_times, cockpit_times))}")
        print(f"speed-up, warm refresh vs aws-cli: {cli / statistics.median(warm):.0f}x")
        print(f"same alarms in ALARM: {alarms_cli == alarms_cockpit}  ({len(alarms_cli)}: {', '.join(alarms_cli)})")
    old_tmp.cleanup()


if __name__ == "__main__":
    main()

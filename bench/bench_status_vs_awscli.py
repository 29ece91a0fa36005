"""Each screen, the runbook's own way (aws-cli, kubectl, curl) versus `cockpit status --json`.

An SRE without Cockpit answers a screen's questions by pasting its runbook's commands: one
command, one process, the loops included (a describe per service, per target group, a
metric query per replication pair). Cockpit answers them in one process. Both run against
the same emulated estate, in the same rounds, alternating (peer first in one round, cockpit
first in the next) so that the load of a 2-core box hits both alike. What is timed is the
whole of each: every process of the peer, one ``cockpit status --screen NAME --json --all``.

The screens and their peers (each peer's docstring says which commands; the runbooks are
``shared/seeds``, their commands ``bench/runbook_commands/commands.yaml``):

- ``greenlang-storage`` (seeds 000, 003), ``aws-infrastructure`` (seed 001), ``flight-school``
  (seed 004), ``greenlang-platform`` (seed 002): the shipped screens, each peer run with that
  screen's env sourced (``<env-file>.<screen>``: its region, KUBECONFIG, the URLs), as the
  runbooks' commands name no region.
- ``morning-check`` (``bench/screens``): seed 001's daily health check over both regions of
  the estate (alarms, ECS, RDS, targets, replication lag), the measure this bench began with
  (docs/performance.md); the base env, a ``--region`` on every command.

Metric rows are queried as the SRE would type them: one ``get-metric-statistics`` per row
(and per ``per:`` denominator) with the row's stat, period and window. The runbooks give
commands for few of them; the screen's row says what to ask.

The estate plays out ``eu-west-1-storage-outage`` first (at 600x), so that alarms, crashing
pods and a degraded health endpoint are there to find. "Same answers" is a light check per
screen (printed with it: alarms in ALARM, ready counts, statuses), never values that move
with the estate's clock (lags, restarts, metric values). Figures only, no asserts.

``--baseline REV`` also times ``cockpit status`` as it was at a git revision (its ``src/``,
``screens/`` and ``playbooks/`` extracted beside, first on ``PYTHONPATH``) in the same
rounds: before and after side by side. The warm column is what a running cockpit pays per
refresh of the same panes (clients already made).

Run: python bench/bench_status_vs_awscli.py [--rounds 3] [--screens a,b] [--baseline REV]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from cockpit.estate.process import EstateProcess, read_env_file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHIPPED = REPO / "screens"
PAIRS = [
    ("greenlang-prod-eu-west-1-data-lake-confidential", "greenlang-prod-eu-central-1-data-lake-confidential-replica"),
    ("greenlang-prod-eu-west-1-reports-confidential", "greenlang-prod-eu-central-1-reports-confidential-replica"),
    ("greenlang-prod-eu-west-1-models-internal", "greenlang-prod-eu-central-1-models-internal-replica"),
]
#: What a sourced env sets; dropped from the bench's own env before a screen's env is laid on.
ESTATE_KEYS = ("AWS_", "KUBECONFIG", "COCKPIT_")


class Runbook:
    """The SRE's terminal for one screen: its env sourced, one process per command."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.commands = 0

    def run(self, *argv: str) -> str:
        self.commands += 1
        out = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=120)
        if out.returncode:
            raise RuntimeError(f"{' '.join(argv[:4])}...: {out.stderr.strip()}")
        return out.stdout

    def aws(self, *args: str) -> dict:
        # The env's AWS_CONFIG_FILE loads the estate's aws-cli v1 plugin, so no --endpoint-url.
        return json.loads(self.run(sys.executable, "-m", "awscli", *args, "--output", "json") or "{}")

    def kubectl(self, *args: str) -> list[list[str]]:
        """kubectl's own table, as the runbook reads it: rows of columns, header dropped."""
        return [line.split() for line in self.run("/usr/bin/kubectl", *args).splitlines()[1:] if line.strip()]

    def curl(self, *args: str) -> str:
        return self.run("curl", "-s", *args)

    def metric(self, namespace: str, name: str, dimensions: dict, stat: str, period: int, minutes: int,
               region: str | None = None) -> list[dict]:
        end = datetime.now(timezone.utc)
        start = end - timedelta(minutes=minutes)
        args = ["cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", name,
                "--start-time", start.strftime("%Y-%m-%dT%H:%M:%S"), "--end-time", end.strftime("%Y-%m-%dT%H:%M:%S"),
                "--period", str(period)]
        if dimensions:
            args += ["--dimensions", *(f"Name={k},Value={v}" for k, v in dimensions.items())]
        args += ["--extended-statistics", stat] if stat.startswith("p") else ["--statistics", stat]
        return self.aws(*args, *(["--region", region] if region else []))["Datapoints"]


def alarms_in_alarm(rb: Runbook, regions: list[str], prefixes: tuple[str, ...] = ("",)) -> list[str]:
    names = []
    for region in regions:  # seed 001 "Check recent alarms" / seed 004 "Check for active alarms"
        found = rb.aws("cloudwatch", "describe-alarms", "--state-value", "ALARM", "--region", region)
        names += [a["AlarmName"] for a in found["MetricAlarms"] if a["AlarmName"].startswith(prefixes)]
    return sorted(names)


def screen_metrics(rb: Runbook, screen: dict) -> dict[str, bool]:
    """One get-metric-statistics per metrics row, and one per ``per:`` denominator: whether
    each row has a reading (a ratio reads once requests flow: errors unpublished are none)."""
    default_region = (screen.get("regions") or [None])[0]
    read = {}
    for row in screen.get("metrics", []):
        period, minutes = row.get("period_seconds", 60), row.get("window_minutes", 15)
        region = row.get("region", default_region)
        points = rb.metric(row["namespace"], row["metric"], row.get("dimensions", {}), row["stat"], period,
                           minutes, region)
        if per := row.get("per"):
            points = rb.metric(per["namespace"], per["metric"], per.get("dimensions", {}), "Sum", period,
                               minutes, region)
        read[f"metric {row['name']} read"] = bool(points)
    return read


def deployments(rows: list[list[str]], names: set[str] | None = None) -> dict[str, str]:
    """``kubectl get deployments``: NAME READY ... -> {name: "1/3"}."""
    return {r[0]: r[1] for r in rows if names is None or r[0] in names}


def not_running(rows: list[list[str]], namespace: str | None = None) -> list[str]:
    """``kubectl get pods [-A] | grep -v Running``, kept to the screen's namespace."""
    if namespace is None:  # -n NS: NAME READY STATUS ...
        return sorted(r[0] for r in rows if r[2] != "Running")
    return sorted(r[1] for r in rows if r[0] == namespace and r[3] != "Running")


# -- the peers: the runbook's commands for each screen's questions ---------------------------

def peer_morning_check(rb: Runbook, screen: dict) -> dict:
    """seed 001 daily check, both regions: describe-alarms --state-value ALARM x2; ecs list-services +
    describe-services per service; rds describe-db-instances; elbv2 describe-target-groups + describe-target-health
    per group; ReplicationLatency per pair (3)"""
    answers: dict = {"alarms": alarms_in_alarm(rb, ["eu-west-1", "us-east-1"])}
    arns = rb.aws("ecs", "list-services", "--cluster", "production-cluster", "--region", "us-east-1")
    for arn in arns["serviceArns"]:  # the runbook's `xargs -I {} aws ecs describe-services ...`
        svc = rb.aws("ecs", "describe-services", "--cluster", "production-cluster", "--services", arn,
                     "--region", "us-east-1")["services"][0]
        answers[f"ecs:{svc['serviceName']}"] = f"{svc['runningCount']}/{svc['desiredCount']}"
    dbs = rb.aws("rds", "describe-db-instances", "--region", "us-east-1")
    answers["rds"] = {d["DBInstanceIdentifier"]: d["DBInstanceStatus"] for d in dbs["DBInstances"]}
    answers.update(target_health(rb, "us-east-1"))
    for source, destination in PAIRS:
        points = rb.metric("AWS/S3", "ReplicationLatency", {"SourceBucket": source, "DestinationBucket": destination,
                                                            "RuleId": "replicate-critical-data"},
                           "Average", 300, 60, "eu-west-1")
        answers[f"lag:{source}"] = len(points) > 0
    return answers


def target_health(rb: Runbook, region: str) -> dict:
    answers = {}
    groups = rb.aws("elbv2", "describe-target-groups", "--region", region)
    for group in groups["TargetGroups"]:  # seed 001 "Check Load Balancer Health": xargs describe-target-health
        health = rb.aws("elbv2", "describe-target-health", "--target-group-arn", group["TargetGroupArn"],
                        "--region", region)
        states = [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]]
        answers[f"targets:{group['TargetGroupName']}"] = f"{states.count('healthy')}/{len(states)}"
    return answers


def peer_storage(rb: Runbook, screen: dict) -> dict:
    """seeds 000/003: describe-alarms --state-value ALARM per region (2); per replication pair get-metric-statistics
    ReplicationLatency, OperationsPendingReplication, OperationsFailedReplication (4 pairs, 12); kubectl get
    deployment storage-service api-gateway -n greenlang, get pods -n greenlang, get nodes; curl
    $COCKPIT_STORAGE_HEALTH_URL | jq .status; a get-metric-statistics per metrics row (+ per denominator: 7)"""
    answers: dict = {"alarms": alarms_in_alarm(rb, screen["regions"], tuple(screen["alarms"]["prefixes"]))}
    for pair in screen["replication"]:  # seed 000 "Replication Lag" troubleshooting, its alert matrix
        dims = {"SourceBucket": pair["source_bucket"], "DestinationBucket": pair["destination_bucket"],
                "RuleId": pair["rule_id"]}
        for metric, stat in (("ReplicationLatency", "Maximum"), ("OperationsPendingReplication", "Maximum"),
                             ("OperationsFailedReplication", "Sum")):
            rb.metric("AWS/S3", metric, dims, stat, 60, 30, pair["source_region"])
    k8s = screen["kubernetes"]
    answers["deployments"] = deployments(rb.kubectl("get", "deployment", *k8s["deployments"], "-n", "greenlang"))
    answers["pods not Running"] = not_running(rb.kubectl("get", "pods", "-n", "greenlang"))
    answers["nodes Ready"] = sum(r[1] == "Ready" for r in rb.kubectl("get", "nodes"))
    health = json.loads(rb.curl(rb.env["COCKPIT_STORAGE_HEALTH_URL"]) or "{}")
    answers["storage-health ok"] = health.get("status") == "ok"
    answers.update(screen_metrics(rb, screen))
    return answers


def peer_infrastructure(rb: Runbook, screen: dict) -> dict:
    """seed 001 morning check + P0 triage, us-east-1: describe-alarms --state-value ALARM; ecs list-services +
    describe-services per service; rds describe-db-instances; elbv2 describe-target-groups + describe-target-health
    per group (2); get-metric-statistics AWS/ECS CPUUtilization"""
    answers: dict = {"alarms": alarms_in_alarm(rb, screen["regions"], tuple(screen["alarms"]["prefixes"]))}
    cluster = screen["ecs"]["clusters"][0]["name"]
    for arn in rb.aws("ecs", "list-services", "--cluster", cluster)["serviceArns"]:
        svc = rb.aws("ecs", "describe-services", "--cluster", cluster, "--services", arn)["services"][0]
        answers[f"ecs:{svc['serviceName']}"] = f"{svc['runningCount']}/{svc['desiredCount']}"
    dbs = rb.aws("rds", "describe-db-instances")["DBInstances"]
    answers["rds"] = {d["DBInstanceIdentifier"]: d["DBInstanceStatus"] for d in dbs}
    answers.update(target_health(rb, screen["target_groups"]["region"]))
    answers.update(screen_metrics(rb, screen))
    return answers


def peer_flight_school(rb: Runbook, screen: dict) -> dict:
    """seed 004 health check: describe-alarms --state-value ALARM; dynamodb describe-table --table-name flight-schools;
    curl -w %{http_code} GET /schools, GET /schools/school-001, POST /explain-match; a get-metric-statistics per
    metrics row (+ per denominator: 9)"""
    answers: dict = {"alarms": alarms_in_alarm(rb, screen["regions"], tuple(screen["alarms"]["prefixes"]))}
    answers["table"] = rb.aws("dynamodb", "describe-table", "--table-name", "flight-schools")["Table"]["TableStatus"]
    api = rb.env["COCKPIT_FLIGHT_SCHOOL_API_URL"]
    payload = '{"student":{"trainingGoal":"PPL","maxBudget":15000},"school":{"name":"Test"},"matchScore":85}'
    code = ("-o", "/dev/null", "-w", "%{http_code}")
    answers["schools"] = rb.curl(*code, f"{api}/schools")
    answers["school-detail"] = rb.curl(*code, f"{api}/schools/school-001")
    answers["explain-match"] = rb.curl(*code, "-X", "POST", f"{api}/explain-match",
                                       "-H", "Content-Type: application/json", "-d", payload)
    answers.update(screen_metrics(rb, screen))
    return answers


def peer_platform(rb: Runbook, screen: dict) -> dict:
    """seed 002 morning checklist: kubectl get deployments -n greenlang, get pods -A | grep -v Running, get nodes; curl
    $COCKPIT_GRAFANA_URL/api/health; a get-metric-statistics per SLO row (+ per denominator: 5)"""
    answers: dict = {"deployments": deployments(rb.kubectl("get", "deployments", "-n", "greenlang"))}
    answers["pods not Running"] = not_running(rb.kubectl("get", "pods", "-A"), "greenlang")
    answers["nodes Ready"] = sum(r[1] == "Ready" for r in rb.kubectl("get", "nodes"))
    health = json.loads(rb.curl(f"{rb.env['COCKPIT_GRAFANA_URL']}/api/health") or "{}")
    answers["grafana ok"] = health.get("database") == "ok"
    answers.update(screen_metrics(rb, screen))
    return answers


# -- what cockpit status said, in the peer's terms (the light check) --------------------------

def items(report: dict, source: str) -> list[dict]:
    return report["sources"].get(source, {}).get("items", [])


def cockpit_answers(name: str, report: dict) -> dict:
    answers: dict = {}
    if name != "greenlang-platform":
        answers["alarms"] = sorted(i["name"] for i in items(report, "alarms") if i["state"] == "ALARM")
    kube = items(report, "kubernetes")
    if kube:
        answers["deployments"] = {i["name"]: f"{i['ready']}/{i['desired']}" for i in kube if i["kind"] == "deployment"}
        answers["pods not Running"] = sorted(i["name"] for i in kube if i["kind"] == "pod")
        answers["nodes Ready"] = next((i["ready"] for i in kube if i["kind"] == "nodes"), None)
    for i in items(report, "ecs"):
        answers[f"ecs:{i['name']}"] = f"{i['ready']}/{i['desired']}"
    if items(report, "rds"):
        answers["rds"] = {i["name"]: i["status"] for i in items(report, "rds")}
    for i in items(report, "targets"):
        answers[f"targets:{i['name']}"] = f"{i['detail']['states'].get('healthy', 0)}/{i['desired']}"
    for i in items(report, "dynamodb"):
        answers["table"] = i["status"]
    for i in items(report, "http"):
        answers[{"storage-health": "storage-health ok", "grafana": "grafana ok"}.get(i["name"], i["name"])] = (
            i["level"] == "ok" if i["name"] in ("storage-health", "grafana") else i["status"])
    for i in items(report, "metrics"):
        answers[f"metric {i['name']} read"] = i["detail"]["value"] is not None
    for i in items(report, "replication"):
        if name == "morning-check":
            answers[f"lag:{i['source_bucket']}"] = i.get("latency_seconds") is not None
    return answers


def compare(peer: dict, cockpit: dict) -> list[str]:
    """The keys both answered, differing (a key only one side has is not compared)."""
    return [f"{k}: runbook {peer[k]!r} vs cockpit {cockpit[k]!r}"
            for k in sorted(peer.keys() & cockpit.keys()) if peer[k] != cockpit[k]]


PEERS: dict[str, tuple[Callable[[Runbook, dict], dict], str]] = {
    # name: (peer, what "same answers" compares)
    "greenlang-storage": (peer_storage, "alarms in ALARM, deployments ready, pods not Running, nodes Ready, "
                                        "storage-health status ok, "
                                        "each metric row read or not"),
    "aws-infrastructure": (peer_infrastructure, "alarms in ALARM, ECS running/desired, RDS status, healthy targets, "
                                            "metric row read"),
    "flight-school": (peer_flight_school, "alarms in ALARM, table status, the three endpoints' HTTP codes, "
                                            "each metric row read or not"),
    "greenlang-platform": (peer_platform, "deployments ready, pods not Running, nodes Ready, grafana database ok, "
                                         "each metric row read or not"),
    "morning-check": (peer_morning_check, "alarms in ALARM (both regions), ECS, RDS status, healthy targets, "
                                          "a lag datapoint per pair"),
}
DEFAULT_SCREENS = ["greenlang-storage", "aws-infrastructure", "flight-school", "greenlang-platform", "morning-check"]


def screen_file(name: str) -> Path:
    return HERE / "screens" / f"{name}.yaml" if name == "morning-check" else SHIPPED / f"{name}.yaml"


def cockpit_status(env: dict[str, str], config: Path, screen: str, pythonpath: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "cockpit", "--config", str(config), "status", "--screen",
                          screen, "--json", "--all"], env=env | {"PYTHONPATH": pythonpath},
                         capture_output=True, text=True, timeout=120)
    if out.returncode not in (0, 1, 2, 3):
        raise RuntimeError(f"cockpit status --screen {screen} failed ({out.returncode}): {out.stderr.strip()}")
    return json.loads(out.stdout)


def with_history(db: Path) -> None:
    """A timeline holding one resolved incident, as an SRE's host has: the platform screen's
    MTTR row then reads a real file, as it would there, not the no-file shortcut."""
    from cockpit.timeline import Timeline

    with Timeline(db, actor="bench@host") as tl:
        incident = tl.declare("api-gateway 5xx", "P2")
        tl.resolve(incident.id)


def screen_env(base: dict[str, str], estate_env_file: Path, screen: str) -> dict[str, str]:
    """The bench's env with the screen's estate env sourced over it (the base one for morning-check)."""
    path = estate_env_file.with_name(f"{estate_env_file.name}.{screen}")
    return {k: v for k, v in base.items() if not k.startswith(ESTATE_KEYS)} | read_env_file(
        path if path.exists() else estate_env_file)


async def warm_refreshes(env: dict[str, str], screen_name: str, rounds: int) -> list[float]:
    """What a running cockpit pays per refresh of the same panes: clients already made."""
    from cockpit.content.screen import find_screen
    from cockpit.sources.board import build_sources, refresh_all
    from cockpit.sources.connections import Connections

    for key in [k for k in os.environ if k.startswith(ESTATE_KEYS)]:
        del os.environ[key]
    os.environ.update(env)
    screen = find_screen(screen_name, [HERE / "screens"])
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


def compile_tree(path: Path) -> None:
    """Byte-compile, as ``pip install`` does: an editable checkout run with
    PYTHONDONTWRITEBYTECODE=1 would otherwise recompile every edited module in every process."""
    import compileall

    compileall.compile_dir(path, quiet=1)


def extract_revision(rev: str, into: Path) -> str:
    """``src/cockpit`` of a revision, with its ``screens/`` and ``playbooks/`` where a checkout
    keeps them (``content/paths.py`` looks beside ``src/``); returns the path for PYTHONPATH."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", rev], check=True,
                            capture_output=True, text=True).stdout.split()
    paths = ["src/cockpit", *(p for p in ("screens", "playbooks") if p in listed)]
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", rev, *paths],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return str(into / "src")


def figures(times: list[float]) -> str:
    return f"{statistics.median(times):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--screens", default=",".join(DEFAULT_SCREENS),
                        help=f"comma-separated, of: {', '.join(PEERS)} (default: all)")
    parser.add_argument("--baseline", metavar="REV", help="also time `cockpit status` at this git revision")
    args = parser.parse_args()
    screens = [s.strip() for s in args.screens.split(",") if s.strip()]
    if unknown := [s for s in screens if s not in PEERS]:
        parser.error(f"unknown screen(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    import cockpit

    new_path = str(Path(cockpit.__file__).resolve().parent.parent)
    compile_tree(Path(new_path) / "cockpit")
    old_tmp = tempfile.TemporaryDirectory()
    old_path = None
    if args.baseline:
        old_path = extract_revision(args.baseline, Path(old_tmp.name))
        compile_tree(Path(old_path))
    definitions = {s: yaml.safe_load(screen_file(s).read_text()) for s in screens}
    estate = EstateProcess(scenario="eu-west-1-storage-outage", speed=600, timeout=60)
    with estate as estate_env, tempfile.TemporaryDirectory() as tmp:
        envs = {s: screen_env(dict(os.environ), estate.env_file, s) for s in screens}
        config = Path(tmp) / "config.toml"
        config.write_text(f'screens_dirs = ["{HERE / "screens"}"]\ndb = "{Path(tmp) / "timeline.db"}"\n')
        with_history(Path(tmp) / "timeline.db")
        status_url = f"{estate_env['COCKPIT_ESTATE_URL']}/_estate/status"
        settled = None
        while True:  # let the outage play out, so there is something in ALARM to find
            status = json.loads(urllib.request.urlopen(status_url).read())
            if settled is None and status["events_fired"] == status["events_total"]:
                # The last event stops the 5xx errors; the alarm clears when the estate next
                # evaluates it (two 5-min periods). 30 world minutes on, the alarms hold still,
                # or the first round's runbook and cockpit would see different states.
                settled = status["elapsed"] + 1800
            if settled is not None and status["elapsed"] >= settled:
                break
            time.sleep(0.2)
        peer_t: dict[str, list[float]] = {s: [] for s in screens}
        new_t: dict[str, list[float]] = {s: [] for s in screens}
        old_t: dict[str, list[float]] = {s: [] for s in screens}
        commands: dict[str, int] = {}
        same: dict[str, list[list[str]]] = {s: [] for s in screens}
        last: dict[str, tuple[dict, dict]] = {}
        for round_ in range(args.rounds):
            for s in screens:
                peer, _ = PEERS[s]
                runbook = Runbook(envs[s])
                steps = [("peer", lambda: peer(runbook, definitions[s])),
                         ("new", lambda: cockpit_status(envs[s], config, s, new_path))]
                if old_path:
                    steps.append(("old", lambda: cockpit_status(envs[s], config, s, old_path)))
                if round_ % 2:  # peer first, then last: neither always follows the other
                    steps.reverse()
                results = {}
                for which, step in steps:
                    seconds, results[which] = timed(step)
                    {"peer": peer_t, "new": new_t, "old": old_t}[which][s].append(seconds)
                commands[s] = runbook.commands
                answers = cockpit_answers(s, results["new"])
                same[s].append(compare(results["peer"], answers))
                last[s] = (results["peer"], answers)
        warm = {s: asyncio.run(warm_refreshes(envs[s], s, 5)) for s in screens}

    print(f"# {args.rounds} rounds on the eu-west-1-storage-outage estate (played out); per screen, alternating "
          f"the runbook's commands and `cockpit status --json`{f' (and at {args.baseline})' if old_path else ''}")
    print("# peer commands:")
    for s in screens:
        print(f"#   {s} ({commands[s]} processes): {' '.join(PEERS[s][0].__doc__.split())}")
    head = f"{'screen':<20} {'cmds':>4}  {'runbook way':>11}  {'cockpit':>9}  {'ratio':>6}"
    if old_path:
        head += f"  {'at ' + args.baseline:>11}  {'ratio':>6}"
    print(head + f"  {'warm':>6}  per-round ratio (runbook / cockpit)")
    for s in screens:
        peer, new = statistics.median(peer_t[s]), statistics.median(new_t[s])
        line = f"{s:<20} {commands[s]:>4}  {figures(peer_t[s]):>11}  {figures(new_t[s]):>9}  {peer / new:5.1f}x"
        if old_path:
            old = statistics.median(old_t[s])
            line += f"  {figures(old_t[s]):>11}  {peer / old:5.1f}x"
        line += f"  {statistics.median(warm[s]) * 1000:4.0f}ms  "
        print(line + ", ".join(f"{a / b:.1f}x" for a, b in zip(peer_t[s], new_t[s])))
    print("runs (s):")
    for s in screens:
        old_runs = f"; at {args.baseline} {' '.join(f'{t:.2f}' for t in old_t[s])}" if old_path else ""
        print(f"  {s}: runbook {' '.join(f'{t:.2f}' for t in peer_t[s])}; cockpit "
              f"{' '.join(f'{t:.2f}' for t in new_t[s])}{old_runs}")
    print("same answers (checked: what each line says; metric values, lags and restarts move with the clock):")
    for s in screens:
        agreed = sum(not diff for diff in same[s])
        peer_answers, _ = last[s]
        alarms = peer_answers.get("alarms")
        shown = f"; in ALARM: {', '.join(alarms) or 'none'}" if alarms is not None else ""
        print(f"  {s}: {'yes' if agreed == len(same[s]) else 'NO'} in {agreed}/{len(same[s])} rounds "
              f"({PEERS[s][1]}{shown})")
        for diff in next((d for d in reversed(same[s]) if d), []):
            print(f"      differs: {diff}")
    print_floor(args.rounds)
    old_tmp.cleanup()


#: What any process that asks CloudWatch through botocore pays before its first request and
#: before any of the cockpit's code: the floor under a screen with metric rows. Step by step,
#: each a fresh interpreter importing one thing more (the last is the whole floor).
CLIENT = ("botocore.session.get_session().create_client('cloudwatch', region_name='eu-west-1', "
          "aws_access_key_id='x', aws_secret_access_key='x')")
FLOOR_STEPS = [
    ("python -c pass", "pass"),
    ("+ asyncio", "import asyncio"),
    ("+ pydantic, click", "import asyncio, pydantic, click"),
    ("+ botocore.session", "import asyncio, pydantic, click, botocore.session"),
    ("+ one CloudWatch client", f"import asyncio, pydantic, click, botocore.session; {CLIENT}"),
    ("botocore and one client alone", f"import botocore.session; {CLIENT}"),
]


def print_floor(rounds: int) -> None:
    """The floor, measured in fresh interpreters (alternating the steps, so all see the same
    load): their start plus the imports and one client, no request."""
    walls: dict[str, list[float]] = {label: [] for label, _ in FLOOR_STEPS}
    for _ in range(max(rounds, 5)):
        for label, code in FLOOR_STEPS:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            walls[label].append(time.perf_counter() - began)
    runs = len(walls[FLOOR_STEPS[0][0]])
    print(f"floor, step by step (fresh interpreters, {runs} runs each, medians):")
    for label, _ in FLOOR_STEPS:
        print(f"  {label:<32} {statistics.median(walls[label]) * 1000:5.0f} ms")
    whole = statistics.median(walls[FLOOR_STEPS[4][0]])
    print(f"floor: a fresh python importing asyncio, pydantic, click and botocore and building one CloudWatch "
          f"client, no request: median {whole:.2f} s ({runs} runs)")

if __name__ == "__main__":
    main()

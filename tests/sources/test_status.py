"""``cockpit status`` as a real process: exit codes 0/1/2/3 and 64, the JSON document, bad screen names."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import yaml
from aiohttp import web

from .conftest import serve

import pytest

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

PROBE = ("import sys, runpy\n"
         "sys.argv = ['cockpit'] + sys.argv[1:]\n"
         "try:\n"
         "    from cockpit.cli import main; main()\n"
         "finally:\n"
         "    bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
         "    if bad: sys.stderr.write('TEXTUAL LOADED\\n')\n"
         "    if 'aiohttp' in sys.modules: sys.stderr.write('AIOHTTP LOADED\\n')\n")


async def run_status(tmp_path: Path, *args: str, config_text: str | None = None) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    config.write_text(config_text if config_text is not None else f'screens_dirs = ["{tmp_path / "screens"}"]\n')
    env = {**os.environ, "COCKPIT_CONFIG": str(config)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", PROBE, "status", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode(), err.decode()


def write_screen(tmp_path: Path, **fields) -> None:
    folder = tmp_path / "screens"
    folder.mkdir(exist_ok=True)
    fields = {"name": "test-status", "title": "status test", **fields}
    (folder / f"{fields['name']}.yaml").write_text(yaml.safe_dump(fields))


async def test_exit_codes_and_json_follow_the_worst_finding(aws, tmp_path):
    state = {"status": "ok"}

    async def health(request):
        return web.json_response({"status": state["status"]})

    app = web.Application()
    app.router.add_get("/health", health)
    server = await serve(app)
    cw = aws.client("cloudwatch", "us-east-1")
    cw.put_metric_alarm(AlarmName="prod-rds-high-cpu", MetricName="CPUUtilization", Namespace="AWS/RDS",
                        Statistic="Average", Period=300, EvaluationPeriods=2, Threshold=80,
                        ComparisonOperator="GreaterThanThreshold")
    write_screen(tmp_path, regions=["us-east-1"],
                 alarms={"prefixes": ["prod-"], "recent_ok_minutes": 0,
                         "severity": [{"match": "high-cpu", "severity": "critical"}]},
                 endpoints=[{"name": "health", "url": str(server.make_url("/health")), "field": "status",
                             "expect": "ok"}])
    try:
        code, out, err = await run_status(tmp_path, "--screen", "test-status", "--json")
        assert (code, err) == (0, ""), err  # the HTTP endpoint is read without importing aiohttp
        doc = json.loads(out)
        assert doc["version"] == 2 and doc["screen"] == "test-status" and doc["level"] == "ok"
        assert set(doc["sources"]) == {"alarms", "http"}
        http = doc["sources"]["http"]
        assert http["pane"] == "services" and http["stale"] is False and http["error"] is None
        assert http["items"][0]["name"] == "health" and http["items"][0]["level"] == "ok"
        assert doc["generated_at"].endswith("Z") and http["age_seconds"] >= 0

        state["status"] = "degraded"  # HTTP field mismatch: critical
        code, out, _ = await run_status(tmp_path, "--screen", "test-status")
        assert code == 2 and "CRIT endpoint health" in out

        state["status"] = "ok"
        cw.set_alarm_state(AlarmName="prod-rds-high-cpu", StateValue="INSUFFICIENT_DATA", StateReason="no data")
        code, out, _ = await run_status(tmp_path, "--screen", "test-status", "--json")
        assert code == 1 and json.loads(out)["sources"]["alarms"]["items"][0]["state"] == "INSUFFICIENT_DATA"

        cw.set_alarm_state(AlarmName="prod-rds-high-cpu", StateValue="ALARM", StateReason="CPU 97%")
        code, out, _ = await run_status(tmp_path, "--screen", "test-status", "--json")
        doc = json.loads(out)
        assert code == 2 and doc["exit_code"] == 2 and doc["counts"]["critical"] == 1
        alarm = doc["sources"]["alarms"]["items"][0]
        assert (alarm["name"], alarm["severity"], alarm["level"], alarm["reason"]) == \
            ("prod-rds-high-cpu", "critical", "critical", "CPU 97%")
    finally:
        await server.close()


async def test_an_unreadable_source_is_unknown_not_a_warning(aws, tmp_path, monkeypatch):
    """"I cannot see the alarms" must not read as "one alarm is warm": exit 3 (the plugin
    convention's UNKNOWN), level and counts say unknown, the text says UNKN."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    write_screen(tmp_path, regions=["us-east-1"], alarms={"prefixes": ["prod-"]},
                 replication=[{"id": "lake", "source_bucket": "a", "destination_bucket": "b",
                               "source_region": "us-east-1", "rule_id": "r", "rpo_seconds": 900}])

    code, out, _ = await run_status(tmp_path, "--screen", "test-status", "--json", "--timeout", "5")

    doc = json.loads(out)
    alarms = doc["sources"]["alarms"]
    assert code == 3 and doc["exit_code"] == 3 and doc["level"] == "unknown"
    assert alarms["level"] == "unknown" and doc["sources"]["replication"]["level"] == "unknown"
    assert alarms["error"]["kind"] in ("unreachable", "timeout") and alarms["fetched_at"] is None
    assert doc["counts"] == {"ok": 0, "warning": 0, "unknown": 2, "critical": 0}

    code, out, _ = await run_status(tmp_path, "--screen", "test-status", "--timeout", "5")
    assert code == 3 and out.startswith("test-status: UNKNOWN") and "[UNKNOWN ] alarms" in out


async def test_critical_wins_over_unknown(aws, tmp_path, monkeypatch):
    """A critical finding someone can see outranks a source nobody can: exit 2, not 3."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    write_screen(tmp_path, regions=["us-east-1"], alarms={"prefixes": ["prod-"]},
                 endpoints=[{"name": "dead", "url": "http://127.0.0.1:9/health", "timeout_seconds": 2}])

    code, out, _ = await run_status(tmp_path, "--screen", "test-status", "--json", "--timeout", "5")

    doc = json.loads(out)
    assert doc["sources"]["alarms"]["level"] == "unknown"
    assert doc["sources"]["http"]["items"][0]["level"] == "critical"  # a dead endpoint is a finding
    assert (code, doc["level"]) == (2, "critical")
    assert doc["counts"]["unknown"] == 1 and doc["counts"]["critical"] == 1


async def test_usage_errors_exit_64_not_a_level(tmp_path):
    """click exits 2 on a usage error, which a monitoring runner reads as CRITICAL."""
    write_screen(tmp_path)
    code, out, err = await run_status(tmp_path, "--timeout", "0")
    assert code == 64 and out == "" and "Invalid value for '--timeout'" in err
    code, _, err = await run_status(tmp_path, "--no-such-option")
    assert code == 64 and "No such option" in err
    code, out, err = await run_status(tmp_path, config_text="screen = [\n")  # a broken config file
    assert code == 64 and out == "" and err.startswith("cockpit: error: ") and err.count("\n") == 1, err
    code, out, _ = await run_status(tmp_path, "--help")
    assert code == 0 and "64 usage error" in " ".join(out.split())


async def test_a_hung_aws_endpoint_costs_the_timeout_not_the_retries(aws, tmp_path, monkeypatch):
    """A server that accepts and never answers: status reports it after --timeout and exits.

    botocore would wait 8 s per attempt, three attempts; the call is abandoned, not awaited.
    """
    async def accept_and_hang(reader, writer):
        await asyncio.sleep(60)

    server = await asyncio.start_server(accept_and_hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    write_screen(tmp_path, regions=["us-east-1"], alarms={"prefixes": ["prod-"]})
    try:
        began = asyncio.get_running_loop().time()
        code, out, err = await run_status(tmp_path, "--screen", "test-status", "--json", "--timeout", "1")
        took = asyncio.get_running_loop().time() - began
    finally:
        server.close()
    alarms = json.loads(out)["sources"]["alarms"]
    assert code == 3 and alarms["error"]["kind"] == "timeout", (out, err)
    assert took < 8, f"status took {took:.1f}s: it waited for the hung call"
    assert "AIOHTTP LOADED" not in err  # an AWS-only screen needs botocore alone


async def test_unknown_screen_is_one_line_listing_the_available_ones(tmp_path):
    write_screen(tmp_path)
    code, out, err = await run_status(tmp_path, "--screen", "nope")
    assert code == 64 and out == ""
    assert err.count("\n") == 1 and "no screen named 'nope'" in err
    assert "greenlang-storage" in err and "test-status" in err
    assert "TEXTUAL LOADED" not in err


async def test_timeout_bounds_the_whole_command_and_prints_what_answered(tmp_path, monkeypatch):
    """AWS, the Kubernetes API and one endpoint (allowed 30 s of its own) hang; one endpoint answers.

    ``--timeout 5`` is the whole command's bound: the answer is printed after about 5 s, the
    hung sources say they timed out, the exit code is non-zero. Before, each source had its
    own bound and the endpoint's 30 s (+2) held the command. (5 s, not 2: on a loaded CI box
    the command's own start-up ate a 2 s budget before the good endpoint was asked.)
    """
    from tests.hangserver import HangingServer

    async def health(request):
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    good = await serve(app)
    with HangingServer() as hang:
        for key, value in hang.env(tmp_path).items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        write_screen(tmp_path, regions=["us-east-1"], alarms={"prefixes": ["prod-"]},
                     kubernetes={"namespaces": ["default"], "deployments": ["web"]},
                     endpoints=[{"name": "hung", "url": f"{hang.url}/health", "timeout_seconds": 30},
                                {"name": "good", "url": str(good.make_url("/health")), "field": "status",
                                 "expect": "ok"}])
        try:
            began = asyncio.get_running_loop().time()
            code, out, err = await run_status(tmp_path, "--screen", "test-status", "--json", "--timeout", "5")
            took = asyncio.get_running_loop().time() - began
        finally:
            await good.close()
    assert took < 5 + 4, f"status --timeout 5 took {took:.1f}s"
    assert "Traceback" not in err
    doc = json.loads(out)
    assert code == 3 and doc["level"] == "unknown"  # nothing is known to be wrong; much is not known
    sources = doc["sources"]
    assert sources["alarms"]["error"]["kind"] == "timeout"
    assert sources["kubernetes"]["error"]["kind"] == "timeout"
    endpoints = {item["name"]: item for item in sources["http"]["items"]}  # what answered is printed
    assert set(endpoints) == {"good", "hung"}, sources["http"]["error"]
    assert endpoints["good"]["level"] == "ok" and endpoints["hung"]["status"] == "timeout", sources["http"]
    # Cut short by --timeout 5, not by its own 30 s: its health is unknown, not "down".
    assert endpoints["hung"]["level"] == "unknown", endpoints["hung"]

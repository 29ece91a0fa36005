"""Every step has a bound: `cockpit run` against a provider that accepts and never answers.

The hanging server (tests/hangserver.py) is the Kubernetes API in a kubeconfig and the AWS
endpoint at once. Without bounds, a k8s step waited forever (kubernetes-asyncio's default
request timeout is none at all) and an aws step as long as botocore's three attempts of its
read timeout. Each test runs the real CLI as a process and measures the wall clock.
"""

from __future__ import annotations

import time

import pytest

from tests.engine.conftest import cli_env, cockpit, events_of, incident_id, steps_of, write_playbook
from tests.hangserver import HangingServer

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

PLAYBOOK = """
id: hang-test
title: Hang test
steps:
  - id: {id}
    kind: {kind}
    title: {title}
{body}
"""


def _run(tmp_path, hang: HangingServer, step_id: str, kind: str, body: str) -> tuple:
    folder = tmp_path / "playbooks"
    write_playbook(folder, PLAYBOOK.format(id=step_id, kind=kind, title=f"{kind} against a hung server", body=body))
    env = cli_env(hang.env(tmp_path), tmp_path)
    db = tmp_path / "t.db"
    began = time.monotonic()
    proc = cockpit(["run", "hang-test", "--dir", str(folder), "--title", "t", "--severity", "P3", "--yes"],
                   env, db, timeout=120)
    return proc, time.monotonic() - began, db


@pytest.mark.parametrize("step_id, kind, body, bound", [
    ("read_deploy", "k8s", "    action: get\n    resource: deployment\n    name: web\n    namespace: default\n"
                           "    timeout: 3s\n", 3),
    ("alarms", "aws", "    service: cloudwatch\n    operation: DescribeAlarms\n    timeout: 3s\n", 3),
])
def test_a_step_against_a_hung_provider_fails_at_its_timeout(tmp_path, step_id, kind, body, bound):
    with HangingServer() as hang:
        proc, took, db = _run(tmp_path, hang, step_id, kind, body)
        assert hang.connections >= 1  # it really reached the server
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert took < bound + 10, f"cockpit run took {took:.1f}s against a {bound}s bound"
    assert "Traceback" not in proc.stderr
    last = out.strip().splitlines()[-1]  # the one line a responder reads: which step, what, timed out after N s
    assert last.startswith("run ") and f"step {step_id} failed: timed out after {bound}s: {kind} " in last, out
    _, steps = steps_of(db, incident_id(out))
    assert steps[step_id].state == "failed" and steps[step_id].error.startswith(f"timed out after {bound}s")
    failed = [e for e in events_of(db, incident_id(out)) if e.kind == "step_failed"]
    assert failed and failed[-1].data["timed_out_after_s"] == bound


def test_every_executing_kind_has_a_default_bound():
    """A step kind added without a default would run unbounded (or crash on a KeyError)."""
    from typing import get_args

    from cockpit.content.steps import Step
    from cockpit.content import steps as kinds
    from cockpit.engine.steps import step_bound

    for cls in get_args(get_args(Step)[0]):
        kind = get_args(cls.model_fields["kind"].annotation)[0]
        if kinds.of(kind).person:
            continue
        fields = {"id": "s", "title": "t", "kind": kind, "risk": "destructive", "confirm": "yes", "argv": ["true"], "service": "sts",
                  "operation": "GetCallerIdentity", "url": "http://x", "action": "get", "resource": "pod",
                  "text": "hi", "check": {"kind": "http", "url": "http://x", "expect": [{"jmespath": "a", "equals": 1}]}}
        step = cls.model_validate({k: v for k, v in fields.items() if k in cls.model_fields})
        assert 0 < step_bound(step) <= 600, kind


def test_a_wait_on_a_hung_provider_counts_failed_checks_and_ends_at_its_timeout(tmp_path):
    """A wait's `timeout` is how long to wait for the condition; each check is bounded on its own."""
    body = ("    interval: 1s\n    timeout: 4s\n    check:\n      kind: k8s\n      action: get\n"
            "      resource: deployment\n      name: web\n      namespace: default\n"
            "      expect: [{jmespath: status.readyReplicas, equals: 3}]\n")
    with HangingServer() as hang:
        proc, took, db = _run(tmp_path, hang, "until_ready", "wait", body)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    # the first check hangs; it is cut at the wait's own deadline, not after the 20 s a request may take
    assert took < 4 + 10, f"took {took:.1f}s"
    last = proc.stdout.strip().splitlines()[-1]
    assert "step until_ready failed: timed out after 4s: waiting on k8s get deployment/web in default: " \
           "the condition did not hold (1 check; last: no answer within" in last, proc.stdout


def test_a_write_that_times_out_is_unknown_and_is_never_retried_by_itself(tmp_path):
    """The request may have reached AWS and been applied: the run stops for a person's verdict
    (exit 3, as after a crash) instead of calling it failed, and its retries do not fire it again."""
    body = ("    service: cloudwatch\n    operation: SetAlarmState\n    timeout: 3s\n    retries: 2\n"
            "    retry_delay: 0s\n    params: {AlarmName: a, StateValue: OK, StateReason: drill}\n")
    with HangingServer() as hang:
        proc, took, db = _run(tmp_path, hang, "set_state", "aws", body)
        attempts = hang.connections
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert took < 3 + 10, f"took {took:.1f}s"
    assert "set_state" in proc.stderr and "--resolve set_state=" in proc.stderr, proc.stderr
    _, steps = steps_of(db, incident_id(proc.stdout))
    assert steps["set_state"].state == "unknown" and steps["set_state"].attempt == 1
    assert attempts >= 1
    unknown = [e for e in events_of(db, incident_id(proc.stdout)) if e.kind == "step_unknown"]
    assert unknown and "may have been applied" in unknown[-1].message

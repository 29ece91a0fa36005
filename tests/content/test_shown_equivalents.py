"""The aws / kubectl line shown beside each step is one a responder can paste and it works.

Every shipped playbook's Kubernetes ConfigMap steps and every AWS read that takes a list
are rendered as `cockpit playbook show` and the guided screen show them, then run for real
with kubectl and aws-cli against an estate: the command must be accepted, and the
ConfigMap must end up as the engine would leave it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from cockpit.content import templating
from cockpit.content.describe import describe_step
from cockpit.content.params import ParameterError, resolve_params
from cockpit.content.step_base import Risk
from cockpit.content.steps import AwsStep, K8sStep
from cockpit.content.playbooks import load_catalog

needs_kubectl = pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl is needed to run the shown commands")
needs_aws = pytest.mark.skipif(not shutil.which("aws"), reason="aws-cli (the test extra) runs the shown commands")


def _shown(step, playbook) -> str:
    ctx = templating.preview_context(resolve_params(playbook, {}))
    commands = [line.split("$ ", 1)[1] for line in describe_step(step, ctx) if "$ " in line]
    assert len(commands) == 1, commands
    return commands[0]


def _steps(kind):
    """(playbook, step) of that kind, in the playbooks whose parameters all have defaults."""
    for playbook in load_catalog().playbooks.values():
        try:
            resolve_params(playbook, {})
        except ParameterError:
            continue  # needs a responder's values (a bucket and key to restore)
        for step in playbook.steps:
            if isinstance(step, kind):
                yield playbook, step


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60)


@needs_kubectl
def test_configmap_commands_shown_do_what_the_step_does(start_estate) -> None:
    estate = start_estate()  # its own: these write
    steps = [(pb, s) for pb, s in _steps(K8sStep) if s.action in ("apply_configmap", "patch_configmap")]
    assert steps, "the shipped playbooks change ConfigMaps (the DR failover does)"
    for playbook, step in steps:
        ctx = templating.preview_context(resolve_params(playbook, {}))
        namespace, name = templating.preview_value(step.namespace, ctx), templating.preview_value(step.name, ctx)
        data = templating.preview_value(step.data, ctx)
        if any(templating.has_template(str(v)) for v in data.values()):
            continue  # needs an earlier step's output
        done = _run(_shown(step, playbook), estate.env)
        assert done.returncode == 0, (playbook.id, step.id, _shown(step, playbook), done.stderr)
        got = _run(f"kubectl -n {namespace} get configmap {name} -o json", estate.env)
        assert got.returncode == 0, got.stderr
        assert {k: str(v) for k, v in data.items()}.items() <= json.loads(got.stdout)["data"].items()


@needs_aws
def test_aws_reads_with_lists_are_shown_as_aws_cli_takes_them(estate_env) -> None:
    ran = 0
    for playbook, step in _steps(AwsStep):
        if step.risk is not Risk.read or step.presign:
            continue
        ctx = templating.preview_context(resolve_params(playbook, {}))
        params = templating.preview_value(step.params, ctx)
        if not any(isinstance(v, list) and v and all(isinstance(i, str) for i in v) for v in params.values()):
            continue
        if templating.has_template(json.dumps(params)):
            continue
        command = _shown(step, playbook)
        done = _run(command + " --output json", estate_env)
        assert done.returncode == 0, (playbook.id, step.id, command, done.stderr)
        ran += 1
    assert ran, "some read takes a list (describe-alarms --alarm-names)"

"""The exact call a step makes, as text a responder can read and reproduce by hand.

``cockpit playbook show``, dry runs and the guided screen print the same lines: the AWS call
with its equivalent ``aws`` CLI command, the ``kubectl`` command, the HTTP request, the argv.
Values are rendered with what is known (parameters); what is not known yet (an earlier
step's output) shows as ``<steps.find_hc.outputs.id>``.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from cockpit.content import templating, urls
from cockpit.content.durations import format_duration
from cockpit.content.playbook import (
    ApproveStep, AwsCall, ChooseStep, HttpCall, K8sCall, ManualStep, NotifyStep, Playbook, ShellStep, StepBase,
    WaitStep, sent_headers,
)

_CLI_SERVICE = {"s3": "s3api"}


def _snake(name: str) -> str:
    from botocore import xform_name  # local: botocore is heavy and only previews need it here

    return xform_name(name, "-")


def _arg(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return shlex.quote(text)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def aws_cli(call: AwsCall, params: dict[str, Any], region: Any) -> str:
    """The ``aws`` command line equivalent to a rendered AWS call.

    A list of plain values is written as aws-cli's own shorthand, one argument each
    (``--alarm-names a b``), as a responder types it; structures stay JSON, which aws-cli
    also reads."""
    where = f" --region {shlex.quote(str(region))}" if region else ""
    if call.presign:
        bucket, key = params.get("Bucket", "BUCKET"), params.get("Key", "KEY")
        return f"aws s3 presign s3://{bucket}/{key} --expires-in {call.expires_in}{where}"
    service = _CLI_SERVICE.get(call.service, call.service)
    parts = [f"aws {service} {_snake(call.operation)}"]
    for name, value in params.items():
        if value is True:
            parts.append(f"--{_snake(name)}")
        elif value is False:
            parts.append(f"--no-{_snake(name)}")
        elif isinstance(value, list) and value and all(_scalar(v) for v in value):
            parts.append(f"--{_snake(name)} " + " ".join(shlex.quote(str(v)) for v in value))
        else:
            parts.append(f"--{_snake(name)} {_arg(value)}")
    return " ".join(parts) + where


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _call_lines(call: AwsCall | HttpCall | K8sCall, ctx: dict[str, Any]) -> list[str]:
    render = templating.preview_value
    lines: list[str] = []
    if isinstance(call, AwsCall):
        params = render(call.params, ctx)
        region = render(call.region, ctx) if call.region else None
        verb = "presign" if call.presign else "call"
        lines.append(f"{verb}: {call.service} {call.operation} {_json(params)}"
                     + (f" in {region}" if region else " (default region)"))
        lines.append(f"  $ {aws_cli(call, params, region)}")
    elif isinstance(call, K8sCall):
        ns, name = render(call.namespace, ctx), render(call.name, ctx) if call.name else None
        target = f"{call.resource}/{name}" if name else call.resource
        if call.action == "rollout_restart":
            cmd = f"kubectl -n {ns} rollout restart {target}"
        elif call.action == "rollout_status":
            timeout = getattr(call, "timeout", None)
            cmd = f"kubectl -n {ns} rollout status {target}" + (f" --timeout={int(timeout)}s" if timeout else "")
        elif call.action == "scale":
            cmd = f"kubectl -n {ns} scale {target} --replicas={render(call.replicas, ctx)}"
        elif call.action == "get":  # nodes belong to no namespace
            cmd = f"kubectl {'' if call.resource == 'node' else f'-n {ns} '}get {target} -o json"
        elif call.action == "apply_configmap":  # create, or replace the data: what the engine does
            literals = " ".join(shlex.quote(f"--from-literal={k}={v}") for k, v in render(call.data, ctx).items())
            cmd = (f"kubectl -n {ns} create configmap {name} {literals} --dry-run=client -o yaml"
                   f" | kubectl -n {ns} apply -f -")
        elif call.action == "cordon":
            cmd = f"kubectl cordon {name}"
        elif call.action == "drain":  # what the engine does: cordon, then delete the node's pods
            cmd = f"kubectl drain {name} --ignore-daemonsets --delete-emptydir-data --disable-eviction"
        elif call.action == "delete":
            cmd = f"kubectl delete {target}" if call.resource == "node" else f"kubectl -n {ns} delete {target}"
        else:  # patch_configmap: merge these keys into the data
            cmd = f"kubectl -n {ns} patch configmap {name} --type merge -p {_arg({'data': render(call.data, ctx)})}"
        lines.append(f"call: $ {cmd}")
    else:
        lines.append(f"call: {call.method} {urls.preview_url(call.url, ctx)}")
        for key, value in sent_headers(render(call.headers, ctx)).items():
            lines.append(f"  header {key}: {value}")
        if call.json_body is not None:
            lines.append(f"  json: {_json(render(call.json_body, ctx))}")
        lines.append(f"  expect status {call.status}")
    for exp in call.expect:
        test, operand = exp.test
        lines.append(f"expect: {render(exp.jmespath, ctx)} {test} {_json(render(operand, ctx))}")
    for name, path in call.outputs.items():
        lines.append(f"output {name} <- {render(path, ctx)}")
    return lines


def describe_step(step: StepBase, ctx: dict[str, Any], responder: bool = False) -> list[str]:
    """Lines saying exactly what ``step`` does, rendered with ``ctx`` (see templating.preview_context).

    ``responder``: for the person running the step (the guided screen), a decision's options
    show their evidence as it reads now, never the template condition an author wrote
    (``cockpit playbook show``, for authors, shows the condition).
    """
    render = templating.preview_value
    lines: list[str] = []
    if step.when:
        lines.append(f"only when: {step.when}")
    if isinstance(step, (AwsCall, HttpCall, K8sCall)):
        lines += _call_lines(step, ctx)
    elif isinstance(step, ShellStep):
        lines.append(f"run: $ {shlex.join(str(a) for a in render(step.argv, ctx))}")
        for key, value in render(step.env, ctx).items():
            lines.append(f"  env {key}={value}")
        if step.cwd:
            lines.append(f"  in {render(step.cwd, ctx)}")
    elif isinstance(step, WaitStep):
        lines.append(f"every {format_duration(step.interval)} for up to {format_duration(step.timeout)}, "
                     f"until {step.until or 'the expectations hold'}:")
        lines += ["  " + line for line in _call_lines(step.check, ctx)]
    elif isinstance(step, ApproveStep):
        lines.append(f"approval by {step.approver}: {render(step.prompt, ctx)}")
    elif isinstance(step, ChooseStep):
        lines.append(f"decide: {' '.join(str(render(step.prompt, ctx)).split())}")
        for option in step.options:
            then = f" -> {option.goto}" if option.goto else ""
            if responder:
                lines.append(f"  - {' '.join(str(render(option.label, ctx)).split())}{then}")
                evidence = " ".join(str(render(option.evidence, ctx)).split()) if option.evidence else ""
                if evidence and not templating.has_template(evidence):  # unrenderable yet: nothing to read
                    lines.append(f"      {evidence}")
                continue
            when = f"  [when {' '.join(option.condition.split())}]" if option.condition else ""
            lines.append(f"  - {option.id}: {option.label}{then}{when}")
    elif isinstance(step, NotifyStep):
        where = render(step.webhook, ctx) if step.webhook else "the configured webhook"
        channel = f" {render(step.channel, ctx)}" if step.channel else ""
        lines.append(f"notify{channel} via {where}:")
        lines += [f"  | {line}" for line in str(render(step.text, ctx)).splitlines()]
    elif isinstance(step, ManualStep):
        lines += [f"[ ] {render(item, ctx)}" for item in step.checklist]
    if step.confirm:
        lines.append(f"confirm by typing: {render(step.confirm, ctx)}")
    if step.on_failure != "abort":
        lines.append(f"on failure: {step.on_failure}")
    return lines


def render_playbook(playbook: Playbook, assignments: tuple[str, ...] | list[str] = (), screen: Any = None) -> str:
    """The whole playbook as text: header, targets, parameters and every step's exact call.

    Parameters take the given ``NAME=VALUE`` assignments, else their defaults (from the screen
    when one is given); a parameter with neither previews as ``<params.NAME>``.
    """
    from cockpit.content.params import ParameterError, default_of, parse_assignments, shown_value

    given = parse_assignments(list(assignments))
    problems = [f"unknown parameter {n!r} for {playbook.id}" for n in given if n not in playbook.parameters]
    values: dict[str, Any] = {}
    for name, param in playbook.parameters.items():
        try:
            value = param.coerce(given[name]) if name in given else default_of(param, screen)
        except ValueError as exc:
            problems.append(f"parameter {name}: {exc}")
            continue
        if value is not None:
            values[name] = shown_value(value, param.secret)
    if problems:
        raise ParameterError(problems)
    ctx = templating.preview_context(values)
    out = [f"{playbook.id}: {playbook.title}"]
    if playbook.description:
        out += [f"  {line}" for line in playbook.description.strip().splitlines()]
    if playbook.tags:
        out.append(f"tags: {', '.join(playbook.tags)}")
    applies = playbook.applies_to
    if applies.severities or applies.screens:
        out.append(f"applies to: {', '.join(applies.severities) or 'any severity'}"
                   f" on {', '.join(applies.screens) or 'any screen'}")
    targets = playbook.targets
    if targets.rto or targets.rpo or targets.phases:
        bits = [f"RTO {format_duration(targets.rto)}" if targets.rto else "",
                f"RPO {format_duration(targets.rpo)}" if targets.rpo else ""]
        bits += [f"{p.id} {format_duration(p.budget)}" if p.budget else p.id for p in targets.phases]
        out.append("targets: " + ", ".join(b for b in bits if b))
    if playbook.parameters:
        out.append("parameters:")
        for name, param in playbook.parameters.items():
            shown = values.get(name, "(required)" if param.required else "(unset)")
            out.append(f"  {name} = {shown}  [{param.type}]" + (f"  {param.description.strip()}" if param.description else ""))
    out.append("steps:")
    for number, step in enumerate(playbook.steps, 1):
        phase = f"  ({step.phase})" if step.phase else ""
        risk = step.risk.value if step.risk else "read"
        out.append(f"{number:>3}. {step.id}  [{step.kind}, {risk}]  {templating.preview_value(step.title, ctx)}{phase}")
        out += [f"       {line}" for line in describe_step(step, ctx)]
    return "\n".join(out)

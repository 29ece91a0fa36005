"""The exact call an AWS, Kubernetes or HTTP call makes, as text a responder can reproduce by hand.

``cockpit playbook show``, dry runs and the guided screen print the same lines: the AWS call
with its equivalent ``aws`` CLI command, the ``kubectl`` command, the HTTP request. The step
kinds that make these calls (aws, k8s, http, wait) describe themselves with it
(``content/steps/``).
Values are rendered with what is known (parameters); what is not known yet (an earlier
step's output) shows as ``<steps.find_hc.outputs.id>``.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from cockpit.content import templating, urls
from cockpit.content.step_base import AwsCall, HttpCall, K8sCall, sent_headers

_CLI_SERVICE = {"s3": "s3api"}


def _snake(name: str) -> str:
    from botocore import xform_name  # local: botocore is heavy and only previews need it here

    return xform_name(name, "-")


def quote(text: str) -> str:
    """``shlex.quote``, or bash's ``$'…'`` with escapes when the text holds a character a
    terminal acts on or hides (ESC, BEL, a newline, a bidi control): the line shown would
    lose those (they are stripped before display) and name another value, e.g. another
    object key. Escaped, the line is printable and pastes as the very value."""
    if text.isprintable():
        return shlex.quote(text)
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:  # its UTF-8 bytes: bash's \u depends on the locale, \x does not
            out.append("".join(f"\\x{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass")))
    return "$'" + "".join(out) + "'"


def _arg(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return quote(text)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def aws_cli(call: AwsCall, params: dict[str, Any], region: Any) -> str:
    """The ``aws`` command line equivalent to a rendered AWS call.

    A list of plain values is written as aws-cli's own shorthand, one argument each
    (``--alarm-names a b``), as a responder types it; structures stay JSON, which aws-cli
    also reads."""
    where = f" --region {quote(str(region))}" if region else ""
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
            parts.append(f"--{_snake(name)} " + " ".join(quote(str(v)) for v in value))
        else:
            parts.append(f"--{_snake(name)} {_arg(value)}")
    return " ".join(parts) + where


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def call_lines(call: AwsCall | HttpCall | K8sCall, ctx: dict[str, Any]) -> list[str]:
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
        # Every value quoted: a name from a step's output or a parameter is pasted into a shell.
        ns = quote(str(render(call.namespace, ctx)))
        name = quote(str(render(call.name, ctx))) if call.name else None
        target = quote(f"{call.resource}/{render(call.name, ctx)}") if call.name else call.resource
        if call.action == "rollout_restart":
            cmd = f"kubectl -n {ns} rollout restart {target}"
        elif call.action == "rollout_status":
            timeout = getattr(call, "timeout", None)
            cmd = f"kubectl -n {ns} rollout status {target}" + (f" --timeout={int(timeout)}s" if timeout else "")
        elif call.action == "scale":
            cmd = f"kubectl -n {ns} scale {target} {quote(f'--replicas={render(call.replicas, ctx)}')}"
        elif call.action == "get":  # nodes belong to no namespace
            cmd = f"kubectl {'' if call.resource == 'node' else f'-n {ns} '}get {target} -o json"
        elif call.action == "apply_configmap":  # create, or replace the data: what the engine does
            literals = " ".join(quote(f"--from-literal={k}={v}") for k, v in render(call.data, ctx).items())
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

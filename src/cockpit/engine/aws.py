"""The ``aws`` step: one botocore operation through aiobotocore (or a presigned URL).

The operation name is PascalCase in the playbook (as in the AWS docs and botocore's model);
the client method is its snake_case form. Streaming bodies are read and capped so the
answer can be judged and stored like any other; members the service's model marks
``sensitive`` are masked before anything reads the answer (``sensitive.py``).
"""

from __future__ import annotations

from typing import Any

from cockpit.content.step_base import AwsCall
from cockpit.content import templating
from cockpit.engine.results import StepFailure, StepResult, judge, jsonable
from cockpit.engine.runtime import Runtime
from cockpit.engine.sensitive import mask_sensitive, output_shape

_BODY_CAP = 64 * 1024


def render_aws(call: AwsCall, ctx: dict[str, Any]) -> dict[str, Any]:
    """The exact call: service, operation, rendered params and region."""
    return {"service": call.service, "operation": call.operation, "presign": call.presign,
            "params": templating.render_value(call.params, ctx),
            "region": templating.render_value(call.region, ctx) if call.region else None}


async def _read_bodies(response: dict[str, Any]) -> None:
    for key, value in list(response.items()):
        if hasattr(value, "read") and callable(value.read):
            async with value as stream:
                data = await stream.read(_BODY_CAP + 1)
            text = data[:_BODY_CAP].decode("utf-8", "replace")
            response[key] = text + ("…" if len(data) > _BODY_CAP else "")


async def run_aws(call: AwsCall, ctx: dict[str, Any], rt: Runtime) -> StepResult:
    from botocore import xform_name
    from botocore.exceptions import BotoCoreError, ClientError

    rendered = render_aws(call, ctx)
    region = rendered["region"] or rt.default_region
    method = xform_name(call.operation)
    try:
        client = await rt.connections.aws(call.service, region)
        if call.presign:
            url = await client.generate_presigned_url(method, Params=rendered["params"], ExpiresIn=call.expires_in)
            return StepResult({"url": url, "response": {}}, f"presigned URL valid {call.expires_in}s")
        operation = getattr(client, method, None)
        if operation is None:
            raise StepFailure(f"{call.service} has no operation {call.operation}")
        response = await operation(**rendered["params"])
        await _read_bodies(response)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise StepFailure(f"{call.service} {call.operation} failed: {err.get('Code', 'error')}"
                          f"{' (HTTP ' + str(status) + ')' if status else ''}: {err.get('Message', '')}".rstrip(": "))
    except BotoCoreError as exc:
        raise StepFailure(f"{call.service} {call.operation} failed: {exc}") from None
    meta = response.pop("ResponseMetadata", {})
    data = mask_sensitive(output_shape(client, call.operation), jsonable(response))  # secrets by the model
    outputs = judge(call.expect, call.outputs, data, ctx, {"response": data})
    shown = ", ".join(f"{k}={_short(v)}" for k, v in outputs.items() if k != "response")
    return StepResult(outputs, f"HTTP {meta.get('HTTPStatusCode', '?')}" + (f"; {shown}" if shown else ""))


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."

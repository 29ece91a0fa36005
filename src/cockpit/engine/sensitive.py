"""Secrets an AWS answer carries, found by the service's own model, removed before use.

The timeline's redactor finds secrets by label and shape (``SecretAccessKey``, a token's
prefix, a random-looking string). An answer can carry a secret with neither: SSM's
``GetParameter --with-decryption`` returns a SecureString as ``Parameter.Value``
(``hunter2-winter`` is no random token, and ``Value`` no label), Lambda's
``Environment.Variables`` and ECS's container ``environment`` hold whatever was put there.
botocore's model marks these members ``sensitive`` (the shapes AWS's own SDKs hide from
logs), so the ``aws`` step masks them in the answer before anything reads it: outputs,
``expect``, the preview, the timeline, the listeners. A playbook cannot use such a value,
which is the point: a secret has no business in a runbook's templates either.
"""

from __future__ import annotations

from typing import Any

from cockpit.timeline.redact import MARK


def mask_sensitive(shape: Any, value: Any) -> Any:
    """``value`` (plain JSON data of an answer) with every member ``shape`` marks sensitive
    replaced by :data:`MARK`; ``shape`` is a botocore shape (None: nothing to go by)."""
    if shape is None or value is None:
        return value
    if shape.metadata.get("sensitive"):
        return MARK
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: mask_sensitive(members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [mask_sensitive(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: mask_sensitive(shape.value, v) for k, v in value.items()}
    return value


def output_shape(client: Any, operation: str) -> Any:
    """The operation's output shape from the client's own model (None if it has none)."""
    return client.meta.service_model.operation_model(operation).output_shape

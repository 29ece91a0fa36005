"""S3 replicating each object version written at run time, or failing to, as S3 does.

moto stores a bucket's replication configuration and copies nothing. For a version written
once the estate has seeded S3 (an outside client's PutObject, CopyObject or completed multipart
upload, or the world's own write in a scenario) into a bucket whose enabled rule covers the
key, the estate does what S3's replication does with it, at once (S3 takes seconds; the
rules' 15-minute Replication Time Control is an upper bound):

- it asks whether the rule's **role** may replicate it, by the role's own policies as the
  estate's ``SimulatePrincipalPolicy`` evaluates them (``s3:GetObjectVersionForReplication``
  on the source object, ``s3:ReplicateObject`` on the destination's key), and whether the
  **destination bucket exists**: the storage runbook's "Common Fixes" for failed replication;
- if so it copies the version into the destination (bytes, metadata, so the same ETag):
  the source's ``ReplicationStatus`` is ``COMPLETED``, the copy's ``REPLICA``;
- if not, the version is ``FAILED`` for good: S3 does not retry a permission failure, and a
  later fix of the role replicates only what is written after it. A failed object is
  replicated again by writing it again (a copy onto itself, or S3 Batch Replication).

So a scenario that breaks the replication role's policy makes new objects FAILED where the
runbook's ``head-object --query ReplicationStatus`` looks, and a responder who restores the
policy sees new writes and re-copied objects COMPLETED. The seeded objects are written by
the seed itself on both sides (before S3 counts as seeded), so nothing here touches them.
The KMS statements of the replication policy carry conditions and are not evaluated (the
estate has no KMS keys behind the rule's ``ReplicaKmsKeyID``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: What the replication role needs per object, on the source and on the destination key.
SOURCE_ACTION = "s3:GetObjectVersionForReplication"
DESTINATION_ACTION = "s3:ReplicateObject"


def rules(bucket: Any) -> list[dict[str, Any]]:
    """A bucket's replication rules as moto stores them (one rule is a dict, several a list)."""
    config = getattr(bucket, "replication", None) or {}
    found = config.get("Rule") or []
    return [found] if isinstance(found, dict) else list(found)


def prefix(rule: dict[str, Any]) -> str:
    """The key prefix an S3 replication rule covers (V1 ``Prefix``, V2 ``Filter``)."""
    flt = rule.get("Filter") or {}
    if "And" in flt:
        flt = flt["And"] or {}
    return str(flt.get("Prefix") or rule.get("Prefix") or "")


def destination(rule: dict[str, Any]) -> str:
    arn = str((rule.get("Destination") or {}).get("Bucket") or "")
    return arn.rsplit(":", 1)[-1]


def covering_rule(bucket: Any, key: str) -> dict[str, Any] | None:
    """The first enabled rule of the bucket whose prefix covers the key, as S3 picks one."""
    return next((r for r in rules(bucket) if r.get("Status") == "Enabled" and key.startswith(prefix(r))), None)


class Replicator:
    """Replicate (or fail) versions as they are written; remember the failed ones."""

    def __init__(self, clients: Callable[[str, str], Any], active: Callable[[], bool]) -> None:
        self._clients = clients  # (service, region) -> the estate's internal boto3 client
        self._active = active  # False until S3 is seeded (the seed writes both sides itself)
        self._failed: dict[tuple[str, str, str], str] = {}  # (bucket, key, version) -> why
        self._lock = threading.Lock()

    def failed(self, bucket: str, key: str, version_id: str) -> bool:
        with self._lock:
            return (bucket, key, version_id) in self._failed

    def written(self, backend: Any, bucket_name: str, key: str, version_id: str) -> None:
        """A version was just written into ``bucket_name``: replicate it, or record it FAILED."""
        if not self._active():
            return
        source = backend.buckets.get(bucket_name)
        rule = covering_rule(source, key) if source is not None else None
        if rule is None:
            return
        target = destination(rule)
        why = self._refusal(source, bucket_name, target, key, backend)
        if why:
            with self._lock:
                self._failed[(bucket_name, key, version_id)] = why
            log.info("replication of s3://%s/%s (%s) FAILED: %s", bucket_name, key, version_id, why)
            return
        original = backend.get_object(bucket_name, key, version_id)
        if original is None:  # overwritten or deleted in between: nothing left to copy
            return
        copy = backend.put_object(target, key, original.value, storage=original.storage_class,
                                  disable_notification=True)
        copy.set_metadata(dict(original.metadata))

    def _refusal(self, source: Any, bucket: str, target: str, key: str, backend: Any) -> str:
        """Why S3 could not replicate this key, or '' if it can."""
        from cockpit.estate.answers.iam_simulate import _policies, evaluate
        from cockpit.estate.answers.protocol import AnswerError

        if target not in backend.buckets:
            return f"destination bucket {target} does not exist"
        role = str((source.replication or {}).get("Role") or "")
        try:
            policies = _policies(self._clients("iam", "us-east-1"), role)
        except AnswerError as exc:
            return f"replication role {role or '(none)'}: {exc}"
        for action, resource in ((SOURCE_ACTION, f"arn:aws:s3:::{bucket}/{key}"),
                                 (DESTINATION_ACTION, f"arn:aws:s3:::{target}/{key}")):
            decision = evaluate(policies, action, resource)["EvalDecision"]
            if decision != "allowed":
                return f"{role} may not {action} on {resource} ({decision})"
        return ""

"""Each object's replication status, as S3 reports it on HEAD and GET.

S3 stamps every object a replication rule covers with ``x-amz-replication-status``:
``PENDING`` until the copy is in the destination, then ``COMPLETED`` (``FAILED`` if it
could not be copied), and every copy S3 made with ``REPLICA``. moto replicates nothing and
reports nothing, so seed 000's diagnostic ``aws s3api head-object ... --query
'ReplicationStatus'`` answered ``null`` on a replicated object.

The status is derived from the buckets as they stand, not from a flag: the source
bucket's replication configuration (as moto stores it) decides whether an enabled rule
covers the key, and the destination decides whether the copy is there (a version with the
same ETag): ``COMPLETED`` if so, else ``PENDING``. An object in a bucket that some enabled
rule replicates into is a ``REPLICA``. So the seeded, already-replicated objects answer
``COMPLETED`` and ``REPLICA``; an object a client puts into the primary at run time (which
no one copies) stays ``PENDING``, as it would while S3 is behind.

With a :class:`~cockpit.estate.s3_replicator.Replicator` (what the estate runs), a version
written at run time is replicated as it is written, or recorded ``FAILED`` when the rule's
role may not replicate it (``s3_replicator.py``): this middleware tells it of each written
version (PutObject, CopyObject, CompleteMultipartUpload) and answers ``FAILED`` for those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from cockpit.estate.s3_replicator import Replicator
from cockpit.estate.wsgi_counter import WsgiApp, credential_scope

HEADER = "x-amz-replication-status"
ACCOUNT_ID = "123456789012"


def _object_path(environ: dict[str, Any], methods: tuple[str, ...] = ("GET", "HEAD")) -> tuple[str, str] | None:
    """(bucket, key) of a path-style HEAD/GET of an object without a sub-resource, else None."""
    if environ.get("REQUEST_METHOD") not in methods or credential_scope(environ)[0] != "s3":
        return None
    parts = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)
    if len(parts) < 2 or not parts[1]:
        return None
    query = environ.get("QUERY_STRING", "")
    if any(sub in query for sub in ("tagging", "acl", "uploadId", "attributes", "retention", "legal-hold")):
        return None
    from urllib.parse import unquote

    return parts[0], unquote(parts[1])


def _written_path(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(bucket, key) of a request that writes a new object version: PutObject or CopyObject
    (PUT without a sub-resource), CompleteMultipartUpload (POST ?uploadId=...)."""
    method, query = environ.get("REQUEST_METHOD"), environ.get("QUERY_STRING", "")
    if method == "POST" and "uploadId=" in query:
        parts = environ.get("PATH_INFO", "").lstrip("/").split("/", 1)
        if credential_scope(environ)[0] == "s3" and len(parts) == 2 and parts[1]:
            from urllib.parse import unquote

            return parts[0], unquote(parts[1])
        return None
    if method != "PUT" or "partNumber" in query:
        return None
    return _object_path(environ, ("PUT",))


def _rules(bucket: Any) -> list[dict[str, Any]]:
    config = getattr(bucket, "replication", None) or {}
    rules = config.get("Rule") or []
    return [rules] if isinstance(rules, dict) else list(rules)


def _prefix(rule: dict[str, Any]) -> str:
    """The key prefix an S3 replication rule covers (V1 ``Prefix``, V2 ``Filter``)."""
    flt = rule.get("Filter") or {}
    if "And" in flt:
        flt = flt["And"] or {}
    return str(flt.get("Prefix") or rule.get("Prefix") or "")


def _destination(rule: dict[str, Any]) -> str:
    arn = str((rule.get("Destination") or {}).get("Bucket") or "")
    return arn.rsplit(":", 1)[-1]


def replication_status(backend: Any, bucket_name: str, key_name: str, etag: str, version_id: str = "",
                       failed: Callable[[str, str, str], bool] | None = None) -> str | None:
    """What S3 says of this object version's replication, None if no enabled rule concerns it.
    ``failed(bucket, key, version)``: whether S3 failed to replicate that version."""
    buckets = backend.buckets
    source = buckets.get(bucket_name)
    if source is None:
        return None
    for rule in _rules(source):
        if rule.get("Status") != "Enabled" or not key_name.startswith(_prefix(rule)):
            continue
        if failed is not None and version_id and failed(bucket_name, key_name, version_id):
            return "FAILED"
        destination = buckets.get(_destination(rule))
        copies = destination.keys.getlist(key_name, []) if destination is not None else []
        return "COMPLETED" if any(copy.etag == etag for copy in copies) else "PENDING"
    for other in buckets.values():
        if any(r.get("Status") == "Enabled" and _destination(r) == bucket_name and key_name.startswith(_prefix(r))
               for r in _rules(other)):
            return "REPLICA"
    return None


class ReplicationStatus:
    """Wrap moto's WSGI app; add ``x-amz-replication-status`` to object HEAD/GET answers."""

    def __init__(self, app: WsgiApp, replicator: Replicator | None = None) -> None:
        self.app = app
        self.replicator = replicator

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        written = _written_path(environ) if self.replicator is not None else None
        if written is not None:
            return self._write(environ, start_response, *written)
        target = _object_path(environ)
        if target is None:
            return self.app(environ, start_response)

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            if status.startswith(("200", "206")):
                etag = next((v for k, v in headers if k.lower() == "etag"), "")
                version = next((v for k, v in headers if k.lower() == "x-amz-version-id"), "")
                found = self._status(*target, etag, version)
                if found is not None:
                    headers = [*headers, (HEADER, found)]
            return start_response(status, headers, *exc)

        return self.app(environ, start)

    def _write(self, environ: dict[str, Any], start_response: Callable[..., Any], bucket: str,
               key: str) -> Iterable[bytes]:
        """Pass the write to moto; once it answered with a new version, S3 replicates it."""
        assert self.replicator is not None

        def start(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            version = next((v for k, v in headers if k.lower() == "x-amz-version-id"), "")
            if status.startswith("200") and version:  # moto stored it before answering
                from moto.s3.models import s3_backends

                self.replicator.written(s3_backends[ACCOUNT_ID]["aws"], bucket, key, version)
            return start_response(status, headers, *exc)

        return self.app(environ, start)

    def _status(self, bucket: str, key: str, etag: str, version: str = "") -> str | None:
        from moto.s3.models import s3_backends

        failed = self.replicator.failed if self.replicator is not None else None
        return replication_status(s3_backends[ACCOUNT_ID]["aws"], bucket, key, etag, version, failed)

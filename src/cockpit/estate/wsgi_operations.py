"""Long operations take scenario time: restores are in progress before they are done.

moto finishes every restore in the call that asks for it: an RDS instance restored from a
snapshot is ``available`` at once, a DynamoDB table restored from a backup is ``ACTIVE``
(moto even hard-codes ``TableStatus``), a Glacier restore is readable at once. Then a
runbook's waiter (``aws rds wait db-instance-available``, ``aws dynamodb wait
table-exists``, polling ``head-object``'s ``Restore`` header) and Cockpit's own ``wait``
steps never wait, and a drill trains nobody to wait for them.

This middleware sits in front of moto. When a restore call succeeds it puts the new
resource in its "in progress" state and notes when, in *scenario* seconds, it is done
(:data:`DURATIONS`, AWS's documented figures). Every request that reaches the estate first
finishes the operations that are due, so whoever looks (cockpit, aws-cli, boto3) sees the
same progression, and pausing the scenario clock freezes it while speed scales it:

* S3 ``RestoreObject`` on a GLACIER / DEEP_ARCHIVE object: ``Restore:
  ongoing-request="true"`` until done, then ``ongoing-request="false", expiry-date=...``
  (moto's own ``s3::keyrestore`` state model, which the estate sets to never progress on
  its own, see ``AwsEstate._reset_moto``);
* RDS ``RestoreDBInstanceFromDBSnapshot`` / ``RestoreDBInstanceToPointInTime``: the
  instance is ``creating``, then ``available``;
* DynamoDB ``RestoreTableFromBackup`` / ``RestoreTableToPointInTime``: the table is
  ``CREATING`` (rewritten into moto's answers, which always say ``ACTIVE``), then ``ACTIVE``.
"""

from __future__ import annotations

import heapq
import json
import re
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from cockpit.estate.clock import ScenarioClock
from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, operation_of
from cockpit.estate.wsgi_body import peek_body

ACCOUNT_ID = "123456789012"  # moto's default account: the one the estate seeds

MINUTE, HOUR = 60.0, 3600.0
#: Scenario seconds each operation takes. S3 (User Guide, "Archive retrieval options"):
#: Expedited 1-5 min, Standard 3-5 h, Bulk 5-12 h; DEEP_ARCHIVE Standard within 12 h, Bulk
#: within 48 h. RDS restores "often 10-30 minutes" (rds-snapshot-restore's own words);
#: a DynamoDB restore of a small table, some minutes.
DURATIONS: dict[str, float] = {
    "s3:GLACIER:Expedited": 3 * MINUTE,
    "s3:GLACIER:Standard": 4 * HOUR,
    "s3:GLACIER:Bulk": 8 * HOUR,
    "s3:DEEP_ARCHIVE:Standard": 12 * HOUR,
    "s3:DEEP_ARCHIVE:Bulk": 48 * HOUR,
    "rds:restore": 15 * MINUTE,
    "dynamodb:restore": 10 * MINUTE,
}

_RDS_RESTORES = ("RestoreDBInstanceFromDBSnapshot", "RestoreDBInstanceToPointInTime")
_DYNAMODB_RESTORES = ("RestoreTableFromBackup", "RestoreTableToPointInTime")
_TIER = re.compile(rb"<Tier>\s*(\w+)\s*</Tier>")
_DB_ID = re.compile(rb"<DBInstanceIdentifier>([^<]+)</DBInstanceIdentifier>")


@dataclass(order=True)
class Operation:
    """One long operation: finished by ``finish`` once the scenario clock reaches ``due``."""

    due: float
    kind: str = field(compare=False)  # "s3", "rds" or "dynamodb"
    region: str = field(compare=False)
    name: str = field(compare=False)  # "bucket/key", the DB instance or the table
    finish: Callable[[], None] = field(compare=False, repr=False)


class LongOperations:
    """Wrap moto's WSGI app; make restores take scenario time (module docstring)."""

    def __init__(self, app: WsgiApp, clock: ScenarioClock, durations: dict[str, float] | None = None) -> None:
        self.app = app
        self.clock = clock
        self.durations = {**DURATIONS, **(durations or {})}
        self._lock = threading.Lock()
        self._due: list[Operation] = []
        self._creating_tables: set[tuple[str, str]] = set()  # (region, table) while CREATING

    def pending(self) -> list[Operation]:
        """Operations still in progress, soonest first."""
        with self._lock:
            return sorted(self._due)

    def settle(self) -> None:
        """Finish every operation whose scenario time has come."""
        now = self.clock.now()
        while True:
            with self._lock:
                if not self._due or self._due[0].due > now:
                    return
                operation = heapq.heappop(self._due)
            operation.finish()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.settle()
        service, region = credential_scope(environ)
        if service == "s3" and environ.get("REQUEST_METHOD") == "POST" and _has_restore(environ):
            return self._s3_restore(environ, start_response, region)
        operation = operation_of(environ) if service in ("rds", "dynamodb") else ""
        if service == "rds" and operation in _RDS_RESTORES:
            return self._rds_restore(environ, start_response, region)
        if service == "dynamodb" and (operation in _DYNAMODB_RESTORES or operation == "DescribeTable"):
            return self._dynamodb(environ, start_response, region, operation)
        return self.app(environ, start_response)

    def _begin(self, kind: str, region: str, name: str, seconds: float, finish: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._due, Operation(self.clock.now() + seconds, kind, region, name, finish))

    # -- S3 ----------------------------------------------------------------------------------

    def _s3_restore(self, environ: dict[str, Any], start_response: Callable[..., Any],
                    region: str) -> Iterable[bytes]:
        body = _read_body(environ)
        match = _TIER.search(body)
        tier = match.group(1).decode() if match else "Standard"
        bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
        status, headers, raw = _call(self.app, environ)
        if status.startswith("202") and key:  # 202: a new restore was accepted (200: already restored)
            obj = _s3_key(bucket, key)
            if obj is not None:
                obj.status = "IN_PROGRESS"
                seconds = self.durations.get(f"s3:{obj.storage_class}:{tier}", self.durations["s3:GLACIER:Standard"])
                self._begin("s3", region, f"{bucket}/{key}", seconds, lambda: setattr(obj, "status", "RESTORED"))
        start_response(status, headers)
        return [raw]

    # -- RDS ---------------------------------------------------------------------------------

    def _rds_restore(self, environ: dict[str, Any], start_response: Callable[..., Any],
                     region: str) -> Iterable[bytes]:
        status, headers, raw = _call(self.app, environ)
        match = _DB_ID.search(raw)
        if status.startswith("200") and match:
            identifier = match.group(1).decode()
            instance = _rds_instance(region, identifier)
            if instance is not None:
                instance.status = "creating"
                raw = raw.replace(b"<DBInstanceStatus>available</DBInstanceStatus>",
                                  b"<DBInstanceStatus>creating</DBInstanceStatus>", 1)
                headers = _with_length(headers, raw)
                self._begin("rds", region, identifier, self.durations["rds:restore"],
                            lambda: setattr(instance, "status", "available"))
        start_response(status, headers)
        return [raw]

    # -- DynamoDB ----------------------------------------------------------------------------

    def _dynamodb(self, environ: dict[str, Any], start_response: Callable[..., Any], region: str,
                  operation: str) -> Iterable[bytes]:
        status, headers, raw = _call(self.app, environ)
        if not status.startswith("200"):
            start_response(status, headers)
            return [raw]
        answer = json.loads(raw or b"{}")
        description = answer.get("TableDescription" if operation != "DescribeTable" else "Table") or {}
        table = description.get("TableName", "")
        if operation != "DescribeTable" and table:
            with self._lock:
                self._creating_tables.add((region, table))
            self._begin("dynamodb", region, table, self.durations["dynamodb:restore"],
                        lambda: self._table_active(region, table))
        with self._lock:
            creating = (region, table) in self._creating_tables
        if creating:
            description["TableStatus"] = "CREATING"
            raw = json.dumps(answer, default=str).encode()
            headers = _with_length(headers, raw)
        start_response(status, headers)
        return [raw]

    def _table_active(self, region: str, table: str) -> None:
        with self._lock:
            self._creating_tables.discard((region, table))


def _has_restore(environ: dict[str, Any]) -> bool:
    return "restore" in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so moto still sees every byte (any size)."""
    return peek_body(environ, limit=None)


def _call(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run the inner app to completion: (status, headers, body)."""
    captured: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured.update(status=status, headers=headers)
        return lambda data: None

    raw = b"".join(app(environ, capture))
    return captured.get("status", "500 Internal Server Error"), list(captured.get("headers", [])), raw


def _with_length(headers: list[tuple[str, str]], raw: bytes) -> list[tuple[str, str]]:
    """Headers for a rewritten body: its length, and DynamoDB's CRC32 (botocore retries on a mismatch)."""
    had_crc = any(k.lower() == "x-amz-crc32" for k, _ in headers)
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "x-amz-crc32")]
    crc = [("x-amz-crc32", str(zlib.crc32(raw)))] if had_crc else []
    return kept + [("Content-Length", str(len(raw)))] + crc


def _s3_key(bucket: str, key: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"].get_object(bucket, key)  # None if gone meanwhile


def _rds_instance(region: str, identifier: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[ACCOUNT_ID][region].databases.get(identifier)

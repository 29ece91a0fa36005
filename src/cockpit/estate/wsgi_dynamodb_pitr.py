"""DynamoDB point-in-time recovery keeps AWS's window, on the scenario clock.

moto accepts any ``RestoreDateTime`` (it copies the table as it is now, whatever time is
asked), and its ``DescribeContinuousBackups`` reports the earliest and latest restorable
times frozen at the moment PITR was enabled, on the wall clock. So the Flight School
runbook's restore to its fixed ``2024-01-01T12:00:00Z`` "worked" here, where AWS refuses it.

This middleware, in front of moto, holds the window as AWS defines it, in world time
(``ScenarioClock.world_now``, what every other estate answer stamps):

* ``EarliestRestorableDateTime`` = the later of when PITR was enabled and now minus the
  recovery period (``RecoveryPeriodInDays``, 35 by default);
* ``LatestRestorableDateTime`` = five minutes before now (never before the earliest);
* ``RestoreTableToPointInTime`` of a table without PITR answers HTTP 400
  ``PointInTimeRecoveryUnavailableException``; a ``RestoreDateTime`` outside the window
  answers HTTP 400 ``InvalidRestoreTimeException``, with the message AWS documents for it.
  ``UseLatestRestorableTime`` is always inside.

When was PITR enabled? At the world time of the ``UpdateContinuousBackups`` that enabled
it; the estate's own requests (``INTERNAL_MARKER``: the seed) play the account's past, so
a table the seed gave PITR (``flight-schools``, "already enabled in CDK stack") has had it
for longer than the recovery period: its window is full. Disabling forgets the history.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.estate.clock import ScenarioClock
from cockpit.estate.wsgi_counter import WsgiApp, credential_scope, is_internal, operation_of
from cockpit.estate.wsgi_body import json_object
from cockpit.estate.wsgi_operations import _call, _read_body, _with_length

DAY = 86400.0
#: AWS keeps restores at least this far behind now ("typically five minutes").
LATEST_LAG = 300.0
DEFAULT_PERIOD_DAYS = 35
_PREFIX = "com.amazonaws.dynamodb.v20120810#"
_TARGET = "DynamoDB_20120810."
#: AWS's text for the error (API reference, RestoreTableToPointInTime, Errors).
INVALID_TIME = ("An invalid restore time was specified. RestoreDateTime must be between "
                "EarliestRestorableDateTime and LatestRestorableDateTime.")


class PointInTimeWindows:
    """Wrap moto's WSGI app; answer DynamoDB PITR windows as AWS does (module docstring)."""

    def __init__(self, app: WsgiApp, clock: ScenarioClock) -> None:
        self.app = app
        self.clock = clock
        #: (region, table) -> world time PITR was enabled; None: before anyone can restore to.
        self._enabled: dict[tuple[str, str], float | None] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service, region = credential_scope(environ)
        operation = operation_of(environ) if service == "dynamodb" else ""
        if operation == "RestoreTableToPointInTime":
            return self._restore(environ, start_response, region)
        if operation in ("DescribeContinuousBackups", "UpdateContinuousBackups"):
            return self._continuous_backups(environ, start_response, region, operation)
        return self.app(environ, start_response)

    def window(self, region: str, table: str, description: dict[str, Any]) -> tuple[float, float]:
        """(earliest, latest) restorable world times of a table whose PITR is enabled."""
        now = self.clock.world_now()
        period = float(description.get("RecoveryPeriodInDays") or DEFAULT_PERIOD_DAYS) * DAY
        enabled = self._enabled.get((region, table))
        earliest = now - period if enabled is None else max(enabled, now - period)
        return earliest, max(earliest, now - LATEST_LAG)

    def _continuous_backups(self, environ: dict[str, Any], start_response: Callable[..., Any], region: str,
                            operation: str) -> Iterable[bytes]:
        request = json_object(_read_body(environ))
        table = str(request.get("TableName", ""))
        was_enabled = (region, table) in self._enabled
        status, headers, raw = _call(self.app, environ)
        answer = json_object(raw) if status.startswith("200") else {}
        description = answer.get("ContinuousBackupsDescription", {}).get("PointInTimeRecoveryDescription")
        if isinstance(description, dict):
            if description.get("PointInTimeRecoveryStatus") != "ENABLED":
                self._enabled.pop((region, table), None)
            else:
                if operation == "UpdateContinuousBackups" and not was_enabled:
                    self._enabled[(region, table)] = None if is_internal(environ) else self.clock.world_now()
                earliest, latest = self.window(region, table, description)
                description["EarliestRestorableDateTime"] = round(earliest, 3)
                description["LatestRestorableDateTime"] = round(latest, 3)
            raw = json.dumps(answer).encode()
            headers = _with_length(headers, raw)
        start_response(status, headers)
        return [raw]

    def _restore(self, environ: dict[str, Any], start_response: Callable[..., Any],
                 region: str) -> Iterable[bytes]:
        request = json_object(_read_body(environ))
        source = str(request.get("SourceTableName") or str(request.get("SourceTableArn", "")).rsplit("/", 1)[-1])
        description = self._pitr(environ, source)
        if description is None:  # no such table (or moto refuses): moto answers in its words
            return self.app(environ, start_response)
        if description.get("PointInTimeRecoveryStatus") != "ENABLED":
            return _error(start_response, "PointInTimeRecoveryUnavailableException",
                          f"Point in time recovery is not enabled for table '{source}'")
        asked = request.get("RestoreDateTime")
        if asked is not None and not request.get("UseLatestRestorableTime"):
            earliest, latest = self.window(region, source, description)
            if not isinstance(asked, (int, float)) or not earliest <= float(asked) <= latest:
                return _error(start_response, "InvalidRestoreTimeException", INVALID_TIME)
        return self.app(environ, start_response)

    def _pitr(self, environ: dict[str, Any], table: str) -> dict[str, Any] | None:
        """The table's PointInTimeRecoveryDescription as moto holds it (the same request, re-aimed)."""
        body = json.dumps({"TableName": table}).encode()
        inner = dict(environ, HTTP_X_AMZ_TARGET=_TARGET + "DescribeContinuousBackups", CONTENT_LENGTH=str(len(body)))
        inner["wsgi.input"] = io.BytesIO(body)
        status, _, raw = _call(self.app, inner)
        if not status.startswith("200"):
            return None
        found = json_object(raw).get("ContinuousBackupsDescription", {}).get("PointInTimeRecoveryDescription")
        return found if isinstance(found, dict) else None


def _error(start_response: Callable[..., Any], code: str, message: str) -> Iterable[bytes]:
    """A DynamoDB client error (HTTP 400, JSON 1.0), as botocore and aws-cli parse it."""
    raw = json.dumps({"__type": _PREFIX + code, "message": message}).encode()
    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                       ("Content-Length", str(len(raw)))])
    return [raw]

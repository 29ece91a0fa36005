"""CloudWatch Logs Insights answered from the log groups' own events.

moto runs ``StartQuery`` but reads only ``fields`` and ``limit`` of the query (see
:mod:`cockpit.estate.logs_insights`), so seed 004's "Count errors by type" answers every
line of the group, uncounted. This middleware answers ``StartQuery`` and
``GetQueryResults`` itself: it reads the groups' events in the query's time range through
the estate's internal client (``FilterLogEvents``, so the events are exactly what a
responder's ``filter-log-events`` sees), runs the query at once and keeps the results by
query id for this estate. ``StopQuery`` and ``DescribeQueries`` stay moto's (a query here
is complete before ``StartQuery`` answers). Everything else passes through untouched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from cockpit.estate.answers import protocol
from cockpit.estate.logs_insights import Event, MalformedQuery, run_query
from cockpit.estate.wsgi_counter import credential_scope, operation_of

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_log = logging.getLogger(__name__)
#: Queries kept (oldest dropped first): AWS keeps results for 7 days; the estate is short-lived.
_KEEP = 256


class LogsInsights:
    """WSGI middleware: Logs ``StartQuery`` / ``GetQueryResults`` on the groups' real events."""

    def __init__(self, app: WsgiApp, clients: Callable[[str, str], Any]) -> None:
        self.app = app
        self.clients = clients
        self.queries: dict[str, dict[str, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service, region = credential_scope(environ)
        operation = operation_of(environ)
        if service != "logs" or operation not in ("StartQuery", "GetQueryResults"):
            return self.app(environ, start_response)
        try:
            params = protocol.parse(environ, "logs", operation, {})
            if operation == "StartQuery":
                result = self.start_query(params, region or "us-east-1")
            else:
                result = self.get_query_results(params)
            status, headers, body = protocol.serialize("logs", operation, result)
        except protocol.AnswerError as exc:
            return protocol.error(start_response, "logs", exc)
        except Exception as exc:  # noqa: BLE001 - one clear AWS error, never a traceback page
            _log.exception("the estate failed to answer logs %s", operation)
            return protocol.error(start_response, "logs", protocol.AnswerError(500, "ServiceUnavailableException",
                                                                               f"{operation}: {exc}"))
        return protocol.answer(start_response, status, headers, body)

    def start_query(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        names = list(params.get("logGroupNames") or [])
        if params.get("logGroupName"):
            names.append(params["logGroupName"])
        names += [ident.rsplit(":log-group:", 1)[-1].removesuffix(":*") for ident in params.get("logGroupIdentifiers") or []]
        if not names:
            raise protocol.AnswerError(400, "InvalidParameterException",
                                       "one of logGroupName, logGroupNames or logGroupIdentifiers is required")
        start, end = int(params.get("startTime", 0)), int(params.get("endTime", 0))
        if end < start:
            raise protocol.AnswerError(400, "InvalidParameterException", "endTime must be after startTime")
        logs = self.clients("logs", region)
        events: list[Event] = []
        for name in names:
            events += self._events(logs, name, start, end)
        try:
            results, matched = run_query(str(params.get("queryString", "")), events)
        except MalformedQuery as exc:
            raise protocol.AnswerError(400, "MalformedQueryException", str(exc)) from None
        limit = params.get("limit")
        if limit:
            results = results[: int(limit)]
        query_id = str(uuid.uuid4())
        self.queries[query_id] = {
            "status": "Complete", "results": results,
            "statistics": {"recordsMatched": float(matched), "recordsScanned": float(len(events)),
                           "bytesScanned": float(sum(len(e.message) for e in events))}}
        while len(self.queries) > _KEEP:
            self.queries.pop(next(iter(self.queries)))
        return {"queryId": query_id}

    def get_query_results(self, params: dict[str, Any]) -> dict[str, Any]:
        query = self.queries.get(str(params.get("queryId", "")))
        if query is None:
            raise protocol.AnswerError(400, "ResourceNotFoundException", "Query does not exist")
        return query

    @staticmethod
    def _events(logs: Any, group: str, start: int, end: int) -> list[Event]:
        """The group's events in [start, end] seconds, as filter-log-events gives them."""
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start * 1000, "endTime": end * 1000 + 999}
        events: list[Event] = []
        try:
            while True:
                page = logs.filter_log_events(**kwargs)
                events += [Event(int(e["timestamp"]), e.get("message", ""), e.get("logStreamName", ""), group)
                           for e in page.get("events", [])]
                if not page.get("nextToken") or page["nextToken"] == kwargs.get("nextToken"):
                    return events
                kwargs["nextToken"] = page["nextToken"]
        except logs.exceptions.ResourceNotFoundException:
            raise protocol.AnswerError(400, "ResourceNotFoundException",
                                       f"Log group '{group}' does not exist") from None

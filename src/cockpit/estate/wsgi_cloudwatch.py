"""CloudWatch's time-bearing operations, answered by the estate in world time.

moto stores metrics and alarms but never evaluates alarms, and stamps everything with the
wall clock. This middleware answers GetMetricStatistics, GetMetricData, ListMetrics and
PutMetricData from the estate's :class:`MetricStore`, and DescribeAlarms (paged as AWS
pages it, for the JSON protocol), DescribeAlarmHistory and SetAlarmState with the
:class:`AlarmEvaluator`'s state; every other
CloudWatch operation (PutMetricAlarm, DeleteAlarms, tags, dashboards) goes on to moto.

Clients compare timestamps with their own wall clock, so the estate translates at this
edge, with the offset at answer time (``world_now() - time.time()``): request windows
(StartTime/EndTime) wall→world, response timestamps world→wall (the datapoint times inside an
evaluated alarm's StateReason and StateReasonData too). At ``--speed 60`` an alarm
that went off 31 scenario minutes ago is stamped 31 minutes ago, by whoever asks.

Requests are parsed and answers serialised by moto's own machinery (a subclass of its
``CloudWatchResponse``), so each client gets its protocol: smithy-rpc-v2-cbor (botocore
1.43), JSON (aiobotocore) or query/XML (aws-cli v1).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from werkzeug.wrappers import Response

from cockpit.estate.alarm_eval import moved_state
from cockpit.estate.alarms import AlarmEvaluator, epoch_of, world_datetime
from cockpit.estate.clock import ScenarioClock
from cockpit.estate.metric_math import bucket, is_statistic, statistic
from cockpit.estate.metrics import MetricStore, series_key
from cockpit.estate.wsgi_counter import credential_scope, operation_of
from cockpit.estate.wsgi_paging import Sequences, page_size

OPERATIONS = frozenset({"GetMetricStatistics", "GetMetricData", "ListMetrics", "PutMetricData", "DescribeAlarms",
                        "DescribeAlarmHistory", "SetAlarmState"})
_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


class CloudWatchWorld:
    """Wrap moto's WSGI app; answer CloudWatch's time-bearing operations from the estate's world."""

    def __init__(self, app: Callable[..., Iterable[bytes]], store: MetricStore, evaluator: AlarmEvaluator,
                 clock: ScenarioClock) -> None:
        self.app = app
        self.store, self.evaluator, self.clock = store, evaluator, clock
        self.sequences = Sequences()  # DescribeAlarms paging sequences under way
        self._response_cls = _response_class(self)

    def offset(self) -> float:
        """World minus wall, now: add to a wall time to get world time."""
        return self.clock.world_now() - time.time()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service, _ = credential_scope(environ)
        if service not in ("monitoring", "cloudwatch") or operation_of(environ) not in OPERATIONS:
            return self.app(environ, start_response)
        from moto.moto_server.werkzeug_app import BackendRequest  # the request class moto's server hands it

        request = BackendRequest(environ)
        status, headers, body = self._response_cls.dispatch(request, request.url, request.headers)
        return Response(body, status=int(status), headers={k: str(v) for k, v in headers.items()
                                                           if k.lower() not in ("status", "content-length")})(
            environ, start_response)


def _wall_reason(alarm: Any, offset: float) -> tuple[str, str | None]:
    """The alarm's reason and reason data with the datapoint times the evaluation wrote (world)
    moved to wall time, like every other time this edge gives out."""
    raw = alarm.state_reason_data
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return alarm.state_reason, raw  # not JSON: somebody's own words, kept
    reason, moved = moved_state(alarm.state_reason or "", data if isinstance(data, dict) else None, -offset)
    return reason, (json.dumps(moved) if isinstance(data, dict) and moved is not None else raw)


def _check_statistics(stats: list[str], extended: list[str]) -> None:
    """Refuse what CloudWatch refuses, in its words, before anything is computed.

    aws-cli sends ``--statistics Maximum,Average`` as one name, ``"Maximum,Average"``
    (list arguments are space-separated); AWS answers a ValidationError, and so must the
    estate rather than fail inside the statistic (an HTML 500 that aws-cli retries).
    """
    from moto.cloudwatch.exceptions import ValidationError

    bad = [s for s in stats if s not in _STATISTICS]
    if bad:
        raise ValidationError(
            f"1 validation error detected: Value '[{', '.join(stats)}]' at 'statistics' failed to satisfy "
            f"constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
            f"[Maximum, SampleCount, Sum, Minimum, Average]]")
    for name in extended:
        if name in _STATISTICS or not is_statistic(name):
            raise ValidationError(f"The value {name} for parameter ExtendedStatistics is not supported.")


def _response_class(world: CloudWatchWorld) -> type:
    from moto.cloudwatch.exceptions import CloudWatchException, ResourceNotFound, ValidationError
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import ActionResult, EmptyResult

    def to_world(stamp: Any, offset: float) -> float:
        if isinstance(stamp, (int, float)):
            return float(stamp) + offset
        if isinstance(stamp, str):
            stamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        return epoch_of(stamp) + offset

    def to_wall(at: float, offset: float) -> datetime:
        return datetime.fromtimestamp(at - offset, timezone.utc)

    class InvalidNextToken(CloudWatchException):  # type: ignore[misc, valid-type]
        code = "InvalidNextToken"

        def __init__(self) -> None:
            super().__init__("The NextToken is not valid.")

    class WorldCloudWatchResponse(CloudWatchResponse):  # type: ignore[misc, valid-type]
        """moto's CloudWatch answers, with the estate's metrics, alarm states and world time."""

        def _key(self, namespace: str, name: str, dimensions: list[dict[str, str]] | None) -> tuple:
            return series_key(self.region, namespace, name, {d["Name"]: d["Value"] for d in dimensions or []})

        def put_metric_data(self) -> Any:
            namespace = self._get_param("Namespace")
            offset, now = world.offset(), world.clock.world_now()
            for datum in self._get_param("MetricData", []):
                stamp = datum.get("Timestamp")
                at = to_world(stamp, offset) if stamp is not None else now
                if datum.get("Value") is not None:
                    values = [float(datum["Value"])]
                elif datum.get("Values"):
                    counts = datum.get("Counts") or [1] * len(datum["Values"])
                    values = [float(v) for v, c in zip(datum["Values"], counts) for _ in range(int(c))]
                elif datum.get("StatisticValues"):
                    sv = datum["StatisticValues"]  # kept as its mean, SampleCount times
                    n = max(1, int(sv["SampleCount"]))
                    values = [float(sv["Sum"]) / n] * n
                else:
                    continue
                world.store.put(self._key(namespace, datum["MetricName"], datum.get("Dimensions")), at, values,
                                datum.get("Unit"))
            return EmptyResult()

        def _window(self) -> tuple[float, float, float, float]:
            offset = world.offset()
            return (to_world(self._get_param("StartTime"), offset), to_world(self._get_param("EndTime"), offset),
                    offset, world.clock.world_now())

        def get_metric_statistics(self) -> Any:
            start, end, offset, now = self._window()
            period = int(self._get_param("Period"))
            stats = self._get_param("Statistics", []) or []
            extended = self._get_param("ExtendedStatistics", []) or []
            if not stats and not extended:
                raise ValidationError("Must specify either Statistics or ExtendedStatistics")
            _check_statistics(stats, extended)
            name = self._get_param("MetricName")
            key = self._key(self._get_param("Namespace"), name, self._get_param("Dimensions", []))
            unit = world.store.unit(key)
            datapoints = []
            for at, samples in bucket(world.store.points(key, start, end, now), start, end, period):
                point: dict[str, Any] = {"Timestamp": to_wall(at, offset), "Unit": unit}
                for stat in stats:
                    point[stat] = statistic(samples, stat)
                if extended:
                    point["ExtendedStatistics"] = {s: statistic(samples, s) for s in extended}
                datapoints.append(point)
            return ActionResult({"Label": name, "Datapoints": datapoints})

        def get_metric_data(self) -> Any:
            start, end, offset, now = self._window()
            descending = (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending"
            results = []
            for query in self._get_param("MetricDataQueries", []) or []:
                stat = query.get("MetricStat")
                if stat is None:
                    raise ValidationError(
                        f"Query {query.get('Id')}: the emulated estate answers MetricStat queries only; "
                        f"expressions ({query.get('Expression')!r}) are not supported.")
                metric = stat["Metric"]
                if not is_statistic(stat["Stat"]):  # CloudWatch refuses the request, as here
                    raise ValidationError(f"The value {stat['Stat']} for parameter "
                                          f"MetricDataQueries.member.{query.get('Id')}.MetricStat.Stat is invalid.")
                key = self._key(metric["Namespace"], metric["MetricName"], metric.get("Dimensions"))
                period = int(stat["Period"])
                rows = [(at, statistic(s, stat["Stat"]))
                        for at, s in bucket(world.store.points(key, start, end, now), start, end, period)]
                if descending:
                    rows.reverse()
                if query.get("ReturnData", True) is False:
                    continue
                results.append({"Id": query["Id"], "Label": query.get("Label") or metric["MetricName"],
                                "Timestamps": [to_wall(at, offset) for at, _ in rows],
                                "Values": [v for _, v in rows], "StatusCode": "Complete"})
            return ActionResult({"MetricDataResults": results, "Messages": []})

        def list_metrics(self) -> Any:
            namespace = self._get_param("Namespace")
            name = self._get_param("MetricName")
            wanted = self._get_param("Dimensions", []) or []
            metrics = []
            for _, ns, metric, dims in sorted(world.store.keys(self.region)):
                have = dict(dims)
                if (namespace and ns != namespace) or (name and metric != name):
                    continue
                if any(f["Name"] not in have or (f.get("Value") is not None and have[f["Name"]] != f["Value"])
                       for f in wanted):
                    continue
                metrics.append({"Namespace": ns, "MetricName": metric,
                                "Dimensions": [{"Name": k, "Value": v} for k, v in dims]})
            return ActionResult({"Metrics": metrics})

        def describe_alarms(self) -> Any:
            # Paged as AWS pages it (MaxRecords, NextToken) for the JSON protocol, as the
            # estate always paged it; the listing is kept for the pages after the first and
            # only the page is copied and serialised: serialising a whole 10,000-alarm listing
            # for every first page was most of a big account's refresh.
            paged = bool(self.headers.get("X-Amz-Target"))
            size = page_size(self._get_param("MaxRecords"))
            token = self._get_param("NextToken")
            if paged and token:
                resumed = world.sequences.resume(token)
                if resumed is None:
                    raise InvalidNextToken()
                key, listing, start = resumed
            else:
                listing, key, start = self._alarm_listing(), "", 0
                if paged and len(listing) > size:
                    key = world.sequences.keep(listing)
            page = listing[start:start + size] if paged else listing
            offset = world.offset()
            out: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": []}
            for kind, alarm in page:
                view = copy.copy(alarm)
                view.state_updated_timestamp = to_wall(epoch_of(alarm.state_updated_timestamp), offset)
                view.state_reason, view.state_reason_data = _wall_reason(alarm, offset)
                out[kind].append(view)
            if paged and start + size < len(listing):
                out["NextToken"] = f"{key}.{start + size}"
            return ActionResult(out)

        def _alarm_listing(self) -> list[tuple[str, Any]]:
            """Every alarm the request's filters select, metric alarms first, as (kind, alarm)."""
            world.evaluator.evaluate_due()  # an alarm put a moment ago is answered evaluated
            result = super().describe_alarms()
            # moto applies one filter (the first of ActionPrefix, AlarmNamePrefix, AlarmNames,
            # StateValue); AWS applies them all, and AlarmTypes too.
            state = self._get_param("StateValue")
            types = self._get_param("AlarmTypes", []) or []
            return [(kind, alarm) for kind in ("MetricAlarms", "CompositeAlarms")
                    if not types or kind.removesuffix("s") in types
                    for alarm in result.result.get(kind, ())
                    if not state or alarm.state_value == state]

        def describe_alarm_history(self) -> Any:
            name = self._get_param("AlarmName")
            kind = self._get_param("HistoryItemType")
            types = self._get_param("AlarmTypes", []) or []
            offset = world.offset()
            start, end = self._get_param("StartDate"), self._get_param("EndDate")
            items = [h for h in world.evaluator.history(self.region)
                     if (not name or h.alarm_name == name) and (not kind or h.kind == kind)
                     and (not types or "MetricAlarm" in types)
                     and (start is None or h.at >= to_world(start, offset))
                     and (end is None or h.at <= to_world(end, offset))]
            if (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending":
                items.reverse()
            size = int(self._get_param("MaxRecords") or 100)
            try:
                first = int(self._get_param("NextToken") or 0)
            except ValueError:
                raise ValidationError("The NextToken is not valid.") from None
            page = items[first:first + size]
            out: dict[str, Any] = {"AlarmHistoryItems": [h.as_aws(-offset) for h in page]}
            if first + size < len(items):
                out["NextToken"] = str(first + size)
            return ActionResult(out)

        def set_alarm_state(self) -> Any:
            name = self._get_param("AlarmName")
            state = self._get_param("StateValue")
            alarm = world.evaluator.find(self.region, name)
            if alarm is None:
                raise ResourceNotFound(f"Alarm {name} not found")
            if state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
                raise ValidationError(f"Value '{state}' at 'stateValue' failed to satisfy constraint: "
                                      "Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
            world.evaluator.set_state(self.region, alarm, state, self._get_param("StateReason") or "",
                                      self._get_param("StateReasonData"))
            return EmptyResult()

    return WorldCloudWatchResponse


__all__ = ["CloudWatchWorld", "OPERATIONS", "world_datetime"]

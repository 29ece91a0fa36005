"""One home for reading CloudWatch ``GetMetricData``: batched and paged as the API requires.

The replication pairs and the watched metric thresholds both ask for many series at once:
CloudWatch takes at most 500 queries a call and pages long answers with ``NextToken``.
Each source builds its own queries (their ids tie the answers back) and reads the answers
here, so the batching, the paging, the call count a benchmark checks, and the odd answer
(no ``MetricDataResults``: one clear line via :func:`~cockpit.sources.errors.require`) are
handled once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from cockpit.sources.errors import require

#: CloudWatch's limit of queries in one GetMetricData call.
MAX_QUERIES_PER_CALL = 500

Points = list[tuple[datetime, float]]


def aware(value: Any) -> datetime:
    """A datapoint's timestamp as an aware UTC datetime (botocore gives aware ones; a raw
    JSON answer gives ISO strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


async def metric_data(client: Any, queries: list[dict[str, Any]], start: datetime,
                      end: datetime) -> tuple[dict[str, Points], int]:
    """Every query's ``(timestamp, value)`` points by query id, in the order CloudWatch gave
    them (oldest first: ``ScanBy`` ascending), and how many calls that took."""
    series: dict[str, Points] = defaultdict(list)
    calls = 0
    for offset in range(0, len(queries), MAX_QUERIES_PER_CALL):
        params: dict[str, Any] = {"MetricDataQueries": queries[offset: offset + MAX_QUERIES_PER_CALL],
                                  "StartTime": start, "EndTime": end, "ScanBy": "TimestampAscending"}
        while True:
            calls += 1
            answer = await client.get_metric_data(**params)
            for result in require(answer, "MetricDataResults", "GetMetricData"):
                series[result["Id"]].extend(
                    (aware(t), float(v)) for t, v in zip(result.get("Timestamps") or (), result.get("Values") or ()))
            token = answer.get("NextToken")
            if not token:
                break
            params["NextToken"] = token
    return series, calls

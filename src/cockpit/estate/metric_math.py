"""CloudWatch's arithmetic on raw datapoints: statistics and period buckets.

moto stores every ``PutMetricData`` value but never aggregates them the way CloudWatch
does for alarms. The estate's alarm evaluator (:mod:`alarm_eval`) and anything else that
must answer like ``GetMetricStatistics`` needs the same two steps CloudWatch takes:
group the raw samples into period-aligned buckets, then reduce each bucket with the
alarm's statistic. Pure functions, no I/O, so they are tested against Python's own
``statistics`` module.

Statistics (CloudWatch User Guide, "Statistics definitions"): ``SampleCount``,
``Average``, ``Sum``, ``Minimum``, ``Maximum`` and the extended percentile statistics
``pNN`` / ``pNN.NN`` (0 to 100, at most two decimals). Percentiles interpolate linearly
between the closest ranks (the "inclusive" method of :func:`statistics.quantiles`):
CloudWatch documents percentiles only as estimates, and interpolation keeps p0 the
minimum, p100 the maximum and every percentile monotonic in its rank.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

#: The five basic statistics, spelled as the API spells them.
BASIC_STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")

_PERCENTILE = re.compile(r"^p(\d{1,3})(?:\.(\d{1,2}))?$")


def percentile_rank(name: str) -> float | None:
    """The rank of an extended percentile statistic (``p99.9`` -> 99.9), None if ``name`` is not one."""
    match = _PERCENTILE.match(name)
    if match is None:
        return None
    rank = float(match.group(0)[1:])
    return rank if 0.0 <= rank <= 100.0 else None


def is_statistic(name: str) -> bool:
    """Whether :func:`statistic` can compute ``name``."""
    return name in BASIC_STATISTICS or percentile_rank(name) is not None


def statistic(samples: Sequence[float], name: str) -> float:
    """Reduce one period's raw samples with the CloudWatch statistic ``name``.

    Raises ValueError for an empty period (CloudWatch has no datapoint there: the caller
    treats it as missing) or a statistic CloudWatch would reject.
    """
    if not samples:
        raise ValueError("no samples: a period without data has no statistic")
    if name == "SampleCount":
        return float(len(samples))
    if name == "Sum":
        return math.fsum(samples)
    if name == "Average":
        return math.fsum(samples) / len(samples)
    if name == "Minimum":
        return float(min(samples))
    if name == "Maximum":
        return float(max(samples))
    rank = percentile_rank(name)
    if rank is None:
        raise ValueError(f"unsupported statistic {name!r}: expected one of {', '.join(BASIC_STATISTICS)} or pNN[.NN]")
    return _percentile(sorted(samples), rank)


def _percentile(ordered: Sequence[float], rank: float) -> float:
    """Linear interpolation between closest ranks over sorted ``ordered`` (numpy's default)."""
    position = (len(ordered) - 1) * rank / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return float(ordered[low] + (ordered[high] - ordered[low]) * fraction)


def period_start(timestamp: float, period: int) -> float:
    """The start of the period holding ``timestamp``: CloudWatch aligns periods to the epoch."""
    if period <= 0:
        raise ValueError("period must be a positive number of seconds")
    return math.floor(timestamp / period) * period


def bucket(points: Iterable[tuple[float, float]], start: float, end: float,
           period: int) -> list[tuple[float, list[float]]]:
    """Group ``(timestamp, value)`` points in ``[start, end)`` into period-aligned buckets.

    Returns ``(period_start, samples)`` for every period that holds at least one point,
    oldest first; samples keep their arrival order. Empty periods are left out, as
    CloudWatch leaves them out of ``GetMetricStatistics``: a missing period is not a zero.
    """
    if period <= 0:
        raise ValueError("period must be a positive number of seconds")
    buckets: dict[float, list[float]] = {}
    for timestamp, value in points:
        if start <= timestamp < end:
            buckets.setdefault(period_start(timestamp, period), []).append(float(value))
    return sorted(buckets.items())

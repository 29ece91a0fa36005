"""CloudWatch's arithmetic on samples: statistics and period buckets (pure functions).

A minimal version of the interface helper "eval" builds (issue 11); the lead keeps eval's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d{1,2})?|100)$")


def statistic(samples: Sequence[float], name: str) -> float:
    """``name`` (SampleCount, Average, Sum, Minimum, Maximum, pNN or pNN.NN) of non-empty ``samples``."""
    if not samples:
        raise ValueError("no samples")
    if name == "SampleCount":
        return float(len(samples))
    if name == "Sum":
        return float(sum(samples))
    if name == "Average":
        return float(sum(samples)) / len(samples)
    if name == "Minimum":
        return float(min(samples))
    if name == "Maximum":
        return float(max(samples))
    match = _PERCENTILE.match(name)
    if match:
        ordered = sorted(samples)
        rank = max(1, math.ceil(float(match.group(1)) / 100 * len(ordered)))  # nearest rank, as CloudWatch
        return float(ordered[rank - 1])
    raise ValueError(f"unknown statistic {name!r}")


def bucket(points: Iterable[tuple[float, float]], start: float, end: float,
           period: int) -> list[tuple[float, list[float]]]:
    """Period-aligned (period_start, samples) for the non-empty periods in [start, end), oldest first."""
    if period <= 0:
        raise ValueError("period must be positive")
    buckets: dict[float, list[float]] = {}
    for at, value in points:
        if start <= at < end:
            buckets.setdefault(float(math.floor(at / period) * period), []).append(value)
    return sorted(buckets.items())

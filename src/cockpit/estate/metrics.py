"""The estate's CloudWatch metrics, in world time: generated history, scenario levels, puts.

A series is keyed by (region, namespace, metric name, sorted dimensions). Its datapoints
come from three places, merged at query time:

- a **baseline**: a deterministic generator (seeded by the estate's seed) that publishes a
  plausible value once per publishing period, from a week before the estate started until
  now. Nothing is stored: a query computes the points of its window, so a week of history
  costs nothing at start;
- **levels** a scenario sets from a moment on (a number, a linear ramp over world seconds,
  or "nothing published": a gap), which replace the baseline from that moment and go on
  being published every period, as the real service would;
- datapoints clients put with PutMetricData.

World time (``ScenarioClock.world_now``) is what every timestamp here is in; translating
to and from a client's wall clock happens at the HTTP edge (``wsgi_cloudwatch``).
"""

from __future__ import annotations

import bisect
import math
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

SeriesKey = tuple[str, str, str, tuple[tuple[str, str], ...]]

#: How far back generated history reaches from the moment the estate started.
HISTORY_SECONDS = 7 * 86400
_MASK = (1 << 64) - 1


def series_key(region: str, namespace: str, name: str, dimensions: Mapping[str, str]) -> SeriesKey:
    return (region, namespace, name, tuple(sorted(dimensions.items())))


def _unit_noise(seed: int, k: int) -> float:
    """A deterministic number in [0, 1) for (seed, k): splitmix64, cheap enough per datapoint."""
    z = (seed + (k + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((z ^ (z >> 31)) & _MASK) / 2.0**64


@dataclass(frozen=True)
class Baseline:
    """A quiet, healthy metric: ``mean``, a daily swing (fraction of mean), noise (fraction)."""

    mean: float
    unit: str = "None"
    period: int = 60  # how often the service publishes a datapoint
    daily: float = 0.15
    noise: float = 0.1
    whole: bool = False  # counts are whole numbers
    # A steady drift in units a day, ``mean`` being the value when the estate started: free
    # storage that shrinks as data grows, so a capacity forecast has a trend to find.
    trend_per_day: float = 0.0

    def value(self, at: float, seed: int, origin: float = 0.0) -> float:
        day = math.sin(2 * math.pi * ((at % 86400) / 86400 - 0.3))
        k = int(at // self.period)
        v = self.mean * (1 + self.daily * day + self.noise * (2 * _unit_noise(seed, k) - 1))
        v += self.trend_per_day * (at - origin) / 86400
        v = max(0.0, v)
        return float(round(v)) if self.whole else v


@dataclass(frozen=True)
class Level:
    """From world time ``start``: move linearly from ``start_value`` to ``to`` over ``over`` s
    (``to`` None: nothing published from ``start`` on)."""

    start: float
    start_value: float
    to: float | None
    over: float = 0.0

    def value(self, at: float) -> float | None:
        if self.to is None:
            return None
        if self.over <= 0 or at >= self.start + self.over:
            return self.to
        return self.start_value + (self.to - self.start_value) * (at - self.start) / self.over


@dataclass
class Series:
    key: SeriesKey
    unit: str = "None"
    period: int = 60
    baseline: Baseline | None = None
    seed: int = 0
    levels: list[Level] = field(default_factory=list)  # by start
    puts: list[tuple[float, float]] = field(default_factory=list)  # (world time, value), sorted
    origin: float = 0.0  # world time the estate started (where a baseline's trend is at its mean)

    def level_at(self, at: float) -> Level | None:
        starts = [lv.start for lv in self.levels]
        i = bisect.bisect_right(starts, at)
        return self.levels[i - 1] if i else None

    def published(self, at: float) -> float | None:
        """What the service publishes at ``at`` (a level, else the baseline, else nothing)."""
        level = self.level_at(at)
        if level is not None:
            return level.value(at)
        return self.baseline.value(at, self.seed, self.origin) if self.baseline else None

    def generated(self, start: float, end: float, origin: float, now: float) -> list[tuple[float, float]]:
        """The published datapoints in [start, end) ∩ [origin - history, now] (period-aligned)."""
        first_level = self.levels[0].start if self.levels else math.inf
        lower = origin - HISTORY_SECONDS if self.baseline else first_level
        lo, hi = max(start, lower), min(end, now + 1e-9)
        if hi <= lo:
            return []
        k = math.ceil(lo / self.period)
        out = []
        while k * self.period < hi:
            at = float(k * self.period)
            value = self.published(at)
            if value is not None:
                out.append((at, value))
            k += 1
        return out


class MetricStore:
    """Every series of the account, thread-safe (moto's request threads and the evaluator share it)."""

    def __init__(self, seed: str = "cockpit", origin: float = 0.0) -> None:
        self.seed = zlib.crc32(seed.encode())
        self.origin = origin  # world time the estate started: generated history reaches a week before
        self._series: dict[SeriesKey, Series] = {}
        self._lock = threading.Lock()

    def _get(self, key: SeriesKey) -> Series:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = Series(key, seed=self.seed ^ zlib.crc32(repr(key).encode()))
        return series

    def define(self, key: SeriesKey, baseline: Baseline) -> None:
        """A series the estate publishes on its own, with its history."""
        with self._lock:
            series = self._get(key)
            series.baseline, series.unit, series.period = baseline, baseline.unit, baseline.period
            series.origin = self.origin

    def set_level(self, key: SeriesKey, at: float, to: float | None, over: float = 0.0) -> None:
        """From world time ``at``, publish ``to`` (reached linearly over ``over`` s; None: publish nothing)."""
        with self._lock:
            series = self._get(key)
            current = series.published(at)
            if current is None:
                current = self._latest_put(series, at) or (to or 0.0)
            series.levels = [lv for lv in series.levels if lv.start < at] + [Level(at, current, to, over)]

    def put(self, key: SeriesKey, at: float, values: list[float], unit: str | None = None) -> None:
        with self._lock:
            series = self._get(key)
            if unit and series.unit == "None":
                series.unit = unit
            for value in values:
                bisect.insort(series.puts, (at, float(value)))

    @staticmethod
    def _latest_put(series: Series, at: float) -> float | None:
        i = bisect.bisect_right(series.puts, (at, math.inf))
        return series.puts[i - 1][1] if i else None

    def points(self, key: SeriesKey, start: float, end: float, now: float) -> list[tuple[float, float]]:
        """Every datapoint of the series in [start, end), none after ``now`` (world times)."""
        with self._lock:
            series = self._series.get(key)
            if series is None:
                return []
            lo = bisect.bisect_left(series.puts, (start, -math.inf))
            hi = bisect.bisect_left(series.puts, (min(end, now + 1e-9), -math.inf))
            return series.generated(start, end, self.origin, now) + series.puts[lo:hi]

    def unit(self, key: SeriesKey) -> str:
        with self._lock:
            series = self._series.get(key)
            return series.unit if series else "None"

    def latest(self, key: SeriesKey, now: float) -> float | None:
        """The value most recently published at or before ``now`` (for status pages)."""
        with self._lock:
            series = self._series.get(key)
        if series is None:
            return None
        recent = self.points(key, now - 3 * series.period, now + 1e-9, now)
        return max(recent)[1] if recent else None

    def keys(self, region: str) -> list[SeriesKey]:
        with self._lock:
            return [k for k in self._series if k[0] == region]

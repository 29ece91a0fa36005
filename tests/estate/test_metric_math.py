"""CloudWatch statistics and period buckets (cockpit.estate.metric_math) against Python's statistics."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.estate.metric_math import bucket, is_statistic, statistic

samples = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(samples)
def test_basic_statistics_agree_with_python(values):
    assert statistic(values, "SampleCount") == len(values)
    assert statistic(values, "Sum") == pytest.approx(math.fsum(values), abs=1e-6)
    assert statistic(values, "Average") == pytest.approx(statistics.fmean(values), abs=1e-6)
    assert statistic(values, "Minimum") == min(values)
    assert statistic(values, "Maximum") == max(values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=60), st.integers(1, 99))
def test_integer_percentiles_agree_with_statistics_quantiles(values, rank):
    expected = statistics.quantiles(values, n=100, method="inclusive")[rank - 1]
    assert statistic(values, f"p{rank}") == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(samples, st.integers(0, 10000), st.integers(0, 10000))
def test_percentiles_are_monotonic_and_bounded(values, a, b):
    low, high = sorted((a / 100, b / 100))
    p_low, p_high = statistic(values, f"p{low:.2f}"), statistic(values, f"p{high:.2f}")
    assert min(values) <= p_low <= p_high <= max(values)
    assert statistic(values, "p0") == min(values) and statistic(values, "p100") == max(values)


def test_percentile_spelling():
    assert statistic([1.0, 2.0, 3.0, 4.0, 5.0], "p50") == 3.0
    assert statistic([1.0, 2.0], "p99.9") == pytest.approx(1.999)
    for bad in ("p100.01", "p99.999", "P99", "tm99", "Avg", "p"):
        assert not is_statistic(bad)
        with pytest.raises(ValueError):
            statistic([1.0], bad)
    with pytest.raises(ValueError):
        statistic([], "Sum")


def test_bucket_aligns_periods_to_the_epoch_and_leaves_empty_ones_out():
    points = [(1000.0, 1.0), (1199.9, 2.0), (1200.0, 3.0), (1620.0, 4.0), (2000.0, 9.0), (900.0, 9.0)]
    assert bucket(points, 960, 2000, 300) == [(900, [1.0, 2.0]), (1200, [3.0]), (1500, [4.0])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e6, allow_nan=False), st.floats(-1e3, 1e3, allow_nan=False)), max_size=80),
       st.sampled_from([1, 10, 60, 300, 3600]), st.floats(0, 5e5), st.floats(0, 5e5))
def test_bucket_keeps_every_in_range_point_in_its_own_period(points, period, a, b):
    start, end = sorted((a, b))
    result = bucket(points, start, end, period)
    starts = [s for s, _ in result]
    assert starts == sorted(set(starts))
    assert all(s % period == 0 and samples_ for s, samples_ in result)
    assert sum(len(s) for _, s in result) == sum(start <= t < end for t, _ in points)
    for s, values in result:
        assert sorted(values) == sorted(v for t, v in points if start <= t < end and s <= t < s + period)

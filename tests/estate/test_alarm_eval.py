"""CloudWatch alarm evaluation as AWS documents it (module cockpit.estate.alarm_eval).

The table tests are the User Guide's "Configuring how CloudWatch alarms treat missing
data" table: a 3-of-3 alarm, a 5-datapoint evaluation range, X breaching, 0 not, - missing.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.estate.alarm_eval import ALARM, INSUFFICIENT_DATA, OK, AlarmRule, evaluate

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc).timestamp()


def rule(**overrides) -> AlarmRule:
    fields = dict(name="s3-5xx", namespace="AWS/S3", metric_name="5xxErrors", dimensions={"BucketName": "b"},
                  statistic="Sum", period=300, evaluation_periods=3, datapoints_to_alarm=3, threshold=10.0,
                  comparison="GreaterThanThreshold", treat_missing_data="missing")
    fields.update(overrides)
    return AlarmRule(**fields)


def periods(pattern: str, period: int = 300) -> list[tuple[float, float | None]]:
    """'0 - X' -> oldest first: 0 within the threshold (1.0), X breaching (50.0), - missing."""
    values = {"0": 1.0, "X": 50.0, "-": None}
    return [(T0 + i * period, values[c]) for i, c in enumerate(pattern.split())]


RETAIN = "retain"
# Data points | MISSING | IGNORE | BREACHING | NOT BREACHING
AWS_TABLE = [
    ("0 - X - X", OK, OK, OK, OK),
    ("- - - - 0", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT_DATA, RETAIN, ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - X - -", ALARM, RETAIN, ALARM, OK),
]


@pytest.mark.parametrize("previous", [OK, ALARM, INSUFFICIENT_DATA])
@pytest.mark.parametrize("pattern,missing,ignore,breaching,not_breaching", AWS_TABLE)
def test_the_aws_missing_data_table(pattern, missing, ignore, breaching, not_breaching, previous):
    for treatment, expected in (("missing", missing), ("ignore", ignore), ("breaching", breaching),
                                ("notBreaching", not_breaching)):
        result = evaluate(rule(treat_missing_data=treatment), periods(pattern), previous, T0 + 1500)
        assert result.state == (previous if expected == RETAIN else expected), (pattern, treatment, previous)


def test_the_reason_and_reason_data_read_as_aws_writes_them():
    r = rule(evaluation_periods=2, datapoints_to_alarm=2)
    data = [(T0 + 480, 187.0), (T0 + 780, 212.0)]  # 09:08 and 09:13
    result = evaluate(r, data, OK, T0 + 1110.25, sample_counts={T0 + 480: 4, T0 + 780: 5})
    assert result.state == ALARM
    assert result.reason == ("Threshold Crossed: 2 out of the last 2 datapoints [212.0 (03/12/26 09:13:00), "
                             "187.0 (03/12/26 09:08:00)] were greater than the threshold (10.0) "
                             "(minimum 2 datapoints for OK -> ALARM transition).")
    assert result.reason_data == {
        "version": "1.0", "queryDate": "2026-12-03T09:18:30.250+0000", "startDate": "2026-12-03T09:08:00.000+0000",
        "statistic": "Sum", "period": 300, "recentDatapoints": [187.0, 212.0], "threshold": 10.0,
        "evaluatedDatapoints": [
            {"timestamp": "2026-12-03T09:13:00.000+0000", "sampleCount": 5.0, "value": 212.0},
            {"timestamp": "2026-12-03T09:08:00.000+0000", "sampleCount": 4.0, "value": 187.0},
        ],
    }


def test_recovery_names_the_datapoints_within_the_threshold_and_the_alarm_to_ok_minimum():
    r = rule(evaluation_periods=3, datapoints_to_alarm=2, comparison="GreaterThanOrEqualToThreshold")
    result = evaluate(r, periods("0 0 X"), ALARM, T0 + 900)
    assert result.state == OK
    assert result.reason == ("Threshold Crossed: 2 out of the last 3 datapoints [1.0 (03/12/26 09:05:00), "
                             "1.0 (03/12/26 09:00:00)] were not greater than or equal to the threshold (10.0) "
                             "(minimum 2 datapoints for ALARM -> OK transition).")


def test_all_missing_reasons():
    assert evaluate(rule(), periods("- - -"), OK, T0).reason == "Insufficient Data: 3 datapoints were unknown."
    assert evaluate(rule(treat_missing_data="notBreaching", evaluation_periods=1, datapoints_to_alarm=1),
                    periods("-"), ALARM, T0).reason == (
        "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated "
        "as [NonBreaching].")


@pytest.mark.parametrize("comparison,value,breaches", [
    ("GreaterThanThreshold", 10.0, False), ("GreaterThanThreshold", 10.5, True),
    ("GreaterThanOrEqualToThreshold", 10.0, True), ("LessThanThreshold", 10.0, False),
    ("LessThanThreshold", 9.5, True), ("LessThanOrEqualToThreshold", 10.0, True),
    ("LessThanOrEqualToThreshold", 10.5, False),
])
def test_comparison_operators(comparison, value, breaches):
    r = rule(comparison=comparison, evaluation_periods=1, datapoints_to_alarm=1)
    assert evaluate(r, [(T0, value)], OK, T0 + 300).state == (ALARM if breaches else OK)


def test_m_of_n_needs_m_breaching_but_not_consecutive():
    r = rule(evaluation_periods=5, datapoints_to_alarm=3)
    assert evaluate(r, periods("X 0 X 0 X"), OK, T0).state == ALARM
    assert evaluate(r, periods("X 0 X 0 0"), OK, T0).state == OK
    # only the last N count: an older breach outside them does not
    assert evaluate(r, periods("X X X 0 0 X 0 X"), OK, T0).state == OK


def test_large_and_small_numbers_print_like_java_doubles():
    r = rule(evaluation_periods=1, datapoints_to_alarm=1, threshold=1.5e7)
    assert "[20000000.0" not in evaluate(r, [(T0, 2e7)], OK, T0).reason
    assert "[2.0E7 (03/12/26 09:00:00)]" in evaluate(r, [(T0, 2e7)], OK, T0).reason
    assert "threshold (1.5E7)" in evaluate(r, [(T0, 2e7)], OK, T0).reason


# --- AlarmRule.from_describe: a boto3 DescribeAlarms MetricAlarms entry ---

def describe_entry(**overrides) -> dict:
    entry = {"AlarmName": "api-5xx", "Namespace": "AWS/ApiGateway", "MetricName": "5XXError",
             "Dimensions": [{"Name": "ApiName", "Value": "schools"}], "Statistic": "Sum", "Period": 60,
             "EvaluationPeriods": 3, "Threshold": 5.0, "ComparisonOperator": "GreaterThanThreshold",
             "StateValue": "OK"}
    entry.update(overrides)
    return entry


def test_from_describe_reads_the_entry_with_aws_defaults():
    r = AlarmRule.from_describe(describe_entry())
    assert r == AlarmRule("api-5xx", "AWS/ApiGateway", "5XXError", {"ApiName": "schools"}, "Sum", 60, 3, 3, 5.0,
                          "GreaterThanThreshold", "missing")
    r = AlarmRule.from_describe(describe_entry(Statistic=None, ExtendedStatistic="p99.9", DatapointsToAlarm=2,
                                               TreatMissingData="notBreaching"))
    assert (r.statistic, r.datapoints_to_alarm, r.treat_missing_data) == ("p99.9", 2, "notBreaching")


@pytest.mark.parametrize("overrides", [
    {"Metrics": [{"Id": "e1", "Expression": "m1/m2"}], "MetricName": None, "Statistic": None},
    {"ThresholdMetricId": "ad1", "ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"},
    {"ComparisonOperator": "GreaterThanUpperThreshold"},
])
def test_from_describe_declines_alarms_it_cannot_evaluate(overrides):
    assert AlarmRule.from_describe(describe_entry(**overrides)) is None


def test_a_moto_style_entry_with_empty_metrics_is_still_a_metric_alarm():
    assert AlarmRule.from_describe(describe_entry(Metrics=[])) is not None


# --- properties ---

values = st.lists(st.one_of(st.none(), st.floats(0, 100, allow_nan=False)), min_size=1, max_size=12)


@st.composite
def alarm_and_periods(draw, allow_missing=True):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(1, n))
    treatment = draw(st.sampled_from(["missing", "notBreaching", "breaching", "ignore"]))
    comparison = draw(st.sampled_from(["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
                                       "LessThanOrEqualToThreshold"]))
    value = st.floats(0, 100, allow_nan=False)
    extra = draw(st.integers(0, 3))
    item = st.one_of(st.none(), value) if allow_missing else value
    series = draw(st.lists(item, min_size=n + extra, max_size=n + extra))
    r = rule(evaluation_periods=n, datapoints_to_alarm=m, treat_missing_data=treatment, comparison=comparison,
             threshold=draw(value))
    return r, [(T0 + 60 * i, v) for i, v in enumerate(series)]


@settings(max_examples=300, deadline=None)
@given(alarm_and_periods(allow_missing=False), st.sampled_from([OK, ALARM, INSUFFICIENT_DATA]))
def test_with_every_datapoint_present_alarm_iff_m_of_the_last_n_breach(case, previous):
    r, data = case
    breaching = sum(r.breaches(v) for _, v in data[-r.evaluation_periods:])
    result = evaluate(r, data, previous, T0)
    assert result.state == (ALARM if breaching >= r.m else OK)
    assert len(result.reason_data["evaluatedDatapoints"]) == r.evaluation_periods


@settings(max_examples=300, deadline=None)
@given(alarm_and_periods(), st.sampled_from([OK, ALARM, INSUFFICIENT_DATA]))
def test_never_alarms_on_fewer_than_m_breaching_unless_missing_data_is_breaching_or_premature(case, previous):
    r, data = case
    result = evaluate(r, data, previous, T0)
    real = [v for _, v in data if v is not None]
    if result.state == ALARM and previous != ALARM and r.treat_missing_data == "notBreaching":
        assert sum(r.breaches(v) for v in real) >= r.m
    if result.state == INSUFFICIENT_DATA and previous != INSUFFICIENT_DATA:
        assert not real and r.treat_missing_data == "missing"
    if not real and r.treat_missing_data == "ignore":
        assert result.state == previous
    assert result.reason.startswith(("Threshold Crossed: ", "Insufficient Data: "))

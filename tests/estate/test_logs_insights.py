"""The Logs Insights query language as the runbooks use it, on events (no estate): what a
responder reads back from seed 004's queries. moto ignored ``filter`` and ``stats``."""

from __future__ import annotations

import pytest

from cockpit.estate.logs_insights import Event, MalformedQuery, run_query

LINES = ["START RequestId: a Version: 1", "ERROR DynamoDB timeout", "ERROR DynamoDB timeout", "ERROR a|b pipe",
         "REPORT RequestId: a Duration: 12.5 ms Billed Duration: 13 ms Memory Size: 128 MB Max Memory Used: 70 MB",
         "REPORT RequestId: b Duration: 900.1 ms Billed Duration: 901 ms Memory Size: 128 MB Max Memory Used: 71 MB",
         "INFO method=GET path=/schools"]
EVENTS = [Event(1_796_353_200_000 + i, line, "s", "/aws/lambda/CdkStack-GetSchoolsFunction") for i, line in enumerate(LINES)]


def rows(query: str) -> list[dict[str, str]]:
    results, _ = run_query(query, EVENTS)
    return [{f["field"]: f["value"] for f in row} for row in results]


def test_errors_are_counted_by_message_and_a_pipe_inside_a_regex_is_not_a_command():
    counted = rows("fields @timestamp, @message\n| filter @message like /ERROR/\n| stats count() by @message")
    assert {"count()": "2", "@message": "ERROR DynamoDB timeout"} in counted
    assert {"count()": "1", "@message": "ERROR a|b pipe"} in counted and len(counted) == 2
    assert rows("filter @message like /a\\|b/ | stats count() as n") == [{"n": "1"}]


def test_report_lines_give_lambda_fields_sorted_and_limited():
    slowest = rows('fields @timestamp, @duration, @requestId | filter @type = "REPORT" | sort @duration desc | limit 1')
    assert slowest == [{"@timestamp": "2026-12-04 03:00:00.005", "@duration": "900.1", "@requestId": "b"}]
    assert rows("filter @duration > 100 or @message like /method/ | stats count() as n") == [{"n": "2"}]
    assert rows('filter @type = "REPORT" | stats avg(@duration) as mean, max(@maxMemoryUsed) as mem') == [
        {"mean": "456.3", "mem": "71"}]


@pytest.mark.parametrize("query", ["fields @message | eval x = 1", "", "filter @message ~ 3", "limit many"])
def test_what_insights_would_refuse_is_malformed(query):
    with pytest.raises(MalformedQuery):
        run_query(query, EVENTS)

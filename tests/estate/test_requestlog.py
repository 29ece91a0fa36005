"""Which requests count as writes: the basis of every "zero mutating requests" claim."""

import pytest

from cockpit.estate.requestlog import RequestLog, is_read_operation


@pytest.mark.parametrize(("operation", "method", "reads"), [
    ("DescribeAlarms", "POST", True),            # query/JSON protocols POST even to read
    ("GetMetricData", "POST", True),
    ("ListTagsForResource", "POST", True),
    ("PutMetricAlarm", "POST", False),
    ("UpdateHealthCheck", "POST", False),
    ("SetAlarmState", "POST", False),
    ("GET /greenlang-prod-eu-west-1-data-lake-confidential", "GET", True),   # S3 REST
    ("HEAD /bucket/silver/manifest.json", "HEAD", True),
    ("PUT /bucket/dr-validation/test.txt", "PUT", False),
    ("DELETE /bucket/key", "DELETE", False),
    ("POST /2013-04-01/tags/healthcheck", "POST", True),   # Route53 ListTagsForResources
    ("POST /2013-04-01/healthcheck/abc", "POST", False),   # Route53 UpdateHealthCheck
    ("GET", "GET", True),                                  # Kubernetes: by method
    ("PATCH", "PATCH", False),
])
def test_reads_and_writes_are_told_apart(operation, method, reads):
    assert is_read_operation(operation, method) is reads


def test_summary_lists_writes_and_leaves_out_the_estates_own_work():
    log = RequestLog()
    log.record("aws", "s3", "GET /bucket", "GET")
    log.record("aws", "s3", "PUT /bucket/key", "PUT")
    log.record("aws", "cloudwatch", "PutMetricData", "POST", internal=True)
    summary = log.summary()
    assert (summary["total"], summary["mutating"]) == (2, 1)
    assert [r["operation"] for r in summary["mutating_requests"]] == ["PUT /bucket/key"]

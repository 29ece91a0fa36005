"""Which requests count as writes: the basis of every "zero mutating requests" claim."""

import pytest

from cockpit.estate.requestlog import RequestLog, is_read_operation


@pytest.mark.parametrize(("operation", "method", "reads", "service"), [
    ("DescribeAlarms", "POST", True, "cloudwatch"),            # query/JSON protocols POST even to read
    ("GetMetricData", "POST", True, "cloudwatch"),
    ("ListTagsForResource", "POST", True, "rds"),
    ("PutMetricAlarm", "POST", False, "cloudwatch"),
    ("SetAlarmState", "POST", False, "cloudwatch"),
    ("FilterLogEvents", "POST", True, "logs"),                 # the playbook model's answer, not a prefix's
    ("SimulatePrincipalPolicy", "POST", True, "iam"),
    ("TestFailover", "POST", False, "elasticache"),
    ("GetItem", "POST", False, "unknown"),                     # an unsigned request: no service, no proof
    ("GET /greenlang-prod-eu-west-1-data-lake-confidential", "GET", True, ""),   # S3 REST
    ("HEAD /bucket/silver/manifest.json", "HEAD", True, ""),
    ("PUT /bucket/dr-validation/test.txt", "PUT", False, ""),
    ("DELETE /bucket/key", "DELETE", False, ""),
    ("POST /2013-04-01/tags/healthcheck", "POST", True, ""),   # Route53 ListTagsForResources
    ("POST /2013-04-01/healthcheck/abc", "POST", False, ""),   # Route53 UpdateHealthCheck
    ("GET", "GET", True, ""),                                  # Kubernetes: by method
    ("PATCH", "PATCH", False, ""),
])
def test_reads_and_writes_are_told_apart(operation, method, reads, service):
    assert is_read_operation(operation, method, service) is reads


def test_logs_and_policy_simulation_read_at_the_estate(estate):
    """Counted at the server, through the real protocols: a log search and a policy
    simulation change nothing, so they are not mutating requests."""
    import time

    import boto3

    from cockpit.estate.catalogue import LOG_GROUPS

    env, group = estate.env, LOG_GROUPS[0]
    session = boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                            region_name=group.region)
    since = time.time()
    logs = session.client("logs", endpoint_url=env["AWS_ENDPOINT_URL"])
    logs.filter_log_events(logGroupName=group.name, limit=5)
    iam = session.client("iam", endpoint_url=env["AWS_ENDPOINT_URL"])
    role = iam.list_roles()["Roles"][0]["Arn"]
    try:
        iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["s3:GetObject"])
    except iam.exceptions.ClientError:
        pass  # moto may not answer it; the request was served and counted all the same
    summary = estate.control("requests", since=f"{since:.6f}")
    ops = {k.split(":", 2)[2] for k in summary["by_operation"]}
    assert {"FilterLogEvents", "SimulatePrincipalPolicy"} <= ops
    assert summary["mutating_requests"] == []


def test_summary_lists_writes_and_leaves_out_the_estates_own_work():
    log = RequestLog()
    log.record("aws", "s3", "GET /bucket", "GET")
    log.record("aws", "s3", "PUT /bucket/key", "PUT")
    log.record("aws", "cloudwatch", "PutMetricData", "POST", internal=True)
    summary = log.summary()
    assert (summary["total"], summary["mutating"]) == (2, 1)
    assert [r["operation"] for r in summary["mutating_requests"]] == ["PUT /bucket/key"]

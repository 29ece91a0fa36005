"""Which AWS operations read: from botocore's models and a reviewed list, never a name prefix."""

import pytest

from cockpit.content import aws_ops
from cockpit.content.errors import ContentError
from cockpit.content.playbooks import load_playbook


@pytest.mark.slow  # decodes every botocore service model
def test_the_committed_table_calls_read_only_what_the_installed_botocore_and_the_reviewed_list_do():
    # What the table calls a read must still be one by the installed botocore's models. A newer
    # botocore's new read operations are not in it yet: they count as writes (fail safe) until
    # `python -m cockpit.content.aws_ops` is run and its diff reviewed.
    derived = aws_ops.derive()
    wrong = {service: sorted(ops - set(derived.get(service, ())))
             for service, ops in aws_ops._table().items() if ops - set(derived.get(service, ()))}
    assert not wrong, f"called read but not one now: {wrong}"


@pytest.mark.parametrize(("service", "operation", "reads"), [
    ("elasticache", "TestFailover", False),        # fails a primary over
    ("apigateway", "TestInvokeMethod", False),     # calls the backend
    ("redshift", "GetClusterCredentials", False),  # creates a database user
    ("s3", "CreateSession", False),                # a GET that creates credentials
    ("logs", "FilterLogEvents", True),             # paginated: the model says it reads
    ("iam", "SimulatePrincipalPolicy", True),
    ("dynamodb", "Scan", True),
    ("s3", "SelectObjectContent", True),           # a POST, reviewed
    ("lambda", "GetFunction", True),               # REST GET
    ("cloudwatch", "DescribeAlarms", True),
    ("cloudwatch", "PutMetricAlarm", False),
    ("ssm", "GetParameter", True),
    ("no-such-service", "GetThing", False),        # unknown: a write
])
def test_reads_come_from_the_models_and_the_reviewed_list(service, operation, reads):
    assert aws_ops.is_read(service, operation) is reads


PLAYBOOK = """\
id: t
title: T
steps:
  - id: s
    title: S
    kind: aws
    service: {service}
    operation: {operation}
{extra}"""


def _load(tmp_path, service, operation, extra=""):
    path = tmp_path / "t.yaml"
    path.write_text(PLAYBOOK.format(service=service, operation=operation, extra=extra), encoding="utf-8")
    return load_playbook(path)


@pytest.mark.parametrize(("service", "operation", "params"), [
    ("elasticache", "TestFailover", "{ReplicationGroupId: r, NodeGroupId: '0001'}"),
    ("apigateway", "TestInvokeMethod", "{restApiId: a, resourceId: b, httpMethod: GET}"),
])
def test_a_test_operation_that_changes_things_cannot_be_declared_read(tmp_path, service, operation, params):
    assert _load(tmp_path, service, operation, f"    params: {params}\n").steps[0].risk.value == "write"
    with pytest.raises(ContentError, match="risk: read is too low"):
        _load(tmp_path, service, operation, f"    params: {params}\n    risk: read\n")


def test_a_wait_check_may_not_fail_a_cluster_over(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("""\
id: t
title: T
steps:
  - id: w
    title: W
    kind: wait
    until: "true"
    check: {kind: aws, service: elasticache, operation: TestFailover,
            params: {ReplicationGroupId: r, NodeGroupId: "0001"}}
""", encoding="utf-8")
    with pytest.raises(ContentError, match="TestFailover changes state"):
        load_playbook(path)


def test_filter_log_events_is_a_read_step(tmp_path):
    assert _load(tmp_path, "logs", "FilterLogEvents").steps[0].risk.value == "read"

"""Seed 001's auto-scaling configuration and seed 004's DynamoDB scaling end to end: the
runbook's scalable target and target-tracking policy, and the flight-schools table switched to
provisioned capacity, each behind an approval and each read back from the estate with boto3.
"""

from __future__ import annotations

import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")
SERVICE = "service/production-cluster/web-service"


def _targets(module_estate) -> list[dict]:
    return aws(module_estate, "application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[SERVICE])["ScalableTargets"]


async def test_autoscaling_rejected_registers_nothing(module_estate, tmp_path):
    run = await run_playbook("ecs-autoscaling-config", tmp_path / "t.db", yes=True,
                             rejections={"approve_config": "after the release"})
    assert run.status == "failed" and run.state("register_target") == "pending"
    assert _targets(module_estate) == []


async def test_autoscaling_registers_the_runbooks_target_and_policy(module_estate, tmp_path):
    run = await run_playbook("ecs-autoscaling-config", tmp_path / "t.db", yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    [target] = _targets(module_estate)
    assert (target["ScalableDimension"], target["MinCapacity"], target["MaxCapacity"]) == \
        ("ecs:service:DesiredCount", 2, 10)
    [policy] = aws(module_estate, "application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=SERVICE)["ScalingPolicies"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert (policy["PolicyName"], policy["PolicyType"]) == ("cpu-autoscaling", "TargetTrackingScaling")
    assert (config["TargetValue"], config["PredefinedMetricSpecification"]["PredefinedMetricType"]) == \
        (70.0, "ECSServiceAverageCPUUtilization")
    assert (run.outputs("target_after")["min"], run.outputs("target_after")["max"]) == (2, 10)
    assert run.outputs("policy_after")["target_value"] == 70.0


async def test_dynamodb_switches_to_the_runbooks_provisioned_capacity(module_estate, tmp_path):
    ddb = aws(module_estate, "dynamodb")
    assert ddb.describe_table(TableName="flight-schools")["Table"]["BillingModeSummary"]["BillingMode"] == \
        "PAY_PER_REQUEST"
    rejected = await run_playbook("dynamodb-scaling", tmp_path / "r.db", yes=True,
                                  rejections={"approve_switch": "traffic is not predictable yet"})
    assert rejected.status == "failed" and rejected.state("update_table") == "pending"
    assert ddb.describe_table(TableName="flight-schools")["Table"]["BillingModeSummary"]["BillingMode"] == \
        "PAY_PER_REQUEST"

    run = await run_playbook("dynamodb-scaling", tmp_path / "t.db", yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("table_now")["billing_mode"] == "PAY_PER_REQUEST"
    table = ddb.describe_table(TableName="flight-schools")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PROVISIONED" and table["TableStatus"] == "ACTIVE"
    throughput = table["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (10, 5)
    assert (run.outputs("table_after")["read"], run.outputs("table_after")["write"]) == (10, 5)

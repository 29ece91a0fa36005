"""Seed 001's blue-green deployment end to end on the estate's ALB and ECS scheduler: green
beside blue, its targets healthy before the switch, the approval, the listener rule switched
and read back, then blue retired or the switch rolled back. The estate is read back with
boto3 afterwards: which target group the rule forwards to, which service runs what.

Tests run in file order on one estate: the rejected and rolled-back runs leave traffic on
blue (each with its own green names), the last one switches for good.
"""

from __future__ import annotations

import pytest

from tests.playbooks_e2e.conftest import aws, run_playbook

pytestmark = pytest.mark.usefixtures("module_estate")
ESTATE_SPEED = 600  # tasks start in 30 scenario seconds and pass health checks after more: a second or two here


def _live_rule(module_estate) -> dict:
    elb = aws(module_estate, "elbv2")
    alb = elb.describe_load_balancers(Names=["production-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    listener = next(item for item in elb.describe_listeners(LoadBalancerArn=alb)["Listeners"] if item["Port"] == 80)
    return next(r for r in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["Priority"] == "10")


def _tg(module_estate, name: str) -> str:
    return aws(module_estate, "elbv2").describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]


def _service(module_estate, name: str) -> dict:
    return aws(module_estate, "ecs").describe_services(cluster="production-cluster", services=[name])["services"][0]


async def test_a_rejected_switch_leaves_traffic_on_blue(module_estate, tmp_path):
    params = {"green_service": "web-service-green-a", "green_target_group": "web-service-green-a",
              "green_rule_priority": "6"}
    run = await run_playbook("blue-green-deployment", tmp_path / "t.db", params, yes=True,
                             rejections={"approve_switch": "green answers slowly"})
    assert run.status == "failed" and run.state("switch_to_green") == "pending"
    # Green was healthy before anyone was asked, and the switch was refused before it was made.
    assert run.state("green_healthy") == "succeeded", [e.message for e in run.events(["step_failed"])]
    assert _live_rule(module_estate)["Actions"][0]["TargetGroupArn"] == _tg(module_estate, "web-service-tg")


async def test_rollback_switches_the_rule_back_and_scales_green_to_zero(module_estate, tmp_path):
    params = {"green_service": "web-service-green-b", "green_target_group": "web-service-green-b",
              "green_rule_priority": "7"}
    run = await run_playbook("blue-green-deployment", tmp_path / "t.db", params, yes=True, approver="Dana Lead",
                             choices={"verdict": "rollback"})
    assert run.status == "succeeded", run.engine.records
    assert run.outputs("rule_on_green")["target_group"] == _tg(module_estate, "web-service-green-b")
    assert _live_rule(module_estate)["Actions"][0]["TargetGroupArn"] == _tg(module_estate, "web-service-tg")
    assert _service(module_estate, "web-service-green-b")["desiredCount"] == 0
    assert _service(module_estate, "web-service")["desiredCount"] == 3
    assert run.state("retire_blue") == "skipped"


async def test_switch_to_healthy_green_and_retire_blue(module_estate, tmp_path):
    blue_before = _service(module_estate, "web-service")
    run = await run_playbook("blue-green-deployment", tmp_path / "t.db", {"task_definition": "web-service:2"},
                             yes=True, approver="Dana Lead")
    assert run.status == "succeeded", run.engine.records
    green_tg = _tg(module_estate, "web-service-green")
    elb = aws(module_estate, "elbv2")
    # The switch, as the listener reads now.
    assert _live_rule(module_estate)["Actions"][0]["TargetGroupArn"] == green_tg
    healthy = [t for t in elb.describe_target_health(TargetGroupArn=green_tg)["TargetHealthDescriptions"]
               if t["TargetHealth"]["State"] == "healthy"]
    assert len(healthy) == 2
    green = _service(module_estate, "web-service-green")
    assert green["taskDefinition"].endswith("task-definition/web-service:2") and green["runningCount"] == 2
    assert blue_before["desiredCount"] == 3 and _service(module_estate, "web-service")["desiredCount"] == 0
    # The decision was the condition's (all green targets healthy), recorded as such.
    decision = [e for e in run.events(["decision"]) if e.data["step_id"] == "verdict"][-1]
    assert decision.data["choice"] == "keep" and decision.data["how"] == "condition held"

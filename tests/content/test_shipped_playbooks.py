"""The shipped playbooks validate and say what their runbooks say."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.content.paths import content_files
from cockpit.content.step_base import Risk
from cockpit.content.steps import AwsStep, ChooseStep, HttpStep, K8sStep, ShellStep, WaitStep
from cockpit.content.playbooks import find_playbook, load_catalog, load_playbook

SHIPPED = content_files("playbooks")
EXPECTED = {"dr-failover", "dr-failback", "s3-replication-lag", "morning-health-check", "flight-school-health-check"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_playbook_validates_and_is_named_after_its_file(path: Path) -> None:
    playbook = load_playbook(path)
    assert playbook.id == path.stem


def test_the_runbook_playbooks_are_all_shipped() -> None:
    catalog = load_catalog()
    assert not catalog.problems
    assert EXPECTED <= set(catalog.playbooks)


def test_dr_failover_carries_seed_003_targets_and_criteria() -> None:
    pb = find_playbook("dr-failover")
    assert (pb.targets.rto, pb.targets.rpo) == (3600, 900)
    assert [(p.id, p.budget) for p in pb.targets.phases] == [
        ("preparation", 900), ("execution", 1800), ("validation", 900)]
    decision = pb.step("failover_decision")
    assert isinstance(decision, ChooseStep)
    # seed 003's four criteria, plus the way out when none holds
    assert [o.id for o in decision.options] == [
        "s3_unavailable", "region_down", "data_corruption", "security_breach", "no_failover"]
    assert decision.options[-1].goto == "end"
    approval = pb.step("leadership_approval")
    assert approval.approver == "engineering-leadership"  # type: ignore[attr-defined]


def test_dr_failover_makes_the_runbook_calls() -> None:
    pb = find_playbook("dr-failover")
    aws = {s.id: s for s in pb.steps if isinstance(s, AwsStep)}
    heads = {s.params["Key"] for s in aws.values() if s.operation == "HeadObject"}
    assert heads == {"silver/manifest.json", "silver/cbam/latest/manifest.json",
                     "gold/sustainability/emissions_summary.parquet"}
    disable = aws["disable_primary_health_check"]
    assert (disable.service, disable.operation, disable.params["Disabled"]) == ("route53", "UpdateHealthCheck", True)
    assert disable.risk is Risk.destructive and disable.confirm
    lag = aws["record_replication_state"]
    dims = lag.params["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert [d["Name"] for d in dims] == ["SourceBucket", "DestinationBucket", "RuleId"]
    assert pb.parameters["replication_rule"].default == "replicate-critical-data"
    configmap = pb.step("apply_dr_configmap")
    assert isinstance(configmap, K8sStep) and configmap.name == "storage-config"
    assert configmap.data is not None and configmap.data["DR_MODE"] == "true"
    restarted = [s.name for s in pb.steps if isinstance(s, K8sStep) and s.action == "rollout_restart"]
    assert restarted == ["storage-service", "api-gateway"]
    assert aws["presign_validation_object"].presign
    health = pb.step("storage_health_from_dr")
    assert isinstance(health, WaitStep) and {e.jmespath for e in health.check.expect} == {"status", "region"}


def test_read_only_playbooks_only_read() -> None:
    for playbook_id in ("morning-health-check", "flight-school-health-check"):
        pb = find_playbook(playbook_id)
        assert {s.risk for s in pb.steps} == {Risk.read}, playbook_id


def test_flight_school_check_posts_the_runbook_payload() -> None:
    pb = find_playbook("flight-school-health-check")
    post = pb.step("explain_match")
    assert isinstance(post, HttpStep) and post.method == "POST"
    assert post.json_body == {"student": {"trainingGoal": "PPL", "maxBudget": 15000}, "school": {"name": "Test"},
                              "matchScore": 85}


def test_failback_syncs_with_an_argv_never_a_shell_string() -> None:
    pb = find_playbook("dr-failback")
    syncs = [s for s in pb.steps if isinstance(s, ShellStep)]
    assert len(syncs) == 3
    for step in syncs:
        assert step.argv[:3] == ["aws", "s3", "sync"]
        assert step.risk is Risk.write


def test_a_users_folder_overrides_a_shipped_playbook_by_id(tmp_path: Path) -> None:
    shipped = load_playbook(SHIPPED[0])
    (tmp_path / "mine.yaml").write_text(f"id: {shipped.id}\ntitle: Local copy\nsteps: [{{id: a, kind: manual, title: A}}]\n")
    pb = find_playbook(shipped.id, [tmp_path])
    assert pb.title == "Local copy" and pb.source == str(tmp_path / "mine.yaml")


def test_a_broken_override_is_reported_not_replaced_by_the_shipped_one(tmp_path: Path) -> None:
    from cockpit.content.errors import ContentError

    (tmp_path / "dr-failover.yaml").write_text("id: dr-failover\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        find_playbook("dr-failover", [tmp_path])
    assert str(caught.value).startswith(f"{tmp_path / 'dr-failover.yaml'}:")


def test_the_example_in_the_format_reference_is_a_valid_playbook() -> None:
    from cockpit.content.playbooks import parse_playbook

    doc = (Path(__file__).resolve().parents[2] / "docs" / "playbooks.md").read_text(encoding="utf-8")
    example = doc.split("## A small example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    playbook = parse_playbook(example, "docs/playbooks.md")
    assert [s.kind for s in playbook.steps] == ["aws", "http", "notify"]  # type: ignore[attr-defined]

"""`cockpit playbook list | show | validate | schema`, as an operator and a CI job use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli import cli
from cockpit.content.playbook import json_schema

pytestmark = pytest.mark.slow  # runs the cockpit command line as a subprocess

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run `cockpit ...` in-process with an empty config (so the user's own config is not read)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("COCKPIT_CONFIG", raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_validate_accepts_the_shipped_playbooks(run) -> None:
    result = run("playbook", "validate", str(REPO / "playbooks"))
    assert result.exit_code == 0, result.output
    assert "dr-failover.yaml: ok (dr-failover, " in result.output


def test_validate_prints_every_problem_as_file_line_and_exits_1(run, tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("id: good\ntitle: Good\nsteps:\n  - {id: a, kind: manual, title: A}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nsteps:\n  - {id: a, kind: manual, title: A}\n"
                   "  - {id: a, kind: teleport, title: B}\n")
    result = run("playbook", "validate", "--quiet", str(good), str(bad))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [f"{bad}:5: steps.1.kind: unknown step kind 'teleport' (kinds: manual, aws, k8s, http, "
                     "shell, wait, approve, choose, notify)"]
    assert "1 of 2 files invalid" in result.stderr


def test_validate_of_a_missing_path_is_a_clear_problem(run, tmp_path: Path) -> None:
    result = run("playbook", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert result.stdout.strip() == f"{tmp_path / 'nope.yaml'}: no such file"


def test_list_json_has_every_playbook_with_its_step_count(run) -> None:
    result = run("playbook", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert {"dr-failover", "dr-failback", "s3-replication-lag", "morning-health-check",
            "flight-school-health-check"} <= set(rows)
    assert rows["flight-school-health-check"]["steps"] == 3
    assert "dr" in rows["dr-failover"]["tags"]


def test_list_reports_a_broken_user_playbook_and_still_lists_the_rest(run, tmp_path: Path) -> None:
    extra = tmp_path / "mine"
    extra.mkdir()
    (extra / "broken.yaml").write_text("id: broken\n")
    result = run("playbook", "list", "--dir", str(extra))
    assert result.exit_code == 1
    assert "dr-failover" in result.stdout
    assert f"{extra / 'broken.yaml'}:1: title: required field is missing" in result.stderr


def test_show_prints_each_step_with_kind_risk_and_exact_call(run) -> None:
    result = run("playbook", "show", "dr-failover", "--param", "dr_region=eu-central-1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "disable_primary_health_check  [aws, destructive]" in out
    assert ("$ aws route53 update-health-check --health-check-id "
            "'<steps.tags_of_health_checks.outputs.id>' --disabled") in out
    assert "$ kubectl -n greenlang rollout status deployment/storage-service --timeout=300s" in out
    assert "confirm by typing: HC-PRIMARY-S3" in out
    assert ("$ aws s3 presign s3://greenlang-prod-eu-central-1-data-lake-confidential-replica/"
            "dr-validation/test.txt --expires-in 300 --region eu-central-1") in out


def test_show_leaves_out_a_header_an_empty_optional_secret_would_fill(run) -> None:
    # The Grafana exercise's token is optional: left empty, no Authorization header is sent, so the
    # preview must not show one (a masked empty secret once previewed "Bearer *****").
    anonymous = run("playbook", "show", "platform-grafana-dashboard").stdout
    assert "header Authorization" not in anonymous
    given = run("playbook", "show", "platform-grafana-dashboard", "--param", "grafana_token=glsa_Zx81kQ0pVh3mT7wR").stdout
    shown = [line.strip() for line in given.splitlines() if "header Authorization" in line]
    assert len(shown) == 5 and "glsa_Zx81kQ0pVh3mT7wR" not in given, shown
    assert all(line.startswith("header Authorization: Bearer ") for line in shown)


def test_show_with_a_bad_parameter_or_unknown_id_fails_in_one_line(run) -> None:
    result = run("playbook", "show", "dr-failover", "--param", "dr_region=Mars")
    assert result.exit_code == 2
    assert result.stderr.startswith("cockpit: error: parameter dr_region: 'Mars' does not match")
    result = run("playbook", "show", "no-such-playbook")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "available: " in result.stderr and "dr-failover" in result.stderr


def test_show_json_round_trips_through_validation(run) -> None:
    from cockpit.content.playbook import Playbook

    result = run("playbook", "show", "s3-replication-lag", "--json")
    assert result.exit_code == 0
    assert Playbook.model_validate(json.loads(result.stdout)).id == "s3-replication-lag"


def test_the_committed_schema_is_up_to_date(run) -> None:
    committed = json.loads((REPO / "schema" / "playbook.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run: cockpit playbook schema -o schema/playbook.schema.json"
    result = run("playbook", "schema")
    assert json.loads(result.stdout) == committed


def test_editors_checking_against_the_schema_accept_the_shipped_playbooks() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(json_schema())
    for path in sorted((REPO / "playbooks").glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert not errors, (path.name, errors[0].message)
    broken = {"id": "x", "title": "X", "steps": [{"id": "a", "kind": "aws", "title": "A", "service": "s3",
                                                   "operation": "ListObjectsV2", "timeout": "soon"}]}
    assert list(validator.iter_errors(broken))


def test_validate_never_prints_a_traceback_for_a_hostile_file(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text("id: x\ntitle: y\nsteps:\n  - !!python/object/apply:os.system [touch pwned]\n" + "[" * 3000)
    proc = subprocess.run([sys.executable, "-m", "cockpit", "playbook", "validate", str(hostile)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout.startswith(f"{hostile}:")
    assert not (tmp_path / "pwned").exists()


def test_validate_names_a_filter_the_cockpit_lacks_at_its_line(run, tmp_path: Path) -> None:
    """Jinja looks filters up only when it compiles, which validation never did: a misspelt
    ``| epoch`` passed `validate` and failed the run at 3 a.m."""
    path = tmp_path / "logs.yaml"
    path.write_text("id: logs\ntitle: Logs\nsteps:\n"
                    "  - id: recent\n    kind: aws\n    title: Recent lines\n    service: logs\n"
                    "    operation: FilterLogEvents\n"
                    "    params: {logGroupName: g, startTime: \"{{ now(hours=-1) | epoc }}\"}\n"
                    "  - id: later\n    kind: manual\n    title: \"{{ 'x' is sameas 'x' }} {{ 1 is evn }} {{ now() | epoch }}\"\n")
    result = run("playbook", "validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:9: steps.0.params.startTime: unknown filter 'epoc'" in result.output
    assert f"{path}:12: steps.1.title: unknown test 'evn'" in result.output
    assert "sameas" not in result.output and "'epoch'" not in result.output

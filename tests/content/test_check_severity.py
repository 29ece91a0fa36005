"""What a failed check means is part of the step, checked when the playbook is validated:
`severity` and `error_severity` take only the levels a check run exits with, and an
expectation's `finding` may read `value` and `outputs` (nothing else a template cannot)."""

from __future__ import annotations

from pathlib import Path

from tests.content.test_checked_up_front import cockpit

PLAYBOOK = """\
id: severity-test
title: Severity test
steps:
  - id: alarms
    kind: aws
    title: Alarms in ALARM
    service: cloudwatch
    operation: DescribeAlarms
    severity: {step_severity}
    error_severity: critical
    expect:
      - jmespath: "MetricAlarms[].AlarmName"
        equals: []
        severity: {exp_severity}
        finding: "{finding}"
"""


def _validate(tmp_path: Path, **fields: str):
    path = tmp_path / "severity-test.yaml"
    values = {"step_severity": "warning", "exp_severity": "critical",
              "finding": "{{ value | length }} alarms in ALARM ({{ outputs.response | length }} keys)", **fields}
    path.write_text(PLAYBOOK.format(**values), encoding="utf-8")
    result = cockpit(tmp_path, "playbook", "validate", str(path))
    assert "Traceback" not in result.stderr
    return path, result.returncode, result.stdout + result.stderr


def test_levels_and_a_finding_that_reads_value_and_outputs_validate(tmp_path: Path) -> None:
    _, code, out = _validate(tmp_path)
    assert code == 0, out
    _, code, out = _validate(tmp_path, exp_severity="unknown")
    assert code == 0, out


def test_a_level_a_check_cannot_exit_with_is_refused_at_its_line(tmp_path: Path) -> None:
    path, code, out = _validate(tmp_path, step_severity="fatal")
    assert code != 0 and f"{path}:9: steps.0.severity: Input should be 'warning' or 'critical'" in out
    path, code, out = _validate(tmp_path, step_severity="unknown")  # a failed expectation is a finding
    assert code != 0 and f"{path}:9:" in out
    path, code, out = _validate(tmp_path, exp_severity="ok")
    assert code != 0 and f"{path}:14: steps.0.expect.0.severity: Input should be 'unknown', 'warning'" in out


def test_a_finding_naming_anything_else_is_refused(tmp_path: Path) -> None:
    path, code, out = _validate(tmp_path, finding="{{ result }} and {{ env.HOME }}")
    assert code != 0
    assert f"{path}:15: steps.0.expect.0.finding: unknown name 'env'" in out
    assert f"{path}:15: steps.0.expect.0.finding: unknown name 'result'" in out

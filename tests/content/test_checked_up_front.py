"""What can be checked when a file is loaded is checked then, at its line: a mistyped region
(a pane that stays empty, a step that fails with a DNS error at 3 a.m.) and a scenario that
opens on a screen that does not exist (an exercise that fails after its estate started)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cockpit.content.errors import ContentError
from cockpit.content.screen import load_screen

SRC = Path(__file__).resolve().parents[2] / "src"
SHIPPED = Path(__file__).resolve().parents[2]


def cockpit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "COCKPIT_CONFIG": ""}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_a_mistyped_region_in_a_screen_is_refused_at_its_line(tmp_path: Path) -> None:
    text = (SHIPPED / "screens" / "greenlang-storage.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "greenlang-storage.yaml"
    bad.write_text(text.replace("regions: [eu-west-1, eu-central-1]", "regions: [eu-west-1, eu-wset-1]", 1))
    line = next(n for n, row in enumerate(bad.read_text().splitlines(), 1) if "eu-wset-1" in row)
    try:
        load_screen(bad)
    except ContentError as exc:
        message = str(exc)
    else:
        raise AssertionError("eu-wset-1 was accepted")
    assert f"{bad}:{line}:" in message and "'eu-wset-1' is not a region" in message and "'eu-west-1'" in message


def test_real_regions_of_every_partition_are_accepted() -> None:
    from cockpit.content.regions import region_problem

    for region in ("eu-west-1", "us-east-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "il-central-1"):
        assert region_problem(region) is None, region
    assert region_problem("eu-west-l") is not None and region_problem("moon-1") is not None


PLAYBOOK = """\
id: region-test
title: Region test
steps:
  - id: alarms
    title: Alarms
    kind: aws
    service: cloudwatch
    operation: DescribeAlarms
    region: us-easst-1
  - id: templated
    title: Templated
    kind: aws
    service: cloudwatch
    operation: DescribeAlarms
    region: "{{ incident.id }}"
"""


def test_a_mistyped_literal_region_in_a_playbook_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "region-test.yaml"
    path.write_text(PLAYBOOK, encoding="utf-8")
    result = cockpit(tmp_path, "playbook", "validate", str(path))
    assert result.returncode != 0
    assert f"{path}:9: region: 'us-easst-1' is not a region" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "steps.1" not in result.stdout + result.stderr  # a templated region is checked when it is rendered


def test_a_scenario_opening_on_an_unknown_screen_is_refused_before_anything_starts(tmp_path: Path) -> None:
    text = (SHIPPED / "scenarios" / "flight-school-api-5xx.yaml").read_text(encoding="utf-8")
    assert "\nscreen:" in text
    bad = tmp_path / "flight-school-api-5xx.yaml"
    bad.write_text("\n".join("screen: flight-shcool" if row.startswith("screen:") else row
                             for row in text.splitlines()) + "\n", encoding="utf-8")
    line = next(n for n, row in enumerate(bad.read_text().splitlines(), 1) if row.startswith("screen:"))
    result = cockpit(tmp_path, "exercise", str(bad), "--mode", "tabletop", "--headless")
    assert result.returncode != 0
    assert result.stderr.startswith(f"cockpit: error: {bad}:{line}: screen: unknown screen 'flight-shcool'"), \
        result.stderr
    assert "Traceback" not in result.stderr

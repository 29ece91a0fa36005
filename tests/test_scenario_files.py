"""Scenario files: the shipped ones validate; a malformed one gets file:line and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.content.errors import ContentError
from cockpit.content.scenario import load_scenario_file, load_scenarios


def test_shipped_scenarios_load():
    scenarios = load_scenarios()
    assert {"eu-west-1-storage-outage", "flight-school-api-5xx"} <= set(scenarios)
    outage, _ = scenarios["eu-west-1-storage-outage"]
    assert [r.id for r in outage.reactions] == ["failed-over-to-eu-central-1", "failed-back-to-eu-west-1"]
    assert outage.reactions[1].when.after == ["failed-over-to-eu-central-1"]  # a failback only after the failover


VALID_HEAD = "id: broken\ntitle: Broken\nevents:\n"

MALFORMED = [
    # (file text, expected line, fragment of the message)
    (VALID_HEAD + "  - at: 1m\n    alarm: {name: x, state: FIRING}\n", 5, "events.0.alarm.state"),
    (VALID_HEAD + "  - at: soon\n    say: hi\n", 4, "duration such as 90s"),
    (VALID_HEAD + "  - at: 1m\n    say: hi\n    http: {endpoint: storage-health}\n", 4, "exactly one of"),
    (VALID_HEAD + "  - at: 1m\n    sey: typo\n", 5, "events.0.sey: unknown field"),
    ("id: broken\ntitle: Broken\n", None, "events: required field is missing"),
    (VALID_HEAD + "  - at: 1m\n    say: [unclosed\n", 6, "not valid YAML"),
    (VALID_HEAD + "  - at: 1m\n    say: a\n    say: b\n", 6, "duplicate key 'say'"),
    ("", 1, "the file is empty"),
    (VALID_HEAD + "  - at: 1m\n    say: hi\nreactions:\n  - id: r\n    when: {}\n    then: [{say: x}]\n", 8,
     "at least one of configmap"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), MALFORMED)
def test_malformed_scenario_names_file_and_line(tmp_path: Path, text: str, line: int | None, fragment: str):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    message = str(info.value)
    assert fragment in message
    expected_where = f"{path}:{line}:" if line else f"{path}:"
    assert message.startswith(expected_where), message


def _cockpit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, timeout=60)


def test_demo_refuses_unknown_scenario_listing_the_known_ones():
    out = _cockpit("demo", "--no-ui", "--scenario", "no-such-thing")
    assert out.returncode != 0
    assert out.stderr.count("\n") == 1, out.stderr  # one line, no traceback
    assert "no scenario named 'no-such-thing'" in out.stderr
    assert "eu-west-1-storage-outage" in out.stderr


def test_demo_refuses_a_scenario_naming_an_alarm_the_estate_lacks(tmp_path: Path):
    path = tmp_path / "typo.yaml"
    path.write_text(VALID_HEAD + "  - at: 1m\n    alarm: {name: greenlang-s3-5xx-error-critical, state: ALARM}\n")
    out = _cockpit("demo", "--no-ui", "--scenario", str(path))
    assert out.returncode != 0
    assert f"{path}:5:" in out.stderr
    assert "unknown alarm 'greenlang-s3-5xx-error-critical'" in out.stderr
    assert "Traceback" not in out.stderr


def test_demo_refuses_a_malformed_scenario_file(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(VALID_HEAD + "  - at: 1m\n    k8s: {deployment: storage-service, ready: lots}\n")
    out = _cockpit("demo", "--no-ui", "--scenario", str(path))
    assert out.returncode != 0
    assert f"{path}:5:" in out.stderr and "events.0.k8s.ready" in out.stderr
    assert "Traceback" not in out.stderr


def test_an_impossible_date_is_reported_at_its_line(tmp_path: Path):
    path = tmp_path / "date.yaml"
    path.write_text(VALID_HEAD + "  - at: 1m\n    say: 2024-13-45\n")
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert str(info.value).startswith(f"{path}:5: cannot read value '2024-13-45'")

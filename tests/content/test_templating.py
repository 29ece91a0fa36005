"""The sandboxed Jinja environment and parameter resolution the engine will render with."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import TemplateError

from cockpit.content import templating
from cockpit.content.params import ParameterError, parse_assignments, resolve_params
from cockpit.content.playbooks import find_playbook, parse_playbook
from cockpit.content.screen import load_screen
from cockpit.content.paths import shipped_dir

CTX = {"params": {"bucket": "b1", "replicas": 3, "ids": ["a", "b"]},
       "steps": {"find": {"outputs": {"id": "hc-1"}, "status": "succeeded"}},
       "incident": {"id": "INC-7"}}


def test_a_lone_expression_keeps_its_type_and_text_renders_to_a_string() -> None:
    rendered = templating.render_value(
        {"MaxKeys": "{{ params.replicas }}", "Ids": "{{ params.ids }}", "Key": "x/{{ params.bucket }}/y",
         "Nested": [{"Id": "{{ steps.find.outputs.id }}"}], "Plain": 5}, CTX)
    assert rendered == {"MaxKeys": 3, "Ids": ["a", "b"], "Key": "x/b1/y", "Nested": [{"Id": "hc-1"}], "Plain": 5}


def test_an_unknown_name_fails_instead_of_rendering_empty() -> None:
    with pytest.raises(TemplateError):
        templating.render_value("s3://{{ params.buckt }}/", CTX)


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ params.ids.append('c') }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 2 ** 100000 }}",
])
def test_the_sandbox_refuses_escapes_mutation_and_huge_values(source: str) -> None:
    with pytest.raises(TemplateError):
        templating.render_text(source, CTX)
    assert CTX["params"]["ids"] == ["a", "b"]


def test_expressions_evaluate_to_values() -> None:
    assert templating.evaluate("steps.find.status == 'succeeded' and params.replicas > 2", CTX) is True


def test_now_gives_aws_timestamps_and_refuses_other_arguments() -> None:
    stamp = templating.render_text("{{ now(hours=-1) }}", {})
    assert stamp.endswith("+00:00") and "T" in stamp
    with pytest.raises(TemplateError):
        templating.render_text("{{ now(months=1) }}", {})


def test_previews_show_unknown_values_as_placeholders() -> None:
    ctx = templating.preview_context({"bucket": "b1"})
    assert templating.preview_value("s3://{{ params.bucket }}/{{ steps.find.outputs.id }}", ctx) == \
        "s3://b1/<steps.find.outputs.id>"
    # a decision on an unknown value is shown as written, not guessed
    source = "{{ 'up' if steps.find.status == 'succeeded' else 'down' }}"
    assert templating.preview_value(source, ctx) == source


PB = """\
id: p
title: P
parameters:
  n: {type: int, default: 2}
  mode: {type: choice, choices: [fast, safe], default: safe}
  flag: {type: bool, default: false}
  name: {pattern: "[a-z]+"}
  note: {required: false}
  bucket: {default: fallback, default_from: "screen.replication[0].destination_bucket"}
steps:
  - {id: a, kind: manual, title: A}
"""


def test_parameters_are_typed_checked_and_defaulted() -> None:
    pb = parse_playbook(PB, "p.yaml")
    values = resolve_params(pb, parse_assignments(["n=5", "flag=yes", "name=abc"]))
    assert values == {"n": 5, "mode": "safe", "flag": True, "name": "abc", "note": None, "bucket": "fallback"}


def test_bad_parameters_are_all_named() -> None:
    pb = parse_playbook(PB, "p.yaml")
    with pytest.raises(ParameterError) as caught:
        resolve_params(pb, {"n": "five", "mode": "yolo", "typo": "1"})
    text = str(caught.value)
    assert "unknown parameter 'typo'" in text
    assert "parameter n: expected an integer" in text
    assert "parameter mode: expected one of fast, safe" in text
    assert "parameter name is required" in text
    with pytest.raises(ParameterError, match="does not match"):
        resolve_params(pb, {"name": "x; touch /tmp/pwned"})
    with pytest.raises(ParameterError, match="expected NAME=VALUE"):
        parse_assignments(["novalue"])


def test_defaults_come_from_the_screen_with_its_environment_expanded() -> None:
    screen = load_screen(shipped_dir("screens") / "greenlang-storage.yaml")
    pb = find_playbook("dr-failover")
    values = resolve_params(pb, {}, screen, environ={"COCKPIT_STORAGE_HEALTH_URL": "http://127.0.0.1:8/v1/storage/health"})
    assert values["health_url"] == "http://127.0.0.1:8/v1/storage/health"
    assert values["dr_bucket"] == "greenlang-prod-eu-central-1-data-lake-confidential-replica"
    without_env = resolve_params(pb, {}, screen, environ={})
    assert without_env["health_url"] == "https://api.greenlang.io/v1/storage/health"


def test_a_screen_that_lacks_the_value_leaves_the_written_default(tmp_path: Path) -> None:
    pb = parse_playbook(PB, "p.yaml")
    values = resolve_params(pb, {"name": "abc"}, screen={"replication": []})
    assert values["bucket"] == "fallback"


def test_epoch_gives_cloudwatch_logs_its_seconds() -> None:
    """CloudWatch Logs takes epoch times: StartQuery seconds, FilterLogEvents milliseconds."""
    assert templating.render_value("{{ '2026-12-04T03:00:00+00:00' | epoch }}", {}) == 1796353200
    assert templating.render_value("{{ ('2026-12-04T03:00:00' | epoch) * 1000 }}", {}) == 1796353200000  # UTC
    with pytest.raises(ValueError):
        templating.render_value("{{ 'yesterday' | epoch }}", {})

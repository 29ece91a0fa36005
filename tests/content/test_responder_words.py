"""Nothing a responder sees names the source documents by their internal numbers ("seed 003"):
every text field of every shipped playbook, screen and scenario, as loaded (YAML comments,
where the provenance lives, are not part of what loads), and the shipped text templates."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cockpit.content.playbooks import load_catalog
from cockpit.content.scenario import load_scenarios
from cockpit.content.screen import load_screens

JARGON = re.compile(r"\bseeds?\s*[-#]?\s*0\d\d\b", re.IGNORECASE)


def shown_strings(value: Any, where: str = "") -> list[tuple[str, str]]:
    """(path, text) for every string inside a loaded model."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in shown_strings(v, f"{where}.{k}")]
    if isinstance(value, (list, tuple)):
        return [hit for i, v in enumerate(value) for hit in shown_strings(v, f"{where}[{i}]")]
    return []


def _content() -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = [(f"playbook {k}", v) for k, v in load_catalog().playbooks.items()]
    items += [(f"screen {k}", v) for k, v in load_screens().items()]
    items += [(f"scenario {k}", v[0]) for k, v in load_scenarios().items()]
    return items


@pytest.mark.parametrize(("name", "model"), _content(), ids=lambda x: x if isinstance(x, str) else "")
def test_no_shown_field_says_seed(name: str, model: Any) -> None:
    found = [f"{name}{where}: {text.strip()[:80]!r}" for where, text in shown_strings(model.model_dump(mode="json"))
             if JARGON.search(text)]
    assert not found, "source-document numbers in text a responder reads:\n" + "\n".join(found)


def test_the_content_is_all_there() -> None:
    kinds = {name.split()[0] for name, _ in _content()}
    assert kinds == {"playbook", "screen", "scenario"} and len(_content()) >= 20


def test_shipped_text_templates_do_not_say_seed() -> None:
    templates = Path(__file__).resolve().parents[2] / "src" / "cockpit" / "timeline" / "templates"
    files = sorted(templates.glob("*.j2"))
    assert files
    for path in files:
        assert not JARGON.search(path.read_text(encoding="utf-8")), path


def test_the_guided_screens_preview_of_a_decision_shows_evidence_not_conditions() -> None:
    """The step detail behind the decision dialog (and `cockpit run`'s output) reads like the
    dialog: each option's label and what it rests on, never the template condition."""
    from cockpit.content.describe import describe_step
    from cockpit.content.steps import ChooseStep
    from cockpit.engine.context import preview_context

    for playbook in load_catalog().playbooks.values():
        for step in playbook.steps:
            if not isinstance(step, ChooseStep) or not any(o.condition for o in step.options):
                continue
            steps = {s.id: {"status": "pending"} for s in playbook.steps}
            params = {n: p.default if p.default is not None else "x" for n, p in playbook.parameters.items()}
            lines = describe_step(step, preview_context(params, steps, {"id": "INC-1"}, None), responder=True)
            options = "\n".join(lines[1:])  # the prompt may wait on outputs only the run will have
            # (<steps.x.outputs.y> stands for a value the run does not know yet: a preview's placeholder)
            assert "{{" not in options and "==" not in options and "[when" not in options, (playbook.id, options)
            assert len([line for line in lines if line.startswith("  - ")]) == len(step.options)
            authors = "\n".join(describe_step(step, preview_context({}, steps, {"id": "INC-1"}, None)))
            assert "[when" in authors  # `cockpit playbook show` still shows the author the condition


def test_the_severity_table_the_declare_dialog_shows_says_no_seed() -> None:
    from dataclasses import astuple

    from cockpit.timeline.severity import SEVERITIES

    found = [f"{level}: {value!r}" for level, sev in SEVERITIES.items()
             for value in map(str, astuple(sev)) if JARGON.search(value)]
    assert not found, "\n".join(found)

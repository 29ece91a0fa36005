"""A new step kind is one module: its model, its content-side home and its executor, all here.

The toy kind ``echo`` (repeat a rendered word N times) is declared only in this file and
registered; from then on a playbook file may name it (checked at its line like any step),
and the engine previews it for a dry run, guards it, executes it, records its outputs and
lets a later step read them, with no branch for it anywhere in ``cockpit``. Built-in kinds are
registered the same way, one module each in ``content/steps/`` and ``engine/steps/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest

from cockpit.content import steps as kinds, templating
from cockpit.content.describe import describe_step
from cockpit.content.playbook import json_schema
from cockpit.content.playbooks import parse_playbook
from cockpit.content.errors import ContentError
from cockpit.content.step_base import StepBase
from cockpit.engine import Engine, HeadlessOperator, Policy
from cockpit.engine import steps as executors
from cockpit.engine.results import StepResult
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline


# -- the whole new kind ---------------------------------------------------------------------------

class EchoStep(StepBase):
    kind: Literal["echo"]
    word: str
    times: int = 2


class Echo(kinds.StepKind[EchoStep]):
    kind, model, implicit_outputs = "echo", EchoStep, ("said",)
    expected: ClassVar[tuple[str, ...]] = ("the word, repeated",)

    def describe(self, step: EchoStep, ctx: dict[str, Any], responder: bool) -> list[str]:
        return [f"echo {templating.preview_value(step.word, ctx)} x{step.times}"]


class EchoExecutor(executors.Executor[EchoStep]):
    kind, default_timeout = "echo", 5.0

    def render(self, step: EchoStep, ctx: dict[str, Any]) -> dict[str, Any] | None:
        return {"kind": "echo", "word": str(templating.render_value(step.word, ctx)), "times": step.times}

    async def execute(self, step: EchoStep, call: dict[str, Any], ctx: dict[str, Any], rt: Any, guarded: bool,
                      bound: float) -> StepResult:
        said = " ".join([call["word"]] * call["times"])
        rt.emit(said, "stdout")
        return StepResult({"said": said}, f"said {said!r}")


@pytest.fixture
def echo_kind():
    kinds.register(Echo())
    executors.register(EchoExecutor())
    yield
    kinds.unregister("echo")
    executors.unregister("echo")


# -- running it -----------------------------------------------------------------------------------

TOY = """\
id: toy
title: Toy
parameters:
  word: {default: hello}
steps:
  - id: greet
    kind: echo
    title: Greet
    word: "{{ params.word }}"
    times: 3
  - id: after
    kind: manual
    title: After
    checklist: ["heard {{ steps.greet.outputs.said }}"]
"""


def _playbook() -> Any:
    """The toy playbook, read as a playbook file is."""
    return parse_playbook(TOY, "toy.yaml")


async def _run(tmp_path: Path, policy: Policy) -> tuple[Engine, list[str], str]:
    playbook = _playbook()
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("toy", "P3")
        engine = await Engine.start(playbook, tl, incident.id, {"word": "hello"}, policy=policy,
                                    operator=HeadlessOperator(yes=True))
        preview = engine.preview(playbook.steps[0])
        await engine.run_to_end()
    return engine, preview, incident.id


def _said(tmp_path: Path, incident: str, step_id: str) -> list[str]:
    with Timeline(tmp_path / "t.db") as tl:
        return [e.message for e in tl.events(incident) if e.data.get("step_id") == step_id]


async def test_a_kind_declared_in_one_module_executes_and_feeds_later_steps(tmp_path, echo_kind):
    engine, preview, incident = await _run(tmp_path, Policy())
    assert preview == ["echo hello x3"]
    assert engine.status == "succeeded"
    assert engine.records["greet"]["outputs"] == {"said": "hello hello hello"}
    assert engine.records["after"]["outputs"] == {"checked": ["heard hello hello hello"]}
    assert _said(tmp_path, incident, "greet")[-1] == "Step Greet succeeded: said 'hello hello hello'"


async def test_a_dry_run_previews_the_new_kind_and_executes_nothing(tmp_path, echo_kind):
    engine, preview, incident = await _run(tmp_path, Policy(dry_run=True))
    assert preview == ["echo hello x3"]
    assert engine.state_of("greet") == "skipped"
    assert engine.records["greet"]["not_executed"] == "not executed: dry run"
    assert _said(tmp_path, incident, "greet")[-1] == "Step Greet not executed: dry run"


def test_the_new_kind_describes_itself_and_offers_its_outputs(echo_kind):
    step = _playbook().steps[0]
    ctx = templating.preview_context({"word": "hi"})
    assert describe_step(step, ctx) == ["echo hi x3"]
    assert kinds.outputs_of(step) == ("said",)
    assert executors.step_bound(step) == 5.0


def test_a_file_naming_the_new_kind_is_checked_at_its_lines(echo_kind):
    with pytest.raises(ContentError) as caught:
        parse_playbook(TOY.replace("times: 3", "times: many"), "toy.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "toy.yaml:10: steps.0.times: Input should be a valid integer, unable to parse string as an integer"]
    with pytest.raises(ContentError) as caught:  # its outputs are known to the checks of later steps
        parse_playbook(TOY.replace("outputs.said", "outputs.sung"), "toy.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "toy.yaml:14: steps.1.checklist.0: step 'greet' has no output 'sung' (known: said)"]


def test_once_the_kind_is_forgotten_a_file_naming_it_is_wrong(echo_kind):
    kinds.unregister("echo")
    with pytest.raises(ContentError) as caught:
        parse_playbook(TOY, "toy.yaml")
    message = str(caught.value.problems[0])
    assert message.startswith("toy.yaml:7: steps.0.kind: unknown step kind 'echo' (kinds: manual, aws,"), message
    assert "echo" not in json.dumps(json_schema())
    kinds.register(Echo())
    assert '"echo"' in json.dumps(json_schema())

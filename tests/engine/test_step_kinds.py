"""A new step kind is one module: its model, its content-side home and its executor, all here.

The toy kind ``echo`` (repeat a rendered word N times) is declared only in this file, and
the engine previews it for a dry run, guards it, executes it, records its outputs and lets
a later step read them, with no branch for it anywhere in ``cockpit``. Built-in kinds are
registered the same way, one module each in ``content/steps/`` and ``engine/steps/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest

from cockpit.content import steps as kinds, templating
from cockpit.content.describe import describe_step
from cockpit.content.playbook import Playbook
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
def echo_kind(monkeypatch):
    monkeypatch.setitem(kinds.KINDS, "echo", Echo())
    monkeypatch.setitem(executors.EXECUTORS, "echo", EchoExecutor())


# -- running it -----------------------------------------------------------------------------------

def _playbook() -> Any:
    """A playbook whose first step is an echo (files cannot name it: it is not in the `Step` union)."""
    playbook = Playbook.model_validate({
        "id": "toy", "title": "Toy", "parameters": {"word": {"default": "hello"}},
        "steps": [{"id": "after", "kind": "manual", "title": "After",
                   "checklist": ["heard {{ steps.greet.outputs.said }}"]}]})
    greet = EchoStep(id="greet", title="Greet", kind="echo", word="{{ params.word }}", times=3)
    return playbook.model_copy(update={"steps": [greet, *playbook.steps]})


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

"""The engine's branches in-process, without a server: the fast tier's core.

Small playbooks of steps that need no network (``true``/``false``/``printf`` as shell argv,
checklists, approvals, decisions) run through the engine's own API on a real timeline file,
as ``cockpit run`` and the guided screen drive it: ``on_failure`` abort/continue/goto, ``when``
true/false/undefined, the gates (read-only refuses a write; a destructive step needs the typed
text; a write needs a yes), and outputs flowing between steps through templates. Each runs in
milliseconds, so ``pytest -m "not slow"`` catches a broken branch without starting an estate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cockpit.content.params import resolve_params
from cockpit.content.playbooks import parse_playbook
from cockpit.engine import Engine, HeadlessOperator, NeedsPerson, Policy
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline


def _playbook(steps: str, parameters: str = "") -> Any:
    text = "id: branches\ntitle: Branches\n" + (f"parameters:\n{parameters}" if parameters else "") + "steps:\n" + steps
    return parse_playbook(text, "branches.yaml")


async def _run(tmp_path: Path, steps: str, parameters: str = "", params: dict[str, Any] | None = None, *,
               policy: Policy | None = None, **operator: Any) -> tuple[Engine, str]:
    """Run the playbook to its end (or to where a person is needed); (engine, incident id)."""
    playbook = _playbook(steps, parameters)
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("branches", "P3")
        engine = await Engine.start(playbook, tl, incident.id, resolve_params(playbook, params or {}, None),
                                    operator=HeadlessOperator(**{"yes": True, **operator}),
                                    policy=policy or Policy())
        try:
            await engine.run_to_end()
        except NeedsPerson:
            pass
    return engine, incident.id


def _said(tmp_path: Path, incident: str, step_id: str) -> str:
    """What the timeline recorded about ``step_id`` (its events' messages, one per line)."""
    with Timeline(tmp_path / "t.db") as tl:
        return "\n".join(e.message for e in tl.events(incident) if e.data.get("step_id") == step_id)


def _states(engine: Engine) -> dict[str, str]:
    return {s.id: engine.state_of(s.id) for s in engine.playbook.steps}


def _shell(step_id: str, argv: str, extra: str = "", risk: str = "read") -> str:
    return f"""  - id: {step_id}
    kind: shell
    title: {step_id}
    risk: {risk}
    argv: {argv}
{extra}"""


# -- on_failure ----------------------------------------------------------------------------

async def test_a_failed_step_aborts_the_run_by_default(tmp_path):
    engine, _ = await _run(tmp_path, _shell("broken", "[\"false\"]") + _shell("after", "[\"true\"]"))
    assert engine.status == "failed"
    assert _states(engine) == {"broken": "failed", "after": "pending"}  # nothing ran after it


async def test_on_failure_continue_runs_the_next_step(tmp_path):
    engine, _ = await _run(tmp_path, _shell("broken", "[\"false\"]", "    on_failure: continue\n")
                           + _shell("after", "[\"true\"]"))
    assert _states(engine) == {"broken": "failed", "after": "succeeded"}
    assert engine.status == "succeeded"  # failed and continued: the run still ends


async def test_on_failure_goto_skips_to_its_step(tmp_path):
    engine, incident = await _run(tmp_path, _shell("broken", "[\"false\"]", "    on_failure: goto:rescue\n")
                                  + _shell("normal", "[\"true\"]") + _shell("rescue", "[\"true\"]"))
    assert _states(engine) == {"broken": "failed", "normal": "skipped", "rescue": "succeeded"}
    assert "skipped: broken went to rescue" in _said(tmp_path, incident, "normal")


async def test_on_failure_goto_is_not_taken_when_the_step_succeeds(tmp_path):
    engine, _ = await _run(tmp_path, _shell("fine", "[\"true\"]", "    on_failure: goto:rescue\n")
                           + _shell("normal", "[\"true\"]") + _shell("rescue", "[\"true\"]"))
    assert _states(engine) == {"fine": "succeeded", "normal": "succeeded", "rescue": "succeeded"}


# -- when ----------------------------------------------------------------------------------

PARAM_FLAG = "  flag: {type: bool, default: false}\n"


@pytest.mark.parametrize("flag, state", [(True, "succeeded"), (False, "skipped")])
async def test_when_runs_the_step_only_if_it_holds(tmp_path, flag, state):
    engine, incident = await _run(tmp_path, _shell("gated", "[\"true\"]", "    when: params.flag\n")
                                  + _shell("after", "[\"true\"]"), PARAM_FLAG, {"flag": flag})
    assert _states(engine) == {"gated": state, "after": "succeeded"}
    assert ("skipped: when params.flag does not hold" in _said(tmp_path, incident, "gated")) is (not flag)


async def test_when_that_cannot_be_evaluated_skips_and_says_why(tmp_path):
    # An output the earlier step never produced (it was skipped): neither true nor false, so not run.
    engine, incident = await _run(tmp_path, _shell("first", "[\"true\"]", "    when: params.flag\n")
                                  + _shell("gated", "[\"true\"]", "    when: steps.first.outputs.exit_code == 0\n")
                                  + _shell("after", "[\"true\"]"), PARAM_FLAG)
    assert _states(engine) == {"first": "skipped", "gated": "skipped", "after": "succeeded"}
    assert "cannot be evaluated" in _said(tmp_path, incident, "gated")


# -- the gates -----------------------------------------------------------------------------

async def test_read_only_refuses_a_write_and_runs_the_reads(tmp_path):
    target = tmp_path / "written"
    engine, _ = await _run(tmp_path, _shell("look", "[\"true\"]")
                           + _shell("write", f"[\"touch\", \"{target}\"]", risk="write"),
                           policy=Policy(read_only=True))
    assert _states(engine) == {"look": "succeeded", "write": "skipped"}
    assert not target.exists()
    assert engine.records["write"]["not_executed"] == "not executed: read-only (write step)"


async def test_a_write_step_needs_a_yes(tmp_path):
    target = tmp_path / "written"
    engine, _ = await _run(tmp_path, _shell("write", f"[\"touch\", \"{target}\"]", risk="write"), yes=False)
    assert engine.state_of("write") == "pending" and not target.exists()
    engine, _ = await _run(tmp_path, _shell("write", f"[\"touch\", \"{target}\"]", risk="write"), yes=True)
    assert engine.state_of("write") == "succeeded" and target.exists()


DESTRUCTIVE = "    confirm: \"{{ params.name }}\"\n"
PARAM_NAME = "  name: {default: doomed-bucket}\n"


@pytest.mark.parametrize("typed, state, removed", [("doomed-bucket", "succeeded", True),
                                                    ("doomed", "failed", False),
                                                    ("  doomed-bucket ", "succeeded", True)])
async def test_a_destructive_step_runs_only_on_the_typed_text(tmp_path, typed, state, removed):
    victim = tmp_path / "victim"
    victim.write_text("data")
    engine, _ = await _run(tmp_path, _shell("remove", f"[\"rm\", \"{victim}\"]", DESTRUCTIVE, risk="destructive"),
                           PARAM_NAME, confirmations={"remove": typed})
    assert engine.state_of("remove") == state
    assert victim.exists() is not removed
    if state == "failed":
        assert engine.records["remove"]["error"] == "confirmation text did not match (expected 'doomed-bucket')"


async def test_yes_does_not_confirm_a_destructive_step(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("data")
    engine, _ = await _run(tmp_path, _shell("remove", f"[\"rm\", \"{victim}\"]", DESTRUCTIVE, risk="destructive"),
                           PARAM_NAME, yes=True)
    assert engine.state_of("remove") == "pending" and victim.exists()


# -- person steps and templates between steps ----------------------------------------------

async def test_outputs_flow_into_later_steps_through_templates(tmp_path):
    steps = (_shell("first", "[\"printf\", \"%s\", \"eu-central-1\"]")
             + """  - id: pick
    kind: choose
    title: Pick
    prompt: "Region {{ steps.first.outputs.stdout }}?"
    options:
      - {id: go, label: Go}
      - {id: stop, label: Stop, goto: end}
"""
             + _shell("use", "[\"printf\", \"%s/%s/%s\", \"{{ steps.first.outputs.stdout }}\", "
                             "\"{{ steps.pick.outputs.choice }}\", \"{{ params.name }}\"]"))
    engine, _ = await _run(tmp_path, steps, PARAM_NAME, choices={"pick": "go"})
    assert engine.status == "succeeded"
    assert engine.records["use"]["outputs"]["stdout"] == "eu-central-1/go/doomed-bucket"


async def test_a_choice_with_goto_end_skips_the_rest(tmp_path):
    steps = """  - id: pick
    kind: choose
    title: Pick
    prompt: Go on?
    options:
      - {id: go, label: Go}
      - {id: stop, label: Stop, goto: end}
""" + _shell("after", "[\"true\"]")
    engine, _ = await _run(tmp_path, steps, choices={"pick": "stop"})
    assert _states(engine) == {"pick": "succeeded", "after": "skipped"}
    assert engine.status == "succeeded"


async def test_an_output_no_step_produced_fails_the_step_that_needs_it(tmp_path):
    engine, _ = await _run(tmp_path, _shell("first", "[\"true\"]", "    when: params.flag\n")
                           + _shell("use", "[\"printf\", \"%s\", \"{{ steps.first.outputs.stdout }}\"]"),
                           PARAM_FLAG)
    assert _states(engine) == {"first": "skipped", "use": "failed"}
    assert engine.records["use"]["error"].startswith("cannot run:") and "first" in engine.records["use"]["error"]


async def test_a_rejected_approval_stops_the_run(tmp_path):
    steps = """  - id: approve
    kind: approve
    title: Approve
    approver: leadership
    prompt: Go?
""" + _shell("after", "[\"true\"]")
    engine, _ = await _run(tmp_path, steps, rejections={"approve": "not now"}, actor="boss")
    assert engine.state_of("after") == "pending"
    assert engine.state_of("approve") == "failed" and engine.status == "failed"
    engine, _ = await _run(tmp_path, steps, approver="boss")
    assert _states(engine) == {"approve": "succeeded", "after": "succeeded"}


async def test_a_guarded_run_walks_past_a_failed_read_but_still_fails(tmp_path):
    # Read-only: nothing writes, so an aborting failure does not stop the walk-through;
    # the run ends failed all the same (a continue-failure alone would end it succeeded).
    engine, _ = await _run(tmp_path, _shell("broken", "[\"false\"]") + _shell("after", "[\"true\"]"),
                           policy=Policy(read_only=True))
    assert _states(engine) == {"broken": "failed", "after": "succeeded"}
    assert engine.status == "failed"


async def test_step_by_step_a_failed_step_halts_until_retry_skip_or_abort(tmp_path):
    """The guided screen's path (run_next, skip), not run_to_end."""
    from cockpit.engine import EngineError

    playbook = _playbook(_shell("broken", "[\"false\"]") + _shell("after", "[\"true\"]"))
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("branches", "P3")
        engine = await Engine.start(playbook, tl, incident.id, {}, operator=HeadlessOperator(yes=True),
                                    policy=Policy())
        assert await engine.run_next() == "failed"
        with pytest.raises(EngineError, match="step broken failed: retry, skip or abort"):
            await engine.run_next()
        assert engine.status == "halted"
        await engine.skip("done by hand")
        assert await engine.run_next() == "succeeded"
    assert engine.status == "succeeded"

"""Shell steps: parameters cannot inject commands, output streams, timeouts stop the program.

Driven through the engine's own API (what the guided screen uses), on a real timeline file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cockpit.content.playbooks import load_playbook
from cockpit.engine import Engine, HeadlessOperator, Policy, StepOutput
from cockpit.timeline import Timeline
from cockpit.timeline.aio import AsyncTimeline
from tests.engine.conftest import write_playbook

ECHO_ARGS = "import json, sys; print(json.dumps(sys.argv[1:]))"


def _playbook(tmp: Path, extra: str = "") -> Path:
    return write_playbook(tmp / "pb", f"""
id: shell-test
title: Shell test
parameters:
  arg: {{}}
steps:
  - id: echo
    kind: shell
    title: Echo the argument
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(ECHO_ARGS)}, "{{{{ params.arg }}}}", "tail {{{{ params.arg }}}}"]
{extra}""")


async def _run(path: Path, db: Path, params: dict, **kw) -> tuple[Engine, list]:
    pb = load_playbook(path)
    seen: list = []
    async with AsyncTimeline(db, "tester@host") as tl:
        incident = await tl.declare("shell", "P3")
        engine = await Engine.start(pb, tl, incident.id, params, operator=HeadlessOperator(yes=True),
                                    policy=Policy(), listeners=[seen.append], **kw)
        await engine.run_to_end()
    return engine, seen


@pytest.mark.parametrize("template", ["x; touch {f}", "$(touch {f})", "`touch {f}`", "x && touch {f} | sh",
                                      "'\"; touch {f}; echo \""])
async def test_parameter_cannot_inject_a_command(tmp_path, template):
    target = tmp_path / "pwned"
    value = template.format(f=target)
    engine, seen = await _run(_playbook(tmp_path), tmp_path / "t.db", {"arg": value})
    assert engine.status == "succeeded"
    assert not target.exists()
    lines = [e.line for e in seen if isinstance(e, StepOutput)]
    assert json.loads(lines[0]) == [value, f"tail {value}"]  # each element arrived as one literal argument
    assert engine.records["echo"]["outputs"]["exit_code"] == 0


async def test_timeout_stops_the_program_and_fails_the_step(tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    extra = f"""
  - id: slow
    kind: shell
    title: Too slow
    risk: read
    timeout: 1s
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(code)}]
"""
    import os
    import time

    from cockpit.engine import StepFinished

    began = time.monotonic()
    engine, seen = await _run(_playbook(tmp_path, extra), tmp_path / "t.db", {"arg": "a"})
    assert time.monotonic() - began < 15
    assert engine.status == "failed" and engine.state_of("slow") == "failed"
    finished = next(e for e in seen if isinstance(e, StepFinished) and e.step_id == "slow")
    assert "did not finish within 1s" in (finished.error or "")
    with pytest.raises(ProcessLookupError):  # SIGTERM reached it: nothing left running
        os.kill(int(pid_file.read_text()), 0)


async def test_cancel_stops_the_program_and_the_responder_decides(tmp_path):
    """The UI's cancel key: SIGTERM reaches the program, the step is cancelled, skip moves on."""
    import asyncio
    import os

    from cockpit.engine import EngineError, StepStarted

    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    path = _playbook(tmp_path, f"""
  - id: slow
    kind: shell
    title: Slow
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, {json.dumps(code)}]
  - id: last
    kind: manual
    title: Last
""")
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("cancel", "P3")
        engine = await Engine.start(load_playbook(path), tl, incident.id, {"arg": "a"},
                                    operator=HeadlessOperator(yes=True), policy=Policy())
        assert await engine.run_next() == "succeeded"
        started = asyncio.Event()
        engine.subscribe(lambda e: started.set() if isinstance(e, StepStarted) else None)
        task = asyncio.create_task(engine.run_next())
        await asyncio.wait_for(started.wait(), 10)
        while not pid_file.exists():
            await asyncio.sleep(0.05)
        assert engine.cancel()
        assert await asyncio.wait_for(task, 15) == "cancelled"
        assert engine.current.id == "slow" and engine.status == "halted"
        with pytest.raises(EngineError):
            await engine.run_next()  # a cancelled step is not re-run without a decision
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)
        await engine.skip("cancelled: takes too long")
        assert await engine.run_next() == "succeeded"
        assert engine.status == "succeeded"
        states = {s.step_id: s.state for s in await tl.call(tl.sync.step_states, engine.run_id)}
    assert states == {"echo": "succeeded", "slow": "skipped", "last": "succeeded"}


async def test_skipping_after_retries_keeps_the_attempt_count(tmp_path):
    """Two failed attempts, then a skip: the record says the step was tried twice."""
    path = write_playbook(tmp_path / "pb", f"""
id: flaky
title: Flaky
steps:
  - id: probe
    kind: shell
    title: A probe that fails
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, "raise SystemExit(3)"]
  - id: after
    kind: manual
    title: Carry on
""")
    pb = load_playbook(path)
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("flaky", "P3")
        engine = await Engine.start(pb, tl, incident.id, {}, operator=HeadlessOperator(yes=True), policy=Policy())
        assert await engine.run_next() == "failed"
        assert await engine.retry() == "failed"
        await engine.skip("probe host is being replaced")
        states = {s.step_id: s for s in await tl.call(tl.sync.step_states, engine.run_id)}
    assert states["probe"].state == "skipped" and states["probe"].attempt == 2


def test_timestamps_reach_playbooks_in_utc():
    from datetime import datetime, timedelta, timezone

    from cockpit.engine.results import jsonable

    paris = timezone(timedelta(hours=1))
    answer = {"LastModified": datetime(2026, 2, 1, 13, 0, tzinfo=paris)}
    assert jsonable(answer) == {"LastModified": "2026-02-01T12:00:00+00:00"}


WRAPPED = """
id: wrapped
title: Wrapped
parameters:
  x: {}
steps:
  - id: planted
    kind: shell
    title: A wrapped shell
    risk: read
    argv: [env, sh, -c, "{{ params.x }}"]
"""


def test_a_wrapped_shell_with_a_template_does_not_validate(tmp_path):
    from cockpit.content.errors import ContentError

    path = write_playbook(tmp_path / "pb", WRAPPED)
    with pytest.raises(ContentError) as caught:
        load_playbook(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:11: argv[3]: a template here could become one of sh's options (a value such as -c or -e): "
        "write sh's options literally"]


async def test_the_engine_refuses_a_planted_command_from_a_playbook_that_skipped_validation(tmp_path):
    """A playbook built in code (no file, no checks) still cannot hand a parameter to `env sh -c`."""
    import yaml

    from cockpit.content.playbook import Playbook
    from cockpit.engine import StepFinished

    target = tmp_path / "pwned"
    playbook = Playbook.model_validate(yaml.safe_load(WRAPPED))
    seen: list = []
    async with AsyncTimeline(tmp_path / "t.db", "tester@host") as tl:
        incident = await tl.declare("planted", "P3")
        engine = await Engine.start(playbook, tl, incident.id, {"x": f"touch {target}"},
                                    operator=HeadlessOperator(yes=True), policy=Policy(), listeners=[seen.append])
        await engine.run_to_end()
    assert not target.exists()
    finished = next(e for e in seen if isinstance(e, StepFinished) and e.step_id == "planted")
    assert engine.state_of("planted") == "failed"
    assert (finished.error or "").startswith("not run: argv[3]: ")


async def test_a_missing_program_or_working_directory_is_named_in_one_line(tmp_path):
    """A runbook's `npx cdk deploy` on a machine without Node, or run from a folder that is not
    there: exec answers both with ENOENT; the step's error says which, and nothing ran."""
    path = write_playbook(tmp_path / "pb", f"""
id: tools-test
title: Tools test
steps:
  - id: no_tool
    kind: shell
    title: A tool that is not installed
    risk: read
    argv: [cockpit-test-no-such-tool, deploy]
    on_failure: continue
  - id: no_dir
    kind: shell
    title: The right tool in a folder that is not there
    risk: read
    argv: [{json.dumps(sys.executable)}, -c, "print(1)"]
    cwd: {json.dumps(str(tmp_path / "no-such-dir"))}
    on_failure: continue
""")
    engine, _ = await _run(path, tmp_path / "t.db", {})
    with Timeline(tmp_path / "t.db") as tl:
        errors = {e.data["step_id"]: e.data["error"] for e in tl.events(engine.incident["id"], kinds=["step_failed"])}
    assert errors == {
        "no_tool": "not run: cockpit-test-no-such-tool is not installed here (not on PATH)",
        "no_dir": f"not run: working directory {tmp_path / 'no-such-dir'} does not exist"}


MISSING_TOOL = """
id: missing-tool
title: A runbook tool this machine lacks
steps:
  - id: outdated
    kind: shell
    title: npm outdated
    risk: read
    error_severity: critical    # a failed answer would be the finding; a missing npm checked nothing
    argv: [cockpit-test-no-such-npm, outdated]
  - id: in_a_gone_folder
    kind: shell
    title: ls in a folder that is gone
    risk: read
    argv: [ls]
    cwd: /nonexistent-cockpit-folder
"""


@pytest.mark.slow  # `cockpit run` as a subprocess
def test_a_missing_tool_says_it_is_not_installed_in_one_line(tmp_path):
    from tests.engine.conftest import cli_env, cockpit
    folder = tmp_path / "pb"
    write_playbook(folder, MISSING_TOOL)
    proc = cockpit(["run", "missing-tool", "--dir", str(folder)], cli_env({}, tmp_path), tmp_path / "t.db",
                   timeout=60)
    assert proc.returncode == 3, proc.stdout + proc.stderr  # unknown: the check could not be read
    lines = proc.stdout.splitlines()
    assert ("  UNKNOWN  npm outdated: not run: cockpit-test-no-such-npm is not installed here "
            "(not on PATH)") in lines, proc.stdout
    assert ("  UNKNOWN  ls in a folder that is gone: not run: working directory "
            "/nonexistent-cockpit-folder does not exist") in lines, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr

"""The ``shell`` step: a program run from an argv list, never through a shell.

Each argv element is rendered on its own and passed as one argument to
``asyncio.create_subprocess_exec``, so ``x; touch /tmp/pwned`` in a parameter is one odd
argument, not a second command. What that cannot stop is a template filling an element a
program reads as code (``env sh -c "{{ x }}"``): :func:`run_shell` applies the argv rule of
:mod:`cockpit.content.argv_rules` again before every start, so a playbook that never went
through validation (built in code, loaded some other way) cannot run one either. The child
gets its own process group, so cancelling (SIGTERM, then SIGKILL after a grace period)
reaches whatever it started too; and on Linux it is SIGKILLed when the cockpit dies
(:mod:`cockpit.engine.deathsig`), so a step never runs on behind a dead cockpit while a
resumed run does it again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from typing import Any

from cockpit.content import argv_rules, templating
from cockpit.content.steps import ShellStep
from cockpit.engine.deathsig import die_with_parent
from cockpit.engine.results import NotStarted, StepFailure, StepResult
from cockpit.engine.runtime import Runtime

_KEEP_LINES = 200  # stdout/stderr kept as outputs (the end of them)


def render_shell(step: ShellStep, ctx: dict[str, Any]) -> dict[str, Any]:
    argv = [str(templating.render_value(a, ctx)) for a in step.argv]
    return {"argv": argv, "env": {k: str(v) for k, v in templating.render_value(step.env, ctx).items()},
            "cwd": str(templating.render_value(step.cwd, ctx)) if step.cwd else None}


async def _pump(stream: asyncio.StreamReader, name: str, keep: list[str], rt: Runtime) -> None:
    while True:
        raw = await stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\n")
        keep.append(line)
        del keep[:-_KEEP_LINES]
        rt.emit(line, name)


async def terminate(proc: asyncio.subprocess.Process, grace: float) -> None:
    """SIGTERM the process group, then SIGKILL it if it is still there after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if proc.returncode is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            await asyncio.wait_for(proc.wait(), wait)
            return
        except asyncio.TimeoutError:
            continue


def _check_startable(program: str, cwd: str | None, env: dict[str, str]) -> None:
    """Say plainly, in one line, why a program cannot start, before trying to
    (:class:`NotStarted`: a check run reads it as unknown, since nothing was checked).

    ``exec`` answers a missing program and a missing working directory with the same
    ENOENT, which read "cannot run npx: No such file or directory" either way: a runbook's
    ``npx cdk deploy`` on a laptop without Node, or run from the wrong folder, must say which.
    The program is looked up on the PATH the child would get (its ``env`` included)."""
    if cwd and not os.path.isdir(cwd):
        raise NotStarted(f"not run: working directory {cwd} does not exist")
    if os.sep in program:
        if not os.path.exists(program if os.path.isabs(program) or not cwd else os.path.join(cwd, program)):
            raise NotStarted(f"not run: {program} does not exist")
    elif shutil.which(program, path=env.get("PATH", os.defpath)) is None:
        raise NotStarted(f"not run: {program} is not installed here (not on PATH)")


def _not_started(program: str, cwd: str | None, exc: OSError) -> str:
    """The same one line when exec itself refuses (the tool removed since the check above,
    or not executable)."""
    if cwd and exc.filename in (cwd, os.fsencode(cwd)):
        return f"not run: working directory {cwd} does not exist"
    if isinstance(exc, FileNotFoundError):
        return f"not run: {program} is not installed here" + ("" if os.sep in program else " (not on PATH)")
    return f"not run: cannot start {program}: {exc.strerror or exc}"


async def run_shell(step: ShellStep, ctx: dict[str, Any], rt: Runtime, timeout: float | None = None) -> StepResult:
    refused = argv_rules.problems(list(step.argv))
    if refused:
        index, message = refused[0]
        raise StepFailure(f"not run: argv[{index}]: {message}")
    r = render_shell(step, ctx)
    _check_startable(r["argv"][0], r["cwd"], {**os.environ, **r["env"]})
    try:
        proc = await asyncio.create_subprocess_exec(
            *r["argv"], stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, **r["env"]}, cwd=r["cwd"], start_new_session=True,
            preexec_fn=die_with_parent())
    except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        raise NotStarted(_not_started(r["argv"][0], r["cwd"], exc)) from None
    started = time.monotonic()
    out: list[str] = []
    err: list[str] = []
    pumps = asyncio.gather(_pump(proc.stdout, "stdout", out, rt), _pump(proc.stderr, "stderr", err, rt))  # type: ignore[arg-type]
    try:
        await asyncio.wait_for(asyncio.shield(pumps), timeout)
        code = await proc.wait()
    except asyncio.TimeoutError:
        await terminate(proc, rt.kill_grace)
        pumps.cancel()
        raise StepFailure(f"{r['argv'][0]} did not finish within {timeout:g}s; stopped (SIGTERM, then SIGKILL)",
                          {"stdout": "\n".join(out), "stderr": "\n".join(err)}) from None
    except asyncio.CancelledError:
        await terminate(proc, rt.kill_grace)
        pumps.cancel()
        raise
    # How long the program ran (a restore's time against its target, `measures:`) and the
    # arguments it ran with (what a `created_by` guard reads: the name createdb was given).
    outputs = {"exit_code": code, "stdout": "\n".join(out), "stderr": "\n".join(err),
               "seconds": round(time.monotonic() - started, 3), "argv": r["argv"]}
    if code not in step.exit_codes:
        tail = (err or out or [""])[-1]
        raise StepFailure(f"{r['argv'][0]} exited with {code}" + (f": {tail}" if tail else ""), outputs)
    # The last line is what a report or forecast program concludes with: the summary a check
    # run's --json gives an ok step, so its figure is seen without opening the timeline.
    last = next((line.strip() for line in reversed(out) if line.strip()), "")
    return StepResult(outputs, f"exit {code}, {len(out)} lines of output" + (f"; the last: {last}" if last else ""))

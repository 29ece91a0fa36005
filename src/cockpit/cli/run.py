"""``cockpit run PLAYBOOK``: execute a playbook headless, logging to the incident timeline.

Without an incident (no ``--incident``, no ``--title/--severity``), a playbook whose every
step only reads is a **check run**, what cron runs at 09:00: nothing is written to any
timeline, one screen says each check's level (``engine/checks.py``) and the exit code is
``cockpit status``'s: 0 ok, 1 warning, 2 critical, 3 unknown, 64 a usage error. A playbook
with a step that may change something refuses to run without an incident.

Nobody is at a keyboard, so every answer a person would give comes from a flag
(``--yes``, ``--approve-as``, ``--reject``, ``--choose``, ``--confirm``, ``--resolve``); where one is
needed and missing, the run stops with one line saying which flag to add, and running the
same command again with it resumes the run where it stopped. Exit codes: 0 the run
succeeded, 1 it failed or was aborted, 2 bad input, 3 a person's answer is needed.

A ``--dry-run`` touches no timeline: it runs on a scratch one in memory, gone when the
command ends, so a preview neither declares an incident nor leaves a finished run behind
(which would make the real run of that playbook in that incident refuse to start without
``--again``). Its only record is what it prints. ``--incident`` is then optional and only
read, for the incident's mode (a tabletop's guard).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import click

from cockpit.cli.common import EX_USAGE, echo, fail, settings

NEEDS_PERSON = 3


def parse_step_answers(values: tuple[str, ...], flag: str, step_ids: set[str], allowed: tuple[str, ...] = (),
                       code: int = 2) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        step, sep, answer = value.partition("=")
        if not sep or not step.strip():
            fail(f"{flag} {value!r}: expected STEP=VALUE", code)
        if step.strip() not in step_ids:
            fail(f"{flag} {value!r}: no step {step.strip()!r} in this playbook", code)
        if allowed and answer not in allowed:
            fail(f"{flag} {value!r}: expected one of {', '.join(allowed)}", code)
        out[step.strip()] = answer
    return out


#: Lines of a step's call printed when it starts.
CALL_LINES = 16


class Printer:
    """Each step's progress as readable lines (no colour, fits a narrow terminal)."""

    def __init__(self, playbook: Any) -> None:
        self.numbers = {s.id: i for i, s in enumerate(playbook.steps, 1)}
        self.total = len(playbook.steps)

    def __call__(self, event: Any) -> None:
        from cockpit.engine import RunFinished, RunStarted, StepFinished, StepOutput, StepStarted, StepWaiting

        if isinstance(event, RunStarted):
            verb = "resuming" if event.resumed else "started"
            at = f" at step {event.at_step}" if event.resumed and event.at_step else ""
            echo(f"{event.playbook_id}: {verb} run {event.run_id}{at}")
        elif isinstance(event, StepStarted):
            again = f" (attempt {event.attempt})" if event.attempt > 1 else ""
            echo(f"[{self.numbers[event.step_id]}/{self.total}] {event.step_id}: {event.title}{again}")
            # The call whole up to a screenful: a decision's every option with its evidence (its
            # first three lines showed the prompt and one option of four).
            for line in event.call[:CALL_LINES]:
                echo(f"      {line}")
            if len(event.call) > CALL_LINES:
                echo(f"      … {len(event.call) - CALL_LINES} more lines (cockpit playbook show)")
        elif isinstance(event, StepOutput):
            echo(f"      | {event.line}")
        elif isinstance(event, StepWaiting):
            pass
        elif isinstance(event, StepFinished):
            number = self.numbers.get(event.step_id, 0)
            took = f" ({event.duration:.1f}s)" if event.duration >= 0.05 else ""
            if event.state == "skipped":
                echo(f"[{number}/{self.total}] {event.step_id}: {event.summary}")
                for line in event.call if event.summary.startswith("not executed") else []:
                    echo(f"      {line}")
                return
            echo(f"      {event.summary}{took}")
        elif isinstance(event, RunFinished):
            reason = f" ({event.reason})" if event.reason else ""
            echo(f"run {event.run_id} {event.status}{reason}")


@click.command()
@click.argument("playbook_id")
@click.option("--incident", "incident_id", metavar="ID", help="Log to this incident (resumes its unfinished run).")
@click.option("--title", help="Declare a new incident with this title.")
@click.option("--severity", metavar="P0-P4", help="Severity of the new incident.")
@click.option("--mode", type=click.Choice(["incident", "drill", "tabletop"]), default="incident", show_default=True,
              help="Mode of the new incident; tabletop executes only read steps.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="A playbook parameter.")
@click.option("--dry-run", is_flag=True, help="Render every call and make none.")
@click.option("--read-only", "read_only", is_flag=True, help="Execute only steps whose risk is read.")
@click.option("--yes", is_flag=True, help="Confirm checklists and write steps (not destructive ones).")
@click.option("--approve-as", metavar="NAME", help="Approver name for approval steps.")
@click.option("--reject", "rejections", multiple=True, metavar="STEP=REASON",
              help="Reject an approval step, with the reason (the name is --approve-as, else your actor name).")
@click.option("--choose", "choices", multiple=True, metavar="STEP=OPTION", help="Answer a decision step.")
@click.option("--confirm", "confirms", multiple=True, metavar="STEP=TEXT",
              help="Typed confirmation of a destructive step (the text it asks for).")
@click.option("--resolve", "verdicts", multiple=True, metavar="STEP=done|rerun|skip",
              help="Verdict on a step whose outcome is unknown after a crash.")
@click.option("--take-over", "take_over", is_flag=True,
              help="With --incident of a shared incident: drive its unfinished run, started on a host that is gone "
                   "(refused while that host's cockpit is on the share).")
@click.option("--again", is_flag=True,
              help="With --incident: start a new run even though this playbook already ran to the end there.")
@click.option("--dir", "dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              help="Another folder of playbooks.")
@click.option("--json", "as_json", is_flag=True,
              help="Check run: print the JSON document (docs/playbooks.md, Check runs) instead of the text.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=None,
              help="Check run: seconds the whole check may take (default 300); the check still waiting then, "
                   "and those after it, are unknown.")
@click.pass_context
def run(ctx: click.Context, playbook_id: str, incident_id: str | None, title: str | None, severity: str | None,
        mode: str, params: tuple[str, ...], dry_run: bool, read_only: bool, yes: bool, approve_as: str | None,
        rejections: tuple[str, ...], choices: tuple[str, ...], confirms: tuple[str, ...], verdicts: tuple[str, ...],
        take_over: bool, again: bool, dirs: tuple[Path, ...], as_json: bool, timeout: float | None) -> None:
    """Run PLAYBOOK_ID headless against the estate, logging every step to the timeline.

    \b
    With --incident ID, or --title T --severity P1 (declares one): every step is
    logged to that incident. Exit 0 the run succeeded, 1 it failed or was aborted,
    2 bad input, 3 a person's answer is needed: run the same command again with
    --incident and the answer, and it resumes where it stopped.

    \b
    Without an incident, a playbook whose every step only reads is a check
    run (cron): nothing is written to any timeline; it prints each check ok /
    warning / critical / unknown with what it found, and exits like `cockpit
    status`: 0 ok, 1 warning, 2 critical, 3 unknown (a check that could not
    be read), 64 bad input. --json prints it as a JSON document. A playbook
    that may change something needs an incident.
    """
    from cockpit.content.errors import ContentError
    from cockpit.content.params import ParameterError, parse_assignments
    from cockpit.content.playbooks import find_playbook
    from cockpit.engine.checks import changing_steps

    s = settings(ctx)
    # A bare `cockpit run ID` is a check run, whose 2 means critical: its usage errors exit 64.
    check_run = not incident_id and not title and not severity and not dry_run
    usage = EX_USAGE if check_run else 2
    s.error_code = usage
    config = s.config
    try:
        playbook = find_playbook(playbook_id, [*config.playbooks_dirs, *dirs])
    except ContentError as exc:
        fail(str(exc), usage)
    if incident_id and (title or severity):
        fail("give either --incident ID or --title and --severity, not both")
    if check_run and changing_steps(playbook):
        writes = changing_steps(playbook)
        fail(f"{playbook.id} has steps that may change the estate ({', '.join(writes[:4])}"
             f"{', ...' if len(writes) > 4 else ''}): give --incident ID, or --title T --severity P1 to declare "
             "one (only a playbook whose every step reads runs as a check without an incident)")
    if not check_run and not incident_id and not (title and severity) and not dry_run:
        fail("give --incident ID, or --title T --severity P1 to declare one")
    for flag, given_flag in (("--json", as_json), ("--timeout", timeout is not None)):
        if given_flag and not check_run:
            fail(f"{flag} is for a check run: a playbook whose every step reads, run without --incident, --title "
                 "or --dry-run")
    ids = {st.id for st in playbook.steps}
    try:
        given = parse_assignments(list(params))
    except ParameterError as exc:
        fail(str(exc), usage)
    from cockpit.engine import HeadlessOperator, Policy

    approvals = {st.id for st in playbook.steps if st.kind == "approve"}
    rejected = parse_step_answers(rejections, "--reject", ids, code=usage)
    for step_id, reason in rejected.items():
        if step_id not in approvals:
            fail(f"--reject {step_id}={reason}: {step_id} is not an approval step", usage)
        if not reason.strip():
            fail(f"--reject {step_id}=: give the reason (it goes into the timeline)", usage)
    operator = HeadlessOperator(yes=yes, approver=approve_as, actor=config.actor, rejections=rejected,
                                choices=parse_step_answers(choices, "--choose", ids, code=usage),
                                confirmations=parse_step_answers(confirms, "--confirm", ids, code=usage),
                                verdicts=parse_step_answers(verdicts, "--resolve", ids, ("done", "rerun", "skip"),
                                                            code=usage))
    if check_run:
        _check_run(config, playbook, given, operator, as_json, usage, CHECK_TIMEOUT if timeout is None else timeout)
    policy = Policy(dry_run=dry_run, read_only=read_only or s.read_only)
    if dry_run:
        status = asyncio.run(_dry_run(config, playbook, given, incident_id, title, severity, mode, operator, policy))
    else:
        if take_over and not incident_id:
            fail("--take-over takes over a run of --incident ID")
        status = asyncio.run(_run(config, playbook, given, incident_id, title, severity, mode, operator, policy, again,
                                  take_over=take_over))
    raise SystemExit(0 if status == "succeeded" else 1)


#: Where a dry run logs: a SQLite database in memory, private to the command and gone with it.
SCRATCH = ":memory:"
#: A check run's whole bound unless --timeout says otherwise (seconds).
CHECK_TIMEOUT = 300.0


def _check_run(config: Any, playbook: Any, given: dict[str, str], operator: Any, as_json: bool, usage: int,
               timeout: float) -> None:
    """Run a check (every step reads) with no incident; print the checks; exit 0/1/2/3 by the worst."""
    import json

    from cockpit.engine.checks import CheckReport, text

    report = CheckReport(playbook)
    asyncio.run(_check(config, playbook, given, operator, report, usage, timeout))
    doc = report.document()
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        echo(text(doc))
    raise SystemExit(doc["exit_code"])


async def _check(config: Any, playbook: Any, given: dict[str, str], operator: Any, report: Any, usage: int,
                 timeout: float) -> None:
    """The run on a scratch timeline in memory (as a dry run's): nothing is recorded anywhere.

    Read-only as well as unattended: the engine's guard would refuse a write even if one
    were there, a failed check never stops the others (the run ends with the whole
    picture), and a wait step looks once instead of waiting.
    """
    from cockpit.content.params import ParameterError, resolve_params
    from cockpit.content.screen import screen_for_playbook
    from cockpit.engine import Engine, EngineError, NeedsPerson, Policy, Runtime
    from cockpit.timeline import TimelineError
    from cockpit.timeline.aio import AsyncTimeline

    screen = screen_for_playbook(playbook, config.screen, config.screens_dirs, config.playbooks_dirs)
    try:
        values = resolve_params(playbook, given, screen)
    except ParameterError as exc:
        fail(str(exc), usage)
    runtime = Runtime(webhook_url=config.webhook_url, kube_context=config.kube_context)
    timeline = AsyncTimeline(SCRATCH, config.actor)
    engine = None
    try:
        await timeline.open()
        incident = await timeline.declare(f"check {playbook.id}", "P4", mode="incident")
        engine = await Engine.start(playbook, timeline, incident.id, values, operator=operator,
                                    policy=Policy(read_only=True, unattended=True), runtime=runtime,
                                    screen=screen, listeners=[report])
        # One bound for the whole check, as `cockpit status --timeout`: a step's own timeout
        # (60 s for AWS) times eleven steps is no answer for cron. The engine records the
        # step it cancels; the report makes it, and every check not reached, unknown.
        async with asyncio.timeout(timeout):
            await engine.run_to_end()
    except TimeoutError:
        step = engine.current.id if engine is not None and engine.current is not None else ""
        report.stop(step, f"no answer within {timeout:g} s (--timeout)")
    except NeedsPerson as exc:  # a decision no condition settles: that check could not be made
        report.stop(exc.step_id, f"{exc}")
    except EngineError as exc:
        step = engine.current.id if engine is not None and engine.current is not None else ""
        report.stop(step, str(exc))
    except (TimelineError, OSError) as exc:  # the scratch timeline in memory: not expected, but never a traceback
        fail(f"check run: {exc}", 3)
    finally:
        if engine is not None:  # titles as the run filled them ("production-db available", not the template)
            report.retitle({s.id: engine.title(s) for s in playbook.steps})
        await runtime.close()
        await timeline.close()


async def _dry_run(config: Any, playbook: Any, given: dict[str, str], incident_id: str | None, title: str | None,
                   severity: str | None, mode: str, operator: Any, policy: Any) -> str:
    """The run on a scratch timeline: nothing is called, nothing is recorded anywhere."""
    from cockpit.timeline import Timeline, TimelineError

    if incident_id:  # read, never written: the preview takes the incident's mode (a tabletop's guard)
        try:
            with Timeline(config.db, config.actor, read_only=True) as real:
                incident = real.incident(incident_id)
        except TimelineError as exc:
            fail(str(exc))
        title, severity, mode = incident.title, incident.severity, incident.mode
    scratch = config.model_copy(update={"db": SCRATCH})
    status = await _run(scratch, playbook, given, None, title or f"dry run of {playbook.id}", severity or "P4",
                        mode, operator, policy, quiet_declare=True)
    echo(f"dry run: nothing was called and nothing was recorded (timeline {config.db} untouched)")
    return status


async def _run(config: Any, playbook: Any, given: dict[str, str], incident_id: str | None, title: str | None,
               severity: str | None, mode: str, operator: Any, policy: Any, again: bool = False,
               quiet_declare: bool = False, take_over: bool = False) -> str:
    from cockpit.content.params import ParameterError, resolve_params
    from cockpit.content.screen import screen_for_playbook
    from cockpit.engine import EngineError, NeedsPerson, NotRecorded, Runtime
    from cockpit.timeline import TimelineError
    from cockpit.timeline.aio import AsyncTimeline

    screen = screen_for_playbook(playbook, config.screen, config.screens_dirs, config.playbooks_dirs)
    runtime = Runtime(webhook_url=config.webhook_url, kube_context=config.kube_context)
    printer = Printer(playbook)
    timeline = AsyncTimeline(config.db, config.actor)
    try:
        await timeline.open()
    except (TimelineError, OSError) as exc:
        fail(f"timeline {config.db}: {exc}")
    try:
        try:
            if incident_id:
                incident = await timeline.incident(incident_id)
            else:
                try:  # check the parameters before declaring anything
                    resolve_params(playbook, given, screen)
                except ParameterError as exc:
                    fail(str(exc))
                incident = await timeline.declare(title or "", severity or "", mode=mode)
                if not quiet_declare:
                    echo(f"declared {incident.id}")
            runs = await timeline.call(timeline.sync.runs, incident.id)
        except TimelineError as exc:
            fail(str(exc))
        open_runs = [r for r in runs if r.playbook_id == playbook.id and r.status == "running"]
        ended = [r for r in runs if r.playbook_id == playbook.id and r.status != "running"]
        if not open_runs and ended and not again:
            # Re-running the resume command after the end must not execute every step again.
            fail(f"{playbook.id} already ran to the end in {incident.id} (run {ended[-1].id} {ended[-1].status}); "
                 f"nothing to resume — to run it again on purpose, add --again")
        if take_over:
            await _take_over(config, timeline, open_runs)
        kwargs = dict(operator=operator, policy=policy, runtime=runtime, screen=screen,
                      claims=await _claims(config, timeline, incident.id))
        try:
            with await _beside_share(config, timeline, incident.id):
                if open_runs:
                    previous = open_runs[-1]
                    values = _resume_params(playbook, previous.params, given)
                    engine = await _resume(playbook, timeline, previous.id, values, printer, kwargs)
                else:
                    values = resolve_params(playbook, given, screen)
                    engine = await _start(playbook, timeline, incident.id, values, printer, kwargs)
                return await engine.run_to_end()
        except ParameterError as exc:
            fail(str(exc))
        except NeedsPerson as exc:
            fail(f"{exc} — then run again with --incident {incident.id} to resume", NEEDS_PERSON)
        except NotRecorded as exc:  # the timeline refused a write mid-run (disk full, locked)
            fail(f"{exc}; resume with --incident {incident.id}", 1)
        except EngineError as exc:
            fail(str(exc))
        except TimelineError as exc:  # any other write of the run (its start, its end)
            fail(f"timeline {config.db}: {exc}", 1)
    finally:
        await runtime.close()
        await timeline.close()


async def _claims(config: Any, timeline: Any, incident_id: str) -> Any:
    """The share's step claims for a run of this incident (None without a share: a run of a
    shared incident then refuses its writing steps, engine/claims.py)."""
    if not config.share:
        return None
    from cockpit.share.claims import claims_for

    return claims_for(config.share, incident_id, await timeline.call(timeline.sync.node), config.actor)


async def _beside_share(config: Any, timeline: Any, incident_id: str) -> Any:
    """While a run of a shared incident goes, the file is kept in step with the share
    (``share.sync.beside``); any other run, nothing."""
    if not config.share or config.db == SCRATCH or not await timeline.call(timeline.sync.is_shared, incident_id):
        return contextlib.nullcontext()
    from cockpit.share import sync
    from cockpit.share.uri import parse

    return sync.beside(config.db, config.actor, parse(config.share), (incident_id,))


async def _take_over(config: Any, timeline: Any, open_runs: list[Any]) -> None:
    """--take-over: the incident's unfinished run becomes this file's to drive, or one line why not."""
    from cockpit.share.runs import TakeOverRefused, take_over
    from cockpit.share.uri import parse
    from cockpit.timeline import TimelineError

    if not config.share:
        fail("--take-over needs the share (config share, or --share): only it can tell whether the run's host is gone")
    if not open_runs:
        fail("--take-over: this incident has no unfinished run of this playbook")
    run = open_runs[-1]
    node, _ = await timeline.call(timeline.sync.run_driver, run.id)
    if node is None:
        return  # this file drives it already: resume it
    try:
        taken_from = await timeline.call(take_over, timeline.sync, parse(config.share), run.id)
    except (TakeOverRefused, TimelineError) as exc:
        fail(str(exc))
    echo(f"run {run.id} taken over from {taken_from}")


def _resume_params(playbook: Any, stored: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """The run's own parameters; a secret one (stored redacted) must be given again."""
    from cockpit.content.params import ParameterError
    from cockpit.timeline.redact import MARK

    values = dict(stored)
    problems = []
    for name, raw in given.items():
        param = playbook.parameters.get(name)
        if param is None:
            problems.append(f"unknown parameter {name!r} for {playbook.id}")
            continue
        value = param.coerce(raw)
        if not param.secret and values.get(name) != value:
            problems.append(f"parameter {name} was {values.get(name)!r} when the run started; "
                            "a run keeps its parameters")
        values[name] = value
    missing = [n for n, p in playbook.parameters.items() if p.secret and values.get(n) == MARK]
    problems += [f"parameter {n} is secret and not stored: give --param {n}=VALUE to resume" for n in missing]
    if problems:
        raise ParameterError(problems)
    return values


async def _start(playbook: Any, timeline: Any, incident_id: str, values: dict[str, Any], printer: Printer,
                 kwargs: dict[str, Any]) -> Any:
    from cockpit.engine import Engine

    return await Engine.start(playbook, timeline, incident_id, values, listeners=[printer], **kwargs)


async def _resume(playbook: Any, timeline: Any, run_id: str, values: dict[str, Any], printer: Printer,
                  kwargs: dict[str, Any]) -> Any:
    from cockpit.engine import Engine

    return await Engine.resume(playbook, timeline, run_id, values, listeners=[printer], **kwargs)

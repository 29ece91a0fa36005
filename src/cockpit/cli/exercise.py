"""``cockpit exercise SCENARIO --mode tabletop|drill``: rehearse on the emulated estate.

Both modes start the estate (``cockpit demo --no-ui`` as a child process) with the
scenario, point every client of this process at it, and log to an exercise incident.

* ``--mode drill --headless --run PLAYBOOK --yes --approve-as NAME`` waits for the page
  (the scenario's first inject), runs the real playbook through the engine, measures seed
  003's DR test metrics, prints the incident id and a one-line verdict, and exits 1 when
  a target is missed (a nightly job can run it).
* ``--mode tabletop --headless`` relays the injects on the scenario clock to the incident's
  timeline until the scenario has played out, then scores the expectations; participants
  act from other terminals (``cockpit --db EXERCISE_DB incident note ID ...``, ``cockpit
  --db EXERCISE_DB run PLAYBOOK --incident ID`` — a tabletop incident executes only read
  steps). The exercise's timeline is its own file (config ``exercise_db``), not the real one.

Exit codes: 0 passed / finished, 1 a drill target missed or the run failed, 2 bad input.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import click

from cockpit.cli.common import fail, require_estate, settings, write_private

TARGETS = ("failover_time", "data_loss", "availability", "team_response")


def _targets(scenario: Any, values: tuple[str, ...]) -> Any:
    """The scenario with ``--target NAME=VALUE`` applied (durations like 45m; availability in %)."""
    from cockpit.content.durations import parse_duration

    changes: dict[str, float | None] = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or name not in TARGETS:
            fail(f"--target {item!r}: expected NAME=VALUE with NAME one of {', '.join(TARGETS)}")
        try:
            if raw.strip().lower() in ("", "none", "null"):
                changes[name] = None
            elif name == "availability":
                changes[name] = float(raw.rstrip("%"))
            else:
                changes[name] = parse_duration(raw)
        except ValueError as exc:
            fail(f"--target {item!r}: {exc}")
    if not changes:
        return scenario
    drill = scenario.drill
    return scenario.model_copy(update={"drill": drill.model_copy(
        update={"targets": drill.targets.model_copy(update=changes)})})


@click.command()
@click.argument("scenario_name", metavar="SCENARIO")
@click.option("--mode", type=click.Choice(["tabletop", "drill"]), required=True,
              help="tabletop: discussion, nothing that writes executes; drill: the real playbook on the estate.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Scenario time per real time (60: a scenario minute per second).")
@click.option("--headless", is_flag=True, help="No UI: for automation (a nightly drill) or a facilitator's terminal.")
@click.option("--run", "playbook_id", metavar="PLAYBOOK", help="Drill: the playbook to run (default: the scenario's).")
@click.option("--yes", is_flag=True, help="Drill: confirm checklists, write and destructive steps (emulated estate).")
@click.option("--approve-as", metavar="NAME", help="Drill: approver name for approval steps.")
@click.option("--choose", "choices", multiple=True, metavar="STEP=OPTION", help="Drill: answer a decision step.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE", help="Drill: a playbook parameter.")
@click.option("--target", "targets", multiple=True, metavar="NAME=VALUE",
              help=f"Override a drill target ({', '.join(TARGETS)}), e.g. failover_time=45m.")
@click.option("--linger", default="5m", show_default=True, metavar="DURATION",
              help="Scenario time after the last inject before the exercise ends by itself and is scored.")
@click.option("--commander", metavar="NAME", help="Who runs the exercise: its incident's commander (default: you).")
@click.option("--db", "db", type=click.Path(path_type=Path, dir_okay=False),
              help="Timeline database file (default: the exercises' own, config exercise_db).")
@click.option("--read-only", is_flag=True, help="Execute nothing that writes (as `cockpit --read-only exercise`).")
@click.pass_context
def exercise(ctx: click.Context, scenario_name: str, mode: str, speed: float, headless: bool,
             playbook_id: str | None, yes: bool, approve_as: str | None, choices: tuple[str, ...],
             params: tuple[str, ...], targets: tuple[str, ...], linger: str, commander: str | None,
             db: Path | None, read_only: bool) -> None:
    """Run a DR drill or a tabletop exercise of SCENARIO on the emulated estate.

    Exercises log to their own timeline, ~/.local/share/cockpit/exercise.db (config
    exercise_db), never to the real one; --db PATH chooses another file.
    """
    require_estate("cockpit exercise")
    from cockpit.content.durations import parse_duration
    from cockpit.content.errors import ContentError
    from cockpit.content.scenario import find_scenario
    from cockpit.estate.validation import check_scenario

    config = settings(ctx).rehearsal("exercise", db, read_only).config
    try:
        scenario, path = find_scenario(scenario_name, config.scenarios_dirs)
        check_scenario(scenario, path, config.screens_dirs)
    except ContentError as exc:
        fail(str(exc))
    scenario = _targets(scenario, targets)
    try:
        linger_s = parse_duration(linger)
    except ValueError as exc:
        fail(f"--linger: {exc}")
    if commander is not None and not commander.strip():
        fail("--commander: give a name")
    if not headless:
        if playbook_id or yes or approve_as or choices or params:
            fail("--run, --yes, --approve-as, --choose and --param are for --headless drills; "
                 "in the cockpit, pick the playbook with b")
        from cockpit.cli.open import open_exercise

        open_exercise(settings(ctx), scenario=scenario, scenario_path=path, mode=mode, speed=speed,
                      linger=linger_s, commander=commander)
        return
    playbook = None
    if mode == "drill":
        from cockpit.content.playbooks import find_playbook

        wanted = playbook_id or scenario.drill.playbook
        if not wanted:
            fail(f"scenario {scenario.id} names no drill playbook: give --run PLAYBOOK")
        try:
            playbook = find_playbook(wanted, config.playbooks_dirs)
        except ContentError as exc:
            fail(str(exc))
        ids = {s.id for s in playbook.steps}
        for what, step in (("cutover_step", scenario.drill.cutover_step),
                           ("validation_step", scenario.drill.validation_step)):
            if step and step not in ids:
                fail(f"{path}: drill.{what} {step!r} is not a step of {playbook.id}")
    elif playbook_id or yes or approve_as or choices or params:
        fail("--run, --yes, --approve-as, --choose and --param are for --mode drill")

    from cockpit.estate.process import EstateProcess, EstateStartError

    estate = EstateProcess(scenario=str(path), speed=speed, timeout=60)
    try:
        try:
            env = estate.start()
        except EstateStartError as exc:
            fail(str(exc).splitlines()[0])
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(env)  # every client of this process now talks to the estate
        if mode == "drill":
            code = asyncio.run(_drill(config, scenario, playbook, env, yes, approve_as, choices, params,
                                      commander=commander, linger=linger_s))
        else:
            code = asyncio.run(_tabletop(config, scenario, env, linger=linger_s, commander=commander))
    finally:
        estate.stop()
    raise SystemExit(code)


async def _open(config: Any, scenario: Any, mode: str, env: dict[str, str], *, commander: str | None,
                linger: float) -> tuple[Any, Any, Any]:
    from cockpit.exercise.control import EstateControl
    from cockpit.exercise.session import Exercise
    from cockpit.timeline import TimelineError
    from cockpit.timeline.aio import AsyncTimeline

    timeline = AsyncTimeline(config.db, config.actor)
    try:
        await timeline.open()
    except (TimelineError, OSError) as exc:
        fail(f"timeline {config.db}: {exc}")
    control = EstateControl(env["COCKPIT_ESTATE_URL"])
    return (Exercise(scenario, mode, timeline, control, linger=linger, commander=commander or config.actor),
            timeline, control)


async def _drill(config: Any, scenario: Any, playbook: Any, env: dict[str, str], yes: bool, approve_as: str | None,
                 choices: tuple[str, ...], params: tuple[str, ...], *, commander: str | None, linger: float) -> int:
    from cockpit.cli.run import Printer, parse_step_answers
    from cockpit.content.params import ParameterError, parse_assignments, resolve_params
    from cockpit.engine import HeadlessOperator, NeedsPerson, Runtime
    from cockpit.exercise.headless import run_drill, screen_for

    ids = {s.id for s in playbook.steps}
    operator = HeadlessOperator(yes=yes, approver=approve_as, choices=parse_step_answers(choices, "--choose", ids))
    screen = screen_for(config, playbook)
    try:
        values = resolve_params(playbook, parse_assignments(list(params)), screen)
    except ParameterError as exc:
        fail(str(exc))
    exercise, timeline, control = await _open(config, scenario, "drill", env, commander=commander, linger=linger)
    runtime = Runtime(webhook_url=config.webhook_url)
    try:
        try:
            result = await run_drill(exercise, playbook, values, operator=operator, runtime=runtime, screen=screen,
                                     listeners=[Printer(playbook)])
        except NeedsPerson as exc:  # the drill was ended and scored, its incident resolved saying so
            fail(f"{exc} (incident {exercise.incident_id}, closed: drill stopped)", 1)
        except TimeoutError as exc:
            fail(str(exc), 1)
    finally:
        await runtime.close()
        await control.close()
        await timeline.close()
    click.echo(result.incident_id)
    click.echo(result.line)
    return 0 if result.passed else 1


async def _tabletop(config: Any, scenario: Any, env: dict[str, str], *, linger: float, commander: str | None) -> int:
    from cockpit.estate.process import format_env
    from cockpit.exercise.headless import run_tabletop

    exercise, timeline, control = await _open(config, scenario, "tabletop", env, commander=commander, linger=linger)
    env_file = Path(config.db).with_name(f"exercise-{os.getpid()}.env")
    write_private(env_file, format_env(env))  # the estate's credentials: owner only
    try:
        def shown(event: Any) -> None:
            click.echo(f"T+{event.data.get('at', 0):5.0f}s  INJECT  {event.message}")

        task = asyncio.create_task(run_tabletop(exercise, on_inject=shown))
        await asyncio.sleep(0)
        while exercise.incident is None and not task.done():
            await asyncio.sleep(0.05)
        if exercise.incident is not None:
            click.echo(f"TABLETOP {exercise.incident_id}: nothing that writes is executed. Participants: "
                       f"set -a; . {env_file}; set +a — then cockpit --db {config.db} incident note "
                       f"{exercise.incident_id} ...")
        verdicts = await task
    finally:
        env_file.unlink(missing_ok=True)
        await control.close()
        await timeline.close()
    met = sum(v.met for v in verdicts)
    for v in verdicts:
        click.echo(f"{'MET   ' if v.met else 'MISSED'} {v.id}: {v.detail}")
    click.echo(f"{exercise.incident_id}: {met} of {len(verdicts)} expectations met; incident {exercise.incident.status}")
    return 0

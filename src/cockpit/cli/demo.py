"""``cockpit demo``: the emulated estate, with or without the cockpit on it."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import click

from cockpit.cli.common import fail, require_estate, settings
from cockpit.content.errors import ContentError


@click.command()
@click.option("--no-ui", is_flag=True, help="Run the estate alone until Ctrl-C and print its environment.")
@click.option("--env-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the environment (KEY=value, shell-quoted) to this file; written when ready.")
@click.option("--env-for", "env_for", metavar="SCREEN",
              help="Print (and write) the env of this screen's system: its region. With --no-ui.")
@click.option("--scenario", metavar="NAME|FILE", help="Replay a scenario (a name from scenarios/, or a YAML file).")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Scenario time per real time: 60 plays a scenario minute per second.")
@click.option("--db", "db", type=click.Path(path_type=Path, dir_okay=False),
              help="Timeline database file (default: the demo's own, config demo_db).")
@click.option("--read-only", is_flag=True, help="Execute nothing that writes (as `cockpit --read-only demo`).")
@click.option("--parent-pid", type=int, hidden=True, help="Exit when this process is gone (used by `cockpit demo`).")
@click.pass_context
def demo(ctx: click.Context, no_ui: bool, env_file: Path | None, env_for: str | None, scenario: str | None, speed: float,
         db: Path | None, read_only: bool, parent_pid: int | None) -> None:
    """Start the emulated estate on loopback and open the cockpit on it.

    The estate is the runbooks' world, emulated: AWS on moto's server (GreenLang buckets
    with replication, the runbooks' CloudWatch alarms, ECS production-cluster, RDS
    production-db, the ALB, Route53, DynamoDB flight-schools, Lambda), Kubernetes on kmock
    (namespace greenlang: storage-service, api-gateway, greenlang-api), and the runbooks'
    HTTP endpoints plus a Slack-compatible webhook sink. Nothing real is touched.

    With --no-ui it runs until interrupted and prints the environment (AWS_ENDPOINT_URL,
    credentials, region, KUBECONFIG, health URLs) that points Cockpit, aws-cli, kubectl or
    curl at it:

        cockpit demo --no-ui --env-file estate.env &
        set -a; . ./estate.env; set +a; aws s3 ls

    Each system (screen) lives in its own region: the printed env says which, --env-for SCREEN
    prints that system's env, and --env-file F also writes F.SCREEN for every screen.

    The demo logs to its own timeline, ~/.local/share/cockpit/demo.db (config demo_db),
    never to the real one; --db PATH chooses another file.
    """
    require_estate("cockpit demo")
    estate = None
    if not no_ui:
        from cockpit.estate.process import EstateProcess

        # Before anything else: the estate's start-up is the long pole, the rest overlaps it.
        estate = EstateProcess(scenario=scenario, speed=speed)
        estate.launch()
    try:
        config = settings(ctx).rehearsal("demo", db, read_only).config
        scenario_model = None
        if scenario:
            from cockpit.content.scenario import find_scenario
            from cockpit.estate.validation import check_scenario

            try:
                scenario_model, scenario_path = find_scenario(scenario, config.scenarios_dirs)
                check_scenario(scenario_model, scenario_path, config.screens_dirs)
            except ContentError as exc:
                fail(str(exc))
        if estate is None:
            sys.exit(_run_estate(scenario_model, speed, env_file, parent_pid, config, env_for))
        from cockpit.cli.open import open_demo

        open_demo(settings(ctx), estate, scenario_model)
    finally:
        if estate is not None:
            estate.stop()


def _system_regions(config, env_for: str | None) -> dict[str, str | None] | str:
    """Each screen's system and its region (one env per system), or the one-line error.

    Run in a thread while the estate starts: loading the screens (slow when cold) must not
    delay the estate's readiness."""
    from cockpit.content.screen import load_screens
    from cockpit.estate.system_env import system_regions

    try:
        systems = system_regions(load_screens(config.screens_dirs, config.playbooks_dirs))
    except ContentError as exc:
        return str(exc)
    if env_for is not None and env_for not in systems:
        return f"--env-for: no screen named {env_for!r} (screens: {', '.join(systems)})"
    return systems


def _systems_note(systems: dict[str, str | None], env_for: str | None, region: str,
                  env_file: Path | None) -> str:
    """The comment after the env: whose region it is, and how to get another system's."""
    lines = [f"# Region {region}" + (f": the env of {env_for}." if env_for else " (the storage runbook's).")
             + " Each system has its own region, from its screen;",
             "# for another system's, run its line" + (f", or source {env_file}.SCREEN" if env_file else "")
             + " (cockpit demo --no-ui --env-for SCREEN):"]
    for name, home in systems.items():
        lines.append(f"#   {name}: " + (f"export AWS_REGION={home} AWS_DEFAULT_REGION={home}" if home
                                           else "(no AWS region of its own)"))
    return "\n".join(lines) + "\n"


def _run_estate(scenario, speed: float, env_file: Path | None, parent_pid: int | None,
                config, env_for: str | None) -> int:
    from cockpit.estate.process import format_env
    from cockpit.estate.runner import Estate

    async def main() -> int:
        stop = asyncio.Event()
        failures: list[str] = []
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        with tempfile.TemporaryDirectory(prefix="cockpit-estate-") as workdir:
            estate = Estate(Path(workdir), scenario=scenario, speed=speed)
            loading = asyncio.create_task(asyncio.to_thread(_system_regions, config, env_for))
            try:
                await estate.start()
            except OSError as exc:
                await estate.stop()
                await loading
                click.echo(f"cockpit: error: the emulated estate could not start: {exc}", err=True)
                return 2
            systems = await loading
            if isinstance(systems, str):
                await estate.stop()
                click.echo(f"cockpit: error: {systems}", err=True)
                return 2
            watch: asyncio.Task | None = None
            system_files = [env_file.with_name(f"{env_file.name}.{name}") for name in systems] if env_file else []
            try:
                env = estate.env(systems.get(env_for) if env_for else None)
                click.echo(f"# Cockpit emulated estate ready in {estate.ready_seconds:.2f} s"
                           + (f"; scenario {scenario.id} at speed {speed:g}" if scenario else ""))
                click.echo(format_env(env, export=True), nl=False)
                click.echo(_systems_note(systems, env_for, env["AWS_REGION"], env_file) + "# Ctrl-C to stop.")
                sys.stdout.flush()
                if env_file:
                    # Each system's env first: a reader that sees the main file sees them all.
                    for name, path in zip(systems, system_files):
                        _write_atomically(path, format_env(estate.env(systems[name])))
                    _write_atomically(env_file, format_env(env))
                watch = asyncio.create_task(_watch_parent(parent_pid, stop)) if parent_pid else None
                seeding = asyncio.create_task(_watch_seeding(estate, stop, failures))
                await stop.wait()
                for task in (watch, seeding):
                    if task:
                        task.cancel()
            finally:
                await estate.stop()
                if env_file:
                    env_file.unlink(missing_ok=True)
                    for path in system_files:
                        path.unlink(missing_ok=True)
                    if watch is not None and watch.done() and not watch.cancelled():
                        _remove_orphaned_demo_dir(env_file.parent)
        return 2 if failures else 0

    return asyncio.run(main())


async def _watch_seeding(estate, stop: asyncio.Event, failures: list[str]) -> None:
    """Stop with a one-line error if the seeding that follows readiness fails.

    The estate says it is ready before the services no pane reads are seeded (AwsEstate
    defer_rest); an account with holes in it must not keep serving as if all were well.
    """
    try:
        await asyncio.to_thread(estate.aws.wait_seeded)
    except Exception as exc:  # noqa: BLE001 — any failure is reported the same way
        click.echo(f"cockpit: error: the emulated estate could not finish seeding AWS: {exc}", err=True)
        failures.append(str(exc))
        stop.set()


def _remove_orphaned_demo_dir(directory: Path) -> None:
    """The cockpit died without stopping us (SIGHUP kills it outright): its scratch directory
    (our log, the env file) would stay in /tmp for good, so we remove it."""
    from cockpit.estate.process import DEMO_DIR_PREFIX

    if directory.name.startswith(DEMO_DIR_PREFIX):
        shutil.rmtree(directory, ignore_errors=True)


async def _watch_parent(pid: int, stop: asyncio.Event) -> None:
    while True:
        await asyncio.sleep(0.5)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            stop.set()
            return
        except PermissionError:  # exists, owned by someone else: still alive
            pass


def _write_atomically(path: Path, text: str) -> None:
    """Readers poll for the file: it must appear complete or not at all. 0600: it carries the
    estate's proof token (a drill's --yes trusts only the estate that knows it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)

"""The ``cockpit`` command line: the public contract (see docs/cli.md).

Subcommands are imported only when they run, so ``cockpit status`` never pays for (or
imports) Textual, and ``--help`` stays instant. Every failure a user can cause ends as one
line on stderr and a non-zero exit code; see :func:`cockpit.cli.common.fail`.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
from pathlib import Path

import click

# The command line loads no pydantic plugins: it uses none, and looking for them scans
# every installed package's entry points before the first model is built (a tenth of what
# `cockpit status` spends before its first request). Set here, before any command imports
# a model; a user who wants a plugin in the cockpit sets the variable to something else.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# name -> "module:attribute", loaded on first use.
LAZY_COMMANDS: dict[str, str] = {
    "demo": "cockpit.cli.demo:demo",
    "status": "cockpit.cli.status:status",
    "incident": "cockpit.cli.incident:incident",
    "playbook": "cockpit.cli.playbook:playbook",
    "run": "cockpit.cli.run:run",
    "exercise": "cockpit.cli.exercise:exercise",
    "share": "cockpit.cli.share:share",
}


class LazyGroup(click.Group):
    """A click group whose subcommands live in their own modules, imported on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if _available(n))})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and _available(name):
            module_name, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)


def _available(name: str) -> bool:
    module_name = LAZY_COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--screen", "screen", metavar="NAME", help="Screen to open (default: from config, else greenlang-storage).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Config file (default: $COCKPIT_CONFIG, else the XDG config path).")
@click.option("--db", "db", type=click.Path(path_type=Path, dir_okay=False), help="Timeline database file (SQLite).")
@click.option("--read-only", is_flag=True, help="Execute nothing: every step that writes is refused (k9s-style).")
@click.option("--share", "share", metavar="URI",
              help="The table incidents are shared through, dynamodb://TABLE?region=R[&profile=P] (default: config share).")
@click.version_option(package_name="cockpit-sre", prog_name="cockpit")
@click.pass_context
def cli(ctx: click.Context, screen: str | None, config_path: Path | None, db: Path | None, read_only: bool,
        share: str | None) -> None:
    """Cockpit: what is on fire, and the runbook to put it out.

    With no command, opens the cockpit on the configured screen. `cockpit demo` opens it
    on an emulated estate instead, with nothing real touched.
    """
    from cockpit.cli.common import Settings

    ctx.obj = Settings(screen=screen, config_path=config_path, db=db, read_only=read_only, share=share)
    if ctx.invoked_subcommand is None:
        from cockpit.cli.open import open_cockpit

        open_cockpit(ctx.obj)


def main() -> None:
    """Run the command line; then leave without walking the heap.

    When the command is over, the interpreter's shutdown garbage-collects several times while
    it clears modules, walking every object botocore, pydantic and Textual built: a fifth of
    ``cockpit status`` (docs/performance.md). ``gc.freeze()`` moves those objects out of the collector's
    sight; they are still released by reference counting, streams are still flushed and
    ``atexit`` still runs. Nothing relies on a collection at exit: timeline events are
    committed as they happen and files are closed where they are written.
    """
    try:
        cli(prog_name="cockpit")
    finally:
        gc.freeze()

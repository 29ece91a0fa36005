"""``cockpit status [--screen NAME] [--json]``: one headless snapshot of every pane.

The morning health check as one command. Exit codes follow the monitoring-plugin
convention scripts already read: 0 all well, 1 warnings, 2 anything critical, 3 unknown (a
source that could not be read, a reading with no recent datapoint; critical wins over it),
and 64 (EX_USAGE) for a usage error — never 2, which would read as "critical". So
``cockpit status || page-me`` works in cron, and a Nagios-style runner reads it as is.
Never imports Textual.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import click

from cockpit.cli.common import EX_USAGE, fail, settings


class _StatusCommand(click.Command):
    """Usage errors (a bad option or value) exit with EX_USAGE rather than click's 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            exc.exit_code = EX_USAGE
            raise


async def _collect(screen: Any, timeout: float, kube_context: str | None,
                   db: Any = None) -> tuple[list[tuple[str, Any]], float]:
    from functools import partial

    from cockpit.sources.board import build_sources, refresh_all
    from cockpit.sources.connections import Connections

    started = time.perf_counter()
    # One shot: botocore in threads, not aiobotocore (see cockpit.sources.aws_threads for why).
    # ``timeout`` bounds the whole check, not each source: what has not answered by then is
    # reported as timed out (a hung call in a daemon thread is abandoned, never awaited).
    async with Connections(kube_context=kube_context, aws_backend="threads") as conn:
        recoveries = partial(_resolved_since, db) if db is not None else None
        sources = build_sources(screen, conn, timeout=timeout, within=timeout, recoveries=recoveries)
        snapshots = await refresh_all(sources, within=timeout)
    return [(src.pane, snap) for src, snap in zip(sources, snapshots)], time.perf_counter() - started


def _resolved_since(db: Any, since: Any) -> Any:
    """The timeline's recoveries, read (and its modules imported) only by a screen that measures MTTR."""
    from cockpit.timeline.recovery import resolved_since

    return resolved_since(db, since)


@click.command("status", cls=_StatusCommand)
@click.option("--screen", "screen_name", metavar="NAME", help="Screen to check (default: the global --screen, config, greenlang-storage).")
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON document (docs/status-json.md).")
@click.option("--all", "all_items", is_flag=True, help="Also list the items that are ok.")
@click.option("--timeout", type=click.FloatRange(0.5, 120), default=10.0, show_default=True,
              help="Seconds the whole check may take; sources that have not answered by then are reported "
                   "as timed out (unknown: exit 3 unless something is critical).")
@click.pass_context
def status(ctx: click.Context, screen_name: str | None, as_json: bool, all_items: bool, timeout: float) -> None:
    """One snapshot of every pane of a screen; exit 0 ok, 1 warning, 2 critical, 3 unknown, 64 usage error."""
    from cockpit.content.errors import ContentError
    from cockpit.content.screen import find_screen
    from cockpit.sources.report import status_document, status_text

    opts = settings(ctx)
    opts.error_code = EX_USAGE
    config = opts.config
    name = screen_name or config.screen
    try:
        screen = find_screen(name, config.screens_dirs, config.playbooks_dirs)
    except ContentError as exc:
        fail(str(exc), EX_USAGE)
    snapshots, elapsed = asyncio.run(_collect(screen, timeout, config.kube_context, getattr(config, "db", None)))
    doc = status_document(screen, snapshots, elapsed)
    if as_json:
        click.echo(json.dumps(doc, indent=2))
    else:
        click.echo(status_text(doc, all_items=all_items))
    ctx.exit(doc["exit_code"])
